"""Rhythm indicators for many engagements at once: the last held and next scheduled weekly
sync, the last held and next scheduled roadmap review, open and overdue action items.

Each function answers a dict keyed by engagement id in a fixed number of queries whatever the
number of engagements. Definitions: docs/indicators.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from collab.models import Engagement
from collab.rhythm.models import ActionItem, Meeting


def _ids(engagements: Iterable[Engagement] | Iterable[int]) -> list[int]:
    return [e if isinstance(e, int) else e.pk for e in engagements]


@dataclass(frozen=True)
class MeetingRef:
    pk: int
    starts_at: dt.datetime


@dataclass(frozen=True)
class Rhythm:
    """An engagement's meetings as the dashboard shows them."""

    last_sync: MeetingRef | None = None
    next_sync: MeetingRef | None = None
    last_review: MeetingRef | None = None
    next_review: MeetingRef | None = None
    missed_review: MeetingRef | None = None


def _ref(pk: int | None, starts_at: dt.datetime | None) -> MeetingRef | None:
    if pk is None or starts_at is None:
        return None
    return MeetingRef(pk=pk, starts_at=starts_at)


RHYTHM_FIELDS = ("last_sync", "next_sync", "last_review", "next_review", "missed_review")


def rhythm_annotations(now: dt.datetime) -> dict[str, Subquery]:
    """The subqueries of :func:`rhythm_by_engagement`, to annotate a queryset of engagements
    with (read back with :func:`rhythm_of_row`): a page that lists engagements gets their
    rhythm in its own query."""

    def held(kind: str) -> QuerySet[Meeting]:
        return Meeting.objects.filter(
            engagement=OuterRef("pk"), kind=kind, status=Meeting.Status.HELD
        ).order_by("-starts_at", "-pk")

    def scheduled(kind: str) -> QuerySet[Meeting]:
        return Meeting.objects.filter(
            engagement=OuterRef("pk"),
            kind=kind,
            status=Meeting.Status.SCHEDULED,
            ends_at__gt=now,
        ).order_by("starts_at", "pk")

    missed = Meeting.objects.filter(
        engagement=OuterRef("pk"),
        kind=Meeting.Kind.ROADMAP_REVIEW,
        status=Meeting.Status.SCHEDULED,
        ends_at__lte=now,
    ).order_by("starts_at", "pk")
    queries = dict(
        zip(
            RHYTHM_FIELDS,
            (
                held(Meeting.Kind.WEEKLY_SYNC),
                scheduled(Meeting.Kind.WEEKLY_SYNC),
                held(Meeting.Kind.ROADMAP_REVIEW),
                scheduled(Meeting.Kind.ROADMAP_REVIEW),
                missed,
            ),
            strict=True,
        )
    )
    annotations: dict[str, Subquery] = {}
    for name, query in queries.items():
        annotations[f"{name}_pk"] = Subquery(query.values("pk")[:1], output_field=IntegerField())
        annotations[f"{name}_at"] = Subquery(
            query.values("starts_at")[:1], output_field=DateTimeField()
        )
    return annotations


def rhythm_of_row(row: Mapping[str, Any]) -> Rhythm:
    """The rhythm of one engagement annotated with :func:`rhythm_annotations` (a ``values()``
    row, or an engagement's ``__dict__``)."""
    return Rhythm(**{name: _ref(row[f"{name}_pk"], row[f"{name}_at"]) for name in RHYTHM_FIELDS})


def rhythm_by_engagement(
    *, engagements: Iterable[Engagement] | Iterable[int], now: dt.datetime | None = None
) -> dict[int, Rhythm]:
    """Per engagement id: the latest weekly sync and roadmap review marked held, the soonest
    scheduled one that has not ended, and the earliest roadmap review still scheduled although
    it has ended (neither held nor cancelled: missed) (one query)."""
    now = now or timezone.now()
    ids = _ids(engagements)
    annotations = rhythm_annotations(now)
    rows = Engagement.objects.filter(pk__in=ids).annotate(**annotations).values("pk", *annotations)
    result = {pk: Rhythm() for pk in ids}
    for row in rows:
        result[row["pk"]] = rhythm_of_row(row)
    return result


@dataclass(frozen=True)
class ActionItemCounts:
    open: int = 0
    overdue: int = 0


def action_item_counts(
    *, engagements: Iterable[Engagement] | Iterable[int], today: dt.date | None = None
) -> dict[int, ActionItemCounts]:
    """Per engagement id: open action items, and those of them past their due date (due
    before ``today``) (one query)."""
    today = today or timezone.localdate()
    ids = _ids(engagements)
    rows = (
        ActionItem.objects.filter(engagement_id__in=ids, status=ActionItem.Status.OPEN)
        .values("engagement_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
        .order_by()
    )
    result = {pk: ActionItemCounts() for pk in ids}
    for row in rows:
        result[row["engagement_id"]] = ActionItemCounts(open=row["open"], overdue=row["overdue"])
    return result
