"""Meetings of an engagement and what hangs off them: attendees, reminders, agenda, outcomes.

Registered in the ``collab`` app (``collab/models.py`` imports this module). Relations to other
collab models are named by string so that this module imports nothing from ``collab.models``.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = [
    "AGENDA_SECTION_TITLES",
    "ActionItem",
    "AgendaItem",
    "AgendaSection",
    "Attendee",
    "DeliveryState",
    "DigestDelivery",
    "Meeting",
    "MeetingNotes",
    "MeetingNotice",
    "MeetingSeries",
    "Notification",
    "Outcome",
    "PersonPreferences",
    "ReminderDelivery",
    "RhythmSettings",
    "SeriesNotice",
]

DEFAULT_REMINDER_OFFSETS = [1440, 60]


def default_reminder_offsets() -> list[int]:
    return list(DEFAULT_REMINDER_OFFSETS)


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class RhythmSettings(models.Model):
    """Per-engagement rhythm settings, created on first change (defaults until then)."""

    engagement = models.OneToOneField(
        "collab.Engagement", on_delete=models.CASCADE, related_name="rhythm_settings"
    )
    reminder_offsets = models.JSONField(
        _("reminder offsets (minutes before)"),
        default=default_reminder_offsets,
        help_text=_("Minutes before the meeting, for example [1440, 60]."),
    )
    review_duration_minutes = models.PositiveSmallIntegerField(
        _("roadmap review duration (minutes)"), default=90, validators=[MinValueValidator(15)]
    )

    class Meta:
        verbose_name = _("rhythm settings")
        verbose_name_plural = _("rhythm settings")

    def __str__(self) -> str:
        return f"{self.engagement_id}: {self.reminder_offsets}"


class PersonPreferences(models.Model):
    """A person's notification choices and private calendar-feed token."""

    class NotificationMode(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediately")
        DAILY_DIGEST = "daily_digest", _("Daily digest at 08:00")

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    reminder_opt_out = models.BooleanField(_("no meeting reminders"), default=False)
    notification_mode = models.CharField(
        _("notifications"),
        max_length=12,
        choices=NotificationMode.choices,
        default=NotificationMode.IMMEDIATE,
    )
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)

    class Meta:
        verbose_name = _("person preferences")
        verbose_name_plural = _("person preferences")

    def __str__(self) -> str:
        return f"{self.person_id}: {self.notification_mode}"


