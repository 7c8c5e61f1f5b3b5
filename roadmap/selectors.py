"""Every read of the roadmap: strategic objectives and tickets' alignment with them, roadmap
items with the value and effort of their tickets, and the board by quarter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    DecimalField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from backlog.models import CLOSED_STATUSES, Status, Ticket
from backlog.scoring import annual_value_expression
from collab.models import Engagement
from roadmap.models import (
    Lane,
    RoadmapItem,
    RoadmapItemStatus,
    RoadmapSettings,
    StrategicObjective,
    TicketAlignment,
)
from roadmap.quarters import Quarter, quarter_range

ZERO = Decimal("0")
_MONEY = DecimalField(max_digits=40, decimal_places=12)
_DAYS = DecimalField(max_digits=20, decimal_places=2)


def objective_list(*, engagement: Engagement) -> QuerySet[StrategicObjective]:
    """The engagement's strategic objectives, in their chosen order."""
    return StrategicObjective.objects.filter(engagement=engagement).order_by("position", "pk")


def objective_get(*, engagement: Engagement, pk: int) -> StrategicObjective | None:
    """One objective of this engagement, or None (another engagement's is not found)."""
    return objective_list(engagement=engagement).filter(pk=pk).first()


def ticket_alignment_list(*, ticket: Ticket) -> QuerySet[TicketAlignment]:
    """How the ticket serves each objective it was aligned with, in the objectives' order."""
    return (
        TicketAlignment.objects.filter(ticket=ticket)
        .select_related("objective")
        .order_by("objective__position", "objective_id")
    )


# --- Roadmap items ------------------------------------------------------------------------------


class _SumOver(Func):
    """``SUM(expr)`` inside a correlated subquery: aggregates the subquery's rows without a
    GROUP BY (Django adds one for a real aggregate), so that one row comes back per item."""

    function = "SUM"


class _CountOver(Func):
    function = "COUNT"
    template = "COUNT(*)"
    output_field = IntegerField()


def _item_tickets() -> QuerySet[Ticket]:
    return Ticket.objects.filter(roadmap_items=OuterRef("pk")).order_by()


def annotate_item_sums(queryset: QuerySet[RoadmapItem]) -> QuerySet[RoadmapItem]:
    """Items annotated, in the database, with ``annual_value`` (Σ of their tickets' annual
    values; NULL when none has value figures), ``effort_days`` (Σ of their tickets' efforts,
    0 without any) and ``ticket_count``. Rejected tickets count in neither sum: their value will
    not come and their effort will not be spent."""
    counted = _item_tickets().exclude(status=Status.REJECTED)
    value = (
        counted.annotate(ticket_value=annual_value_expression())
        .annotate(total=_SumOver(F("ticket_value"), output_field=_MONEY))
        .values("total")
    )
    effort = counted.annotate(total=_SumOver(F("effort_days"), output_field=_DAYS)).values("total")
    count = _item_tickets().annotate(total=_CountOver()).values("total")
    return queryset.annotate(
        annual_value=Subquery(value, output_field=_MONEY),
        effort_days=Coalesce(Subquery(effort, output_field=_DAYS), Value(ZERO), output_field=_DAYS),
        ticket_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
    )


ROADMAP_ITEM_FILTERS = ("quarter", "lane", "status")


def roadmap_item_list(
    *,
    engagement: Engagement,
    filters: dict[str, Any] | None = None,
    with_ticket_numbers: bool = False,
) -> QuerySet[RoadmapItem]:
    """The engagement's roadmap items by quarter, lane and position, with their tickets' value,
    effort and count (see :func:`annotate_item_sums`) and their objectives; ``filters`` may
    name a quarter, a lane or a status; ``with_ticket_numbers`` also fetches their tickets'
    numbers (in order) in one more query."""
    queryset = RoadmapItem.objects.filter(engagement=engagement)
    for name, value in (filters or {}).items():
        if name not in ROADMAP_ITEM_FILTERS:
            raise ValidationError({name: _("Unknown filter.")})
        if value in (None, ""):
            continue
        if name == "quarter":
            try:
                value = str(Quarter.parse(value))
            except ValueError:
                raise ValidationError(
                    {"quarter": _("Write a quarter as YEAR-Qn, for example 2027-Q1.")}
                ) from None
        elif name == "lane" and value not in Lane.values:
            raise ValidationError({"lane": _("Choose now, next or later.")})
        elif name == "status" and value not in RoadmapItemStatus.values:
            raise ValidationError({"status": _("Unknown status.")})
        queryset = queryset.filter(**{name: value})
    objectives = StrategicObjective.objects.order_by("position", "pk")
    queryset = queryset.prefetch_related(Prefetch("objectives", queryset=objectives))
    if with_ticket_numbers:
        numbers = Ticket.objects.only("pk", "number").order_by("number")
        queryset = queryset.prefetch_related(Prefetch("tickets", queryset=numbers))
    return annotate_item_sums(queryset).order_by("quarter", "lane", "position", "pk")


def roadmap_item_get(*, engagement: Engagement, pk: int) -> RoadmapItem | None:
    """One item of this engagement with its sums, or None (another engagement's is not
    found)."""
    return (
        roadmap_item_list(engagement=engagement)
        .prefetch_related(Prefetch("tickets", queryset=Ticket.objects.order_by("number")))
        .filter(pk=pk)
        .first()
    )


