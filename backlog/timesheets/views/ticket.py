"""The ticket page's time card: logged against estimated, the quick add and the timer."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backlog.models import Ticket
from backlog.selectors import ticket_get
from backlog.timesheets import selectors, services
from backlog.timesheets.actuals import ticket_actuals
from backlog.timesheets.durations import duration_format
from backlog.timesheets.forms import QuickAddForm, TimerForm
from backlog.timesheets.views.common import engagement_allowed, page_context, with_toast
from collab.common.lookup import found_or_404
from collab.forms import add_service_errors
from collab.models import Engagement
from roles import policy
from roles.policy import Action


def _ticket_or_404(engagement: Engagement, key: str) -> Ticket:
    return found_or_404(ticket_get(engagement=engagement, key=key), "ticket")


def _ticket_card(
    request: HttpRequest,
    engagement: Engagement,
    ticket: Ticket,
    *,
    form: QuickAddForm | None = None,
    timer_form: TimerForm | None = None,
    status: int = 200,
) -> HttpResponse:
    sees_all = policy.can(request.user, Action.VIEW_ALL_TIME, engagement)
    can_log = policy.can(request.user, Action.LOG_TIME, engagement)
    person = request.user
    roles: list[str] = []
    if can_log:
        roles = services.roles_held(
            person=person, engagement=engagement, day=services.person_today(person)
        )
        if form is None:
            form = QuickAddForm(
                roles=roles,
                initial={"date": services.person_today(person), "billable": True},
                auto_id="time-%s",
            )
        if timer_form is None and len(roles) > 1:
            timer_form = TimerForm(roles=roles, auto_id="timer-%s")
    timer = selectors.timer_of(person) if can_log else None
    time = selectors.ticket_time(ticket=ticket, sees_all=sees_all)
    actuals = None
    if policy.can_see_realised_cost(request.user, engagement):
        actuals = ticket_actuals(
            ticket=ticket, engagement=engagement, approved_minutes=time.approved_billable_minutes
        )
    return render(
        request,
        "timesheets/_ticket_time.html",
        page_context(
            request,
            engagement,
            ticket=ticket,
            time=time,
            actuals=actuals,
            form=form,
            timer_form=timer_form,
            timer=timer,
            can_log=can_log,
            duration_format=duration_format,
        ),
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def ticket_time(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """The ticket's time card; a POST is the quick add."""
    action = Action.LOG_TIME if request.method == "POST" else Action.VIEW
    engagement = engagement_allowed(request, slug, action)
    ticket = _ticket_or_404(engagement, key)
    if request.method == "GET":
        return _ticket_card(request, engagement, ticket)
    person = request.user
    roles = services.roles_held(
        person=person, engagement=engagement, day=services.person_today(person)
    )
    form = QuickAddForm(request.POST, roles=roles, auto_id="time-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.time_entry_create(
                actor=person,
                engagement=engagement,
                person=person,
                date=data["date"],
                minutes=data["duration"],
                ticket=ticket,
                role=data.get("role") or "",
                billable=data["billable"],
                note=data["note"],
                note_internal=data["note_internal"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except services.TimeLocked as error:
            form.add_error(None, error.message)
        else:
            response = _ticket_card(request, engagement, ticket)
            return with_toast(
                response,
                _("%(duration)s logged on %(key)s.")
                % {"duration": duration_format(data["duration"]), "key": ticket.key},
            )
    return _ticket_card(request, engagement, ticket, form=form, status=422)


@login_required
@require_POST
def timer_start(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """Start the person's timer on this ticket."""
    engagement = engagement_allowed(request, slug, Action.LOG_TIME)
    ticket = _ticket_or_404(engagement, key)
    person = request.user
    roles = services.roles_held(
        person=person, engagement=engagement, day=services.person_today(person)
    )
    timer_form = TimerForm(request.POST, roles=roles, auto_id="timer-%s")
    role = request.POST.get("role", "") if len(roles) > 1 else ""
    if len(roles) > 1 and not timer_form.is_valid():
        return _ticket_card(request, engagement, ticket, timer_form=timer_form, status=422)
    try:
        services.timer_start(person=person, engagement=engagement, ticket=ticket, role=role)
    except ValidationError as error:
        timer_form = TimerForm(roles=roles, auto_id="timer-%s")
        add_service_errors(timer_form, error)
        return _ticket_card(request, engagement, ticket, timer_form=timer_form, status=422)
    return with_toast(_ticket_card(request, engagement, ticket), _("Timer started."))


@login_required
@require_POST
def timer_stop(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """Stop the person's timer: the time it ran becomes an entry."""
    engagement = engagement_allowed(request, slug, Action.LOG_TIME)
    ticket = _ticket_or_404(engagement, key)
    try:
        entry = services.timer_stop(person=request.user)
    except (ValidationError, services.TimeLocked) as error:
        message = (
            error.message if isinstance(error, services.TimeLocked) else " ".join(error.messages)
        )
        return with_toast(_ticket_card(request, engagement, ticket, status=409), message, "danger")
    return with_toast(
        _ticket_card(request, engagement, ticket),
        _("%(duration)s logged.") % {"duration": duration_format(entry.minutes)},
    )


@login_required
@require_POST
def timer_discard(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """Throw the running timer away."""
    engagement = engagement_allowed(request, slug, Action.LOG_TIME)
    ticket = _ticket_or_404(engagement, key)
    services.timer_discard(person=request.user)
    return with_toast(_ticket_card(request, engagement, ticket), _("Timer discarded."), "info")
