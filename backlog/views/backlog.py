"""The ranked backlog and the value/effort matrix (the director's pages)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from backlog import selectors, services
from backlog.filters import TicketFilter
from backlog.forms import PinForm
from backlog.models import CLOSED_STATUSES, Status, Ticket
from backlog.views.charts import matrix_chart
from backlog.views.common import engagement_allowed, safe_next, ticket_or_404
from roles.policy import Action, actions_of

PAGE_SIZE = 200
FILTER_FIELDS = (
    "q",
    "status",
    "kind",
    "origin",
    "sprint",
    "quadrant",
    "assignee",
    "needs_alignment",
    "ordering",
)
OPEN_STATUSES = [status for status in Status.values if status not in ("done", "rejected")]


@dataclass(frozen=True)
class BacklogRow:
    position: int
    ticket: Ticket
    cost: Decimal | None


@login_required
@require_GET
def ticket_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The ranked backlog: pinned ranks first, then the score; filtered and sorted by the
    shared TicketFilter; an htmx request gets only the results."""
    engagement = engagement_allowed(request, slug, Action.VIEW)
    params = request.GET.copy()
    if "status" not in params:
        # The backlog is the work still to do: done and rejected tickets show when asked for.
        params.setlist("status", [status for status in Status if status not in CLOSED_STATUSES])
    filterset = TicketFilter(data=params, queryset=Ticket.objects.none(), engagement=engagement)
    if filterset.is_bound and not filterset.is_valid():
        tickets = Ticket.objects.none()
    else:
        filters = params.copy()
        filters.pop("page", None)
        try:
            tickets = selectors.ticket_list(engagement=engagement, filters=filters or None)
        except ValidationError:
            tickets = Ticket.objects.none()
    paginator = Paginator(tickets, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    day_rate = engagement.agency_day_rate
    rows = [
        BacklogRow(
            position=page.start_index() + index,
            ticket=ticket,
            cost=ticket.effort_days * day_rate if ticket.effort_days is not None else None,
        )
        for index, ticket in enumerate(page.object_list)
    ]
    query = request.GET.copy()
    query.pop("page", None)
    actions = actions_of(request.user, engagement)
    context = {
        "engagement": engagement,
        "actions": actions,
        "filter_form": filterset.form,
        "filter_fields": [filterset.form[name] for name in FILTER_FIELDS],
        "rows": rows,
        "page": page,
        "query": query.urlencode(),
        "can_pin": Action.APPROVE_PRIORITIES.value in actions,
    }
    # A history restore (back button, cache miss) needs the whole page.
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "backlog/_ticket_results.html", context)
    return render(request, "backlog/ticket_list.html", context)


@login_required
@require_POST
def ticket_pin(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """The director pins (or unpins) a ticket's rank; the computed score stays visible."""
    engagement = engagement_allowed(request, slug, Action.APPROVE_PRIORITIES)
    ticket = ticket_or_404(engagement, key)
    form = PinForm(request.POST)
    back = _back(request, engagement)
    if not form.is_valid():
        messages.error(request, _("A pinned rank is a whole number from 1."))
        return redirect(back)
    try:
        pinned = services.ticket_pin_rank(
            actor=request.user,
            ticket=ticket,
            rank=form.cleaned_data["rank"],
            expected_version=form.cleaned_data["version"],
        )
    except services.StaleVersion:
        messages.error(
            request,
            _("Someone else changed %(key)s meanwhile; nothing was saved.") % {"key": ticket.key},
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if pinned.manual_rank is None:
            messages.success(request, _("%(key)s is no longer pinned.") % {"key": ticket.key})
        else:
            # The rank it took: a rank past the last pin becomes the next free one.
            messages.success(
                request,
                _("%(key)s pinned at rank %(rank)s.")
                % {"key": ticket.key, "rank": pinned.manual_rank},
            )
    return redirect(back)


def _back(request: HttpRequest, engagement) -> str:
    return safe_next(request, reverse("backlog:ticket-list", args=[engagement.slug]))


@login_required
@require_GET
def matrix(request: HttpRequest, slug: str) -> HttpResponse:
    """The open backlog on a value/effort chart: one linked dot per ticket having both figures,
    the medians splitting the four quadrants, and the same points as a table."""
    engagement = engagement_allowed(request, slug, Action.VIEW)
    medians = selectors.backlog_medians(engagement=engagement)
    tickets = selectors.ticket_list(engagement=engagement, filters={"status": OPEN_STATUSES})
    points = [
        (
            ticket.key,
            ticket.title,
            reverse("backlog:ticket-detail", args=[engagement.slug, ticket.key]),
            ticket.quadrant,
            ticket.annual_value,
            ticket.effort_days,
        )
        for ticket in tickets
        if ticket.annual_value is not None and ticket.effort_days is not None
    ]
    return render(
        request,
        "backlog/matrix.html",
        {
            "engagement": engagement,
            "actions": actions_of(request.user, engagement),
            "chart": matrix_chart(points, medians),
            "medians": medians,
        },
    )
