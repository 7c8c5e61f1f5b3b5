"""Admin of the rhythm (registered from ``collab/admin.py``).

Meetings and what hangs off them are shown, not edited: every change to a meeting tells its
attendees (a new sequence, a notice by email), so the admin cancels one through
``collab.rhythm.services`` and changes nothing else. The ledgers of reminders, notices and
digests are written by the sweeps only. An engagement's rhythm settings have no page of their
own: they are changed here, through their service and its rules.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.template.defaultfilters import truncatechars
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from collab.common.admin import ReadOnlyAdmin, ReadOnlyInline, service_action_apply
from collab.rhythm.models import (
    ActionItem,
    AgendaItem,
    AgendaSection,
    Attendee,
    DigestDelivery,
    Meeting,
    MeetingNotes,
    MeetingNotice,
    MeetingSeries,
    Notification,
    Outcome,
    PersonPreferences,
    ReminderDelivery,
    RhythmSettings,
    SeriesNotice,
)
from collab.rhythm.services import (
    action_item_complete,
    calendar_token_regenerate,
    meeting_cancel,
    reminder_offsets_clean,
    rhythm_settings_update,
)


class RhythmSettingsForm(forms.ModelForm):
    class Meta:
        model = RhythmSettings
        fields = ("engagement", "reminder_offsets", "review_duration_minutes")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "reminder_offsets" in cleaned:
            try:
                cleaned["reminder_offsets"] = reminder_offsets_clean(cleaned["reminder_offsets"])
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(RhythmSettings)
class RhythmSettingsAdmin(admin.ModelAdmin):
    """Reminder offsets and the review's length, saved by ``rhythm_settings_update`` (the same
    rules as everywhere); deleting the row returns the engagement to the defaults."""

    form = RhythmSettingsForm
    list_display = ("engagement", "reminder_offsets", "review_duration_minutes")
    list_select_related = ("engagement",)
    search_fields = ("engagement__name", "engagement__slug")
    autocomplete_fields = ("engagement",)
    ordering = ("engagement__name",)

    def get_readonly_fields(self, request, obj=None):
        return ("engagement",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        saved = rhythm_settings_update(
            engagement=obj.engagement,
            reminder_offsets=form.cleaned_data["reminder_offsets"],
            review_duration_minutes=form.cleaned_data["review_duration_minutes"],
        )
        obj.pk, obj.reminder_offsets = saved.pk, saved.reminder_offsets


@admin.register(PersonPreferences)
class PersonPreferencesAdmin(ReadOnlyAdmin):
    """A person's own choices (changed on their profile page); the private calendar-feed token
    is never shown, but can be replaced when its address leaked."""

    list_display = ("person", "notification_mode", "reminder_opt_out")
    list_filter = ("notification_mode", "reminder_opt_out")
    search_fields = ("person__email", "person__display_name")
    list_select_related = ("person",)
    fields = ("person", "notification_mode", "reminder_opt_out")
    ordering = ("person__email",)
    actions = ("regenerate_calendar_token",)

    @admin.action(
        description=_("Give the selected people a new calendar-feed address"),
        permissions=["service"],
    )
    def regenerate_calendar_token(self, request, queryset):
        service_action_apply(
            self,
            request,
            queryset.select_related("person"),
            lambda preferences: calendar_token_regenerate(person=preferences.person),
            done=lambda count: (
                ngettext(
                    "%(count)d calendar feed has a new address; the old one stopped working.",
                    "%(count)d calendar feeds have a new address; the old ones stopped working.",
                    count,
                )
                % {"count": count}
            ),
        )


class AttendeeInline(ReadOnlyInline):
    model = Attendee
    fields = ("person", "required", "response", "attended")
    select_related = ("person",)


class AgendaItemInline(ReadOnlyInline):
    model = AgendaItem
    fields = ("section", "title", "ticket_key", "presenter", "duration_minutes", "source")
    select_related = ("section", "presenter")


class OutcomeInline(ReadOnlyInline):
    model = Outcome
    fields = ("kind", "text", "recorded_by", "created_at")
    select_related = ("recorded_by",)


class ActionItemInline(ReadOnlyInline):
    model = ActionItem
    fields = ("title", "owner", "due_date", "status", "ticket_key")
    select_related = ("owner",)


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    """Meetings, with their attendees, agenda, outcomes and action items; the only change is
    to cancel one (attendees get a cancellation), through ``meeting_cancel``."""

    list_display = ("engagement", "__str__", "kind", "status", "starts_at", "organizer", "moved")
    list_filter = ("engagement", "kind", "status", "moved", "starts_at")
    search_fields = ("title", "place", "engagement__name")
    list_select_related = ("engagement", "organizer")
    date_hierarchy = "starts_at"
    ordering = ("-starts_at", "-pk")
    inlines = (AttendeeInline, AgendaItemInline, OutcomeInline, ActionItemInline)
    actions = ("cancel",)

    @admin.action(
        description=_("Cancel the selected meetings (attendees are told)"),
        permissions=["service"],
    )
    def cancel(self, request, queryset):
        service_action_apply(
            self,
            request,
            queryset.order_by("pk"),
            lambda meeting: meeting_cancel(meeting=meeting),
            done=lambda count: (
                ngettext("%(count)d meeting cancelled.", "%(count)d meetings cancelled.", count)
                % {"count": count}
            ),
        )


@admin.register(Attendee)
class AttendeeAdmin(ReadOnlyAdmin):
    list_display = ("engagement", "meeting", "person", "required", "response", "attended")
    list_filter = ("engagement", "response", "required", "attended", "meeting__starts_at")
    search_fields = ("person__email", "person__display_name", "meeting__title")
    list_select_related = ("engagement", "meeting", "person")
    date_hierarchy = "meeting__starts_at"
    ordering = ("-meeting__starts_at", "-required", "pk")


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(ReadOnlyAdmin):
    """One reminder to one person: claimed, sent and retried by the sweep only."""

    list_display = (
        "engagement",
        "meeting",
        "person",
        "offset_minutes",
        "due_at",
        "state",
        "attempts",
        "sent_at",
    )
    list_filter = ("engagement", "state", "due_at")
    search_fields = ("person__email", "meeting__title", "message_id")
    list_select_related = ("engagement", "meeting", "person")
    date_hierarchy = "due_at"
    ordering = ("-due_at", "-pk")


@admin.register(MeetingNotice)
class MeetingNoticeAdmin(ReadOnlyAdmin):
    """An updated invitation, a cancellation or the minutes to one attendee: sweep only."""

    list_display = (
        "engagement",
        "meeting",
        "person",
        "kind",
        "sequence",
        "state",
        "attempts",
        "sent_at",
    )
    list_filter = ("engagement", "kind", "state", "next_attempt_at")
    search_fields = ("person__email", "meeting__title", "message_id")
    list_select_related = ("engagement", "meeting", "person")
    date_hierarchy = "next_attempt_at"
    ordering = ("-next_attempt_at", "-pk")


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(ReadOnlyAdmin):
    """The engagements' weekly syncs as recurring calendar events: their rule follows the
    engagement's cadence (changed on the engagement), never here."""

    list_display = (
        "engagement",
        "kind",
        "starts_on",
        "weekday",
        "local_time",
        "time_zone",
        "duration_minutes",
        "sequence",
    )
    list_filter = ("engagement", "kind")
    search_fields = ("engagement__name",)
    list_select_related = ("engagement",)
    ordering = ("engagement", "kind")


