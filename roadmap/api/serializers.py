"""Input and output serializers of strategic objectives, tickets' alignment with them, roadmap
items and the roadmap board.

Inputs parse and type; roadmap.services enforces the rules (a title unique in the engagement,
a positive weight, an item in exactly one quarter or lane). Objectives and tickets named by an
input are looked up inside the request's engagement only, so another engagement's are "not
found" like missing ones. Nothing here saves a row.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from backlog.api.serializers import DecimalTextField
from backlog.models import Ticket
from backlog.selectors import ticket_get
from collab.api.serializers import RefuseUnchangeableFields, StrictInputSerializer
from roadmap.models import (
    AlignmentLevel,
    Lane,
    ObjectiveStatus,
    RoadmapItem,
    RoadmapItemStatus,
    StrategicObjective,
)
from roadmap.quarters import Quarter, window_fits
from roadmap.selectors import objective_list


class ObjectiveOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    title = serializers.CharField()
    description = serializers.CharField()
    horizon = serializers.CharField()
    weight = DecimalTextField(places=2)
    kpi = serializers.CharField()
    target = serializers.CharField()
    status = serializers.ChoiceField(choices=ObjectiveStatus.choices)
    position = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, objective: StrategicObjective) -> str:
        return reverse(
            "api-objective-detail",
            kwargs={"slug": self.context["engagement"].slug, "pk": objective.pk},
            request=self.context.get("request"),
        )


class ObjectiveUpdateInputSerializer(RefuseUnchangeableFields):
    unchangeable_fields = ("engagement",)

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(allow_blank=True, required=False)
    horizon = serializers.CharField(
        max_length=50, allow_blank=True, required=False, help_text=_("For example Q4 2026.")
    )
    weight = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        required=False,
        help_text=_("How much the objective counts in the score; more than 0."),
    )
    kpi = serializers.CharField(
        max_length=200,
        allow_blank=True,
        required=False,
        help_text=_("For example: B2B online orders."),
    )
    target = serializers.CharField(
        max_length=200, allow_blank=True, required=False, help_text=_("For example: +15 % by 2027.")
    )
    status = serializers.ChoiceField(choices=ObjectiveStatus.choices, required=False)
    position = serializers.IntegerField(min_value=0, required=False)


class ObjectiveCreateInputSerializer(ObjectiveUpdateInputSerializer):
    title = serializers.CharField(max_length=200)


class AlignmentInputSerializer(StrictInputSerializer):
    level = serializers.ChoiceField(choices=AlignmentLevel.choices)


class TicketAlignmentOutputSerializer(serializers.Serializer):
    ticket = serializers.SerializerMethodField()
    objective = serializers.IntegerField(source="objective_id")
    objective_title = serializers.CharField(source="objective.title")
    level = serializers.ChoiceField(choices=AlignmentLevel.choices)
    strategic_alignment = DecimalTextField(
        places=2,
        source="ticket.strategic_alignment",
        help_text=_("The ticket's weighted alignment over every objective, after this change."),
    )
    updated_at = serializers.DateTimeField()

    def get_ticket(self, alignment) -> str:
        return alignment.ticket.key


# --- Roadmap items ------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class EngagementObjectiveField(serializers.PrimaryKeyRelatedField):
    """An objective of the request's engagement, by id."""

    default_error_messages = {
        "does_not_exist": _("No objective {pk_value} in this engagement."),
        "incorrect_type": _("An objective is named by its id."),
    }

    def get_queryset(self):
        return objective_list(engagement=self.context["engagement"])


