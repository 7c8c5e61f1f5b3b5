"""The time pages: a person's weekly timesheet, the team's week the project manager approves,
the list of entries (what the client may see of it), one entry with its history, and the
ticket page's time card (quick add, timer, logged against estimated).

Each view authorises at the top through roles.policy (another engagement answers 404), then
calls one selector or service.
"""

from __future__ import annotations

import datetime
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backlog.models import Ticket
from backlog.selectors import ticket_get
from backlog.timesheets import selectors, services
from backlog.timesheets.durations import duration_format, duration_parse
from backlog.timesheets.filters import TimeEntryFilter
from backlog.timesheets.forms import EntryForm, QuickAddForm, ReturnForm, TimerForm
from backlog.timesheets.models import TimeEntry, week_start
from collab.common.lookup import found_or_404
from collab.forms import add_service_errors
from collab.models import Engagement, User
from roles import policy
from roles.models import RoleAssignment
from roles.policy import Action

PAGE_SIZE = 50


def _engagement(request: HttpRequest, slug: str, action: Action = Action.VIEW) -> Engagement:
    engagement = policy.engagement_for(request.user, slug=slug)
    policy.require(request.user, action, engagement)
    return engagement


def _context(request: HttpRequest, engagement: Engagement, **extra: object) -> dict:
    return {
        "engagement": engagement,
        "actions": policy.actions_of(request.user, engagement),
        **extra,
    }


def _week_of(request: HttpRequest, person: User) -> datetime.date:
    raw = request.GET.get("week") or request.POST.get("week") or ""
    try:
        return week_start(datetime.date.fromisoformat(raw))
    except ValueError:
        return week_start(services.person_today(person))


def _toast(response: HttpResponse, message: str, tone: str = "success") -> HttpResponse:
    response["HX-Trigger"] = json.dumps({"toast": {"message": message, "tone": tone}})
    return response


# --- The weekly timesheet ---------------------------------------------------------------------


def _row_key(ticket_pk: int, role: str) -> str:
    return f"{ticket_pk}-{role}"


def _rows_posted(
    request: HttpRequest, engagement: Engagement
) -> tuple[list[tuple[Ticket | None, str]], list[str]]:
    """The rows the form carried (``rows``: ``<ticket id or 0>-<role>``), tickets found inside
    the engagement only; a key naming anything else is dropped with a message."""
    wanted: list[tuple[int, str]] = []
    for key in request.POST.getlist("rows"):
        ticket_pk, _sep, role = key.partition("-")
        if ticket_pk.isdigit() and role:
            wanted.append((int(ticket_pk), role))
    tickets = Ticket.objects.filter(
        engagement=engagement, pk__in=[pk for pk, _role in wanted if pk]
    ).select_related("engagement")
    found = {ticket.pk: ticket for ticket in tickets}
    rows, problems = [], []
    for pk, role in wanted:
        if pk and pk not in found:
            problems.append(_("A row named a ticket this engagement does not have."))
            continue
        rows.append((found.get(pk), role))
    return rows, problems


def _add_row(
    request: HttpRequest, engagement: Engagement, roles: list[str]
) -> tuple[tuple[Ticket | None, str] | None, str]:
    key = (request.POST.get("add_ticket") or "").strip()
    role = request.POST.get("add_role") or (roles[0] if len(roles) == 1 else "")
    if role not in roles:
        return None, _("Choose the role this work is done in.")
    if not key:
        return (None, role), ""
    ticket = ticket_get(engagement=engagement, key=key.upper())
    if ticket is None:
        return None, _("No ticket %(key)s on this engagement.") % {"key": key}
    return (ticket, role), ""


