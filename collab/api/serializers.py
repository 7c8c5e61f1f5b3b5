"""Input and output serializers of the core resources: me and engagements.

Input serializers only parse and type what the client sent; the services validate the business
rules (a known time zone, an ISO currency, non-negative rates, unique slug and key prefix) and
their ``ValidationError`` becomes a problem document with the same field names.
Output serializers only read; no serializer here ever saves a row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from collab.models import (
    ApiToken,
    BusinessModel,
    Engagement,
    Language,
    Platform,
    ReviewCadence,
    Weekday,
)

MONEY = {"max_digits": 10, "decimal_places": 2}


# An input that refuses what it does not know: a field it has no use for is a 400 naming it
# (not silently dropped), a value of the wrong JSON type too, and a choice error lists the valid
# values. (A comment, not a docstring: the schema would show it on every request body.)
class StrictInputSerializer(serializers.Serializer):
    unchangeable_fields: tuple[str, ...] = ()

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for field in fields.values():
            if isinstance(field, serializers.ChoiceField) and field.choices:
                valid = ", ".join(str(choice) for choice in field.choices if choice != "")
                field.error_messages["invalid_choice"] = _(
                    "“{input}” is not a valid choice; choose one of: %(valid)s."
                ) % {"valid": valid}
        return fields

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            # Unchangeable fields get their own message (RefuseUnchangeableFields).
            known = {*self.fields, *self.unchangeable_fields}
            unknown = sorted(str(name) for name in data if name not in known)
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [_("Unknown field: this endpoint does not accept it.")]
                        for name in unknown
                    }
                )
            mistyped = {
                name: [message]
                for name, field in self.fields.items()
                if name in data and (message := json_type_error(field, data[name]))
            }
            if mistyped:
                raise serializers.ValidationError(mistyped)
        return super().to_internal_value(data)


# The JSON type each kind of field takes: DRF would also read 3 as "3" or "3" as 3, which the
# schema does not say (decimals, dates and times are strings; see docs/api.md).
_STRING_FIELDS = (
    serializers.CharField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.TimeField,
    serializers.DurationField,
    serializers.UUIDField,
)
_DECIMAL = re.compile(r"-?\d+(\.\d+)?")
_JSON_NAMES = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array"}


def _expected_json_type(field: serializers.Field) -> tuple[type, ...] | None:
    if isinstance(field, serializers.BooleanField):
        return (bool,)
    if isinstance(field, serializers.IntegerField):
        return (int,)
    if isinstance(field, serializers.FloatField):
        return (int, float)
    if isinstance(field, (serializers.DecimalField, *_STRING_FIELDS)):
        return (str,)
    if isinstance(field, serializers.ChoiceField) and all(
        isinstance(choice, str) for choice in field.choices
    ):
        return (str,)
    if isinstance(
        field, serializers.ListField | serializers.ListSerializer | serializers.ManyRelatedField
    ):
        return (list,)
    if isinstance(field, serializers.Serializer):
        return (dict,)
    return None


def json_type_error(field: serializers.Field, value: Any) -> str | None:
    """Why ``value`` is not of the JSON type the field takes; None when it is (or when null,
    which the field itself accepts or refuses)."""
    if value is None:
        return None
    expected = _expected_json_type(field)
    if expected is None:
        return None
    # A boolean is an integer in Python, never in JSON.
    if not isinstance(value, expected) or (bool not in expected and isinstance(value, bool)):
        return str(
            _("Incorrect type: expected %(type)s.")
            % {"type": _JSON_NAMES.get(expected[-1], "object")}
        )
    if isinstance(field, serializers.DecimalField) and not _DECIMAL.fullmatch(value):
        return str(_("Write a decimal number as a string of digits, for example “12.50”."))
    if isinstance(field, serializers.ListField) and value:
        child_errors = sorted({json_type_error(field.child, item) or "" for item in value} - {""})
        if child_errors:
            return child_errors[0]
    return None


class RefuseUnchangeableFields(StrictInputSerializer):
    """Names fields that a client may send by mistake but that never change through this
    endpoint: they are refused with a field error instead of being silently ignored."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        sent = [name for name in self.unchangeable_fields if name in self.initial_data]
        if sent:
            raise serializers.ValidationError(
                {name: [_("This field cannot be changed.")] for name in sent}
            )
        return attrs


# --- Me ---------------------------------------------------------------------------------------


class RoleBriefOutputSerializer(serializers.Serializer):
    role = serializers.CharField()
    label = serializers.CharField(source="get_role_display")
    allocation_percent = serializers.IntegerField()


class MembershipOutputSerializer(serializers.Serializer):
    slug = serializers.CharField(source="engagement.slug")
    name = serializers.CharField(source="engagement.name")
    url = serializers.SerializerMethodField()
    roles = RoleBriefOutputSerializer(many=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, membership) -> str:
        return reverse(
            "api-engagement-detail",
            kwargs={"slug": membership.engagement.slug},
            request=self.context.get("request"),
        )


