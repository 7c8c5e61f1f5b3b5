"""The dashboard pages of the roadmap: the client's objectives, the roadmap board by quarter
and lane, its items and settings, and a ticket's alignment with the objectives.

The ticket page of the backlog loads the alignment fragment from here with htmx, so that the
backlog never imports the roadmap."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backlog.models import Ticket
from backlog.selectors import ticket_get
from backlog.views.common import require_roles
from collab.common.lookup import found_or_404
from collab.forms import add_service_errors
from collab.models import Engagement
from roadmap import selectors, services
from roadmap.forms import (
    MoveForm,
    ObjectiveForm,
    RoadmapItemForm,
    RoadmapSettingsForm,
    split_placement,
)
from roadmap.models import AlignmentLevel, Lane, RoadmapItem, StrategicObjective
from roadmap.quarters import Quarter
from roles import policy
from roles.models import Role
from roles.policy import Action, actions_of

# Who sets the agency's capacity and the value-realisation delay: the agency's admin, who
# staffs the engagement, and the client's director, who owns the roadmap.
SETTINGS_ROLES = frozenset({Role.AGENCY_ADMIN, Role.DIRECTOR})


@dataclass(frozen=True)
class AlignmentRow:
    objective: StrategicObjective
    level: str
    label: str
    field: forms.BoundField | None


class AlignmentForm(forms.Form):
    """One level (none, supports, key) per objective of the engagement."""

    def __init__(self, *args, objectives: list[StrategicObjective], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for objective in objectives:
            self.fields[f"objective_{objective.pk}"] = forms.ChoiceField(
                label=objective.title, choices=AlignmentLevel.choices
            )


def _ticket_or_404(engagement: Engagement, key: str) -> Ticket:
    return found_or_404(ticket_get(engagement=engagement, key=key), "ticket")


@login_required
@require_http_methods(["GET", "POST"])
def ticket_alignment(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """How the ticket serves each objective; those who edit value figures change the levels,
    which moves the ticket's strategic alignment and so its score."""
    engagement = policy.engagement_for(request.user, slug=slug)
    action = Action.EDIT_VALUE if request.method == "POST" else Action.VIEW
    policy.require(request.user, action, engagement)
    ticket = _ticket_or_404(engagement, key)
    objectives = list(selectors.objective_list(engagement=engagement))
    levels = {
        alignment.objective_id: alignment.level
        for alignment in selectors.ticket_alignment_list(ticket=ticket)
    }
    can_edit = policy.can(request.user, Action.EDIT_VALUE, engagement)
    initial = {
        f"objective_{objective.pk}": levels.get(objective.pk, AlignmentLevel.NONE)
        for objective in objectives
    }
    form = AlignmentForm(initial=initial, objectives=objectives) if can_edit else None
    saved = False
    if request.method == "POST":
        form = AlignmentForm(request.POST, initial=initial, objectives=objectives)
        if form.is_valid():
            try:
                for objective in objectives:
                    level = form.cleaned_data[f"objective_{objective.pk}"]
                    if level != levels.get(objective.pk, AlignmentLevel.NONE):
                        services.alignment_set(
                            actor=request.user, ticket=ticket, objective=objective, level=level
                        )
                        levels[objective.pk] = level
            except ValidationError as error:
                form.add_error(None, error)
            else:
                saved = True
                if not request.htmx:
                    messages.success(
                        request, _("Alignment of %(key)s saved.") % {"key": ticket.key}
                    )
                    return redirect(
                        reverse("backlog:ticket-detail", args=[engagement.slug, ticket.key])
                        + "#alignment"
                    )
    rows = [
        AlignmentRow(
            objective=objective,
            level=levels.get(objective.pk, AlignmentLevel.NONE),
            label=AlignmentLevel(levels.get(objective.pk, AlignmentLevel.NONE)).label,
            field=form[f"objective_{objective.pk}"] if form is not None else None,
        )
        for objective in objectives
    ]
    context = {
        "engagement": engagement,
        "actions": actions_of(request.user, engagement),
        "ticket": ticket,
        "rows": rows,
        "form": form,
        "saved": saved,
    }
    if request.htmx:
        return render(request, "roadmap/_ticket_alignment.html", context)
    return render(request, "roadmap/ticket_alignment.html", context)


def _engagement(request: HttpRequest, slug: str, action: Action) -> Engagement:
    engagement = policy.engagement_for(request.user, slug=slug)
    policy.require(request.user, action, engagement)
    return engagement


