"""The preparation pack of a review, built from the backlog, the roadmap and the roles and
stored as JSON on the review (sections in docs/roadmap.md). Its size does not change how many
queries build it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef

from backlog.indicators import duties_by_quarter
from backlog.models import CLOSED_STATUSES, InitiativeDecision, Origin, Status, Ticket
from backlog.selectors import ticket_list
from backlog.timesheets.observed import observed_roles
from roadmap.models import RoadmapItem, RoadmapItemStatus
from roadmap.quarters import Quarter, is_quarter
from roadmap.reviews.actuals import EstimationAccuracy, estimation_accuracy, ticket_costs
from roadmap.reviews.models import Review
from roadmap.reviews.selectors import (
    done_at_expression,
    realisation_accuracy,
    value_realisation_list,
)
from roadmap.reviews.snapshot import decimal_text, money_text, objective_rows
from roadmap.reviews.value import DeliveredTicket, value_delivered_between
from roles.models import Role, RoleAssignment

TOP_UNPLANNED = 10
CORE_ROLES = (Role.PROJECT_MANAGER, Role.CONSULTANT, Role.BUSINESS_ANALYST, Role.TESTER)


def _key(prefix: str, number: int) -> str:
    return f"{prefix}-{number}"


def _cents(value: Decimal | None) -> Decimal | None:
    """A stored annual value (4 places) as the snapshot keeps it, in cents, so the pack's total
    and the snapshot diff's agree."""
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def value_delivered(review: Review) -> dict[str, Any]:
    """Tickets done within the review's period, with their annual value and the total (the
    rule of ``roadmap.reviews.value``, which the snapshot diff applies too)."""
    prefix = review.engagement.key_prefix
    rows = (
        Ticket.objects.filter(engagement_id=review.engagement_id, status=Status.DONE)
        .annotate(done_at=done_at_expression())
        .filter(done_at__gte=review.period_start, done_at__lt=review.period_end)
        .values_list("number", "title", "done_at", "annual_value")
    )
    delivered = value_delivered_between(
        (
            DeliveredTicket(
                key=_key(prefix, number), title=title, done_at=done_at, annual_value=_cents(value)
            )
            for number, title, done_at, value in rows
        ),
        start=review.period_start,
        end=review.period_end,
    )
    return {
        "tickets": [
            {
                "key": ticket.key,
                "title": ticket.title,
                "done_at": ticket.done_at.isoformat(),
                "annual_value": money_text(ticket.annual_value),
            }
            for ticket in delivered.tickets
        ],
        "total": decimal_text(delivered.total),
    }


def slipped(review: Review, current: Quarter) -> list[dict[str, Any]]:
    """Roadmap items planned for a quarter before ``current`` and neither delivered nor
    dropped."""
    items = RoadmapItem.objects.filter(
        engagement_id=review.engagement_id,
        status__in=[RoadmapItemStatus.PLANNED, RoadmapItemStatus.IN_PROGRESS],
    ).exclude(quarter="")
    return [
        {"id": item.pk, "title": item.title, "quarter": item.quarter, "status": item.status}
        for item in items.order_by("quarter", "position", "pk")
        if is_quarter(item.quarter) and Quarter.parse(item.quarter) < current
    ]


def initiative_fate(decision: str) -> str:
    """What the client answered to an agency proposal, explicitly: accepted, rejected
    (declined) or pending (no answer yet, whatever the ticket's status)."""
    if decision == InitiativeDecision.ACCEPTED:
        return "accepted"
    if decision == InitiativeDecision.DECLINED:
        return "rejected"
    return "pending"


def initiatives(review: Review) -> dict[str, Any]:
    """Agency initiatives proposed during the period and what became of each."""
    prefix = review.engagement.key_prefix
    rows = (
        Ticket.objects.filter(
            engagement_id=review.engagement_id,
            origin=Origin.AGENCY_INITIATIVE,
            created_at__gte=review.period_start,
            created_at__lt=review.period_end,
        )
        .order_by("number")
        .values_list("number", "title", "status", "initiative_decision")
    )
    tickets = [
        {
            "key": _key(prefix, number),
            "title": title,
            "status": status,
            "fate": initiative_fate(decision),
        }
        for number, title, status, decision in rows
    ]
    counts = dict.fromkeys(("accepted", "rejected", "pending"), 0)
    for ticket in tickets:
        counts[ticket["fate"]] += 1
    return {"tickets": tickets, "counts": counts}