class MeetingSeries(models.Model):
    """The weekly syncs of an engagement as one recurring event of people's calendars: each
    person gets one invitation for the series (an RRULE from ``starts_on``), a change to one
    occurrence is sent as that occurrence only (RECURRENCE-ID), a cadence change as one updated
    series (``sequence`` raised). The rule is the engagement's cadence when it was last set."""

    engagement = models.ForeignKey(
        "collab.Engagement", on_delete=models.CASCADE, related_name="meeting_series"
    )
    kind = models.CharField(_("kind"), max_length=16)
    # The Monday of the series' first week under its current rule.
    starts_on = models.DateField(_("first week"))
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    local_time = models.TimeField(_("time"))
    time_zone = models.CharField(_("time zone"), max_length=64)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        constraints = [
            models.UniqueConstraint(fields=["engagement", "kind"], name="series_one_per_kind"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="series_weekday_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.engagement_id}: {self.kind} from {self.starts_on}"

    @property
    def uid(self) -> str:
        return f"series-{self.pk}@tandem"


class Meeting(models.Model):
    """A meeting of an engagement. Occurrences of a cadence carry ``occurrence_date``, the
    first day of their cadence period (the Monday of the week for a weekly sync, the first day
    of the month, quarter, half or year for a review): the key that keeps the series
    idempotent, unchanged when the occurrence is moved or the cadence changes."""

    class Kind(models.TextChoices):
        WEEKLY_SYNC = "weekly_sync", _("Weekly sync")
        ROADMAP_REVIEW = "roadmap_review", _("Roadmap review")
        AD_HOC = "ad_hoc", _("Ad-hoc meeting")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    engagement = models.ForeignKey(
        "collab.Engagement", on_delete=models.CASCADE, related_name="meetings"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_url = models.URLField(_("video link"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organizer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organized_meetings",
    )
    occurrence_date = models.DateField(_("occurrence"), null=True, blank=True)
    moved = models.BooleanField(
        _("moved"), default=False, help_text=_("Moved by hand: cadence changes leave it alone.")
    )
    missing_roles = models.JSONField(default=list, blank=True)
    # The recurring event this occurrence belongs to in calendars (syncs scheduled from the
    # cadence); none for an ad-hoc meeting, a review, or a sync scheduled before series existed.
    series = models.ForeignKey(
        MeetingSeries,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
    )
    sequence = models.PositiveIntegerField(default=0)
    agenda_built_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(_("held"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "kind", "occurrence_date"],
                condition=Q(occurrence_date__isnull=False),
                name="meeting_one_occurrence_per_period",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["engagement", "starts_at"], name="meeting_engagement_start"),
            models.Index(fields=["status", "starts_at"], name="meeting_status_start"),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d}"

    @property
    def missing_consultant(self) -> bool:
        """A roadmap review nobody holding the consultant role attends."""
        return "consultant" in (self.missing_roles or [])

    @property
    def uid(self) -> str:
        return f"meeting-{self.pk}@tandem"


class Attendee(models.Model):
    """A person invited to a meeting, their answer and whether they came."""

    class Response(models.TextChoices):
        NEEDS_ACTION = "needs_action", _("No answer yet")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        TENTATIVE = "tentative", _("Tentative")

    engagement = models.ForeignKey("collab.Engagement", on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_attendances"
    )
    required = models.BooleanField(_("required"), default=False)
    response = models.CharField(
        _("response"), max_length=12, choices=Response.choices, default=Response.NEEDS_ACTION
    )
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["meeting", "-required", "person__display_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="attendee_once_per_meeting")
        ]
        indexes = [models.Index(fields=["person", "meeting"], name="attendee_person_meeting")]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.meeting_id}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    CLAIMED = "claimed", _("Claimed")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class DeliveryLedger(models.Model):
    """The ledger columns every exactly-once email shares (see ``collab.rhythm.ledger``)."""

    state = models.CharField(
        max_length=8, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True


class ReminderDelivery(DeliveryLedger):
    """One reminder of one meeting to one person at one offset: sent at most once."""

    engagement = models.ForeignKey("collab.Engagement", on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reminders")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    offset_minutes = models.PositiveIntegerField()
    due_at = models.DateTimeField()

    class Meta:
        verbose_name = _("reminder delivery")
        verbose_name_plural = _("reminder deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "person", "offset_minutes"], name="reminder_once_per_offset"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="reminder_state_next")]

    def __str__(self) -> str:
        return f"{self.meeting_id}/{self.person_id}/{self.offset_minutes}: {self.state}"


class MeetingNotice(DeliveryLedger):
    """An email about a meeting to one attendee: an updated invitation, a cancellation or the
    minutes; one per (meeting, person, kind, sequence)."""

    class Kind(models.TextChoices):
        UPDATE = "update", _("Updated invitation")
        CANCEL = "cancel", _("Cancellation")
        MINUTES = "minutes", _("Minutes")

    engagement = models.ForeignKey("collab.Engagement", on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="notices")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    sequence = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("meeting notice")
        verbose_name_plural = _("meeting notices")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "person", "kind", "sequence"], name="notice_once_per_change"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="notice_state_next")]

    def __str__(self) -> str:
        return f"{self.meeting_id}/{self.person_id}/{self.kind}/{self.sequence}: {self.state}"


class SeriesNotice(DeliveryLedger):
    """An email about a whole series to one person: its invitation (``update``, sent once per
    person and series, again only when the series itself changes) or its cancellation for
    someone who left (``cancel``); one per (series, person, kind, sequence)."""

    engagement = models.ForeignKey("collab.Engagement", on_delete=models.CASCADE, related_name="+")
    series = models.ForeignKey(MeetingSeries, on_delete=models.CASCADE, related_name="notices")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=MeetingNotice.Kind.choices)
    sequence = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("series notice")
        verbose_name_plural = _("series notices")
        constraints = [
            models.UniqueConstraint(
                fields=["series", "person", "kind", "sequence"],
                name="series_notice_once_per_change",
            )
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="series_notice_state_next"),
            models.Index(fields=["series", "person"], name="series_notice_person"),
        ]

    def __str__(self) -> str:
        return f"{self.series_id}/{self.person_id}/{self.kind}/{self.sequence}: {self.state}"


