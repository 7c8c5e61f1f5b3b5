"""Writes of the roadmap: strategic objectives and tickets' alignment with them (each keeps the
tickets' stored ``strategic_alignment`` current in the same transaction), roadmap items placed in
a quarter or a lane, and the engagement's roadmap settings."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Case, F, Max, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from backlog.models import Ticket
from backlog.services import ticket_strategic_alignment_set, tickets_strategic_alignment_store
from collab.models import Engagement, User
from roadmap.models import (
    LEVEL_FACTORS,
    AlignmentLevel,
    Lane,
    RoadmapItem,
    RoadmapItemStatus,
    RoadmapSettings,
    StrategicObjective,
    TicketAlignment,
)
from roadmap.quarters import Quarter

ALIGNMENT_FIELD = models.DecimalField(max_digits=10, decimal_places=2)
OBJECTIVE_EDITABLE_FIELDS = (
    "title",
    "description",
    "horizon",
    "weight",
    "kpi",
    "target",
    "status",
    "position",
)
ROADMAP_ITEM_EDITABLE_FIELDS = (
    "title",
    "description",
    "quarter",
    "lane",
    "status",
    "position",
    "objectives",
    "tickets",
)
ROADMAP_SETTINGS_EDITABLE_FIELDS = ("capacity_days_per_quarter", "value_realisation_weeks")


def strategic_alignment_of(*, ticket: Ticket) -> Decimal:
    """Σ over the ticket's alignments of level factor x objective weight."""
    total = Decimal("0")
    for level, weight in TicketAlignment.objects.filter(ticket=ticket).values_list(
        "level", "objective__weight"
    ):
        total += LEVEL_FACTORS[level] * weight
    return total


def strategic_alignment_expression() -> Coalesce:
    """SQL for ``strategic_alignment_of`` over a ticket queryset (grouped by ticket)."""
    return Coalesce(
        Sum(
            Case(
                *(
                    When(
                        alignments__level=level,
                        then=Value(factor) * F("alignments__objective__weight"),
                    )
                    for level, factor in LEVEL_FACTORS.items()
                ),
                default=Value(Decimal("0")),
                output_field=ALIGNMENT_FIELD,
            ),
            output_field=ALIGNMENT_FIELD,
        ),
        Value(Decimal("0")),
        output_field=ALIGNMENT_FIELD,
    )


def _save_objective(objective: StrategicObjective) -> StrategicObjective:
    objective.full_clean(exclude=["engagement"])
    try:
        with transaction.atomic():
            objective.save()
    except IntegrityError:
        raise ValidationError(
            {"title": _("An objective of this engagement has this title.")}
        ) from None
    return objective