def top_unplanned(review: Review, limit: int = TOP_UNPLANNED) -> list[dict[str, Any]]:
    """The best-ranked open tickets that no roadmap item holds, with their rank in the open
    backlog."""
    engagement = review.engagement
    on_roadmap = RoadmapItem.tickets.through.objects.filter(ticket_id=OuterRef("pk"))
    ranked = (
        ticket_list(engagement=engagement)
        .exclude(status__in=CLOSED_STATUSES)
        .annotate(planned=Exists(on_roadmap))
        .values_list("number", "title", "status", "score", "annual_value", "planned")
    )
    out = []
    for rank, (number, title, status, score, value, planned) in enumerate(ranked, start=1):
        if planned:
            continue
        out.append(
            {
                "key": _key(engagement.key_prefix, number),
                "title": title,
                "status": status,
                "rank": rank,
                "score": decimal_text(score),
                "annual_value": money_text(value),
            }
        )
        if len(out) == limit:
            break
    return out


def role_coverage(review: Review) -> dict[str, Any]:
    """Who holds each core agency role; people holding several; roles nobody holds; the
    health (healthy, warning: the project manager doubles, critical: one person holds three or
    more, risk: a role is missing)."""
    assignments = (
        RoleAssignment.objects.active()
        .filter(engagement_id=review.engagement_id, role__in=CORE_ROLES, person__is_active=True)
        .select_related("person")
        .order_by("person__display_name", "pk")
    )
    holders: dict[str, list[str]] = {str(role): [] for role in CORE_ROLES}
    by_person: dict[int, tuple[str, list[str]]] = {}
    for assignment in assignments:
        name = str(assignment.person)
        holders[assignment.role].append(name)
        by_person.setdefault(assignment.person_id, (name, []))[1].append(assignment.role)
    doubles = [
        {"person": name, "roles": sorted(roles, key=lambda r: CORE_ROLES.index(Role(r)))}
        for name, roles in by_person.values()
        if len(roles) > 1
    ]
    missing = [role for role, people in holders.items() if not people]
    if missing:
        health = "risk"
    elif any(len(d["roles"]) >= 3 for d in doubles):
        health = "critical"
    elif any(Role.PROJECT_MANAGER in d["roles"] for d in doubles):
        health = "warning"
    else:
        health = "healthy"
    return {
        "holders": [{"role": role, "people": people} for role, people in holders.items()],
        "doubles": doubles,
        "missing": missing,
        "health": health,
    }


def observed_role_coverage(review: Review) -> dict[str, Any]:
    """Where the period's approved billable hours and the actions went, per person, beside the
    core roles they hold (the rule of ``backlog.timesheets.observed``; the pack is the client's,
    so only the time they see counts)."""
    start = review.period_start.astimezone(dt.UTC).date()
    # The period ends at period_end exclusive: its last day is the day before, unless it ends
    # within a day.
    end = max(start, (review.period_end.astimezone(dt.UTC) - dt.timedelta(microseconds=1)).date())
    observed = observed_roles(
        engagements=[review.engagement_id], start=start, end=end, sees_all=False
    )[review.engagement_id]
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "health": observed.level,
        "people": [
            {
                "person": row.name,
                "assigned": [role.value for role in row.assigned if role in CORE_ROLES],
                "minutes": {item.role.value: item.minutes for item in row.logged},
                "actions": {item.role.value: item.actions for item in row.acted},
                "observed": [role.value for role in row.observed],
                "unassigned": [role.value for role in row.unassigned],
            }
            for row in observed.people
            if row.work
        ],
        "missing": [role.value for role in observed.missing] if observed.has_work else [],
    }


