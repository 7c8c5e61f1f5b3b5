"""Roadmap indicators for many engagements at once: the value planned for a quarter, and
whether the roadmap review is due or overdue.

Each function answers a dict keyed by engagement id in a fixed number of queries whatever the
number of engagements. Definitions: docs/indicators.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Exists, IntegerField, OuterRef, Subquery, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from backlog.models import Status, Ticket
from backlog.scoring import annual_value_expression
from collab.models import Engagement, ReviewCadence
from collab.rhythm.indicators import MeetingRef, Rhythm
from roadmap.models import RoadmapItem, RoadmapItemStatus
from roadmap.quarters import Quarter
from roadmap.reviews.models import Review
from roadmap.reviews.selectors import overdue_filter

ZERO = Decimal("0")
_MONEY = DecimalField(max_digits=40, decimal_places=12)
# A scheduled review this close is "due": time to prepare it.
REVIEW_DUE_WITHIN = dt.timedelta(days=14)
CADENCE_MONTHS = {
    ReviewCadence.MONTHLY: 1,
    ReviewCadence.QUARTERLY: 3,
    ReviewCadence.HALF_YEARLY: 6,
    ReviewCadence.YEARLY: 12,
}


def _ids(engagements: Iterable[Engagement] | Iterable[int]) -> list[int]:
    return [e if isinstance(e, int) else e.pk for e in engagements]


@dataclass(frozen=True)
class Planned:
    """Roadmap items of a quarter (dropped ones aside) and Σ annual value of their tickets."""

    annual_value: Decimal = ZERO
    items: int = 0


def planned_by_quarter(
    *, engagements: Iterable[Engagement] | Iterable[int], quarters: Sequence[Quarter]
) -> dict[int, dict[str, Planned]]:
    """Per engagement id and quarter (its text, ``2027-Q1``): the roadmap items placed in the
    quarter and not dropped, and Σ of the annual values of their tickets, each ticket counted
    once per quarter even when two items share it and rejected tickets not at all (two
    queries whatever the number of engagements and quarters)."""
    ids = _ids(engagements)
    texts = [str(quarter) for quarter in quarters]
    through = RoadmapItem.tickets.through

    def planned_in(text: str) -> Exists:
        return Exists(
            through.objects.filter(ticket_id=OuterRef("pk"), roadmapitem__quarter=text).exclude(
                roadmapitem__status=RoadmapItemStatus.DROPPED
            )
        )

    sums = {
        f"q{index}": Sum(annual_value_expression(), output_field=_MONEY, filter=planned_in(text))
        for index, text in enumerate(texts)
    }
    values = (
        Ticket.objects.filter(engagement_id__in=ids)
        .exclude(status=Status.REJECTED)
        .values("engagement_id")
        .annotate(**sums)
        .order_by()
    )
    items = (
        RoadmapItem.objects.filter(engagement_id__in=ids, quarter__in=texts)
        .exclude(status=RoadmapItemStatus.DROPPED)
        .values("engagement_id", "quarter")
        .annotate(count=Count("pk"))
        .order_by()
    )
    totals = {
        (row["engagement_id"], text): row[f"q{index}"] or ZERO
        for row in values
        for index, text in enumerate(texts)
    }
    counts = {(row["engagement_id"], row["quarter"]): row["count"] for row in items}
    return {
        pk: {
            text: Planned(
                annual_value=totals.get((pk, text), ZERO), items=counts.get((pk, text), 0)
            )
            for text in texts
        }
        for pk in ids
    }


def planned_for_quarter(
    *, engagements: Iterable[Engagement] | Iterable[int], quarter: Quarter
) -> dict[int, Planned]:
    """Per engagement id: what :func:`planned_by_quarter` counts for one quarter (two
    queries)."""
    planned = planned_by_quarter(engagements=engagements, quarters=[quarter])
    return {pk: by_quarter[str(quarter)] for pk, by_quarter in planned.items()}


class ReviewState:
    OVERDUE = "overdue"
    DUE = "due"
    SCHEDULED = "scheduled"
    NOT_SCHEDULED = "not_scheduled"


REVIEW_STATE_LABELS: dict[str, Promise] = {
    ReviewState.OVERDUE: _("Overdue"),
    ReviewState.DUE: _("Due soon"),
    ReviewState.SCHEDULED: _("Scheduled"),
    ReviewState.NOT_SCHEDULED: _("Not scheduled"),
}


@dataclass(frozen=True)
class OverdueReviews:
    """An engagement's overdue reviews: how many, and the oldest one."""

    count: int
    oldest_pk: int


