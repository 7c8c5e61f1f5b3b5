"""Time's webhook events: a person's week approved, a budget period reaching a threshold.

Each is written by the service that makes the change, in its transaction (the outbox of
``collab.webhooks``): ``timesheet_week_approve`` for ``time.week_approved``, the alerts' ledger
(``budget_alerts_materialise``) for ``budget.alert``. Payloads name people by id and display
name only; figures are decimal strings.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse

from backlog.timesheets.budgets import CENT
from backlog.timesheets.burn import PeriodBurn
from backlog.timesheets.models import TimeEntry, TimesheetWeek
from collab.models import Engagement, User
from collab.webhooks.models import WebhookEvent
from collab.webhooks.services import webhook_event_emit, webhook_events_emit


def _person(person: User | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {"id": person.pk, "display_name": person.display_name or str(person)}


def week_approved_data(
    *, week: TimesheetWeek, entries: Sequence[TimeEntry], approved_at: dt.datetime
) -> dict[str, Any]:
    """An approved week as the ``time.week_approved`` event describes it."""
    engagement = week.engagement
    path = reverse("timesheets:timesheet", args=[engagement.slug])
    return {
        "person": _person(week.person),
        "week_start": week.week_start,
        "total_minutes": sum(entry.minutes for entry in entries),
        "billable_minutes": sum(entry.minutes for entry in entries if entry.billable),
        "entries": len(entries),
        "approved_by": _person(week.decided_by),
        "approved_at": approved_at,
        "url": f"{settings.SITE_URL}{path}?week={week.week_start.isoformat()}",
    }


def week_approved_emit(
    *, week: TimesheetWeek, entries: Sequence[TimeEntry], approved_at: dt.datetime
) -> int:
    """A ``time.week_approved`` event, written with the approval."""
    return webhook_event_emit(
        engagement=week.engagement,
        event=WebhookEvent.TIME_WEEK_APPROVED,
        data=week_approved_data(week=week, entries=entries, approved_at=approved_at),
    )


@dataclass(frozen=True)
class ReachedThreshold:
    """A budget period that has just reached a threshold (its first alert row was written)."""

    burn: PeriodBurn
    threshold: int


def budget_alert_data(reached: ReachedThreshold) -> dict[str, Any]:
    """A period at a threshold as the ``budget.alert`` event describes it."""
    burn = reached.burn
    period = burn.period
    budget = period.budget
    path = reverse("timesheets:budgets", args=[period.engagement.slug])
    return {
        "budget": {"id": budget.pk, "name": budget.name, "kind": budget.kind},
        "period": {"id": period.pk, "starts_on": period.starts_on, "ends_on": period.ends_on},
        "threshold": reached.threshold,
        "percent": burn.percent,
        "used": Decimal(burn.burnt).quantize(CENT),
        "total": Decimal(burn.total).quantize(CENT),
        "unit": budget.unit,
        "currency": burn.currency if budget.unit == budget.Unit.MONEY else None,
        "url": settings.SITE_URL + path,
    }


def budget_alerts_emit(*, reached: Iterable[ReachedThreshold]) -> int:
    """One ``budget.alert`` event per period and threshold reached, written with the alerts'
    ledger rows; two queries per engagement concerned."""
    by_engagement: dict[int, list[ReachedThreshold]] = defaultdict(list)
    engagements: dict[int, Engagement] = {}
    for item in reached:
        engagement = item.burn.period.engagement
        engagements[engagement.pk] = engagement
        by_engagement[engagement.pk].append(item)
    return sum(
        webhook_events_emit(
            engagement=engagements[pk],
            events=((WebhookEvent.BUDGET_ALERT, budget_alert_data(item)) for item in items),
        )
        for pk, items in sorted(by_engagement.items())
    )