def roadmap_ticket_choices(*, engagement: Engagement, keep: Sequence[int] = ()) -> QuerySet[Ticket]:
    """Tickets an item may be linked to: the engagement's open ones, and those in ``keep``
    (already linked, even if done since)."""
    return (
        Ticket.objects.filter(engagement=engagement)
        .filter(~Q(status__in=CLOSED_STATUSES) | Q(pk__in=list(keep)))
        .select_related("engagement")
        .order_by("number")
    )


def roadmap_settings_get(*, engagement: Engagement) -> RoadmapSettings:
    """The engagement's roadmap settings; their defaults (unsaved) until someone changes them."""
    found = RoadmapSettings.objects.filter(engagement=engagement).first()
    return found if found is not None else RoadmapSettings(engagement=engagement)


# --- The board ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardColumn:
    """A quarter (``quarter`` set) or a lane (``lane`` set) of the board, with its items and the
    sums of their tickets (each ticket counted once in a column; dropped items count in no
    sum). Only quarters have a capacity."""

    key: str
    label: str
    quarter: Quarter | None
    lane: str
    items: list[RoadmapItem]
    annual_value: Decimal
    effort_days: Decimal
    capacity_days: Decimal | None
    over_capacity: bool
    is_current: bool = False
    is_past: bool = False

    @property
    def remaining_days(self) -> Decimal | None:
        if self.capacity_days is None:
            return None
        return self.capacity_days - self.effort_days


@dataclass(frozen=True)
class RoadmapBoard:
    engagement: Engagement
    settings: RoadmapSettings
    current: Quarter
    quarters: list[BoardColumn]
    lanes: list[BoardColumn]

    @property
    def columns(self) -> list[BoardColumn]:
        return [*self.quarters, *self.lanes]


def default_board_quarters(*, current: Quarter, start: Quarter | None = None) -> list[Quarter]:
    """The quarters a board shows: the previous one, the current one and the next four (or six
    quarters from ``start``)."""
    first = start if start is not None else current - 1
    return quarter_range(first, first + 5)


def _column_totals(
    *, engagement: Engagement, placements: list[tuple[str, str]]
) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """Σ annual value and Σ effort of the tickets of each (quarter, lane) column, in one query:
    a ticket linked to two items of a column counts once there."""
    through = RoadmapItem.tickets.through
    aggregates: dict[str, Any] = {}
    for index, (quarter, lane) in enumerate(placements):
        in_column = Exists(
            through.objects.filter(
                ticket_id=OuterRef("pk"),
                roadmapitem__engagement=engagement,
                roadmapitem__quarter=quarter,
                roadmapitem__lane=lane,
            ).exclude(roadmapitem__status=RoadmapItemStatus.DROPPED)
        )
        aggregates[f"value_{index}"] = Sum("ticket_value", filter=Q(in_column))
        aggregates[f"effort_{index}"] = Sum("effort_days", filter=Q(in_column))
    linked = through.objects.filter(roadmapitem__engagement=engagement).values("ticket_id")
    tickets = (
        Ticket.objects.filter(engagement=engagement, pk__in=linked)
        .exclude(status=Status.REJECTED)
        .annotate(ticket_value=annual_value_expression())
    )
    row = tickets.aggregate(**aggregates) if placements else {}
    return {
        placement: (row[f"value_{i}"] or ZERO, row[f"effort_{i}"] or ZERO)
        for i, placement in enumerate(placements)
    }


def roadmap_board(
    *,
    engagement: Engagement,
    quarters: Sequence[Quarter],
    current: Quarter | None = None,
    with_ticket_numbers: bool = False,
) -> RoadmapBoard:
    """The roadmap by quarter (the given ones, in order) and by lane (now, next, later): each
    column's items with their sums, the column's total value and effort, and for quarters the
    agency's capacity and whether the planned effort exceeds it. Four queries whatever the
    number of items (five ``with_ticket_numbers``)."""
    current = current or Quarter.current()
    settings = roadmap_settings_get(engagement=engagement)
    capacity = Decimal(settings.capacity_days_per_quarter)
    quarter_texts = [str(quarter) for quarter in quarters]
    items = roadmap_item_list(engagement=engagement, with_ticket_numbers=with_ticket_numbers)
    items = items.filter(Q(quarter__in=quarter_texts) | ~Q(lane=""))
    placements = [(text, "") for text in quarter_texts] + [("", lane) for lane in Lane.values]
    totals = _column_totals(engagement=engagement, placements=placements)
    by_placement: dict[tuple[str, str], list[RoadmapItem]] = {}
    for item in items:
        by_placement.setdefault((item.quarter, item.lane), []).append(item)
    quarter_columns = []
    for quarter, text in zip(quarters, quarter_texts, strict=True):
        value, effort = totals[(text, "")]
        quarter_columns.append(
            BoardColumn(
                key=text,
                label=text,
                quarter=quarter,
                lane="",
                items=by_placement.get((text, ""), []),
                annual_value=value,
                effort_days=effort,
                capacity_days=capacity,
                over_capacity=effort > capacity,
                is_current=quarter == current,
                is_past=quarter < current,
            )
        )
    lane_columns = []
    for lane in Lane:
        value, effort = totals[("", lane.value)]
        lane_columns.append(
            BoardColumn(
                key=lane.value,
                label=str(lane.label),
                quarter=None,
                lane=lane.value,
                items=by_placement.get(("", lane.value), []),
                annual_value=value,
                effort_days=effort,
                capacity_days=None,
                over_capacity=False,
            )
        )
    return RoadmapBoard(
        engagement=engagement,
        settings=settings,
        current=current,
        quarters=quarter_columns,
        lanes=lane_columns,
    )
