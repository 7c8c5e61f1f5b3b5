"""The frozen document a signed-off review keeps: the ranked backlog, the roadmap by quarter and
the objectives (format in docs/roadmap.md). Numbers are written as decimal strings so that two
snapshots compare exactly; lists carry their order (PostgreSQL's jsonb does not keep key order).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from backlog.models import CLOSED_STATUSES, Status
from backlog.selectors import ticket_list
from collab.models import Engagement
from roadmap.models import Lane, RoadmapItem, StrategicObjective
from roadmap.quarters import is_quarter
from roadmap.reviews.selectors import done_at_expression

SNAPSHOT_FORMAT = 1
LANE_ORDER = [Lane.NOW, Lane.NEXT, Lane.LATER]
DONE = Status.DONE


def decimal_text(value: Decimal | int | None) -> str | None:
    """A decimal as exact text without exponent ("12.50"), or None."""
    if value is None:
        return None
    return format(Decimal(value), "f")


def money_text(value: Decimal | None) -> str | None:
    """An amount as exact text in cents ("12000.00"): a ticket's stored annual value keeps 4
    places (12 x hours x hourly cost can need them), money reads in cents."""
    if value is None:
        return None
    return format(Decimal(value).quantize(Decimal("0.01")), "f")


def backlog_rows(*, engagement: Engagement) -> list[dict[str, Any]]:
    """Every ticket in ranking order; open tickets are ranked 1, 2, …, closed ones have no rank
    (one query)."""
    prefix = engagement.key_prefix
    rows = (
        ticket_list(engagement=engagement)
        .annotate(done_at=done_at_expression())
        .values_list(
            "number",
            "title",
            "status",
            "score",
            "quadrant",
            "annual_value",
            "effort_days",
            "done_at",
        )
    )
    out: list[dict[str, Any]] = []
    rank = 0
    for number, title, status, score, quadrant, annual_value, effort, done_at in rows:
        ranked = status not in CLOSED_STATUSES
        rank += ranked
        out.append(
            {
                "key": f"{prefix}-{number}",
                "title": title,
                "status": status,
                "score": decimal_text(score),
                "rank": rank if ranked else None,
                "quadrant": quadrant,
                "annual_value": money_text(annual_value),
                "effort_days": decimal_text(effort),
                # When it was last moved to done (the rule of value delivered).
                "done_at": done_at.isoformat() if status == DONE else None,
            }
        )
    return out


def _place_order(place: str) -> tuple[int, str]:
    if is_quarter(place):
        return 0, place
    return 1, str(LANE_ORDER.index(Lane(place)))


def roadmap_groups(*, engagement: Engagement) -> list[dict[str, Any]]:
    """The roadmap grouped by quarter (oldest first) then lane (now, next, later); each item with
    its status, quarter or lane and ticket keys (two queries)."""
    prefix = engagement.key_prefix
    items = (
        RoadmapItem.objects.filter(engagement=engagement)
        .prefetch_related("tickets")
        .order_by("quarter", "lane", "position", "pk")
    )
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        place = item.quarter or item.lane
        groups.setdefault(place, []).append(
            {
                "id": item.pk,
                "title": item.title,
                "status": item.status,
                "quarter": item.quarter,
                "lane": item.lane,
                "tickets": [
                    f"{prefix}-{number}"
                    for number in sorted(ticket.number for ticket in item.tickets.all())
                ],
            }
        )
    return [{"place": place, "items": groups[place]} for place in sorted(groups, key=_place_order)]


def objective_rows(*, engagement: Engagement) -> list[dict[str, Any]]:
    """The engagement's objectives in their order (one query)."""
    return [
        {
            "id": objective.pk,
            "title": objective.title,
            "weight": decimal_text(objective.weight),
            "kpi": objective.kpi,
            "target": objective.target,
            "status": objective.status,
        }
        for objective in StrategicObjective.objects.filter(engagement=engagement).order_by(
            "position", "pk"
        )
    ]


def snapshot_document(
    *,
    engagement: Engagement,
    taken_at: dt.datetime,
    period_start: dt.datetime | None = None,
    period_end: dt.datetime | None = None,
) -> dict[str, Any]:
    """The snapshot of the engagement as it stands now, with the period of its review."""
    return {
        "format": SNAPSHOT_FORMAT,
        "taken_at": taken_at.isoformat(),
        "period_start": period_start.isoformat() if period_start else None,
        "period_end": period_end.isoformat() if period_end else None,
        "currency": engagement.currency,
        "backlog": backlog_rows(engagement=engagement),
        "roadmap": roadmap_groups(engagement=engagement),
        "objectives": objective_rows(engagement=engagement),
    }