@login_required
@require_http_methods(["GET", "POST"])
def timesheet(request: HttpRequest, slug: str) -> HttpResponse:
    """The signed-in person's week: a row per ticket and role, a cell per day. A POST saves
    one row (``save=row:<key>``) or the whole week (``save=week``), or adds a row (``add``)
    without saving; what was typed is always shown again, refused cells with their reason."""
    engagement = _engagement(request, slug, Action.LOG_TIME)
    person = request.user
    monday = _week_of(request, person)
    extra: list[tuple[Ticket | None, str]] = []
    typed: dict[str, str] = {}
    errors: dict[str, str] = {}
    problems: list[str] = []
    status = 200
    toast = ""
    if request.method == "POST":
        extra, problems = _rows_posted(request, engagement)
        typed = {
            name: value.strip() for name, value in request.POST.items() if name.startswith("c-")
        }
        week = selectors.timesheet_week(engagement=engagement, person=person, week_of=monday)
        if "add" in request.POST:
            row, problem = _add_row(request, engagement, week.roles)
            if row is not None:
                extra.append(row)
            elif problem:
                problems.append(problem)
        else:
            save = request.POST.get("save", "week")
            keys = {_row_key(t.pk if t else 0, r) for t, r in extra}
            if save.startswith("row:"):
                keys &= {save[4:]}
            cells, refs = [], {}
            for ticket, role in extra:
                key = _row_key(ticket.pk if ticket else 0, role)
                if key not in keys:
                    continue
                for n in range(7):
                    name = f"c-{key}-{n}"
                    if name not in typed:
                        continue
                    try:
                        minutes = duration_parse(typed[name]) or 0
                    except ValidationError as error:
                        errors[name] = " ".join(error.messages)
                        continue
                    cell = services.CellInput(
                        ticket=ticket,
                        role=role,
                        day=monday + datetime.timedelta(days=n),
                        minutes=minutes,
                    )
                    cells.append(cell)
                    refs[cell] = name
            refused = services.timesheet_cells_save(
                actor=person, engagement=engagement, person=person, cells=cells
            )
            errors.update({refs[cell]: message for cell, message in refused.items()})
            saved_names = {name for cell, name in refs.items() if cell not in refused}
            typed = {name: value for name, value in typed.items() if name not in saved_names}
            if errors:
                status = 422
            else:
                toast = _("Time saved.")
    week = selectors.timesheet_week(
        engagement=engagement, person=person, week_of=monday, extra_rows=extra
    )
    context = _context(
        request,
        engagement,
        week=week,
        typed=typed,
        errors=errors,
        problems=problems,
        recent_tickets=Ticket.objects.filter(engagement=engagement)
        .select_related("engagement")
        .order_by("-updated_at")[:50],
    )
    template = "timesheets/_grid.html" if request.htmx else "timesheets/timesheet.html"
    response = render(request, template, context, status=status)
    if toast and request.htmx:
        _toast(response, toast)
    elif errors and request.htmx:
        _toast(response, _("Some cells were not saved: see their messages."), "danger")
    return response


# --- The team's week, for the project manager --------------------------------------------------


@login_required
def team_week(request: HttpRequest, slug: str) -> HttpResponse:
    """Who logged what on the engagement this week, and the project manager's decisions."""
    engagement = _engagement(request, slug, Action.VIEW_ALL_TIME)
    monday = _week_of(request, request.user)
    people = selectors.team_week(engagement=engagement, week_of=monday)
    return render(
        request,
        "timesheets/team.html",
        _context(
            request,
            engagement,
            people=people,
            monday=monday,
            previous=monday - datetime.timedelta(days=7),
            next=monday + datetime.timedelta(days=7),
            total=sum(person.minutes for person in people),
        ),
    )


def _member_or_404(engagement: Engagement, person_id: int) -> User:
    member_ids = RoleAssignment.objects.filter(engagement=engagement).values("person_id")
    return found_or_404(User.objects.filter(pk=person_id, pk__in=member_ids).first(), "person")


def _person_week_page(
    request: HttpRequest,
    engagement: Engagement,
    person: User,
    monday: datetime.date,
    *,
    return_form: ReturnForm | None = None,
    status: int = 200,
) -> HttpResponse:
    week = selectors.timesheet_week(engagement=engagement, person=person, week_of=monday)
    entries = list(
        selectors.time_entry_list(engagement=engagement, sees_all=True).filter(
            person=person, date__gte=monday, date__lte=monday + datetime.timedelta(days=6)
        )
    )
    return render(
        request,
        "timesheets/person_week.html",
        _context(
            request,
            engagement,
            person=person,
            week=week,
            entries=entries,
            return_form=return_form or ReturnForm(),
            can_approve=policy.can(request.user, Action.APPROVE_TIME, engagement),
        ),
        status=status,
    )


