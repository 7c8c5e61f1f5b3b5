"""Budgets through the API: a budget in and out, each period with its burn and forecast."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from backlog.timesheets.models import Budget
from collab.api.serializers import RefuseUnchangeableFields

AMOUNT = {"max_digits": 12, "decimal_places": 2}
FIGURE = {"max_digits": 14, "decimal_places": 2, "coerce_to_string": True}


class BudgetOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    periods_url = serializers.SerializerMethodField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Budget.Kind.choices)
    unit = serializers.ChoiceField(
        choices=Budget.Unit.choices,
        help_text=_("Hours, or money in the engagement's currency at its day rate (8 h a day)."),
    )
    amount = serializers.DecimalField(**AMOUNT, coerce_to_string=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    rollover = serializers.ChoiceField(choices=Budget.Rollover.choices)
    rollover_cap_hours = serializers.DecimalField(
        max_digits=8, decimal_places=2, coerce_to_string=True, allow_null=True
    )
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, budget: Budget) -> str:
        return reverse(
            "api-budget-detail",
            kwargs={"slug": self.context["engagement"].slug, "pk": budget.pk},
            request=self.context.get("request"),
        )

    @extend_schema_field(OpenApiTypes.URI)
    def get_periods_url(self, budget: Budget) -> str:
        return reverse(
            "api-budget-period-list",
            kwargs={"slug": self.context["engagement"].slug, "pk": budget.pk},
            request=self.context.get("request"),
        )


class BudgetUpdateInputSerializer(RefuseUnchangeableFields):
    unchangeable_fields = ("id", "kind", "unit", "starts_on", "version", "engagement")

    name = serializers.CharField(max_length=120, required=False)
    amount = serializers.DecimalField(**AMOUNT, min_value=Decimal("0.01"), required=False)
    ends_on = serializers.DateField(allow_null=True, required=False)
    rollover = serializers.ChoiceField(choices=Budget.Rollover.choices, required=False)
    rollover_cap_hours = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0.01"),
        allow_null=True,
        required=False,
        help_text=_("Required when rollover is capped: the most unused hours carried over."),
    )


class BudgetCreateInputSerializer(RefuseUnchangeableFields):
    unchangeable_fields = ("id", "version", "engagement")

    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=Budget.Kind.choices)
    unit = serializers.ChoiceField(choices=Budget.Unit.choices)
    amount = serializers.DecimalField(**AMOUNT, min_value=Decimal("0.01"))
    starts_on = serializers.DateField(
        help_text=_(
            "A retainer renews on this day each month (or quarter): from the 1st to the 28th."
        )
    )
    ends_on = serializers.DateField(
        allow_null=True, required=False, help_text=_("Required for a fixed budget.")
    )
    rollover = serializers.ChoiceField(choices=Budget.Rollover.choices, required=False)
    rollover_cap_hours = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=Decimal("0.01"), allow_null=True, required=False
    )


class BurnDayOutputSerializer(serializers.Serializer):
    day = serializers.DateField()
    burnt = serializers.DecimalField(
        **FIGURE, help_text=_("Burnt from the period's start to this day, in the budget's unit.")
    )


class PeriodBurnOutputSerializer(serializers.Serializer):
    """A period and its burn: approved billable time, in the budget's unit."""

    id = serializers.IntegerField(source="period.pk")
    starts_on = serializers.DateField(source="period.starts_on")
    ends_on = serializers.DateField(source="period.ends_on")
    unit = serializers.ChoiceField(choices=Budget.Unit.choices)
    allowance = serializers.DecimalField(**FIGURE, source="period.allowance")
    carried_in = serializers.DecimalField(**FIGURE, source="period.carried_in")
    total = serializers.DecimalField(**FIGURE)
    burnt = serializers.DecimalField(**FIGURE)
    remaining = serializers.DecimalField(**FIGURE)
    hours_burnt = serializers.DecimalField(**FIGURE, source="hours")
    percent = serializers.IntegerField()
    current = serializers.BooleanField(source="is_current")
    closed = serializers.SerializerMethodField()
    carried_out = serializers.DecimalField(**FIGURE, source="period.carried_out")
    forecast_percent = serializers.IntegerField(
        allow_null=True,
        help_text=_("The share burnt by the period's end at the current pace (current period)."),
    )
    forecast_full_on = serializers.DateField(
        allow_null=True,
        help_text=_(
            "The day the whole budget is burnt at the current pace, if before the period's end."
        ),
    )

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_closed(self, burn) -> bool:
        return burn.period.closed_at is not None


class PeriodBurnDetailOutputSerializer(PeriodBurnOutputSerializer):
    days = BurnDayOutputSerializer(many=True)
