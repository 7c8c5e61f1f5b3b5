"""What each budget period has burnt, its burn-down and its forecast (reads only).

Burnt is the approved billable time dated within the period: hours, or hours x the
engagement's day rate / 8 for a budget in money (the day rate in force when read). The
forecast goes on at the period's pace so far (burnt / calendar days elapsed): the day it
reaches 100 %, or the share it reaches by the period's end.

Reads are constant in number whatever the entries or periods: the budget page reads budgets,
their periods and the daily sums of the engagement's approved billable time (three queries);
the director's cards read every engagement's current period with its burn in one.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal
from django.db.models import IntegerField, OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from backlog.timesheets.budgets import hours_to_money, minutes_in_unit
from backlog.timesheets.models import Budget, BudgetPeriod, TimeEntry
from collab.common.money import active_locale, money_text, number_pattern
from collab.models import Engagement

WARNING_PERCENT = 80


def hours_text(hours: Decimal) -> str:
    """Hours in the active language, to a tenth."""
    number = format_decimal(hours, format=number_pattern("#,##0.#"), locale=active_locale())
    return _("%(hours)s h") % {"hours": number}


@dataclass(frozen=True)
class BurnDay:
    day: dt.date
    burnt: Decimal  # cumulative, in the budget's unit


@dataclass
class PeriodBurn:
    """One period as read: its allowance (with what was carried in), what it burnt, and for
    the period holding today, the forecast at the current pace."""

    period: BudgetPeriod
    unit: str
    currency: str
    total: Decimal
    burnt: Decimal
    hours: Decimal
    today: dt.date
    days: list[BurnDay] = field(default_factory=list)
    day_rate: Decimal = Decimal(0)

    def text(self, value: Decimal) -> str:
        """A figure in the budget's unit, in the active language (``12,5 h``, ``1 234,50 €``)."""
        if self.unit == Budget.Unit.MONEY:
            return money_text(value, self.currency)
        return hours_text(value)

    @property
    def total_text(self) -> str:
        return self.text(self.total)

    @property
    def burnt_text(self) -> str:
        return self.text(self.burnt)

    @property
    def remaining_text(self) -> str:
        return self.text(self.remaining)

    @property
    def carried_in_text(self) -> str:
        return self.text(self.period.carried_in)

    @property
    def carried_out_text(self) -> str:
        return self.text(self.period.carried_out)

    @property
    def hours_text(self) -> str:
        return hours_text(self.hours)

    @property
    def cost_text(self) -> str:
        """The agency's figure of the hours burnt at the day rate (never shown to the client)."""
        return money_text(hours_to_money(self.hours, self.day_rate), self.currency)

    @property
    def percent(self) -> int:
        if self.total <= 0:
            return 0
        return int((self.burnt * 100 / self.total).to_integral_value(ROUND_HALF_UP))

    @property
    def remaining(self) -> Decimal:
        return self.total - self.burnt

    @property
    def length_days(self) -> int:
        return (self.period.ends_on - self.period.starts_on).days + 1

    @property
    def elapsed_days(self) -> int:
        if self.today < self.period.starts_on:
            return 0
        return min(self.length_days, (self.today - self.period.starts_on).days + 1)

    @property
    def is_current(self) -> bool:
        return self.period.starts_on <= self.today <= self.period.ends_on

    @property
    def is_past(self) -> bool:
        return self.period.ends_on < self.today

    @property
    def days_left(self) -> int:
        return max(0, (self.period.ends_on - self.today).days) if self.is_current else 0

    @property
    def pace(self) -> Decimal:
        """Burnt per calendar day so far."""
        return self.burnt / self.elapsed_days if self.elapsed_days else Decimal(0)

    @property
    def forecast_percent(self) -> int | None:
        """The share burnt by the period's end at the current pace (current periods only)."""
        if not self.is_current or self.total <= 0:
            return None
        projected = self.pace * self.length_days
        return int((projected * 100 / self.total).to_integral_value(ROUND_HALF_UP))

    @property
    def forecast_full_on(self) -> dt.date | None:
        """The day the period reaches 100 % at the current pace, if before its end."""
        if not self.is_current or self.pace <= 0:
            return None
        if self.burnt >= self.total:
            return None
        days = math.ceil((self.total - self.burnt) / self.pace)
        day = self.today + dt.timedelta(days=days)
        return day if day <= self.period.ends_on else None

    @property
    def tone(self) -> str:
        if self.percent >= 100:
            return "danger"
        if self.percent >= WARNING_PERCENT or (self.forecast_percent or 0) >= 100:
            return "warning"
        return "success"

    @property
    def chart(self) -> dict:
        """The burn-down's data for static/js/budgets.js: what is left each day, the even
        line from the allowance to zero, and the forecast from today to the end."""
        labels, left, ideal, forecast = [], [], [], []
        by_day = {point.day: point.burnt for point in self.days}
        burnt = Decimal(0)
        length = self.length_days
        for index in range(length):
            day = self.period.starts_on + dt.timedelta(days=index)
            labels.append(day.isoformat())
            burnt = by_day.get(day, burnt)
            ideal.append(float(self.total - self.total * (index + 1) / length))
            left.append(float(self.total - burnt) if day <= self.today else None)
            if self.is_current and day >= self.today:
                ahead = (day - self.today).days
                forecast.append(float(self.total - self.burnt - self.pace * ahead))
            else:
                forecast.append(None)
        return {
            "labels": labels,
            "left": left,
            "ideal": ideal,
            "forecast": forecast if self.is_current else [],
            "currency": self.currency if self.unit == Budget.Unit.MONEY else "",
        }