@login_required
def person_week(request: HttpRequest, slug: str, person_id: int) -> HttpResponse:
    """One person's week on the engagement, entry by entry, to approve or return."""
    engagement = _engagement(request, slug, Action.VIEW_ALL_TIME)
    person = _member_or_404(engagement, person_id)
    return _person_week_page(request, engagement, person, _week_of(request, request.user))


def _person_week_url(engagement: Engagement, person: User, monday: datetime.date) -> str:
    url = reverse("timesheets:person-week", args=[engagement.slug, person.pk])
    return f"{url}?week={monday.isoformat()}"


@login_required
@require_POST
def person_week_approve(request: HttpRequest, slug: str, person_id: int) -> HttpResponse:
    """The project manager approves the week: its entries lock."""
    engagement = _engagement(request, slug, Action.APPROVE_TIME)
    person = _member_or_404(engagement, person_id)
    monday = _week_of(request, request.user)
    try:
        services.timesheet_week_approve(
            actor=request.user, engagement=engagement, person=person, week_of=monday
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(person)s's week approved: its time is locked.")
            % {"person": person.display_name or person.email},
        )
    return redirect(_person_week_url(engagement, person, monday))


@login_required
@require_POST
def person_week_return(request: HttpRequest, slug: str, person_id: int) -> HttpResponse:
    """The project manager returns the week with a reason; the person is told."""
    engagement = _engagement(request, slug, Action.APPROVE_TIME)
    person = _member_or_404(engagement, person_id)
    monday = _week_of(request, request.user)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.timesheet_week_return(
                actor=request.user,
                engagement=engagement,
                person=person,
                week_of=monday,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(person)s's week returned; they were told why.")
                % {"person": person.display_name or person.email},
            )
            return redirect(_person_week_url(engagement, person, monday))
    return _person_week_page(request, engagement, person, monday, return_form=form, status=422)


# --- Entries ------------------------------------------------------------------------------------