@transaction.atomic
def objective_create(*, engagement: Engagement, **fields: Any) -> StrategicObjective:
    """Add a strategic objective of the client (titles unique per engagement)."""
    unknown = set(fields) - set(OBJECTIVE_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    return _save_objective(StrategicObjective(engagement=engagement, **fields))


@transaction.atomic
def objective_update(
    *, actor: User | None, objective: StrategicObjective, data: dict[str, Any]
) -> StrategicObjective:
    """Change an objective; a new weight is carried into every aligned ticket's alignment."""
    unknown = set(data) - set(OBJECTIVE_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    old_weight = objective.weight
    for name, value in data.items():
        setattr(objective, name, value)
    _save_objective(objective)
    if objective.weight != old_weight:
        aligned = TicketAlignment.objects.filter(objective=objective).values("ticket_id")
        tickets_strategic_alignment_store(
            actor=actor,
            engagement=objective.engagement,
            fresh=Ticket.objects.filter(pk__in=aligned).annotate(
                fresh_alignment=strategic_alignment_expression()
            ),
        )
    return objective


@transaction.atomic
def alignment_set(
    *, actor: User | None, ticket: Ticket, objective: StrategicObjective, level: str
) -> TicketAlignment:
    """Set how much a ticket serves an objective of the same engagement, and store the
    ticket's new weighted alignment."""
    if objective.engagement_id != ticket.engagement_id:
        raise ValidationError(
            {"objective": _("This belongs to another engagement.")}, code="foreign_engagement"
        )
    if level not in AlignmentLevel.values:
        raise ValidationError({"level": _("Choose none, supports or key.")})
    alignment, _created = TicketAlignment.objects.update_or_create(
        ticket=ticket,
        objective=objective,
        defaults={
            "engagement_id": ticket.engagement_id,
            "level": level,
            "updated_by": actor,
            "updated_at": timezone.now(),
        },
    )
    ticket_strategic_alignment_set(
        actor=actor, ticket=ticket, value=strategic_alignment_of(ticket=ticket)
    )
    return alignment


# --- Roadmap items ------------------------------------------------------------------------------


def _foreign_error(field: str) -> ValidationError:
    return ValidationError(
        {field: _("This belongs to another engagement.")}, code="foreign_engagement"
    )


def _placement(*, quarter: str | None, lane: str | None) -> tuple[str, str]:
    """The (quarter, lane) pair of an item: exactly one of them, the quarter written
    ``YEAR-Qn``."""
    quarter = (quarter or "").strip()
    lane = (lane or "").strip()
    if quarter and lane:
        raise ValidationError(
            {"quarter": _("Place the item in a quarter or in a lane, not both.")},
            code="quarter_and_lane",
        )
    if not quarter and not lane:
        raise ValidationError(
            {"quarter": _("Place the item in a quarter or in a lane (now, next, later).")},
            code="no_placement",
        )
    if lane:
        if lane not in Lane.values:
            raise ValidationError({"lane": _("Choose now, next or later.")}, code="invalid_lane")
        return "", lane
    try:
        return str(Quarter.parse(quarter)), ""
    except ValueError:
        raise ValidationError(
            {"quarter": _("Write a quarter as YEAR-Qn, for example 2027-Q1.")},
            code="invalid_quarter",
        ) from None


def _end_position(*, engagement_id: int, quarter: str, lane: str, exclude_pk: int | None) -> int:
    """The position after the last item of the column (quarter or lane)."""
    items = RoadmapItem.objects.filter(engagement_id=engagement_id, quarter=quarter, lane=lane)
    if exclude_pk is not None:
        items = items.exclude(pk=exclude_pk)
    last = items.aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


def _checked_objectives(
    *, engagement_id: int, objectives: Iterable[StrategicObjective]
) -> list[StrategicObjective]:
    chosen = list(objectives)
    if any(objective.engagement_id != engagement_id for objective in chosen):
        raise _foreign_error("objectives")
    return chosen


def _checked_tickets(*, engagement_id: int, tickets: Iterable[Ticket]) -> list[Ticket]:
    chosen = list(tickets)
    if any(ticket.engagement_id != engagement_id for ticket in chosen):
        raise _foreign_error("tickets")
    return chosen


def _save_item(item: RoadmapItem) -> RoadmapItem:
    item.full_clean(exclude=["engagement", "objectives", "tickets"])
    item.save()
    return item


@transaction.atomic
def roadmap_item_create(
    *,
    engagement: Engagement,
    title: str,
    description: str = "",
    quarter: str = "",
    lane: str = "",
    status: str = RoadmapItemStatus.PLANNED,
    position: int | None = None,
    objectives: Iterable[StrategicObjective] = (),
    tickets: Iterable[Ticket] = (),
) -> RoadmapItem:
    """Add an item to the roadmap, in exactly one quarter or lane (at the end of that column
    unless a position is given), linked to objectives and tickets of the same engagement."""
    quarter, lane = _placement(quarter=quarter, lane=lane)
    chosen_objectives = _checked_objectives(engagement_id=engagement.pk, objectives=objectives)
    chosen_tickets = _checked_tickets(engagement_id=engagement.pk, tickets=tickets)
    if position is None:
        position = _end_position(
            engagement_id=engagement.pk, quarter=quarter, lane=lane, exclude_pk=None
        )
    item = _save_item(
        RoadmapItem(
            engagement=engagement,
            title=title,
            description=description,
            quarter=quarter,
            lane=lane,
            status=status,
            position=position,
        )
    )
    item.objectives.set(chosen_objectives)
    item.tickets.set(chosen_tickets)
    return item


@transaction.atomic
def roadmap_item_update(*, item: RoadmapItem, data: dict[str, Any]) -> RoadmapItem:
    """Change an item; its objectives and tickets stay inside its engagement, and it stays in
    exactly one quarter or lane (moving it appends it to the new column)."""
    unknown = set(data) - set(ROADMAP_ITEM_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    chosen_objectives = (
        _checked_objectives(engagement_id=item.engagement_id, objectives=data["objectives"])
        if "objectives" in data
        else None
    )
    chosen_tickets = (
        _checked_tickets(engagement_id=item.engagement_id, tickets=data["tickets"])
        if "tickets" in data
        else None
    )
    if "quarter" in data or "lane" in data:
        # Setting one side of the placement clears the other unless both are given.
        quarter = data.get("quarter", "" if data.get("lane") else item.quarter)
        lane = data.get("lane", "" if data.get("quarter") else item.lane)
        quarter, lane = _placement(quarter=quarter, lane=lane)
        if (quarter, lane) != (item.quarter, item.lane) and "position" not in data:
            item.position = _end_position(
                engagement_id=item.engagement_id, quarter=quarter, lane=lane, exclude_pk=item.pk
            )
        item.quarter, item.lane = quarter, lane
    for name in ("title", "description", "status", "position"):
        if name in data:
            setattr(item, name, data[name])
    _save_item(item)
    if chosen_objectives is not None:
        item.objectives.set(chosen_objectives)
    if chosen_tickets is not None:
        item.tickets.set(chosen_tickets)
    return item


@transaction.atomic
def roadmap_item_move(
    *,
    item: RoadmapItem,
    quarter: str = "",
    lane: str = "",
    position: int | None = None,
) -> RoadmapItem:
    """Move an item to a quarter or a lane (exactly one), at the given position or at the end
    of that column."""
    quarter, lane = _placement(quarter=quarter, lane=lane)
    if position is None:
        if (quarter, lane) == (item.quarter, item.lane):
            position = item.position
        else:
            position = _end_position(
                engagement_id=item.engagement_id, quarter=quarter, lane=lane, exclude_pk=item.pk
            )
    item.quarter, item.lane, item.position = quarter, lane, position
    return _save_item(item)


@transaction.atomic
def roadmap_item_tickets_set(*, item: RoadmapItem, tickets: Iterable[Ticket]) -> RoadmapItem:
    """Link exactly these tickets to the item; every one must belong to the item's
    engagement."""
    item.tickets.set(_checked_tickets(engagement_id=item.engagement_id, tickets=tickets))
    return item


@transaction.atomic
def roadmap_item_delete(*, item: RoadmapItem) -> None:
    """Remove an item from the roadmap (its tickets and objectives stay)."""
    item.delete()


@transaction.atomic
def roadmap_settings_update(*, engagement: Engagement, data: dict[str, Any]) -> RoadmapSettings:
    """Change the engagement's roadmap settings (created with their defaults on first use):
    capacity not negative, at least one week before asking for realised value."""
    unknown = set(data) - set(ROADMAP_SETTINGS_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    settings, _created = RoadmapSettings.objects.select_for_update().get_or_create(
        engagement=engagement
    )
    for name, value in data.items():
        setattr(settings, name, value)
    settings.full_clean(exclude=["engagement"])
    settings.save()
    return settings
