"""Demo budgets, set against the demo time (``roadmap.demo.time``, seeded first):

- Cave Saint-Roch: a monthly retainer in hours renewing a week from today, at about 92 %: its
  80 % alert went to the project manager and the director (in-app, marked sent; no email is
  sent by seeding);
- Nordfer: a monthly retainer in hours, healthy (about half burnt);
- Maison Lila: a fixed project budget in money for the replatforming, a little past half.

Each amount is set from the time already approved in its period, so the story holds whatever
the day the demo is seeded. Written once: an engagement with a budget is left alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.utils import timezone

from backlog.timesheets.budget_alerts import budget_alert_message, budget_alerts_materialise
from backlog.timesheets.budgets import MAX_START_DAY, add_months, budget_create, hours_to_money
from backlog.timesheets.models import Budget, BudgetAlert, TimeEntry
from collab.models import Engagement
from collab.rhythm.models import DeliveryState, Notification

# slug → (name, kind, unit, share burnt, days to go in the period or the project's length)
STORIES = {
    "cave-saint-roch": ("Monthly retainer", Budget.Kind.MONTHLY, Budget.Unit.HOURS, "0.92", 7),
    "nordfer": ("Monthly retainer", Budget.Kind.MONTHLY, Budget.Unit.HOURS, "0.48", 12),
    "maison-lila": ("Replatforming", Budget.Kind.FIXED, Budget.Unit.MONEY, "0.55", 70),
}


def _renewal_start(today: dt.date, days_to_go: int) -> dt.date:
    """The start of a monthly period ending about ``days_to_go`` days from today, on a day a
    retainer may start on (the 1st to the 28th)."""
    for extra in range(0, 5):
        following = today + dt.timedelta(days=days_to_go + extra + 1)
        if following.day <= MAX_START_DAY:
            return add_months(following, -1)
    raise AssertionError("four days in a row past the 28th")


def _approved_minutes(engagement: Engagement, since: dt.date, until: dt.date) -> int:
    return (
        TimeEntry.objects.filter(
            engagement=engagement,
            approved_at__isnull=False,
            billable=True,
            date__gte=since,
            date__lte=until,
        ).aggregate(total=Sum("minutes"))["total"]
        or 0
    )


def seed_budgets(
    *, engagements: Iterable[Engagement], write: Callable[[str], None], now: dt.datetime
) -> int:
    """One budget per demo engagement, once; the alerts its burn has already earned."""
    today = timezone.localdate(now)
    created = []
    for engagement in engagements:
        story = STORIES.get(engagement.slug)
        if story is None:
            continue
        if Budget.objects.filter(engagement=engagement).exists():
            write(f"{engagement.name}: budget already there")
            continue
        name, kind, unit, share, days = story
        if kind == Budget.Kind.FIXED:
            starts_on, ends_on = today - dt.timedelta(weeks=4), today + dt.timedelta(days=days)
        else:
            starts_on, ends_on = _renewal_start(today, days), None
        hours = Decimal(_approved_minutes(engagement, starts_on, today)) / 60
        burnt = hours_to_money(hours, engagement.agency_day_rate) if unit == "money" else hours
        amount = max(Decimal(1), (burnt / Decimal(share)).quantize(Decimal(1), ROUND_HALF_UP))
        budget = budget_create(
            engagement=engagement,
            today=today,
            name=name,
            kind=kind,
            unit=unit,
            amount=amount,
            starts_on=starts_on,
            ends_on=ends_on,
            rollover=Budget.Rollover.CAPPED if kind != "fixed" else Budget.Rollover.NONE,
            rollover_cap_hours=Decimal(8) if kind != "fixed" else None,
        )
        created.append(budget)
        write(f"{engagement.name}: {budget.name}, {amount} {unit} from {starts_on}")
    alerts = _alerts_already_sent(now=now, budgets=created)
    if alerts:
        write(f"{alerts} budget alerts already sent (in-app)")
    return len(created)


def _alerts_already_sent(*, now: dt.datetime, budgets: list[Budget]) -> int:
    """The alerts the demo's burn has earned, as if the sweep had sent them: marked sent, with
    their in-app notices in each person's language (seeding sends no email)."""
    if not budgets:
        return 0
    budget_alerts_materialise(now=now)
    due = list(
        BudgetAlert.objects.filter(
            period__budget__in=budgets, state=DeliveryState.PENDING
        ).select_related("period__budget", "engagement", "person")
    )
    notices = []
    for alert in due:
        notice = budget_alert_message(alert)[1]
        notice.created_at = now
        notices.append(notice)
    Notification.objects.bulk_create(notices)
    BudgetAlert.objects.filter(pk__in=[alert.pk for alert in due]).update(
        state=DeliveryState.SENT, sent_at=now
    )
    return len(due)