@login_required
def entry_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The engagement's time, filtered; the client's people see approved billable time only,
    without internal notes."""
    engagement = _engagement(request, slug)
    sees_all = policy.can(request.user, Action.VIEW_ALL_TIME, engagement)
    entries = selectors.time_entry_list(engagement=engagement, sees_all=sees_all)
    filterset = TimeEntryFilter(request.GET or None, queryset=entries, engagement=engagement)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "timesheets/entry_list.html",
        _context(
            request,
            engagement,
            filter=filterset,
            page=page,
            sees_all=sees_all,
            query=query.urlencode(),
        ),
    )


def _entry_or_404(request: HttpRequest, engagement: Engagement, pk: int) -> tuple[TimeEntry, bool]:
    sees_all = policy.can(request.user, Action.VIEW_ALL_TIME, engagement)
    entry = found_or_404(
        selectors.time_entry_get(engagement=engagement, pk=pk, sees_all=sees_all), "time entry"
    )
    return entry, sees_all


def _entry_form(entry: TimeEntry, data: object = None) -> EntryForm:
    roles = services.roles_held(person=entry.person, engagement=entry.engagement, day=entry.date)
    if entry.role not in roles:
        roles = [entry.role, *roles]
    initial = {
        "date": entry.date,
        "minutes": entry.minutes,
        "ticket": entry.ticket.key if entry.ticket else "",
        "role": entry.role,
        "billable": entry.billable,
        "note": entry.note,
        "note_internal": entry.note_internal,
    }
    return EntryForm(data, initial=initial, roles=roles)


def _may_change(request: HttpRequest, engagement: Engagement, entry: TimeEntry) -> bool:
    return entry.person_id == request.user.pk and policy.can(
        request.user, Action.LOG_TIME, engagement
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One entry, its history (for the agency), and its edit form for its own person while
    its week is not approved."""
    engagement = _engagement(request, slug)
    entry, sees_all = _entry_or_404(request, engagement, pk)
    may_change = _may_change(request, engagement, entry)
    form = _entry_form(entry) if may_change and not entry.is_approved else None
    status = 200
    if request.method == "POST":
        if not may_change:
            policy.require(request.user, Action.LOG_TIME, engagement)
            raise Http404("No time entry found.")
        form = _entry_form(entry, request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            key = data.pop("ticket").strip()
            ticket = None
            if key:
                ticket = ticket_get(engagement=engagement, key=key.upper())
                if ticket is None:
                    form.add_error(
                        "ticket", _("No ticket %(key)s on this engagement.") % {"key": key}
                    )
            if form.is_valid():
                try:
                    services.time_entry_update(
                        actor=request.user, entry=entry, data={**data, "ticket": ticket}
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                except services.TimeLocked as error:
                    form.add_error(None, error.message)
                else:
                    messages.success(request, _("Time entry saved."))
                    return redirect("timesheets:entry-detail", engagement.slug, entry.pk)
        status = 422
    changes = (
        list(selectors.time_entry_changes(engagement=engagement, entry_ref=entry.pk))
        if sees_all
        else []
    )
    return render(
        request,
        "timesheets/entry_detail.html",
        _context(
            request,
            engagement,
            entry=entry,
            sees_all=sees_all,
            form=form,
            may_change=may_change,
            changes=changes,
        ),
        status=status,
    )


@login_required
@require_POST
def entry_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Delete one's own entry while its week is not approved."""
    engagement = _engagement(request, slug, Action.LOG_TIME)
    entry, _sees_all = _entry_or_404(request, engagement, pk)
    if entry.person_id != request.user.pk:
        raise Http404("No time entry found.")
    try:
        services.time_entry_delete(actor=request.user, entry=entry)
    except services.TimeLocked as error:
        messages.error(request, error.message)
        return redirect("timesheets:entry-detail", engagement.slug, entry.pk)
    messages.success(request, _("Time entry deleted."))
    url = reverse("timesheets:timesheet", args=[engagement.slug])
    return redirect(f"{url}?week={week_start(entry.date).isoformat()}")


# --- The ticket page's time card -----------------------------------------------------------------


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
    return render(
        request,
        "timesheets/_ticket_time.html",
        _context(
            request,
            engagement,
            ticket=ticket,
            time=selectors.ticket_time(ticket=ticket, sees_all=sees_all),
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
    engagement = _engagement(request, slug, action)
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
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except services.TimeLocked as error:
            form.add_error(None, error.message)
        else:
            response = _ticket_card(request, engagement, ticket)
            return _toast(
                response,
                _("%(duration)s logged on %(key)s.")
                % {"duration": duration_format(data["duration"]), "key": ticket.key},
            )
    return _ticket_card(request, engagement, ticket, form=form, status=422)


@login_required
@require_POST
def timer_start(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """Start the person's timer on this ticket."""
    engagement = _engagement(request, slug, Action.LOG_TIME)
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
    return _toast(_ticket_card(request, engagement, ticket), _("Timer started."))


@login_required
@require_POST
def timer_stop(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """Stop the person's timer: the time it ran becomes an entry."""
    engagement = _engagement(request, slug, Action.LOG_TIME)
    ticket = _ticket_or_404(engagement, key)
    try:
        entry = services.timer_stop(person=request.user)
    except (ValidationError, services.TimeLocked) as error:
        message = (
            error.message if isinstance(error, services.TimeLocked) else " ".join(error.messages)
        )
        return _toast(_ticket_card(request, engagement, ticket, status=409), message, "danger")
    return _toast(
        _ticket_card(request, engagement, ticket),
        _("%(duration)s logged.") % {"duration": duration_format(entry.minutes)},
    )


@login_required
@require_POST
def timer_discard(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """Throw the running timer away."""
    engagement = _engagement(request, slug, Action.LOG_TIME)
    ticket = _ticket_or_404(engagement, key)
    services.timer_discard(person=request.user)
    return _toast(_ticket_card(request, engagement, ticket), _("Timer discarded."), "info")
