"""Time through the API: entries in and out, a week approved or returned."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from backlog.timesheets.models import MINUTES_IN_A_DAY, TimeEntry, TimesheetWeek
from collab.api.serializers import RefuseUnchangeableFields
from roles.models import Role


class TimePersonOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    display_name = serializers.CharField()


class TimeEntryOutputSerializer(serializers.Serializer):
    """An entry; for the client's people an internal note reads empty."""

    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    person = TimePersonOutputSerializer()
    date = serializers.DateField()
    minutes = serializers.IntegerField(help_text=_("The duration, in minutes."))
    ticket = serializers.SerializerMethodField()
    role = serializers.ChoiceField(choices=Role.choices)
    billable = serializers.BooleanField()
    note = serializers.SerializerMethodField()
    note_internal = serializers.BooleanField()
    approved = serializers.BooleanField(source="is_approved")
    approved_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, entry: TimeEntry) -> str:
        return reverse(
            "api-time-entry-detail",
            kwargs={"slug": self.context["engagement"].slug, "pk": entry.pk},
            request=self.context.get("request"),
        )

    @extend_schema_field({"type": "string", "nullable": True, "description": "The ticket's key."})
    def get_ticket(self, entry: TimeEntry) -> str | None:
        return entry.ticket.key if entry.ticket_id and entry.ticket else None

    @extend_schema_field(OpenApiTypes.STR)
    def get_note(self, entry: TimeEntry) -> str:
        if entry.note_internal and not self.context.get("sees_all"):
            return ""
        return entry.note


class TimeEntryUpdateInputSerializer(RefuseUnchangeableFields):
    unchangeable_fields = ("id", "engagement", "person", "approved", "approved_at", "version")

    date = serializers.DateField(required=False)
    minutes = serializers.IntegerField(min_value=1, max_value=MINUTES_IN_A_DAY, required=False)
    ticket = serializers.CharField(
        max_length=40,
        allow_null=True,
        required=False,
        help_text=_("The ticket's key (NORD-42); null for time on no ticket."),
    )
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    billable = serializers.BooleanField(required=False)
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    note_internal = serializers.BooleanField(required=False)


class TimeEntryCreateInputSerializer(TimeEntryUpdateInputSerializer):
    unchangeable_fields = ("id", "engagement", "approved", "approved_at", "version")

    person = serializers.IntegerField(
        required=False,
        help_text=_(
            "The person's id: yourself when omitted; required for a token, which logs time "
            "for the engagement's people."
        ),
    )
    date = serializers.DateField()
    minutes = serializers.IntegerField(min_value=1, max_value=MINUTES_IN_A_DAY)
    role = serializers.ChoiceField(
        choices=Role.choices,
        required=False,
        help_text=_("Needed when the person holds several roles on the engagement that day."),
    )


class WeekDecisionInputSerializer(RefuseUnchangeableFields):
    person = serializers.IntegerField(help_text=_("The person's id."))
    week = serializers.DateField(help_text=_("Any day of the week (weeks run Monday to Sunday)."))


class WeekReturnInputSerializer(WeekDecisionInputSerializer):
    reason = serializers.CharField(max_length=2000)


class TimesheetWeekOutputSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person_id")
    week_start = serializers.DateField()
    status = serializers.ChoiceField(choices=TimesheetWeek.Status.choices)
    reason = serializers.CharField()
    decided_by = serializers.IntegerField(source="decided_by_id", allow_null=True)
    decided_at = serializers.DateTimeField()