class DigestDelivery(DeliveryLedger):
    """A person's daily digest for one local date: sent at most once."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    local_date = models.DateField()

    class Meta:
        verbose_name = _("digest delivery")
        verbose_name_plural = _("digest deliveries")
        constraints = [
            models.UniqueConstraint(fields=["person", "local_date"], name="digest_once_per_day")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="digest_state_next")]

    def __str__(self) -> str:
        return f"{self.person_id}/{self.local_date}: {self.state}"


class Notification(models.Model):
    """An entry of a person's in-app inbox."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    engagement = models.ForeignKey(
        "collab.Engagement", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["person", "created_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            )
        ]

    def __str__(self) -> str:
        return self.title


# Sections an agenda is prepared with, in agenda order.
AGENDA_SECTION_TITLES = {
    "carried": _("Carried over from the last meeting"),
    "new": _("New tickets"),
    "decisions": _("Awaiting a client decision"),
    "alignment": _("Needs alignment"),
    "qa": _("QA failures"),
    "blocked": _("Blocked"),
    "sprint": _("Sprint progress"),
    "actions": _("Overdue action items"),
    "review": _("Upcoming roadmap review"),
    "other": _("Other topics"),
}


class AgendaSection(models.Model):
    """A heading of a meeting's agenda."""

    engagement = models.ForeignKey("collab.Engagement", on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_sections")
    key = models.CharField(max_length=30, blank=True, help_text="Generated sections' code.")
    title = models.CharField(_("title"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("agenda section")
        verbose_name_plural = _("agenda sections")
        ordering = ["meeting", "order", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def label(self) -> str:
        """The title in the reader's language for a prepared section, as typed otherwise."""
        return str(AGENDA_SECTION_TITLES.get(self.key, self.title))


class AgendaItem(models.Model):
    """An item of an agenda. The ticket is kept as its key and id without a foreign key: the
    collaboration core never depends on the backlog (a deleted ticket leaves the key readable)."""

    class Source(models.TextChoices):
        GENERATED = "generated", _("Prepared from the backlog")
        MANUAL = "manual", _("Added by hand")
        CARRIED = "carried", _("Carried over")

    engagement = models.ForeignKey("collab.Engagement", on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    section = models.ForeignKey(AgendaSection, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(_("title"), max_length=300)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=5)
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("presenter"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ticket_key = models.CharField(_("ticket"), max_length=24, blank=True)
    ticket_id = models.PositiveBigIntegerField(null=True, blank=True)
    # The ticket's status code when the agenda was last prepared (shown with the backlog's
    # label), so that a carried-over item shows where its ticket stands now.
    ticket_status = models.CharField(max_length=20, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="carried_to"
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "section__order", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "carried_from"],
                condition=Q(carried_from__isnull=False),
                name="agenda_item_carried_once",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Outcome(models.Model):
    """What an agenda item (or the meeting) came to: a decision, an information, a follow-up."""

    class Kind(models.TextChoices):
        DECISION = "decision", _("Decision")
        INFORMATION = "information", _("Information")
        FOLLOW_UP = "follow_up", _("Follow-up")

    engagement = models.ForeignKey("collab.Engagement", on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="outcomes")
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, null=True, blank=True, related_name="outcomes"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    text = models.TextField(_("text"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        ordering = ["meeting", "created_at", "pk"]
        indexes = [models.Index(fields=["engagement", "kind"], name="outcome_engagement_kind")]

    def __str__(self) -> str:
        return self.text[:60]


class ActionItem(models.Model):
    """A follow-up someone owns, with a due date; may become a backlog ticket (kept by key)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    engagement = models.ForeignKey(
        "collab.Engagement", on_delete=models.CASCADE, related_name="action_items"
    )
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="action_items"
    )
    outcome = models.ForeignKey(
        Outcome, on_delete=models.SET_NULL, null=True, blank=True, related_name="action_items"
    )
    title = models.CharField(_("title"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="action_items",
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=6, choices=Status.choices, default=Status.OPEN
    )
    ticket_key = models.CharField(_("ticket"), max_length=24, blank=True)
    ticket_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["owner", "status", "due_date"], name="action_item_owner_due"),
            models.Index(fields=["engagement", "status"], name="action_item_engagement"),
        ]

    def __str__(self) -> str:
        return self.title


class MeetingNotes(models.Model):
    """The Markdown notes of a meeting; ``version`` guards against lost updates."""

    engagement = models.ForeignKey("collab.Engagement", on_delete=models.CASCADE, related_name="+")
    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="notes")
    body = models.TextField(_("notes"), blank=True, help_text=_("Markdown."))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("meeting notes")
        verbose_name_plural = _("meeting notes")

    def __str__(self) -> str:
        return f"notes of {self.meeting_id}"