@admin.register(SeriesNotice)
class SeriesNoticeAdmin(ReadOnlyAdmin):
    """A series' invitation or cancellation to one person: sweep only."""

    list_display = ("engagement", "series", "person", "kind", "sequence", "state", "sent_at")
    list_filter = ("engagement", "kind", "state", "next_attempt_at")
    search_fields = ("person__email", "message_id")
    list_select_related = ("engagement", "series", "person")
    date_hierarchy = "next_attempt_at"
    ordering = ("-next_attempt_at", "-pk")


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(ReadOnlyAdmin):
    """A person's daily digest, once per local date: sweep only."""

    list_display = ("person", "local_date", "state", "attempts", "sent_at")
    list_filter = ("state", "local_date")
    search_fields = ("person__email", "message_id")
    list_select_related = ("person",)
    date_hierarchy = "local_date"
    ordering = ("-local_date", "-pk")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """People's inbox entries: written by the rhythm and the apps, read by their owner."""

    list_display = ("engagement", "person", "kind", "title", "created_at", "read_at")
    list_filter = ("engagement", "kind", ("read_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("title", "person__email", "person__display_name")
    list_select_related = ("engagement", "person")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")


@admin.register(AgendaSection)
class AgendaSectionAdmin(ReadOnlyAdmin):
    list_display = ("engagement", "meeting", "title", "key", "order")
    list_filter = ("engagement", "key")
    search_fields = ("title", "meeting__title")
    list_select_related = ("engagement", "meeting")
    ordering = ("-meeting__starts_at", "order", "pk")
    inlines = (AgendaItemInline,)


@admin.register(AgendaItem)
class AgendaItemAdmin(ReadOnlyAdmin):
    list_display = (
        "engagement",
        "meeting",
        "section",
        "title",
        "ticket_key",
        "source",
        "presenter",
        "duration_minutes",
    )
    list_filter = ("engagement", "source", "created_at")
    search_fields = ("title", "ticket_key", "meeting__title")
    list_select_related = ("engagement", "meeting", "section", "presenter")
    date_hierarchy = "created_at"
    ordering = ("-meeting__starts_at", "section__order", "order", "pk")
    inlines = (OutcomeInline,)


@admin.register(Outcome)
class OutcomeAdmin(ReadOnlyAdmin):
    list_display = ("engagement", "meeting", "kind", "summary", "recorded_by", "created_at")
    list_filter = ("engagement", "kind", "created_at")
    search_fields = ("text", "meeting__title")
    list_select_related = ("engagement", "meeting", "recorded_by")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    inlines = (ActionItemInline,)

    @admin.display(description=_("text"))
    def summary(self, outcome: Outcome) -> str:
        return truncatechars(outcome.text, 80)


@admin.register(ActionItem)
class ActionItemAdmin(ReadOnlyAdmin):
    list_display = ("engagement", "title", "owner", "due_date", "status", "ticket_key", "meeting")
    list_filter = ("engagement", "status", "due_date")
    search_fields = ("title", "ticket_key", "owner__email", "owner__display_name")
    list_select_related = ("engagement", "owner", "meeting")
    date_hierarchy = "due_date"
    ordering = ("due_date", "pk")
    actions = ("mark_done",)

    @admin.action(description=_("Mark the selected action items done"), permissions=["service"])
    def mark_done(self, request, queryset):
        service_action_apply(
            self,
            request,
            queryset.filter(status=ActionItem.Status.OPEN),
            lambda item: action_item_complete(item=item),
            done=lambda count: (
                ngettext("%(count)d action item done.", "%(count)d action items done.", count)
                % {"count": count}
            ),
        )


@admin.register(MeetingNotes)
class MeetingNotesAdmin(ReadOnlyAdmin):
    """The notes are saved from the meeting page, guarded by their version against lost
    updates: read-only here."""

    list_display = ("engagement", "meeting", "updated_by", "updated_at", "version")
    list_filter = ("engagement", "updated_at")
    search_fields = ("body", "meeting__title")
    list_select_related = ("engagement", "meeting", "updated_by")
    date_hierarchy = "updated_at"
    ordering = ("-updated_at", "-pk")
