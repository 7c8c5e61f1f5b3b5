"""Budgets and retainers: every write (create, change, delete) and the periods' lifecycle.

A budget's periods are rows: a retainer has one per calendar month or quarter from its start
(until its end, if it has one), a fixed budget exactly one. ``budget_periods_sync`` writes the
periods up to the one holding today and closes each period that has ended: the rollover rule
is applied then, once, on what was burnt at that moment (approved billable time), and the
unused part it allows is carried into the next period. Burn is read in
``backlog.timesheets.burn``; alerts are sent by ``backlog.timesheets.budget_alerts``.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from backlog.timesheets.models import WORKING_DAY_HOURS, Budget, BudgetPeriod, TimeEntry
from collab.models import Engagement

CENT = Decimal("0.01")
# A retainer's periods start on the same day of each month: one every month has.
MAX_START_DAY = 28
# What may change once a budget exists; its kind, unit and start define its periods.
CHANGEABLE = ("name", "amount", "ends_on", "rollover", "rollover_cap_hours")


def hours_to_money(hours: Decimal, day_rate: Decimal) -> Decimal:
    """Hours at the agency's day rate (a day is ``WORKING_DAY_HOURS`` hours)."""
    return (hours * day_rate / WORKING_DAY_HOURS).quantize(CENT, ROUND_HALF_UP)


def minutes_in_unit(minutes: int, *, unit: str, day_rate: Decimal) -> Decimal:
    """Minutes of time as the budget counts them: hours, or money at the day rate."""
    hours = Decimal(minutes) / 60
    if unit == Budget.Unit.MONEY:
        return hours_to_money(hours, day_rate)
    return hours.quantize(CENT, ROUND_HALF_UP)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (a retainer's start day is at most the 28th)."""
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1)


def period_bounds(budget: Budget, starts_on: dt.date) -> tuple[dt.date, dt.date]:
    """The dates of the budget's period starting on ``starts_on``: a month or a quarter to
    the day before the same day of the month (clipped at the budget's end)."""
    if budget.kind == Budget.Kind.FIXED:
        assert budget.ends_on is not None  # a constraint: a fixed budget has an end
        return budget.starts_on, budget.ends_on
    months = 1 if budget.kind == Budget.Kind.MONTHLY else 3
    ends_on = add_months(starts_on, months) - dt.timedelta(days=1)
    if budget.ends_on is not None:
        ends_on = min(ends_on, budget.ends_on)
    return starts_on, ends_on


def _allowance(budget: Budget) -> Decimal:
    return budget.amount


def _validate(budget: Budget, engagement: Engagement) -> None:
    errors: dict[str, str] = {}
    if budget.amount is None or budget.amount <= 0:
        errors["amount"] = _("A budget is more than zero.")
    if budget.kind == Budget.Kind.FIXED:
        if budget.ends_on is None:
            errors["ends_on"] = _("A fixed project budget has an end date.")
        if budget.rollover != Budget.Rollover.NONE:
            errors["rollover"] = _("A fixed project budget has one period: nothing rolls over.")
    elif budget.starts_on is not None and budget.starts_on.day > MAX_START_DAY:
        errors["starts_on"] = _(
            "A retainer starts on a day from the 1st to the 28th, so that every month has "
            "the day its period starts on."
        )
    if budget.ends_on is not None and budget.starts_on and budget.ends_on < budget.starts_on:
        errors["ends_on"] = _("The end comes after the start.")
    if budget.rollover == Budget.Rollover.CAPPED:
        if budget.rollover_cap_hours is None or budget.rollover_cap_hours <= 0:
            errors["rollover_cap_hours"] = _("Say how many unused hours may be carried over.")
    else:
        budget.rollover_cap_hours = None
    if budget.unit == Budget.Unit.MONEY and engagement.agency_day_rate <= 0:
        errors["unit"] = _(
            "A budget in money is counted at the agency's day rate: set the engagement's day "
            "rate first."
        )
    if errors:
        raise ValidationError(errors)
    budget.full_clean(exclude=["engagement"])


@transaction.atomic
def budget_create(*, engagement: Engagement, today: dt.date | None = None, **fields: Any) -> Budget:
    """Create a budget on the engagement and its periods up to today's."""
    budget = Budget(engagement=engagement, **fields)
    budget.name = (budget.name or "").strip()
    _validate(budget, engagement)
    budget.save()
    budget_periods_sync(budget=budget, today=today)
    return budget


