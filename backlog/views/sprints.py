"""Sprints: the list with velocity, and the board where tickets move by status."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from backlog import selectors, services, workflow
from backlog.forms import SprintForm
from backlog.models import Sprint, Status, Ticket
from backlog.views.common import PLANNERS, engagement_allowed, require_roles
from collab.forms import add_service_errors
from collab.models import Engagement
from roles import policy
from roles.models import Role
from roles.policy import Action

# The board's columns: the workflow in order; on hold and rejected only when they hold cards.
BOARD_STATUSES = (
    Status.NEW,
    Status.TRIAGE,
    Status.ANALYSIS,
    Status.READY,
    Status.IN_PROGRESS,
    Status.IN_REVIEW,
    Status.QA,
    Status.DONE,
)
SIDE_STATUSES = (Status.ON_HOLD, Status.REJECTED)


@dataclass(frozen=True)
class Card:
    ticket: Ticket
    targets: list[Status]


@dataclass(frozen=True)
class SprintRow:
    """A sprint of the list with its velocity, and that velocity as a share of the best one."""

    sprint: Sprint
    done_effort_days: Decimal
    share: Decimal


def sprint_rows(velocities: list[selectors.SprintVelocity]) -> list[SprintRow]:
    best = max((row.done_effort_days for row in velocities), default=Decimal(0))
    return [
        SprintRow(
            sprint=row.sprint,
            done_effort_days=row.done_effort_days,
            share=(row.done_effort_days * 100 / best).quantize(Decimal("0.1"))
            if best
            else Decimal(0),
        )
        for row in reversed(velocities)
    ]


@dataclass(frozen=True)
class Column:
    status: Status
    cards: list[Card]


def _card(ticket: Ticket, roles: frozenset[Role]) -> Card:
    # Steps that need a reason (rejecting, reopening) are taken on the ticket page.
    targets = [
        target
        for target in workflow.allowed_targets(ticket.status, roles)
        if (Status(ticket.status), target) not in workflow.REASON_REQUIRED
    ]
    return Card(ticket=ticket, targets=targets)


def board_columns(engagement: Engagement, sprint: Sprint, roles: frozenset[Role]) -> list[Column]:
    tickets = selectors.ticket_list(engagement=engagement, filters={"sprint": sprint.pk})
    by_status: dict[str, list[Card]] = {}
    for ticket in tickets:
        by_status.setdefault(ticket.status, []).append(_card(ticket, roles))
    statuses = [*BOARD_STATUSES, *(s for s in SIDE_STATUSES if by_status.get(s))]
    return [Column(status=status, cards=by_status.get(status, [])) for status in statuses]


def _actions(roles: frozenset[Role]) -> frozenset[str]:
    return frozenset(action.value for action in policy.actions_for_roles(roles))


def render_board(
    request: HttpRequest, engagement: Engagement, sprint: Sprint, *, message: str = ""
) -> HttpResponse:
    """The board's columns alone (after a move), the move's confirmation in a header too."""
    roles = policy.roles_of(request.user, engagement)
    response = render(
        request,
        "backlog/_board.html",
        {
            "engagement": engagement,
            "sprint": sprint,
            "columns": board_columns(engagement, sprint, roles),
            "board_message": message,
        },
    )
    if message:
        response["X-Tandem-Message"] = quote(message)
    return response


def render_card(
    request: HttpRequest,
    engagement: Engagement,
    ticket: Ticket,
    reasons: list[str],
    *,
    message: str = "",
) -> HttpResponse:
    """One card in place, with the reasons its move was refused (409, the reasons in a header
    too, for the board's toast) or a confirmation."""
    roles = policy.roles_of(request.user, engagement)
    response = render(
        request,
        "backlog/_board_card.html",
        {
            "engagement": engagement,
            "card": _card(ticket, roles),
            "reasons": reasons,
            "card_message": message,
        },
        status=409 if reasons else 200,
    )
    if reasons or message:
        response["X-Tandem-Message"] = quote(" ".join(reasons) if reasons else message)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def sprint_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The engagement's sprints with their velocity; the project manager opens new ones."""
    engagement = engagement_allowed(request, slug, Action.VIEW)
    roles = policy.roles_of(request.user, engagement)
    can_plan = bool(roles & PLANNERS)
    form = SprintForm() if can_plan else None
    if request.method == "POST":
        require_roles(request, engagement, PLANNERS)
        form = SprintForm(request.POST)
        if form.is_valid():
            try:
                sprint = services.sprint_create(
                    actor=request.user, engagement=engagement, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Sprint “%(name)s” opened.") % {"name": sprint.name})
                return redirect("backlog:sprint-board", slug=engagement.slug, pk=sprint.pk)
    return render(
        request,
        "backlog/sprint_list.html",
        {
            "engagement": engagement,
            "actions": _actions(roles),
            "rows": sprint_rows(selectors.velocity(engagement=engagement)),
            "form": form,
        },
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


@login_required
@require_GET
def sprint_board(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = engagement_allowed(request, slug, Action.VIEW)
    sprint = selectors.sprint_get(engagement=engagement, pk=pk)
    if sprint is None:
        raise Http404("No sprint found.")
    roles = policy.roles_of(request.user, engagement)
    return render(
        request,
        "backlog/sprint_board.html",
        {
            "engagement": engagement,
            "actions": _actions(roles),
            "sprint": sprint,
            "columns": board_columns(engagement, sprint, roles),
        },
    )