def overdue_review_annotations(now: dt.datetime) -> dict[str, Subquery]:
    """The subqueries of :func:`overdue_reviews`, to annotate a queryset of engagements with
    (read back with :func:`overdue_of_row`)."""
    overdue = Review.objects.filter(overdue_filter(now))
    oldest = overdue.filter(engagement=OuterRef("pk")).order_by("period_end", "pk").values("pk")
    count = (
        overdue.filter(engagement=OuterRef("pk"))
        .order_by()
        .values("engagement")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return {
        "overdue_oldest_pk": Subquery(oldest[:1], output_field=IntegerField()),
        "overdue_count": Subquery(count, output_field=IntegerField()),
    }


def overdue_of_row(row: Mapping[str, Any]) -> OverdueReviews | None:
    """The overdue reviews of one engagement annotated with :func:`overdue_review_annotations`
    (None when it has none)."""
    if row["overdue_oldest_pk"] is None:
        return None
    return OverdueReviews(count=row["overdue_count"], oldest_pk=row["overdue_oldest_pk"])


def overdue_reviews(
    *, engagements: Iterable[Engagement] | Iterable[int], now: dt.datetime | None = None
) -> dict[int, OverdueReviews]:
    """Per engagement id with any: the reviews overdue by the reviews' own rule
    (:func:`roadmap.reviews.selectors.overdue_filter`: meeting over, not signed off, not
    cancelled), counted, with the oldest by period (one query; engagements without any are
    absent)."""
    annotations = overdue_review_annotations(now or timezone.now())
    rows = (
        Engagement.objects.filter(pk__in=_ids(engagements))
        .annotate(**annotations)
        .filter(overdue_oldest_pk__isnull=False)
        .values("pk", *annotations)
    )
    result = {}
    for row in rows:
        late = overdue_of_row(row)
        if late is not None:
            result[row["pk"]] = late
    return result


@dataclass(frozen=True)
class ReviewStatus:
    """Where an engagement stands with its roadmap review."""

    state: str
    meeting: MeetingRef | None
    last_held: MeetingRef | None
    due_by: dt.datetime | None
    overdue_review_pk: int | None = None
    overdue_count: int = 0

    @property
    def label(self) -> str:
        return str(REVIEW_STATE_LABELS[self.state])

    @property
    def overdue(self) -> bool:
        return self.state == ReviewState.OVERDUE


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day ``months`` later, on the month's last day when it has fewer days."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def review_status(
    *,
    engagements: Iterable[Engagement],
    rhythm: Mapping[int, Rhythm],
    overdue: Mapping[int, OverdueReviews],
    now: dt.datetime | None = None,
) -> dict[int, ReviewStatus]:
    """Per engagement id, from its overdue reviews (``overdue``, see :func:`overdue_reviews`),
    its roadmap-review meetings (``rhythm``, see
    :func:`collab.rhythm.indicators.rhythm_by_engagement`) and its review cadence, no query:

    - overdue: a review is overdue (its meeting is over and it is not signed off), or a
      review meeting is still scheduled although it has ended, or none is scheduled ahead while
      the last held one (the engagement's start without one) is more than one cadence period
      ago;
    - due: the next scheduled review starts within 14 days;
    - scheduled: the next scheduled review is further away;
    - not scheduled: none scheduled, and the last one is less than a period ago.
    """
    now = now or timezone.now()
    result = {}
    for engagement in engagements:
        meetings = rhythm.get(engagement.pk, Rhythm())
        months = CADENCE_MONTHS.get(engagement.review_cadence, 3)
        since = meetings.last_review.starts_at if meetings.last_review else engagement.created_at
        due_by = add_months(since, months)
        late = overdue.get(engagement.pk)
        if late is not None or meetings.missed_review is not None:
            state, meeting = ReviewState.OVERDUE, meetings.missed_review
        elif meetings.next_review is not None:
            meeting = meetings.next_review
            due_soon = meeting.starts_at <= now + REVIEW_DUE_WITHIN
            state = ReviewState.DUE if due_soon else ReviewState.SCHEDULED
        else:
            meeting = None
            state = ReviewState.OVERDUE if due_by < now else ReviewState.NOT_SCHEDULED
        result[engagement.pk] = ReviewStatus(
            state=state,
            meeting=meeting,
            last_held=meetings.last_review,
            due_by=due_by,
            overdue_review_pk=late.oldest_pk if late else None,
            overdue_count=late.count if late else 0,
        )
    return result