class PersonMeOutputSerializer(serializers.Serializer):
    kind = serializers.SerializerMethodField(help_text=_("Always “person”."))
    email = serializers.EmailField()
    display_name = serializers.CharField()
    time_zone = serializers.CharField()
    language = serializers.CharField()
    engagements = serializers.SerializerMethodField()

    def get_kind(self, person) -> str:
        return "person"

    @extend_schema_field(MembershipOutputSerializer(many=True))
    def get_engagements(self, person) -> list[dict]:
        memberships = self.context["memberships"]
        return MembershipOutputSerializer(memberships, many=True, context=self.context).data


class TokenMeOutputSerializer(serializers.Serializer):
    kind = serializers.SerializerMethodField(help_text=_("Always “token”."))
    name = serializers.CharField()
    scope = serializers.ChoiceField(choices=ApiToken.Scope.choices)
    prefix = serializers.CharField()
    engagement = serializers.CharField(source="engagement.slug")
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)

    def get_kind(self, token) -> str:
        return "token"


class PersonUpdateInputSerializer(RefuseUnchangeableFields):
    unchangeable_fields = ("email",)

    display_name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    time_zone = serializers.CharField(
        max_length=64, required=False, help_text=_("IANA name, for example Europe/Paris.")
    )
    language = serializers.ChoiceField(choices=Language.choices, required=False)


# --- Engagements ------------------------------------------------------------------------------


class EngagementOutputSerializer(serializers.Serializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api-engagement-detail", lookup_field="slug"
    )
    role_assignments_url = serializers.SerializerMethodField()
    slug = serializers.CharField()
    name = serializers.CharField()
    key_prefix = serializers.CharField()
    agency = serializers.CharField(source="agency.name")
    client = serializers.CharField(source="client.name")
    status = serializers.ChoiceField(choices=Engagement.Status.choices)
    platform = serializers.ChoiceField(choices=Platform.choices)
    business_model = serializers.ChoiceField(choices=BusinessModel.choices)
    currency = serializers.CharField()
    client_hourly_cost = serializers.DecimalField(**MONEY, coerce_to_string=True)
    agency_day_rate = serializers.DecimalField(**MONEY, coerce_to_string=True)
    strategy = serializers.CharField()
    sync_weekday = serializers.ChoiceField(choices=Weekday.choices)
    sync_time = serializers.TimeField(format="%H:%M")
    sync_time_zone = serializers.CharField()
    sync_duration_minutes = serializers.IntegerField()
    review_cadence = serializers.ChoiceField(choices=ReviewCadence.choices)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_role_assignments_url(self, engagement) -> str:
        return reverse(
            "api-role-assignment-list",
            kwargs={"slug": engagement.slug},
            request=self.context.get("request"),
        )


class EngagementUpdateInputSerializer(RefuseUnchangeableFields):
    # Tickets are keyed by the prefix and links carry the slug: neither changes once opened.
    unchangeable_fields = ("slug", "key_prefix", "agency", "client", "client_name")

    name = serializers.CharField(max_length=200, required=False)
    platform = serializers.ChoiceField(choices=Platform.choices, required=False)
    business_model = serializers.ChoiceField(choices=BusinessModel.choices, required=False)
    currency = serializers.CharField(
        max_length=3, required=False, help_text=_("ISO 4217 code, for example EUR.")
    )
    client_hourly_cost = serializers.DecimalField(**MONEY, required=False)
    agency_day_rate = serializers.DecimalField(**MONEY, required=False)
    status = serializers.ChoiceField(choices=Engagement.Status.choices, required=False)
    strategy = serializers.CharField(allow_blank=True, required=False)
    sync_weekday = serializers.ChoiceField(
        choices=Weekday.choices, required=False, help_text=_("0 = Monday … 6 = Sunday.")
    )
    sync_time = serializers.TimeField(required=False)
    sync_time_zone = serializers.CharField(
        max_length=64, required=False, help_text=_("IANA name, for example Europe/Paris.")
    )
    sync_duration_minutes = serializers.IntegerField(required=False)
    review_cadence = serializers.ChoiceField(choices=ReviewCadence.choices, required=False)


class EngagementCreateInputSerializer(EngagementUpdateInputSerializer):
    unchangeable_fields = ("agency", "client")

    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=60)
    key_prefix = serializers.CharField(
        max_length=10, help_text=_("2 to 10 capital letters or digits, for example NORD.")
    )
    client_name = serializers.CharField(
        max_length=200, help_text=_("The client company; created on first use.")
    )
    platform = serializers.ChoiceField(choices=Platform.choices)
    business_model = serializers.ChoiceField(choices=BusinessModel.choices)
