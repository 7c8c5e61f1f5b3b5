"""Actual against estimate in the review pack: what each ticket done in the period cost (its
approved billable time at the day rate) and returned, next to the estimate, and the accuracy
of effort estimates per quarter and over the engagement (docs/indicators.md, "Estimation
accuracy"). Aggregate SQL: a constant number of queries whatever the tickets and entries."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncQuarter

from backlog.models import Status, Ticket
from backlog.scoring import roi_of
from backlog.timesheets.actuals import (
    CENT,
    MINUTES_A_DAY,
    estimate_of,
    estimate_ratio,
    realised_cost,
)
from backlog.timesheets.models import TimeEntry
from backlog.timesheets.selectors import client_visible
from collab.models import Engagement
from roadmap.quarters import Quarter
from roadmap.reviews.models import Review
from roadmap.reviews.selectors import done_at_expression

# An estimate is "accurate" when the actual falls within ±25 % of it.
TOLERANCE = Decimal("0.25")
LOW, HIGH = 1 - TOLERANCE, 1 + TOLERANCE


class Median(Aggregate):
    """PostgreSQL's continuous median of a numeric expression."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _approved_minutes() -> Subquery:
    """The ticket's approved billable minutes (the actual), NULL when none."""
    minutes = (
        client_visible(TimeEntry.objects.filter(ticket=OuterRef("pk")))
        .order_by()
        .values("ticket")
        .annotate(total=Sum("minutes"))
        .values("total")
    )
    return Subquery(minutes, output_field=IntegerField())


@dataclass(frozen=True)
class EstimationAccuracy:
    """Done tickets with an estimate and approved billable time, over a quarter (or all)."""

    quarter: str  # empty for the whole engagement
    tickets: int
    median_ratio: Decimal | None  # median of actual / estimate
    within: int  # tickets whose actual is within ±25 % of the estimate

    @property
    def within_share(self) -> Decimal | None:
        if not self.tickets:
            return None
        return (Decimal(self.within) / self.tickets).quantize(CENT, ROUND_HALF_UP)


def _estimated_tickets(engagement: Engagement) -> QuerySet[Ticket]:
    ratio = ExpressionWrapper(
        F("actual") / (F("effort_days") * Value(MINUTES_A_DAY)),
        output_field=DecimalField(max_digits=30, decimal_places=12),
    )
    return (
        Ticket.objects.filter(engagement=engagement, status=Status.DONE, effort_days__gt=0)
        .annotate(actual=_approved_minutes())
        .filter(actual__gt=0)
        .annotate(ratio=ratio)
    )


def _within() -> Count:
    return Count("pk", filter=Q(ratio__gte=LOW, ratio__lte=HIGH))


def _median(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)


def estimation_accuracy(
    *, engagement: Engagement
) -> tuple[EstimationAccuracy, list[EstimationAccuracy]]:
    """Over the engagement and per quarter of the done date (in the engagement's zone, oldest
    first): done tickets with an estimate and approved billable time, the median of actual /
    estimate and how many fall within ±25 % (two queries)."""
    zone = ZoneInfo(engagement.sync_time_zone)
    if connection.vendor != "postgresql":
        return _estimation_accuracy_in_python(engagement, zone)
    overall = _estimated_tickets(engagement).aggregate(
        count=Count("pk"), median=Median("ratio"), within=_within()
    )
    rows = (
        _estimated_tickets(engagement)
        .annotate(quarter=TruncQuarter(done_at_expression(), tzinfo=zone))
        .values("quarter")
        .annotate(count=Count("pk"), median=Median("ratio"), within=_within())
        .order_by("quarter")
    )
    return (
        EstimationAccuracy(
            quarter="",
            tickets=overall["count"],
            median_ratio=_median(overall["median"]),
            within=overall["within"],
        ),
        [
            EstimationAccuracy(
                quarter=str(Quarter.of(row["quarter"].astimezone(zone).date())),
                tickets=row["count"],
                median_ratio=_median(row["median"]),
                within=row["within"],
            )
            for row in rows
        ],
    )


def _estimation_accuracy_in_python(
    engagement: Engagement, zone: ZoneInfo
) -> tuple[EstimationAccuracy, list[EstimationAccuracy]]:
    """``estimation_accuracy`` where the database has no ``percentile_cont`` (the embedded
    SQLite default): the ratios read in one query, grouped and their medians taken here."""
    rows = _estimated_tickets(engagement).annotate(done_at=done_at_expression())
    by_quarter: dict[Quarter, list[Decimal]] = defaultdict(list)
    ratios: list[Decimal] = []
    # The ratio is divided here: SQLite divides two integers as integers.
    for actual, effort, done_at in rows.values_list("actual", "effort_days", "done_at"):
        value = Decimal(actual) / (Decimal(str(effort)) * MINUTES_A_DAY)
        ratios.append(value)
        by_quarter[Quarter.of(done_at.astimezone(zone).date())].append(value)

    def accuracy(quarter: str, values: list[Decimal]) -> EstimationAccuracy:
        return EstimationAccuracy(
            quarter=quarter,
            tickets=len(values),
            median_ratio=_median(float(statistics.median(values))) if values else None,
            within=sum(1 for value in values if LOW <= value <= HIGH),
        )

    return accuracy("", ratios), [
        accuracy(str(quarter), by_quarter[quarter]) for quarter in sorted(by_quarter)
    ]


@dataclass(frozen=True)
class TicketCost:
    """A ticket done in the period: estimated and realised effort, cost and return."""

    key: str
    title: str
    estimate_minutes: int | None
    actual_minutes: int
    ratio: Decimal | None
    estimated_cost: Decimal | None
    realised_cost: Decimal
    estimated_value: Decimal | None
    realised_value: Decimal | None  # recorded by the director, else None
    estimated_roi: Decimal | None
    realised_roi: Decimal | None  # realised value (or, until recorded, the estimated one)


def ticket_costs(*, review: Review) -> list[TicketCost]:
    """Tickets done within the review's period with an estimate or approved billable time,
    earliest done first (one query)."""
    engagement = review.engagement
    rows = (
        Ticket.objects.filter(engagement=engagement, status=Status.DONE)
        .annotate(done_at=done_at_expression())
        .filter(done_at__gte=review.period_start, done_at__lt=review.period_end)
        .annotate(actual=Coalesce(_approved_minutes(), 0))
        .filter(Q(effort_days__gt=0) | Q(actual__gt=0))
        .values_list(
            "number",
            "title",
            "effort_days",
            "actual",
            "annual_value",
            "realisation__estimated_annual_value",
            "realisation__realised_annual_value",
        )
        .order_by("done_at", "number")
    )
    found = []
    for number, title, effort, actual, value, frozen_value, realised_value in rows:
        estimated_value = frozen_value if frozen_value is not None else value
        estimate, estimated_cost = estimate_of(effort, engagement)
        cost = realised_cost(actual, engagement)
        found.append(
            TicketCost(
                key=f"{engagement.key_prefix}-{number}",
                title=title,
                estimate_minutes=estimate,
                actual_minutes=actual,
                ratio=estimate_ratio(actual, estimate),
                estimated_cost=estimated_cost,
                realised_cost=cost,
                estimated_value=estimated_value,
                realised_value=realised_value,
                estimated_roi=roi_of(estimated_value, estimated_cost),
                realised_roi=roi_of(
                    realised_value if realised_value is not None else estimated_value, cost
                ),
            )
        )
    return found