@extend_schema_field(OpenApiTypes.STR)
class EngagementTicketField(serializers.RelatedField):
    """A ticket of the request's engagement, by key (``NORD-42``)."""

    default_error_messages = {
        "does_not_exist": _("No ticket {ticket_key} in this engagement."),
        "incorrect_type": _("A ticket is named by its key, for example NORD-42."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Ticket.objects.none())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("incorrect_type")
        ticket = ticket_get(engagement=self.context["engagement"], key=data)
        if ticket is None:
            self.fail("does_not_exist", ticket_key=data)
        return ticket

    def to_representation(self, value: Ticket) -> str:
        return value.key


class RoadmapItemUpdateInputSerializer(RefuseUnchangeableFields):
    unchangeable_fields = ("engagement", "annual_value", "effort_days", "ticket_count")

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(allow_blank=True, required=False)
    quarter = serializers.CharField(
        max_length=7,
        allow_blank=True,
        required=False,
        help_text=_("A quarter such as 2027-Q1; leave empty and give a lane instead."),
    )
    lane = serializers.ChoiceField(
        choices=Lane.choices,
        allow_blank=True,
        required=False,
        help_text=_("now, next or later, for an item not yet in a quarter."),
    )
    status = serializers.ChoiceField(choices=RoadmapItemStatus.choices, required=False)
    position = serializers.IntegerField(min_value=0, required=False)
    objectives = EngagementObjectiveField(many=True, required=False)
    tickets = EngagementTicketField(
        many=True,
        required=False,
        help_text=_("Keys of tickets of this engagement; replaces the linked tickets."),
    )


class RoadmapItemCreateInputSerializer(RoadmapItemUpdateInputSerializer):
    title = serializers.CharField(max_length=200)


class RoadmapItemOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    title = serializers.CharField()
    description = serializers.CharField()
    quarter = serializers.CharField(help_text=_("Empty when the item is in a lane."))
    lane = serializers.CharField(help_text=_("Empty when the item is in a quarter."))
    status = serializers.ChoiceField(choices=RoadmapItemStatus.choices)
    position = serializers.IntegerField()
    objectives = serializers.SerializerMethodField()
    tickets = serializers.SerializerMethodField()
    ticket_count = serializers.IntegerField()
    annual_value = DecimalTextField(
        places=2,
        allow_null=True,
        help_text=_(
            "Σ of the annual values of its tickets (rejected ones excluded); null when none "
            "has value figures."
        ),
    )
    effort_days = DecimalTextField(
        places=2, help_text=_("Σ of the efforts of its tickets (rejected ones excluded).")
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, item: RoadmapItem) -> str:
        return reverse(
            "api-roadmap-item-detail",
            kwargs={"slug": self.context["engagement"].slug, "pk": item.pk},
            request=self.context.get("request"),
        )

    def get_objectives(self, item: RoadmapItem) -> list[int]:
        return [objective.pk for objective in item.objectives.all()]

    def get_tickets(self, item: RoadmapItem) -> list[str]:
        prefix = self.context["engagement"].key_prefix
        return [f"{prefix}-{ticket.number}" for ticket in item.tickets.all()]


class BoardColumnOutputSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text=_("The quarter (2027-Q1) or the lane (now, next, later).")
    )
    label = serializers.CharField()
    quarter = serializers.SerializerMethodField()
    lane = serializers.CharField()
    annual_value = DecimalTextField(places=2)
    effort_days = DecimalTextField(places=2)
    capacity_days = DecimalTextField(
        places=1,
        allow_null=True,
        help_text=_("The agency's capacity for a quarter; null for a lane."),
    )
    over_capacity = serializers.BooleanField()
    is_current = serializers.BooleanField()
    is_past = serializers.BooleanField()
    items = serializers.SerializerMethodField()

    def get_quarter(self, column) -> str | None:
        return str(column.quarter) if column.quarter is not None else None

    @extend_schema_field(RoadmapItemOutputSerializer(many=True))
    def get_items(self, column) -> list:
        return RoadmapItemOutputSerializer(column.items, many=True, context=self.context).data


class RoadmapBoardOutputSerializer(serializers.Serializer):
    current_quarter = serializers.SerializerMethodField()
    currency = serializers.CharField(source="engagement.currency")
    capacity_days_per_quarter = DecimalTextField(
        places=1, source="settings.capacity_days_per_quarter"
    )
    quarters = BoardColumnOutputSerializer(many=True)
    lanes = BoardColumnOutputSerializer(many=True)

    def get_current_quarter(self, board) -> str:
        return str(board.current)


class BoardQueryInputSerializer(serializers.Serializer):
    start = serializers.CharField(required=False)
    count = serializers.IntegerField(required=False, min_value=1, max_value=12, default=6)

    def validate_start(self, value: str) -> Quarter:
        try:
            return Quarter.parse(value)
        except ValueError:
            raise serializers.ValidationError(
                _("Write a quarter as YEAR-Qn, for example 2027-Q1.")
            ) from None

    def validate(self, attrs: dict) -> dict:
        # A query string's empty value is dropped before validation; say it is not a quarter.
        if self.initial_data.get("start") == "":
            raise serializers.ValidationError(
                {"start": [_("Write a quarter as YEAR-Qn, for example 2027-Q1.")]}
            )
        start = attrs.get("start")
        if start is not None and not window_fits(start, attrs["count"]):
            latest = Quarter(9999, 4) - (attrs["count"] - 1)
            raise serializers.ValidationError(
                {
                    "start": [
                        _("The board would end after 9999-Q4; choose %(latest)s or earlier.")
                        % {"latest": latest}
                    ]
                }
            )
        return attrs