@transaction.atomic
def budget_update(*, budget: Budget, data: dict[str, Any], today: dt.date | None = None) -> Budget:
    """Change a budget's name, amount, end or rollover rule. A new amount applies to the
    periods not yet closed; a closed period keeps what it had. A new end removes the open
    periods after it and shortens the one holding it."""
    budget = Budget.objects.select_for_update().select_related("engagement").get(pk=budget.pk)
    unknown = set(data) - set(CHANGEABLE)
    if unknown:
        raise ValidationError(
            {field: _("This cannot be changed once the budget exists.") for field in unknown}
        )
    for field, value in data.items():
        setattr(budget, field, value)
    budget.name = (budget.name or "").strip()
    _validate(budget, budget.engagement)
    budget.version += 1
    budget.updated_at = timezone.now()
    budget.save()
    open_periods = BudgetPeriod.objects.filter(budget=budget, closed_at__isnull=True)
    open_periods.update(allowance=_allowance(budget))
    if budget.ends_on is not None:
        if BudgetPeriod.objects.filter(
            budget=budget, closed_at__isnull=False, ends_on__gt=budget.ends_on
        ).exists():
            raise ValidationError(
                {"ends_on": _("A period that has already closed cannot be cut short.")}
            )
        open_periods.filter(starts_on__gt=budget.ends_on).delete()
        open_periods.filter(ends_on__gt=budget.ends_on).update(ends_on=budget.ends_on)
    if budget.kind != Budget.Kind.FIXED:
        # Periods clipped by an earlier end grow back when the end moves or goes.
        for period in open_periods:
            ends_on = period_bounds(budget, period.starts_on)[1]
            if ends_on != period.ends_on:
                BudgetPeriod.objects.filter(pk=period.pk).update(ends_on=ends_on)
    else:
        open_periods.update(ends_on=budget.ends_on)
    budget_periods_sync(budget=budget, today=today)
    return budget


@transaction.atomic
def budget_delete(*, budget: Budget) -> None:
    """Delete a budget with its periods and their alerts."""
    Budget.objects.filter(pk=budget.pk).delete()


def _burnt_minutes(period: BudgetPeriod) -> int:
    return (
        TimeEntry.objects.filter(
            engagement_id=period.engagement_id,
            approved_at__isnull=False,
            billable=True,
            date__gte=period.starts_on,
            date__lte=period.ends_on,
        ).aggregate(minutes=Sum("minutes"))["minutes"]
        or 0
    )


def _carried_out(budget: Budget, period: BudgetPeriod, day_rate: Decimal) -> Decimal:
    if budget.rollover == Budget.Rollover.NONE:
        return Decimal(0)
    burnt = minutes_in_unit(_burnt_minutes(period), unit=budget.unit, day_rate=day_rate)
    unused = max(Decimal(0), period.total - burnt)
    if budget.rollover == Budget.Rollover.CAPPED and budget.rollover_cap_hours is not None:
        cap = budget.rollover_cap_hours
        if budget.unit == Budget.Unit.MONEY:
            cap = hours_to_money(cap, day_rate)
        unused = min(unused, cap)
    return unused


@transaction.atomic
def budget_periods_sync(*, budget: Budget, today: dt.date | None = None) -> int:
    """Write the budget's periods up to the one holding today, and close those that have
    ended, each once (its rollover carried into the next). Returns the periods written."""
    budget = Budget.objects.select_for_update().select_related("engagement").get(pk=budget.pk)
    today = today or timezone.localdate()
    day_rate = budget.engagement.agency_day_rate
    periods = list(BudgetPeriod.objects.filter(budget=budget).order_by("starts_on"))
    written = 0
    start = periods[-1].ends_on + dt.timedelta(days=1) if periods else budget.starts_on
    last_day = budget.ends_on
    while (not periods or start <= max(today, budget.starts_on)) and (
        last_day is None or start <= last_day
    ):
        if periods and budget.kind == Budget.Kind.FIXED:
            break
        starts_on, ends_on = period_bounds(budget, start)
        period = BudgetPeriod.objects.create(
            engagement_id=budget.engagement_id,
            budget=budget,
            starts_on=starts_on,
            ends_on=ends_on,
            allowance=_allowance(budget),
        )
        periods.append(period)
        written += 1
        start = ends_on + dt.timedelta(days=1)
    now = timezone.now()
    for index, period in enumerate(periods):
        if period.closed_at is not None or period.ends_on >= today:
            continue
        carried = _carried_out(budget, period, day_rate)
        BudgetPeriod.objects.filter(pk=period.pk).update(closed_at=now, carried_out=carried)
        period.closed_at, period.carried_out = now, carried
        if index + 1 < len(periods):
            following = periods[index + 1]
            following.carried_in = carried
            BudgetPeriod.objects.filter(pk=following.pk).update(carried_in=carried)
    return written


def budget_periods_sync_all(*, today: dt.date | None = None) -> int:
    """Bring every budget's periods up to date (the sweep's first step)."""
    today = today or timezone.localdate()
    written = 0
    due = (
        Budget.objects.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=today) | Q(periods__closed_at__isnull=True)
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    for pk in due:
        written += budget_periods_sync(budget=Budget(pk=pk), today=today)
    return written
