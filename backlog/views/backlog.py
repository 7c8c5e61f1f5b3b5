"""The ranked backlog and the value/effort matrix (the director's pages)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backlog import selectors, services
from backlog.filters import TicketFilter
from backlog.list_forms import BULK_STATUSES, BulkForm, RerankForm
from backlog.models import CLOSED_STATUSES, Kind, Origin, Status, Ticket
from backlog.scoring import Quadrant
from backlog.templatetags.backlog_extras import decimal as number_text
from backlog.views import listing
from backlog.views.common import engagement_allowed, safe_next, ticket_or_404
from collab.common.lookup import found_or_404
from collab.common.money import money_text
from collab.models import Engagement
from roles import policy
from roles.models import Role
from roles.policy import Action
from roles.selectors import engagement_members

PAGE_SIZE = 100
OPEN_STATUSES = [status for status in Status.values if status not in ("done", "rejected")]


@dataclass(frozen=True)
class BacklogRow:
    """A ticket of the list with what its row shows, worked out once per page (choice labels
    and figures in the reader's language) so that 100 rows render fast."""

    position: int
    ticket: Ticket
    cost: Decimal | None
    url: str
    kind: str
    origin: str
    status: str
    quadrant: str
    score: str
    value: str
    effort: str
    closed: bool


def _rows(tickets: list[Ticket], start: int, engagement: Engagement) -> list[BacklogRow]:
    day_rate = engagement.agency_day_rate
    # The list's own URL with the key after it: one reverse for the page, not one per row.
    prefix = reverse("backlog:ticket-list", args=[engagement.slug])
    labels = {
        field: {str(value): str(label) for value, label in choices}
        for field, choices in (
            ("kind", Kind.choices),
            ("origin", Origin.choices),
            ("status", Status.choices),
            ("quadrant", Quadrant.choices),
        )
    }
    effort_unit = _("%(days)s d")
    return [
        BacklogRow(
            position=start + index + 1,
            ticket=ticket,
            cost=ticket.effort_days * day_rate if ticket.effort_days is not None else None,
            url=f"{prefix}{ticket.key}/",
            kind=labels["kind"].get(ticket.kind, ticket.kind),
            origin=labels["origin"].get(ticket.origin, ticket.origin),
            status=labels["status"].get(ticket.status, ticket.status),
            quadrant=labels["quadrant"].get(ticket.quadrant or "", ""),
            score=number_text(ticket.score, 0),
            value=money_text(ticket.annual_value, engagement.currency),
            effort=effort_unit % {"days": number_text(ticket.effort_days, 1)}
            if ticket.effort_days is not None
            else "—",
            closed=ticket.status in CLOSED_STATUSES,
        )
        for index, ticket in enumerate(tickets)
    ]


def _viewer(request: HttpRequest, slug: str) -> tuple[Engagement, frozenset[Role], frozenset[str]]:
    """The engagement (404 when not the viewer's), the viewer's roles and actions (one read of
    the roles for both)."""
    engagement = policy.engagement_for(request.user, slug=slug)
    roles = policy.roles_of(request.user, engagement)
    actions = policy.action_values(roles)
    if Action.VIEW.value not in actions:
        raise PermissionDenied
    return engagement, roles, actions


def _list_context(
    query: QueryDict, list_url: str, engagement: Engagement, actions: frozenset[str]
) -> dict[str, Any]:
    """Everything the list shows for the filters, sorting and page of ``query``."""
    query = query.copy()
    params = query.copy()
    params.pop("page", None)
    if "status" not in params:
        # The backlog is the work still to do: done and rejected tickets show when asked for.
        params.setlist("status", listing.DEFAULT_STATUSES)
    filterset = TicketFilter(data=params, queryset=Ticket.objects.none(), engagement=engagement)
    chosen = listing.selected_values(query)
    invalid = filterset.is_bound and not filterset.is_valid()
    rows: list[BacklogRow] = []
    facet_rows: list[dict[str, Any]] = []
    count = 0
    page_number = 1
    if not invalid:
        facet_rows = selectors.ticket_facet_rows(
            engagement=engagement,
            filters=listing.filters_for(params, lambda name: name in listing.PLAIN_FILTERS),
        )
        count = listing.total(facet_rows, chosen)
        pages = max(1, -(-count // PAGE_SIZE))
        try:
            page_number = min(max(1, int(query.get("page", "1"))), pages)
        except ValueError:
            page_number = 1
        start = (page_number - 1) * PAGE_SIZE
        tickets = selectors.ticket_list(
            engagement=engagement,
            filters=listing.filters_for(params, lambda name: True),
        )
        rows = _rows(list(tickets[start : start + PAGE_SIZE]), start, engagement)
    tallies = listing.counts(facet_rows, chosen)
    menus = listing.menus(query=query, chosen=chosen, tallies=tallies, rows=facet_rows)
    ordering = query.get("ordering", "")
    can_pin = Action.APPROVE_PRIORITIES.value in actions
    pages = max(1, -(-count // PAGE_SIZE))
    return {
        "engagement": engagement,
        "actions": actions,
        "ranking_job": selectors.ranking_job_running(engagement=engagement),
        "filter_form": filterset.form,
        "invalid": invalid,
        "rows": rows,
        "count": count,
        "page_number": page_number,
        "pages": pages,
        "previous_page": listing.query_with(query, "page", [str(page_number - 1)])
        if page_number > 1
        else "",
        "next_page": listing.query_with(query, "page", [str(page_number + 1)])
        if page_number < pages
        else "",
        "menus": menus,
        "chips": listing.chips(query, menus),
        "clear_href": "?",
        "sorts": listing.sorts(query),
        "q": query.get("q", ""),
        "kept": [
            (name, value)
            for name in listing.KEPT
            if name not in listing.MULTIPLE and name != "q"
            for value in query.getlist(name)
            if value
        ],
        "bulk_statuses": BULK_STATUSES,
        "can_pin": can_pin,
        # Dragging writes pinned ranks: only in the ranked order, where a place means a rank.
        "can_drag": can_pin and ordering in ("", "rank"),
        "can_edit": Action.FILE_TICKETS.value in actions,
        "list_url": list_url,
    }


@login_required
@require_GET
def ticket_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The ranked backlog: pinned ranks first, then the score; filtered and sorted by the
    shared TicketFilter, each filter's options counted; an htmx request gets only the list."""
    engagement, _roles, actions = _viewer(request, slug)
    context = _list_context(request.GET, request.get_full_path(), engagement, actions)
    # A history restore (back button, cache miss) needs the whole page.
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "backlog/_ticket_results.html", context)
    return render(request, "backlog/ticket_list.html", context)


@login_required
@require_GET
def ranking_job(request: HttpRequest, slug: str) -> HttpResponse:
    """The banner of the engagement's ranking job, polled by htmx while it runs; once it is
    done, an htmx poll reloads the page (its list then shows the new ranking)."""
    engagement = engagement_allowed(request, slug, Action.VIEW)
    job = selectors.ranking_job_running(engagement=engagement)
    if job is None and request.htmx:
        return HttpResponse(headers={"HX-Refresh": "true"})
    return render(
        request, "backlog/_ranking_job.html", {"engagement": engagement, "ranking_job": job}
    )


def _rank_after(engagement: Engagement, ticket: Ticket, after: str) -> int | None:
    """The pinned rank of a ticket dropped just under ``after`` (empty: at the top).

    Under a pinned ticket it takes the next place (its own when it moves down among the
    pins, whose numbers close up behind it); under an unpinned one a pinned ticket is
    unpinned (it goes back to its score's place), an unpinned one cannot be placed there."""
    if not after:
        return 1
    above = ticket_or_404(engagement, after)
    if above.manual_rank is None:
        if ticket.manual_rank is None:
            raise ValidationError(
                _(
                    "Unpinned tickets follow their score: drop %(key)s among the pinned "
                    "tickets, or at the top, to pin it."
                )
                % {"key": ticket.key}
            )
        return None
    if ticket.manual_rank is not None and ticket.manual_rank < above.manual_rank:
        return above.manual_rank
    return above.manual_rank + 1


def _pin_message(ticket: Ticket) -> str:
    if ticket.manual_rank is None:
        return _("%(key)s is no longer pinned.") % {"key": ticket.key}
    # The rank it took: a rank past the last pin becomes the next free one.
    return _("%(key)s pinned at rank %(rank)s.") % {"key": ticket.key, "rank": ticket.manual_rank}


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


@login_required
@require_POST
def ticket_pin(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """The director pins (or unpins) a ticket's rank; the computed score stays visible. From
    the list's drag and drop (``after``, answered in JSON with what undoes it) or a form."""
    engagement = engagement_allowed(request, slug, Action.APPROVE_PRIORITIES)
    ticket = ticket_or_404(engagement, key)
    form = RerankForm(request.POST)
    back = _back(request, engagement)
    wants_json = _wants_json(request)
    if not form.is_valid():
        message = _("A pinned rank is a whole number from 1.")
        if wants_json:
            return JsonResponse({"detail": message}, status=400)
        messages.error(request, message)
        return redirect(back)
    previous = ticket.manual_rank
    try:
        if "after" in request.POST:
            rank = _rank_after(engagement, ticket, form.cleaned_data["after"])
        else:
            rank = form.cleaned_data["rank"]
        pinned = services.ticket_pin_rank(
            actor=request.user,
            ticket=ticket,
            rank=rank,
            expected_version=form.cleaned_data["version"],
        )
    except services.StaleVersion:
        message = _("Someone else changed %(key)s meanwhile; nothing was saved.") % {
            "key": ticket.key
        }
        status = 409
    except ValidationError as error:
        message, status = " ".join(error.messages), 400
    else:
        message, status = _pin_message(pinned), 200
        if wants_json:
            return JsonResponse(
                {
                    "key": pinned.key,
                    "rank": pinned.manual_rank,
                    "previous": previous,
                    "version": pinned.version,
                    "detail": message,
                }
            )
        messages.success(request, message)
        return redirect(back)
    if wants_json:
        return JsonResponse({"detail": message}, status=status)
    messages.error(request, message)
    return redirect(back)


def _back(request: HttpRequest, engagement) -> str:
    return safe_next(request, reverse("backlog:ticket-list", args=[engagement.slug]))


@login_required
@require_GET
def ticket_peek(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """A ticket's summary for the list's side panel (the full page is one link away)."""
    engagement, _roles, actions = _viewer(request, slug)
    ticket = found_or_404(selectors.ticket_summary_get(engagement=engagement, key=key), "ticket")
    day_rate = engagement.agency_day_rate
    return render(
        request,
        "backlog/_ticket_peek.html",
        {
            "engagement": engagement,
            "actions": actions,
            "ticket": ticket,
            "cost": ticket.effort_days * day_rate if ticket.effort_days is not None else None,
        },
    )


def _bulk_summary(action: str, result: services.BulkResult) -> tuple[str, str]:
    changed = len(result.changed)
    text = ngettext("%(count)s ticket changed.", "%(count)s tickets changed.", changed) % {
        "count": changed
    }
    if not result.refused:
        return text, "success"
    refused = " ".join(
        f"{key}: {' '.join(reasons)}" for key, reasons in sorted(result.refused.items())
    )
    text += " " + ngettext(
        "%(count)s refused: %(reasons)s", "%(count)s refused: %(reasons)s", len(result.refused)
    ) % {"count": len(result.refused), "reasons": refused}
    return text, "warning"


@login_required
@require_http_methods(["GET", "POST"])
def ticket_bulk(request: HttpRequest, slug: str) -> HttpResponse:
    """One change for the tickets chosen on the list: a status through the workflow's guards
    (those refused are listed with their reasons, the others move), or an assignee, a sprint
    or a label for all of them (all or nothing). GET: the people and sprints to choose from,
    loaded when the first ticket is selected."""
    engagement, _roles, actions = _viewer(request, slug)
    if request.method == "GET":
        return render(
            request,
            "backlog/_bulk_options.html",
            {
                "engagement": engagement,
                "people": list(engagement_members(engagement=engagement)),
                "sprints": list(selectors.sprint_list(engagement=engagement)),
                "can_edit": Action.FILE_TICKETS.value in actions,
            },
        )
    keys = request.POST.getlist("tickets")
    tickets = selectors.tickets_by_keys(engagement=engagement, keys=keys)
    form = BulkForm(request.POST, engagement=engagement, keys=[t.key for t in tickets])
    back = _back(request, engagement)
    if not form.is_valid():
        errors = [str(message) for field in form.errors.values() for message in field]
        message = _("Nothing was changed: %(errors)s") % {"errors": " ".join(errors)}
        tone = "danger"
    else:
        data = form.cleaned_data
        action = data["action"]
        try:
            if action == "status":
                result = services.tickets_bulk_transition(
                    actor=request.user,
                    engagement=engagement,
                    tickets=tickets,
                    to_status=data["status"],
                )
            else:
                policy.require(request.user, Action.FILE_TICKETS, engagement)
                result = services.tickets_bulk_update(
                    actor=request.user,
                    engagement=engagement,
                    tickets=tickets,
                    assignee=data["assignee"],
                    sprint=data["sprint"],
                    label=data["label"],
                    fields=["labels" if action == "label" else action],
                )
        except ValidationError as error:
            message = _("Nothing was changed: %(errors)s") % {"errors": " ".join(error.messages)}
            tone = "danger"
        else:
            message, tone = _bulk_summary(action, result)
    if request.htmx:
        response = render(
            request,
            "backlog/_ticket_results.html",
            _list_context(QueryDict(urlsplit(back).query), back, engagement, actions),
        )
        response["HX-Trigger"] = json.dumps({"toast": {"message": message, "tone": tone}})
        return response
    getattr(messages, "success" if tone == "success" else "error")(request, message)
    return redirect(back)


@dataclass(frozen=True)
class MatrixPoint:
    key: str
    title: str
    url: str
    quadrant: str | None
    annual_value: Decimal
    effort_days: Decimal


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


@login_required
@require_GET
def matrix(request: HttpRequest, slug: str) -> HttpResponse:
    """The open backlog on a value/effort chart (Chart.js, from the data of the page): one
    linked dot per ticket having both figures, the medians splitting the four quadrants, and
    the same points as a table."""
    engagement, _roles, actions = _viewer(request, slug)
    medians = selectors.backlog_medians(engagement=engagement)
    tickets = selectors.ticket_list(engagement=engagement, filters={"status": OPEN_STATUSES})
    points = [
        MatrixPoint(
            key=ticket.key,
            title=ticket.title,
            url=reverse("backlog:ticket-detail", args=[engagement.slug, ticket.key]),
            quadrant=ticket.quadrant,
            annual_value=ticket.annual_value,
            effort_days=ticket.effort_days,
        )
        for ticket in tickets
        if ticket.annual_value is not None and ticket.effort_days is not None
    ]
    chart = {
        "currency": engagement.currency,
        "medians": {
            "value": _number(medians.annual_value),
            "effort": _number(medians.effort_days),
        },
        "axes": {
            "x": _("Effort (person-days)"),
            "y": _("Annual value (%(currency)s)") % {"currency": engagement.currency},
        },
        "quadrants": {value: str(label) for value, label in Quadrant.choices},
        "unit": _("person-days"),
        "points": [
            {
                "key": point.key,
                "title": point.title,
                "url": point.url,
                "quadrant": point.quadrant or "",
                "value": float(point.annual_value),
                "effort": float(point.effort_days),
            }
            for point in points
        ],
    }
    return render(
        request,
        "backlog/matrix.html",
        {
            "engagement": engagement,
            "actions": actions,
            "points": points,
            "chart": chart,
            "medians": medians,
        },
    )
