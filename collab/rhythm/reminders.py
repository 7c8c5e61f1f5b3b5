"""Meeting reminders and notices, delivered exactly once from the ledger.

Late rule. The sweep runs every minute and works only from the database, so reminders that fell
due while workers, the broker or the scheduler were down are found on the next run:

- a reminder whose meeting has not started yet goes out late, its wording computed at send time
  ("starts in 12 minutes", not the "starts in 1 hour" it was planned with);
- when several offsets of one person and meeting are due at once, only the nearest one (the
  smallest offset) goes out; the larger ones are skipped as superseded;
- once the meeting has started (or was cancelled, or held) the reminder is skipped, never sent;
- someone who opted out of reminders or declined the meeting is skipped at send time too.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import smtplib
from collections import defaultdict
from dataclasses import dataclass

from django.core.mail import EmailMultiAlternatives, mailers
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from collab.models import User
from collab.rhythm import ledger
from collab.rhythm.emails import build_message, format_when, starts_in
from collab.rhythm.ics import invitation_ics, meeting_url
from collab.rhythm.models import (
    Attendee,
    DeliveryState,
    Meeting,
    MeetingNotice,
    Notification,
    PersonPreferences,
    ReminderDelivery,
)
from collab.rhythm.notify import meeting_label
from collab.rhythm.scheduling import rhythm_settings_get
from collab.rhythm.selectors import minutes_get

logger = logging.getLogger(__name__)

# Offsets are validated to at most a week, so only meetings within a week can have one due.
MAX_OFFSET_MINUTES = 7 * 24 * 60
SEND_ERRORS = (smtplib.SMTPException, OSError)


@dataclass(frozen=True)
class SweepResult:
    materialised: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0


def reminder_message_id(*, meeting_id: int, person_id: int, offset_minutes: int) -> str:
    """The stable Message-ID of a reminder, derived from its ledger key."""
    return f"<reminder.{meeting_id}.{person_id}.{offset_minutes}@tandem>"


def reminders_materialise(*, now: dt.datetime) -> int:
    """Write the ledger rows of every reminder now due (INSERT … ON CONFLICT DO NOTHING): one
    per attendee who has not declined nor opted out, meeting still ahead, and offset reached."""
    meetings = {
        meeting.pk: meeting
        for meeting in Meeting.objects.filter(
            status=Meeting.Status.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=now + dt.timedelta(minutes=MAX_OFFSET_MINUTES),
        ).select_related("engagement__rhythm_settings")
    }
    offsets = {
        pk: [
            offset
            for offset in rhythm_settings_get(engagement=meeting.engagement).reminder_offsets
            if meeting.starts_at - dt.timedelta(minutes=offset) <= now
        ]
        for pk, meeting in meetings.items()
    }
    due = [pk for pk, values in offsets.items() if values]
    if not due:
        return 0
    attendees = (
        Attendee.objects.filter(meeting_id__in=due, person__is_active=True)
        .exclude(response=Attendee.Response.DECLINED)
        .exclude(person__preferences__reminder_opt_out=True)
        .values_list("meeting_id", "person_id")
    )
    existing = set(
        ReminderDelivery.objects.filter(meeting_id__in=due).values_list(
            "meeting_id", "person_id", "offset_minutes"
        )
    )
    rows = [
        ReminderDelivery(
            engagement_id=meetings[meeting_id].engagement_id,
            meeting_id=meeting_id,
            person_id=person_id,
            offset_minutes=offset,
            due_at=meetings[meeting_id].starts_at - dt.timedelta(minutes=offset),
            next_attempt_at=now,
            message_id=reminder_message_id(
                meeting_id=meeting_id, person_id=person_id, offset_minutes=offset
            ),
        )
        for meeting_id, person_id in attendees
        for offset in offsets[meeting_id]
        if (meeting_id, person_id, offset) not in existing
    ]
    ReminderDelivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(rows)


def _skip_reason(
    delivery: ReminderDelivery, attendee: Attendee | None, now: dt.datetime
) -> str | None:
    meeting = delivery.meeting
    if meeting.status != Meeting.Status.SCHEDULED:
        return f"meeting {meeting.status}"
    if meeting.starts_at <= now:
        return "meeting started"
    if attendee is None:
        return "no longer invited"
    if attendee.response == Attendee.Response.DECLINED:
        return "declined"
    if _opted_out(delivery.person):
        return "opted out"
    offsets = rhythm_settings_get(engagement=meeting.engagement).reminder_offsets
    nearer = [
        offset
        for offset in offsets
        if offset < delivery.offset_minutes
        and meeting.starts_at - dt.timedelta(minutes=offset) <= now
    ]
    if nearer:
        return f"superseded by the {min(nearer)}-minute reminder"
    return None


def _opted_out(person: User) -> bool:
    try:
        return person.preferences.reminder_opt_out
    except PersonPreferences.DoesNotExist:
        return False


def _attendees_by_meeting(meeting_ids: set[int]) -> dict[int, list[Attendee]]:
    grouped: dict[int, list[Attendee]] = defaultdict(list)
    for attendee in Attendee.objects.filter(meeting_id__in=meeting_ids).select_related("person"):
        grouped[attendee.meeting_id].append(attendee)
    return grouped


class _Invitations:
    """One .ics per meeting, language and alarm offsets within a batch."""

    def __init__(self, attendees: dict[int, list[Attendee]]) -> None:
        self.attendees = attendees
        self.cache: dict[tuple[int, str, tuple[int, ...]], tuple[bytes, str]] = {}
        self.offsets: dict[int, tuple[int, ...]] = {}

    def alarm_offsets(self, meeting: Meeting, person: User) -> tuple[int, ...]:
        """The calendar alarms match the reminders the person gets: none after an opt-out."""
        if _opted_out(person):
            return ()
        if meeting.engagement_id not in self.offsets:
            settings = rhythm_settings_get(engagement=meeting.engagement)
            self.offsets[meeting.engagement_id] = tuple(settings.reminder_offsets)
        return self.offsets[meeting.engagement_id]

    def get(self, meeting: Meeting, person: User) -> tuple[bytes, str]:
        offsets = self.alarm_offsets(meeting, person)
        key = (meeting.pk, person.language, offsets)
        if key not in self.cache:
            with translation.override(person.language):
                self.cache[key] = invitation_ics(
                    meeting=meeting,
                    attendees=self.attendees[meeting.pk],
                    summary=meeting_label(meeting),
                    description=meeting_url(meeting),
                    alarm_offsets=offsets,
                )
        return self.cache[key]


def _meeting_context(meeting: Meeting, person: User) -> dict:
    return {
        "meeting": meeting,
        "label": meeting_label(meeting),
        "when": format_when(meeting.starts_at, zone=person.time_zone, language=person.language),
        "ends": format_when(meeting.ends_at, zone=person.time_zone, language=person.language),
        "url": meeting_url(meeting),
        "engagement": meeting.engagement,
    }


def _reminder_message(
    delivery: ReminderDelivery, now: dt.datetime, invitations: _Invitations
) -> tuple[EmailMultiAlternatives, Notification]:
    meeting, person = delivery.meeting, delivery.person
    minutes_left = math.ceil((meeting.starts_at - now).total_seconds() / 60)
    with translation.override(person.language):
        context = {**_meeting_context(meeting, person), "starts_in": starts_in(minutes_left)}
        subject = _("Reminder: %(meeting)s %(starts_in)s") % {
            "meeting": context["label"],
            "starts_in": context["starts_in"],
        }
        ics, method = invitations.get(meeting, person)
    message = build_message(
        person=person,
        subject=subject,
        template="reminder",
        context=context,
        message_id=delivery.message_id,
        ics=ics,
        method=method,
    )
    notification = Notification(
        person=person,
        engagement_id=meeting.engagement_id,
        kind="meeting_reminder",
        title=subject,
        body=context["when"],
        url=context["url"],
        created_at=now,
    )
    return message, notification


def send_all(
    model: type, token: str, prepared: list[tuple[int, EmailMultiAlternatives]]
) -> tuple[list[int], int]:
    """Send each message on one connection; a failure releases that row for a later retry."""
    connection = mailers["default"]
    sent: list[int] = []
    failed = 0
    # A failed open is not fatal: each send below opens again and records its own failure.
    with contextlib.suppress(*SEND_ERRORS):
        connection.open()
    try:
        for pk, message in prepared:
            try:
                delivered = connection.send_messages([message])
            except SEND_ERRORS as error:
                delivered, reason = 0, repr(error)
            else:
                reason = "not accepted by the mail server"
            if delivered:
                sent.append(pk)
            else:
                failed += 1
                logger.warning("%s %s not sent (%s): retried later", model.__name__, pk, reason)
                ledger.release(model, token=token, pk=pk, now=timezone.now(), error=reason)
    finally:
        with contextlib.suppress(SEND_ERRORS):
            connection.close()
    return sent, failed


def reminders_send(*, now: dt.datetime, limit: int = ledger.BATCH_SIZE) -> SweepResult:
    """Claim a batch of due reminders, then send each (or skip it under the late rule)."""
    token, ids = ledger.claim(ReminderDelivery, now=now, limit=limit)
    if not ids:
        return SweepResult()
    deliveries = list(
        ReminderDelivery.objects.filter(pk__in=ids).select_related(
            "meeting__engagement__rhythm_settings", "meeting__organizer", "person__preferences"
        )
    )
    attendees = _attendees_by_meeting({delivery.meeting_id for delivery in deliveries})
    invitations = _Invitations(attendees)
    skipped: dict[str, list[int]] = defaultdict(list)
    prepared: list[tuple[int, EmailMultiAlternatives]] = []
    notifications: dict[int, Notification] = {}
    for delivery in deliveries:
        attendee = next(
            (a for a in attendees[delivery.meeting_id] if a.person_id == delivery.person_id), None
        )
        reason = _skip_reason(delivery, attendee, now)
        if reason:
            skipped[reason].append(delivery.pk)
            continue
        message, notification = _reminder_message(delivery, now, invitations)
        prepared.append((delivery.pk, message))
        notifications[delivery.pk] = notification
    for reason, pks in skipped.items():
        ledger.mark_skipped(ReminderDelivery, token=token, ids=pks, note=reason)
    sent, failed = send_all(ReminderDelivery, token, prepared)
    ledger.mark_sent(ReminderDelivery, token=token, ids=sent, now=timezone.now())
    Notification.objects.bulk_create([notifications[pk] for pk in sent])
    return SweepResult(
        sent=len(sent), skipped=sum(len(pks) for pks in skipped.values()), failed=failed
    )


def _notice_message(notice: MeetingNotice, invitations: _Invitations) -> EmailMultiAlternatives:
    meeting, person = notice.meeting, notice.person
    with translation.override(person.language):
        context = _meeting_context(meeting, person)
        label = context["label"]
        if notice.kind == MeetingNotice.Kind.MINUTES:
            subject = _("Minutes: %(meeting)s") % {"meeting": label}
            context["minutes"] = minutes_get(meeting=meeting)
            return build_message(
                person=person,
                subject=subject,
                template="minutes",
                context=context,
                message_id=notice.message_id,
            )
        if notice.kind == MeetingNotice.Kind.CANCEL:
            subject = _("Cancelled: %(meeting)s") % {"meeting": label}
        elif meeting.sequence == 0:
            subject = _("Invitation: %(meeting)s") % {"meeting": label}
        else:
            subject = _("Updated invitation: %(meeting)s") % {"meeting": label}
        ics, method = invitations.get(meeting, person)
    context["kind"] = notice.kind
    return build_message(
        person=person,
        subject=subject,
        template="notice",
        context=context,
        message_id=notice.message_id,
        ics=ics,
        method=method,
    )


def _notice_skip_reason(notice: MeetingNotice) -> str | None:
    meeting = notice.meeting
    if notice.kind == MeetingNotice.Kind.UPDATE and (
        notice.sequence < meeting.sequence or meeting.status != Meeting.Status.SCHEDULED
    ):
        return "superseded by a later change"
    return None


def notices_send(*, now: dt.datetime, limit: int = ledger.BATCH_SIZE) -> SweepResult:
    """Send the claimed meeting notices (updated invitations, cancellations, minutes) once."""
    token, ids = ledger.claim(MeetingNotice, now=now, limit=limit)
    if not ids:
        return SweepResult()
    notices = list(
        MeetingNotice.objects.filter(pk__in=ids).select_related(
            "meeting__engagement", "meeting__organizer", "person"
        )
    )
    invitations = _Invitations(_attendees_by_meeting({notice.meeting_id for notice in notices}))
    skipped: list[int] = []
    prepared: list[tuple[int, EmailMultiAlternatives]] = []
    for notice in notices:
        if _notice_skip_reason(notice):
            skipped.append(notice.pk)
            continue
        prepared.append((notice.pk, _notice_message(notice, invitations)))
    ledger.mark_skipped(MeetingNotice, token=token, ids=skipped, note="superseded")
    sent, failed = send_all(MeetingNotice, token, prepared)
    ledger.mark_sent(MeetingNotice, token=token, ids=sent, now=timezone.now())
    return SweepResult(sent=len(sent), skipped=len(skipped), failed=failed)


def reminders_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """One run of the every-minute sweep: write what fell due, then deliver until no due row is
    left (batch by batch), reminders and notices alike."""
    now = now or timezone.now()
    materialised = reminders_materialise(now=now)
    sent = skipped = failed = 0
    for send in (reminders_send, notices_send):
        while True:
            result = send(now=now)
            sent, skipped, failed = (
                sent + result.sent,
                skipped + result.skipped,
                failed + result.failed,
            )
            if result.sent + result.skipped + result.failed == 0:
                break
    return SweepResult(materialised=materialised, sent=sent, skipped=skipped, failed=failed)


__all__ = [
    "DeliveryState",
    "SweepResult",
    "notices_send",
    "reminder_message_id",
    "reminders_materialise",
    "reminders_send",
    "reminders_sweep",
]