def realisation(review: Review) -> dict[str, Any]:
    """Estimated against realised value of done tickets, and the accuracy per quarter."""
    engagement = review.engagement
    rows = value_realisation_list(engagement=engagement).filter(realised_annual_value__isnull=False)
    return {
        "tickets": [
            {
                "key": _key(engagement.key_prefix, row.ticket.number),
                "title": row.ticket.title,
                "estimated": decimal_text(row.estimated_annual_value),
                "realised": decimal_text(row.realised_annual_value),
            }
            for row in rows
        ],
        "accuracy": [
            {
                "quarter": entry.quarter,
                "tickets": entry.tickets,
                "estimated": decimal_text(entry.estimated),
                "realised": decimal_text(entry.realised),
                "accuracy": decimal_text(entry.accuracy),
            }
            for entry in realisation_accuracy(engagement=engagement)
        ],
    }


# What only those who may see realised costs read (``roles.policy.can_see_realised_cost``):
# ``pack_for_viewer`` removes them for the others, on the page and through the API.
COST_KEYS = ("estimated_cost", "realised_cost", "estimated_roi", "realised_roi")


def _accuracy_row(entry: EstimationAccuracy) -> dict[str, Any]:
    return {
        "quarter": entry.quarter,
        "tickets": entry.tickets,
        "median_ratio": decimal_text(entry.median_ratio),
        "within": entry.within,
        "within_share": decimal_text(entry.within_share),
    }


def actuals(review: Review) -> dict[str, Any]:
    """Actual against estimate: tickets done in the period with their estimated and realised
    effort, cost and return; the accuracy of effort estimates per quarter and overall."""
    overall, quarters = estimation_accuracy(engagement=review.engagement)
    return {
        "tickets": [
            {
                "key": row.key,
                "title": row.title,
                "estimate_minutes": row.estimate_minutes,
                "actual_minutes": row.actual_minutes,
                "ratio": decimal_text(row.ratio),
                "value_recorded": row.realised_value is not None,
                "estimated_cost": money_text(row.estimated_cost),
                "realised_cost": money_text(row.realised_cost),
                "estimated_roi": decimal_text(row.estimated_roi),
                "realised_roi": decimal_text(row.realised_roi),
            }
            for row in ticket_costs(review=review)
        ],
        "accuracy": {
            "overall": _accuracy_row(overall),
            "quarters": [_accuracy_row(entry) for entry in quarters],
        },
    }


def pack_for_viewer(pack: dict[str, Any], *, sees_costs: bool) -> dict[str, Any]:
    """The pack as this viewer may read it: without realised costs and returns for the
    client's people who may not see them."""
    if sees_costs or "actuals" not in pack:
        return pack
    tickets = [
        {key: value for key, value in row.items() if key not in COST_KEYS}
        for row in pack["actuals"]["tickets"]
    ]
    return {**pack, "actuals": {**pack["actuals"], "tickets": tickets}}


def separation_of_duties(review: Review) -> list[dict[str, Any]]:
    """Per quarter since the period's start: QA verdicts given by the ticket's assignee or an
    author of its criteria (breaches), and those self-verified under the director's
    exception."""
    quarters = duties_by_quarter(engagements=[review.engagement_id], since=review.period_start)
    return [
        {"quarter": quarter, "breaches": duties.breaches, "self_verified": duties.self_verified}
        for quarter, duties in sorted(quarters[review.engagement_id].items())
    ]


def pack_build(review: Review, *, now: dt.datetime) -> dict[str, Any]:
    """The whole preparation pack of a review as of ``now``."""
    zone = ZoneInfo(review.engagement.sync_time_zone)
    current = Quarter.of(review.period_end.astimezone(zone).date())
    return {
        "built_at": now.isoformat(),
        "currency": review.engagement.currency,
        "period": {
            "start": review.period_start.isoformat(),
            "end": review.period_end.isoformat(),
            "quarter": str(current),
        },
        "value_delivered": value_delivered(review),
        "slipped": slipped(review, current),
        "initiatives": initiatives(review),
        "top_unplanned": top_unplanned(review),
        "roles": role_coverage(review),
        "observed_roles": observed_role_coverage(review),
        "duties": separation_of_duties(review),
        "objectives": objective_rows(engagement=review.engagement),
        "realisation": realisation(review),
        "actuals": actuals(review),
    }
