"""Every write of the rhythm; callers import from here.

Scheduling (``scheduling``, with the syncs' series and its invitations in ``series``),
reminders and notices (``reminders``), agenda (``agenda``), outcomes (``outcomes``) and the
digest (``digest``) live in their own modules; people's preferences, the inbox and rhythm
settings are below.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.models import Engagement, User
from collab.rhythm.agenda import (
    AgendaFacts,
    SprintFact,
    TicketFact,
    agenda_build,
    agenda_item_add,
    agenda_item_delete,
    agenda_item_update,
    agenda_items_carry_over,
    agenda_section_add,
)
from collab.rhythm.models import (
    Notification,
    PersonPreferences,
    RhythmSettings,
    new_calendar_token,
)
from collab.rhythm.outcomes import (
    StaleNotes,
    action_item_complete,
    action_item_create,
    action_item_link_ticket,
    attendance_set,
    meeting_mark_held,
    meeting_notes_save,
    outcome_record,
)
from collab.rhythm.reminders import MAX_OFFSET_MINUTES, reminders_sweep
from collab.rhythm.scheduling import (
    MeetingPeople,
    attendee_add,
    attendee_respond,
    engagement_cadence_changed,
    meeting_cancel,
    meeting_create,
    meeting_move,
    meeting_update_details,
    meetings_schedule,
    rhythm_settings_get,
)

PREFERENCE_FIELDS = ("reminder_opt_out", "notification_mode")


def person_preferences_get_or_create(*, person: User) -> PersonPreferences:
    """The person's preferences, created (with a fresh calendar token) on first use."""
    preferences, _created = PersonPreferences.objects.get_or_create(person=person)
    return preferences


def person_preferences_update(*, person: User, data: dict[str, Any]) -> PersonPreferences:
    """Change a person's reminder opt-out or notification mode (immediate or daily digest)."""
    unknown = set(data) - set(PREFERENCE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    preferences = person_preferences_get_or_create(person=person)
    for name, value in data.items():
        setattr(preferences, name, value)
    preferences.full_clean()
    preferences.save(update_fields=list(data) or None)
    return preferences


def calendar_token_regenerate(*, person: User) -> PersonPreferences:
    """Give the person a new calendar-feed token: the old feed URL stops working at once."""
    preferences = person_preferences_get_or_create(person=person)
    preferences.calendar_token = new_calendar_token()
    preferences.save(update_fields=["calendar_token"])
    return preferences


def notification_mark_read(*, person: User, notification_id: int) -> bool:
    """Mark one of the person's inbox entries read (another person's entry is not found:
    returns False)."""
    own = Notification.objects.filter(person=person, pk=notification_id)
    own.filter(read_at__isnull=True).update(read_at=timezone.now())
    return own.exists()


def notifications_mark_all_read(*, person: User) -> int:
    """Mark every unread inbox entry of the person read; returns how many."""
    return Notification.objects.filter(person=person, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def reminder_offsets_clean(reminder_offsets: object) -> list[int]:
    """The reminder offsets, latest first: a list of distinct whole minutes, each from 5
    minutes to one week."""
    refusal = ValidationError(
        {
            "reminder_offsets": _(
                "Give distinct offsets between 5 minutes and one week (10080 minutes)."
            )
        }
    )
    if not isinstance(reminder_offsets, list | tuple):
        raise refusal
    try:
        offsets = sorted({int(offset) for offset in reminder_offsets}, reverse=True)
    except (TypeError, ValueError):
        raise refusal from None
    if len(offsets) != len(reminder_offsets) or not all(
        5 <= offset <= MAX_OFFSET_MINUTES for offset in offsets
    ):
        raise refusal
    return offsets


@transaction.atomic
def rhythm_settings_update(
    *,
    engagement: Engagement,
    reminder_offsets: list[int] | None = None,
    review_duration_minutes: int | None = None,
) -> RhythmSettings:
    """Change an engagement's reminder offsets (minutes before, each from 5 minutes to a
    week, no duplicates) or its review duration."""
    settings, _created = RhythmSettings.objects.select_for_update().get_or_create(
        engagement=engagement
    )
    if reminder_offsets is not None:
        settings.reminder_offsets = reminder_offsets_clean(reminder_offsets)
    if review_duration_minutes is not None:
        settings.review_duration_minutes = review_duration_minutes
    settings.full_clean()
    settings.save()
    return settings


__all__ = [
    "AgendaFacts",
    "MeetingPeople",
    "SprintFact",
    "StaleNotes",
    "TicketFact",
    "action_item_complete",
    "action_item_create",
    "action_item_link_ticket",
    "agenda_build",
    "agenda_item_add",
    "agenda_item_delete",
    "agenda_item_update",
    "agenda_items_carry_over",
    "agenda_section_add",
    "attendance_set",
    "attendee_add",
    "attendee_respond",
    "calendar_token_regenerate",
    "engagement_cadence_changed",
    "meeting_cancel",
    "meeting_create",
    "meeting_mark_held",
    "meeting_move",
    "meeting_notes_save",
    "meeting_update_details",
    "meetings_schedule",
    "notification_mark_read",
    "notifications_mark_all_read",
    "outcome_record",
    "person_preferences_get_or_create",
    "person_preferences_update",
    "reminder_offsets_clean",
    "reminders_sweep",
    "rhythm_settings_get",
    "rhythm_settings_update",
]
