"""The signed-in person's weekly timesheet: a row per ticket and role, a cell per day.

The form names each row ``<ticket id or 0>-<role>`` (hidden ``rows``) and each cell
``c-<row>-<day 0..6>``; a POST saves one row (``save=row:<row>``) or the week (``save=week``),
or adds a row (``add``) without saving. What was typed always comes back: refused cells with
their reason, unsaved cells as typed."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backlog.models import Ticket
from backlog.selectors import ticket_get
from backlog.timesheets import selectors, services
from backlog.timesheets.durations import duration_parse
from backlog.timesheets.views.common import engagement_allowed, page_context, week_of, with_toast
from collab.models import Engagement, User
from roles.policy import Action

RowRef = tuple[Ticket | None, str]


@dataclass
class Posted:
    """What a POST of the grid carried, and what became of it."""

    rows: list[RowRef] = field(default_factory=list)
    typed: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    saved: bool = False


def _row_key(ticket: Ticket | None, role: str) -> str:
    return f"{ticket.pk if ticket else 0}-{role}"


def _rows_posted(request: HttpRequest, engagement: Engagement, posted: Posted) -> None:
    """The rows the form carried, their tickets found inside the engagement only; a row
    naming anything else is dropped with a message."""
    wanted: list[tuple[int, str]] = []
    for key in request.POST.getlist("rows"):
        ticket_pk, _sep, role = key.partition("-")
        if ticket_pk.isdigit() and role:
            wanted.append((int(ticket_pk), role))
    found = selectors.timesheet_tickets(
        engagement=engagement, ids=[pk for pk, _role in wanted if pk]
    )
    for pk, role in wanted:
        if pk and pk not in found:
            posted.problems.append(_("A row named a ticket this engagement does not have."))
            continue
        posted.rows.append((found.get(pk), role))


def _add_row(
    request: HttpRequest, engagement: Engagement, person: User, monday: datetime.date
) -> tuple[RowRef | None, str]:
    roles = selectors.week_roles(engagement=engagement, person=person, week_of=monday)
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


def _save(
    request: HttpRequest,
    engagement: Engagement,
    person: User,
    monday: datetime.date,
    posted: Posted,
) -> None:
    """Save the cells of the row asked for (or of every row): each cell on its own."""
    save = request.POST.get("save", "week")
    cells: dict[services.CellInput, str] = {}
    for ticket, role in posted.rows:
        key = _row_key(ticket, role)
        if save.startswith("row:") and save[4:] != key:
            continue
        for n in range(7):
            name = f"c-{key}-{n}"
            if name not in posted.typed:
                continue
            try:
                minutes = duration_parse(posted.typed[name]) or 0
            except ValidationError as error:
                posted.errors[name] = " ".join(error.messages)
                continue
            day = monday + datetime.timedelta(days=n)
            cells[services.CellInput(ticket=ticket, role=role, day=day, minutes=minutes)] = name
    refused = services.timesheet_cells_save(
        actor=person, engagement=engagement, person=person, cells=list(cells)
    )
    posted.errors.update({cells[cell]: message for cell, message in refused.items()})
    saved_names = {name for cell, name in cells.items() if cell not in refused}
    posted.typed = {name: value for name, value in posted.typed.items() if name not in saved_names}
    posted.saved = not posted.errors


@login_required
@require_http_methods(["GET", "POST"])
def timesheet(request: HttpRequest, slug: str) -> HttpResponse:
    """The signed-in person's week on the engagement; see the module for the POST."""
    engagement = engagement_allowed(request, slug, Action.LOG_TIME)
    person = request.user
    monday = week_of(request, person)
    posted = Posted()
    if request.method == "POST":
        _rows_posted(request, engagement, posted)
        posted.typed = {
            name: value.strip() for name, value in request.POST.items() if name.startswith("c-")
        }
        if "add" in request.POST:
            row, problem = _add_row(request, engagement, person, monday)
            if row is not None:
                posted.rows.append(row)
            else:
                posted.problems.append(problem)
        else:
            _save(request, engagement, person, monday, posted)
    week = selectors.timesheet_week(
        engagement=engagement, person=person, week_of=monday, extra_rows=posted.rows
    )
    context = page_context(
        request,
        engagement,
        week=week,
        typed=posted.typed,
        errors=posted.errors,
        problems=posted.problems,
        recent_tickets=selectors.recent_tickets(engagement=engagement),
    )
    template = "timesheets/_grid.html" if request.htmx else "timesheets/timesheet.html"
    response = render(request, template, context, status=422 if posted.errors else 200)
    if request.htmx and posted.saved:
        with_toast(response, _("Time saved."))
    elif request.htmx and posted.errors:
        with_toast(response, _("Some cells were not saved: see their messages."), "danger")
    return response