@dataclass
class BudgetView:
    budget: Budget
    periods: list[PeriodBurn]

    @property
    def current(self) -> PeriodBurn | None:
        return next((p for p in self.periods if p.is_current), None) or (
            self.periods[-1] if self.periods else None
        )

    @property
    def chart_id(self) -> str:
        return f"burndown-{self.budget.pk}"

    @property
    def history(self) -> list[PeriodBurn]:
        return list(reversed(self.periods))


def _approved_billable(engagement_id: int):
    return TimeEntry.objects.filter(
        engagement_id=engagement_id, approved_at__isnull=False, billable=True
    )


def budget_list(*, engagement: Engagement) -> list[Budget]:
    """The engagement's budgets with their periods, oldest first (two queries)."""
    return list(
        Budget.objects.filter(engagement=engagement)
        .order_by("starts_on", "pk")
        .prefetch_related(Prefetch("periods", queryset=BudgetPeriod.objects.order_by("starts_on")))
    )


def budget_get(*, engagement: Engagement, pk: int) -> Budget | None:
    """One budget of the engagement (None for another engagement's)."""
    return Budget.objects.filter(engagement=engagement, pk=pk).first()


def budget_views(
    *, engagement: Engagement, budgets: Iterable[Budget] | None = None, today: dt.date | None = None
) -> list[BudgetView]:
    """Every budget of the engagement with each period's burn and burn-down: the budgets and
    periods (prefetched), then the daily sums of approved billable time over all of them."""
    today = today or timezone.localdate()
    budgets = list(budgets) if budgets is not None else budget_list(engagement=engagement)
    periods = [period for budget in budgets for period in budget.periods.all()]
    daily: dict[dt.date, int] = {}
    if periods:
        daily = dict(
            _approved_billable(engagement.pk)
            .filter(
                date__gte=min(p.starts_on for p in periods),
                date__lte=max(p.ends_on for p in periods),
            )
            .values("date")
            .annotate(minutes=Sum("minutes"))
            .order_by()
            .values_list("date", "minutes")
        )
    day_rate = engagement.agency_day_rate
    views = []
    for budget in budgets:
        burns = []
        for period in budget.periods.all():
            minutes, cumulative = 0, []
            for index in range((period.ends_on - period.starts_on).days + 1):
                day = period.starts_on + dt.timedelta(days=index)
                if day in daily:
                    minutes += daily[day]
                    cumulative.append(
                        BurnDay(day, minutes_in_unit(minutes, unit=budget.unit, day_rate=day_rate))
                    )
            burns.append(
                PeriodBurn(
                    period=period,
                    unit=budget.unit,
                    currency=engagement.currency,
                    total=period.total,
                    burnt=minutes_in_unit(minutes, unit=budget.unit, day_rate=day_rate),
                    hours=minutes_in_unit(minutes, unit=Budget.Unit.HOURS, day_rate=day_rate),
                    today=today,
                    days=cumulative,
                    day_rate=day_rate,
                )
            )
        views.append(BudgetView(budget=budget, periods=burns))
    return views


def period_burn(*, engagement: Engagement, budget: Budget, pk: int) -> PeriodBurn | None:
    """One period of the budget with its burn (None when the budget has no such period)."""
    period = BudgetPeriod.objects.filter(budget=budget, pk=pk).first()
    if period is None:
        return None
    views = budget_views(engagement=engagement, budgets=[_with_periods(budget, [period])])
    return views[0].periods[0]


def _with_periods(budget: Budget, periods: list[BudgetPeriod]) -> Budget:
    queryset = BudgetPeriod.objects.none()
    queryset._result_cache = periods  # type: ignore[attr-defined]
    queryset._prefetch_done = True  # type: ignore[attr-defined]
    budget._prefetched_objects_cache = {"periods": queryset}  # type: ignore[attr-defined]
    return budget


def current_burns(
    *,
    engagement_ids: Iterable[int] | None = None,
    today: dt.date | None = None,
    ended_since: dt.date | None = None,
) -> dict[int, list[PeriodBurn]]:
    """Each engagement's periods holding today (or, with ``ended_since``, ended since that
    day) with their burn, in one query: the director's cards, the alerts' sweep."""
    today = today or timezone.localdate()
    minutes = (
        TimeEntry.objects.filter(
            engagement_id=OuterRef("engagement_id"),
            approved_at__isnull=False,
            billable=True,
            date__gte=OuterRef("starts_on"),
            date__lte=OuterRef("ends_on"),
        )
        .order_by()
        .values("engagement_id")
        .annotate(total=Sum("minutes"))
        .values("total")
    )
    periods = BudgetPeriod.objects.filter(starts_on__lte=today, ends_on__gte=ended_since or today)
    if engagement_ids is not None:
        periods = periods.filter(engagement_id__in=list(engagement_ids))
    periods = (
        periods.select_related("budget", "engagement")
        .annotate(
            minutes=Coalesce(Subquery(minutes, output_field=IntegerField()), 0),
        )
        .order_by("engagement_id", "budget__starts_on", "budget_id")
    )
    found: dict[int, list[PeriodBurn]] = defaultdict(list)
    for period in periods:
        engagement = period.engagement
        found[period.engagement_id].append(
            PeriodBurn(
                period=period,
                unit=period.budget.unit,
                currency=engagement.currency,
                total=period.total,
                burnt=minutes_in_unit(
                    period.minutes, unit=period.budget.unit, day_rate=engagement.agency_day_rate
                ),
                hours=minutes_in_unit(
                    period.minutes, unit=Budget.Unit.HOURS, day_rate=engagement.agency_day_rate
                ),
                today=today,
                day_rate=engagement.agency_day_rate,
            )
        )
    return dict(found)