def _page_context(request: HttpRequest, engagement: Engagement, **extra) -> dict:
    roles = policy.roles_of(request.user, engagement)
    actions = frozenset(action.value for action in policy.actions_for_roles(roles))
    return {
        "engagement": engagement,
        "actions": actions,
        "can_edit": Action.EDIT_VALUE.value in actions,
        "can_change_settings": bool(roles & SETTINGS_ROLES),
        **extra,
    }


# --- Objectives ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def objective_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The client's objectives with their KPI and target; the director and the consultant (and
    whoever edits value figures) add them here."""
    engagement = _engagement(request, slug, Action.VIEW)
    can_edit = policy.can(request.user, Action.EDIT_VALUE, engagement)
    form = ObjectiveForm() if can_edit else None
    if request.method == "POST":
        policy.require(request.user, Action.EDIT_VALUE, engagement)
        form = ObjectiveForm(request.POST)
        if form.is_valid():
            try:
                objective = services.objective_create(engagement=engagement, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("Objective “%(title)s” added.") % {"title": objective.title}
                )
                return redirect("roadmap:objective-list", slug=engagement.slug)
    return render(
        request,
        "roadmap/objective_list.html",
        _page_context(
            request,
            engagement,
            objectives=selectors.objective_list(engagement=engagement),
            form=form,
        ),
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


def _objective_or_404(engagement: Engagement, pk: int) -> StrategicObjective:
    return found_or_404(selectors.objective_get(engagement=engagement, pk=pk), "objective")


@login_required
@require_http_methods(["GET", "POST"])
def objective_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Change an objective; a new weight re-scores every aligned ticket."""
    engagement = _engagement(request, slug, Action.EDIT_VALUE)
    objective = _objective_or_404(engagement, pk)
    form = ObjectiveForm(initial=ObjectiveForm.initial_from(objective))
    if request.method == "POST":
        form = ObjectiveForm(request.POST, initial=ObjectiveForm.initial_from(objective))
        if form.is_valid():
            changed = {name: form.cleaned_data[name] for name in form.changed_data}
            try:
                services.objective_update(actor=request.user, objective=objective, data=changed)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("Objective “%(title)s” saved.") % {"title": objective.title}
                )
                return redirect("roadmap:objective-list", slug=engagement.slug)
    return render(
        request,
        "roadmap/objective_form.html",
        _page_context(request, engagement, objective=objective, form=form),
        status=400 if form.is_bound and form.errors else 200,
    )


# --- The board ----------------------------------------------------------------------------------


def _board_start(value: str | None) -> Quarter | None:
    try:
        start = Quarter.parse(value) if value else None
    except ValueError:
        return None
    # The page shows six quarters and links to the six before and after them: all of them must
    # be quarters of the calendar.
    earliest, latest = Quarter(1, 1) + 6, Quarter(9999, 4) - 11
    if start is not None and not earliest <= start <= latest:
        raise BadRequest(
            _("start: choose a quarter between %(earliest)s and %(latest)s.")
            % {"earliest": earliest, "latest": latest}
        )
    return start


def _board_context(
    request: HttpRequest,
    engagement: Engagement,
    start: Quarter | None,
    *,
    message: str = "",
    is_error: bool = False,
) -> dict:
    current = Quarter.current()
    # The current quarter first, so that it and the next ones fill a wide screen.
    quarters = selectors.default_board_quarters(current=current, start=start or current)
    board = selectors.roadmap_board(engagement=engagement, quarters=quarters, current=current)
    first = quarters[0]
    targets = [(column.key, column.label) for column in board.columns]
    return _page_context(
        request,
        engagement,
        board=board,
        start=str(first),
        earlier=str(first - len(quarters)),
        later=str(first + len(quarters)),
        is_default_window=start is None or start == current,
        targets=targets,
        board_message=message,
        board_message_is_error=is_error,
    )


@login_required
@require_GET
def roadmap_board(request: HttpRequest, slug: str) -> HttpResponse:
    """The roadmap by quarter (the current one and five ahead, or six from ``?start=``) and by
    lane, with each quarter's value, effort and capacity."""
    engagement = _engagement(request, slug, Action.VIEW)
    context = _board_context(request, engagement, _board_start(request.GET.get("start")))
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "roadmap/_board.html", context)
    return render(request, "roadmap/board.html", context)


def _item_or_404(engagement: Engagement, pk: int) -> RoadmapItem:
    return found_or_404(selectors.roadmap_item_get(engagement=engagement, pk=pk), "roadmap item")


