"""Input and output serializers of the rhythm API: meetings, attendees, agenda, decisions and
action items.

Inputs only parse and type; ``collab.rhythm.services`` enforces the rules (a held meeting is
frozen, a follow-up needs an owner). Every person or section an input names is looked up inside
the engagement (or meeting) of the URL, so another engagement's is refused with the same field
error as one that does not exist. Nothing here saves a row.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from collab.api.serializers import RefuseUnchangeableFields, StrictInputSerializer
from collab.rhythm.models import ActionItem, AgendaSection, Attendee, Meeting, Outcome


def _meeting_url(serializer: serializers.Serializer, meeting_id: int, name: str) -> str:
    return reverse(
        name,
        kwargs={"slug": serializer.context["engagement"].slug, "pk": meeting_id},
        request=serializer.context.get("request"),
    )


# --- Input fields scoped to the engagement -------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class MemberField(serializers.Field):
    """A person holding a role on the engagement of the URL, by id (``context["members"]``)."""

    default_error_messages = {
        "does_not_exist": _("Nobody with the id {pk_value} is a member of this engagement."),
        "invalid": _("Give a person's id."),
    }

    def to_internal_value(self, data: Any) -> Any:
        try:
            pk = int(data)
        except (TypeError, ValueError):
            self.fail("invalid")
        person = self.context["members"].get(pk)
        if person is None:
            self.fail("does_not_exist", pk_value=pk)
        return person

    def to_representation(self, value: Any) -> int:
        return value.pk


@extend_schema_field(OpenApiTypes.INT)
class MeetingSectionField(serializers.PrimaryKeyRelatedField):
    """A section of the meeting of the URL, by id."""

    default_error_messages = {
        "does_not_exist": _("No section of this meeting has the id {pk_value}."),
    }

    def get_queryset(self):
        return AgendaSection.objects.filter(meeting=self.context["meeting"])


# --- Output -----------------------------------------------------------------------------------


class PersonRefOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField(source="__str__")


class NotesOutputSerializer(serializers.Serializer):
    body = serializers.CharField()
    version = serializers.IntegerField()
    updated_at = serializers.DateTimeField()
    updated_by = PersonRefOutputSerializer(allow_null=True)


class MeetingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(choices=Meeting.Kind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    time_zone = serializers.CharField(help_text=_("The zone the meeting was planned in."))
    place = serializers.CharField()
    video_url = serializers.CharField()
    status = serializers.ChoiceField(choices=Meeting.Status.choices)
    organizer = PersonRefOutputSerializer(allow_null=True)
    occurrence_date = serializers.DateField(allow_null=True)
    sequence = serializers.IntegerField(help_text=_("Raised by every change (iCalendar SEQUENCE)."))
    missing_roles = serializers.ListField(child=serializers.CharField())
    missing_consultant = serializers.BooleanField()
    held_at = serializers.DateTimeField(allow_null=True)
    attendee_count = serializers.IntegerField(required=False)
    accepted_count = serializers.IntegerField(required=False)

    def get_url(self, meeting: Meeting) -> str:
        return _meeting_url(self, meeting.pk, "api-meeting-detail")


class MeetingDetailOutputSerializer(MeetingOutputSerializer):
    notes = serializers.SerializerMethodField()
    frozen = serializers.SerializerMethodField(
        help_text=_("Held or cancelled: the agenda, outcomes and notes no longer change.")
    )

    @extend_schema_field(NotesOutputSerializer(allow_null=True))
    def get_notes(self, meeting: Meeting) -> dict | None:
        notes = self.context.get("notes")
        return NotesOutputSerializer(notes).data if notes is not None else None

    def get_frozen(self, meeting: Meeting) -> bool:
        return meeting.status != Meeting.Status.SCHEDULED


class AttendeeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = PersonRefOutputSerializer()
    required = serializers.BooleanField()
    response = serializers.ChoiceField(choices=Attendee.Response.choices)
    attended = serializers.BooleanField(allow_null=True)


class ActionItemOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    title = serializers.CharField()
    owner = PersonRefOutputSerializer()
    due_date = serializers.DateField()
    status = serializers.ChoiceField(choices=ActionItem.Status.choices)
    overdue = serializers.SerializerMethodField()
    meeting = serializers.IntegerField(source="meeting_id", allow_null=True)
    ticket_key = serializers.CharField()
    done_at = serializers.DateTimeField(allow_null=True)

    def get_url(self, item: ActionItem) -> str:
        return reverse(
            "api-action-item-detail",
            kwargs={"slug": self.context["engagement"].slug, "pk": item.pk},
            request=self.context.get("request"),
        )

    def get_overdue(self, item: ActionItem) -> bool:
        return item.status == ActionItem.Status.OPEN and item.due_date < self.context["today"]


class OutcomeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Outcome.Kind.choices)
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class AgendaItemOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    duration_minutes = serializers.IntegerField()
    presenter = PersonRefOutputSerializer(allow_null=True)
    ticket_key = serializers.CharField()
    source = serializers.CharField()
    carried_from_meeting = serializers.SerializerMethodField()
    outcomes = OutcomeOutputSerializer(many=True, source="outcomes.all")

    def get_carried_from_meeting(self, item: Any) -> int | None:
        return item.carried_from.meeting_id if item.carried_from_id else None


class AgendaSectionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    title = serializers.CharField(source="label")
    items = AgendaItemOutputSerializer(many=True, source="items.all")


class AgendaOutputSerializer(serializers.Serializer):
    frozen = serializers.BooleanField()
    sections = AgendaSectionOutputSerializer(many=True)


class MeetingBriefOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(choices=Meeting.Kind.choices)
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()

    def get_url(self, meeting: Meeting) -> str:
        return _meeting_url(self, meeting.pk, "api-meeting-detail")


class MeetingDecisionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    meeting = MeetingBriefOutputSerializer()
    agenda_item = serializers.SerializerMethodField()
    recorded_by = PersonRefOutputSerializer(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_agenda_item(self, outcome: Outcome) -> str | None:
        return outcome.agenda_item.title if outcome.agenda_item_id else None


# --- Input ------------------------------------------------------------------------------------


class AttendeeInputSerializer(StrictInputSerializer):
    person = MemberField()
    required = serializers.BooleanField(default=False)


class MeetingCreateInputSerializer(StrictInputSerializer):
    title = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    video_url = serializers.URLField(required=False, default="", allow_blank=True)
    attendees = AttendeeInputSerializer(many=True, required=False, default=list)


class MeetingUpdateInputSerializer(RefuseUnchangeableFields):
    """Where the meeting takes place (its organisers) and its notes (agency staff and the
    director; ``notes_version`` is the version read, refused when someone saved since)."""

    unchangeable_fields = ("kind", "status", "starts_at", "ends_at", "organizer", "sequence")

    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    video_url = serializers.URLField(required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True, help_text=_("Markdown."))
    notes_version = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text=_("The version of the notes you read (0 when there are none yet)."),
    )

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        # Without the version read, a save could silently overwrite someone else's newer notes.
        if "notes" in attrs and "notes_version" not in attrs:
            raise serializers.ValidationError(
                {
                    "notes_version": [
                        _(
                            "Send the version of the notes you read (0 when there are none "
                            "yet), so that nobody's newer save is overwritten."
                        )
                    ]
                }
            )
        return attrs


class RespondInputSerializer(StrictInputSerializer):
    response = serializers.ChoiceField(
        choices=[
            Attendee.Response.ACCEPTED,
            Attendee.Response.TENTATIVE,
            Attendee.Response.DECLINED,
        ]
    )


class AgendaItemCreateInputSerializer(StrictInputSerializer):
    title = serializers.CharField(max_length=300)
    duration_minutes = serializers.IntegerField(min_value=1, max_value=480, default=5)
    presenter = MemberField(required=False, allow_null=True, default=None)
    section = MeetingSectionField(required=False, allow_null=True, default=None)
    ticket_key = serializers.CharField(max_length=24, required=False, default="", allow_blank=True)


class ActionItemUpdateInputSerializer(RefuseUnchangeableFields):
    unchangeable_fields = ("title", "owner", "due_date", "ticket_key", "meeting")

    status = serializers.ChoiceField(choices=ActionItem.Status.choices)