@login_required
@require_POST
def item_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Move an item to another quarter or lane; htmx (and the board's script) gets the board
    back with the outcome in ``X-Tandem-Message`` (400 when refused, nothing moved), a form a
    redirect."""
    engagement = _engagement(request, slug, Action.EDIT_VALUE)
    item = _item_or_404(engagement, pk)
    form = MoveForm(request.POST)
    start = _board_start(request.POST.get("start"))
    refusal = ""
    if form.is_valid():
        quarter, lane = split_placement(form.cleaned_data["to"])
        try:
            services.roadmap_item_move(
                item=item, quarter=quarter, lane=lane, position=form.cleaned_data["position"]
            )
        except ValidationError as error:
            refusal = " ".join(error.messages)
    else:
        refusal = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if refusal:
        if request.htmx:
            context = _board_context(request, engagement, start, message=refusal, is_error=True)
            response = render(request, "roadmap/_board.html", context, status=400)
            response["X-Tandem-Message"] = quote(refusal)
            return response
        messages.error(request, refusal)
        return redirect("roadmap:board", slug=engagement.slug)
    message = _("“%(title)s” moved to %(place)s.") % {
        "title": item.title,
        "place": _place_label(quarter, lane),
    }
    if request.htmx:
        context = _board_context(request, engagement, start, message=message)
        response = render(request, "roadmap/_board.html", context)
        response["X-Tandem-Message"] = quote(message)
        return response
    messages.success(request, message)
    url = reverse("roadmap:board", args=[engagement.slug])
    return redirect(f"{url}?start={start}" if start else url)


def _place_label(quarter: str, lane: str) -> str:
    return quarter if quarter else str(Lane(lane).label)


# --- Items --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def item_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Add an item to the roadmap, with its objectives and tickets."""
    engagement = _engagement(request, slug, Action.EDIT_VALUE)
    current = Quarter.current()
    form = RoadmapItemForm(engagement=engagement, current=current)
    if request.method == "POST":
        form = RoadmapItemForm(request.POST, engagement=engagement, current=current)
        if form.is_valid():
            try:
                item = services.roadmap_item_create(engagement=engagement, **form.service_data())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("“%(title)s” added.") % {"title": item.title})
                return redirect("roadmap:board", slug=engagement.slug)
    return render(
        request,
        "roadmap/item_form.html",
        _page_context(request, engagement, form=form, item=None),
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Change an item: wording, objectives, tickets, quarter or lane, status. Members who do
    not edit value figures read it."""
    engagement = _engagement(request, slug, Action.VIEW)
    item = _item_or_404(engagement, pk)
    can_edit = policy.can(request.user, Action.EDIT_VALUE, engagement)
    current = Quarter.current()
    form = RoadmapItemForm(engagement=engagement, current=current, item=item) if can_edit else None
    if request.method == "POST":
        policy.require(request.user, Action.EDIT_VALUE, engagement)
        form = RoadmapItemForm(request.POST, engagement=engagement, current=current, item=item)
        if form.is_valid():
            try:
                services.roadmap_item_update(item=item, data=form.service_data())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("“%(title)s” saved.") % {"title": item.title})
                return redirect("roadmap:board", slug=engagement.slug)
    return render(
        request,
        "roadmap/item_form.html",
        _page_context(
            request,
            engagement,
            form=form,
            item=item,
            tickets=list(item.tickets.all()),
        ),
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


# --- Settings -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def roadmap_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """The agency's capacity per quarter and the delay before asking for realised value; the
    agency admin or the director change them."""
    engagement = _engagement(request, slug, Action.VIEW)
    require_roles(request, engagement, SETTINGS_ROLES)
    current = selectors.roadmap_settings_get(engagement=engagement)
    initial = {
        "capacity_days_per_quarter": current.capacity_days_per_quarter,
        "value_realisation_weeks": current.value_realisation_weeks,
    }
    form = RoadmapSettingsForm(initial=initial)
    if request.method == "POST":
        form = RoadmapSettingsForm(request.POST, initial=initial)
        if form.is_valid():
            try:
                services.roadmap_settings_update(engagement=engagement, data=form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Roadmap settings saved."))
                return redirect("roadmap:board", slug=engagement.slug)
    return render(
        request,
        "roadmap/settings.html",
        _page_context(request, engagement, form=form),
        status=400 if form.is_bound and form.errors else 200,
    )
