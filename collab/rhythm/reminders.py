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

import datetime as dt
import logging
import math
from collections import defaultdict
from functools import partial

from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from collab.common.sweeps import Budget
from collab.models import User
from collab.rhythm import ledger
from collab.rhythm.emails import (
    BatchEmail,
    batch_email_build,
    build_message,
    format_when,
    starts_in,
)
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
from collab.rhythm.sending import SEND_ERRORS, SweepResult, drain, send_chunk
from collab.rhythm.series import series_notices_send

logger = logging.getLogger(__name__)

# Offsets are validated to at most a week, so only meetings within a week can have one due.
MAX_OFFSET_MINUTES = 7 * 24 * 60


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


class _SweepCache:
    """What one sweep builds once and reuses for every chunk: the ``.ics`` of a meeting per
    language, and a reminder's bodies per meeting, language, zone and minutes left. Keys carry
    the meeting's sequence and status, so a meeting changed during the sweep is built anew."""

    def __init__(self) -> None:
        self.ics: dict[tuple, tuple[bytes, str]] = {}
        self.reminders: dict[tuple, tuple[BatchEmail, str]] = {}
        self.urls: dict[int, str] = {}
        self.offsets: dict[int, tuple[int, ...]] = {}

    def url(self, meeting: Meeting) -> str:
        if meeting.pk not in self.urls:
            self.urls[meeting.pk] = meeting_url(meeting)
        return self.urls[meeting.pk]

    def alarm_offsets(self, meeting: Meeting, person: User) -> tuple[int, ...]:
        """The calendar alarms match the reminders the person gets: none after an opt-out."""
        if _opted_out(person):
            return ()
        if meeting.engagement_id not in self.offsets:
            settings = rhythm_settings_get(engagement=meeting.engagement)
            self.offsets[meeting.engagement_id] = tuple(settings.reminder_offsets)
        return self.offsets[meeting.engagement_id]

    @staticmethod
    def version(meeting: Meeting) -> tuple:
        return (meeting.pk, meeting.sequence, meeting.status)

    def invitation(
        self,
        meeting: Meeting,
        attendees: list[Attendee],
        language: str,
        offsets: tuple[int, ...],
    ) -> tuple[bytes, str]:
        with translation.override(language):
            summary = meeting_label(meeting)
        # Keyed by the summary, not the language: a titled meeting has one .ics for everyone
        # whose alarms are the same.
        key = (*self.version(meeting), summary, offsets)
        if key not in self.ics:
            self.ics[key] = invitation_ics(
                meeting=meeting,
                attendees=attendees,
                summary=summary,
                description=self.url(meeting),
                alarm_offsets=offsets,
            )
        return self.ics[key]

    def reminder(
        self, meeting: Meeting, attendees: list[Attendee], person: User, minutes_left: int
    ) -> tuple[BatchEmail, str]:
        """The reminder for everyone of the person's language and zone, and its "when"."""
        language, zone = person.language, person.time_zone
        offsets = self.alarm_offsets(meeting, person)
        key = (*self.version(meeting), language, zone, minutes_left, offsets)
        if key not in self.reminders:
            ics, method = self.invitation(meeting, attendees, language, offsets)
            with translation.override(language):
                context = {
                    **_meeting_context(meeting, language=language, zone=zone),
                    "starts_in": starts_in(minutes_left),
                }
                subject = _("Reminder: %(meeting)s %(starts_in)s") % {
                    "meeting": context["label"],
                    "starts_in": context["starts_in"],
                }
            batch = batch_email_build(
                template="reminder",
                context=context,
                language=language,
                zone=zone,
                subject=subject,
                ics=ics,
                method=method,
            )
            self.reminders[key] = (batch, context["when"])
        return self.reminders[key]


def _meeting_context(meeting: Meeting, *, language: str, zone: str) -> dict:
    return {
        "meeting": meeting,
        "label": meeting_label(meeting),
        "when": format_when(meeting.starts_at, zone=zone, language=language),
        "ends": format_when(meeting.ends_at, zone=zone, language=language),
        "url": meeting_url(meeting),
        "engagement": meeting.engagement,
    }


def _reminder_message(
    delivery: ReminderDelivery, now: dt.datetime, attendees: list[Attendee], cache: _SweepCache
) -> tuple[EmailMultiAlternatives, Notification]:
    meeting, person = delivery.meeting, delivery.person
    minutes_left = math.ceil((meeting.starts_at - now).total_seconds() / 60)
    batch, when = cache.reminder(meeting, attendees, person, minutes_left)
    notification = Notification(
        person=person,
        engagement_id=meeting.engagement_id,
        kind="meeting_reminder",
        title=batch.subject[:200],
        body=when,
        url=cache.url(meeting),
        created_at=now,
    )
    return batch.for_person(person, message_id=delivery.message_id), notification


# One statement, so one round trip and its own transaction: the rows still ours become sent and
# exactly their in-app notices are written.
_MARK_WITH_NOTICES = """
WITH sent AS (
    UPDATE {deliveries} SET state = %s, sent_at = %s
    WHERE id = ANY(%s) AND state = %s AND claim_token = %s
    RETURNING id
)
INSERT INTO {notifications} (person_id, engagement_id, kind, title, body, url, created_at)
SELECT n.person_id, n.engagement_id, n.kind, n.title, n.body, n.url, %s
FROM (VALUES {rows}) AS n (delivery_id, person_id, engagement_id, kind, title, body, url)
JOIN sent ON sent.id = n.delivery_id
"""


def _mark_with_notices(notifications: dict[int, Notification], token: str, pks: list[int]) -> None:
    """Mark accepted reminders sent and write their in-app notices, all or nothing."""
    now = timezone.now()
    if connection.vendor != "postgresql":
        with transaction.atomic():
            ours = ledger.mark_sent_returning(ReminderDelivery, token=token, ids=pks, now=now)
            for pk in ours:
                notifications[pk].created_at = now
            Notification.objects.bulk_create([notifications[pk] for pk in ours])
        return
    quote = connection.ops.quote_name
    sql = _MARK_WITH_NOTICES.format(
        deliveries=quote(ReminderDelivery._meta.db_table),
        notifications=quote(Notification._meta.db_table),
        rows=", ".join(["(%s::bigint, %s::bigint, %s::bigint, %s, %s, %s, %s)"] * len(pks)),
    )
    values = [
        value
        for pk in pks
        for value in (
            pk,
            notifications[pk].person_id,
            notifications[pk].engagement_id,
            notifications[pk].kind,
            notifications[pk].title,
            notifications[pk].body,
            notifications[pk].url,
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [DeliveryState.SENT, now, pks, DeliveryState.CLAIMED, token, now, *values],
        )


def reminders_send(
    *, now: dt.datetime, limit: int | None = None, cache: _SweepCache | None = None
) -> SweepResult:
    """Claim a chunk of due reminders and send each (or skip it under the late rule): each one
    is marked sent with its in-app notice in one transaction as soon as its email is accepted;
    whatever the chunk could not finish goes back to pending."""
    token, ids = ledger.claim(ReminderDelivery, now=now, limit=limit)
    if not ids:
        return SweepResult()
    cache = cache or _SweepCache()
    try:
        deliveries = list(
            ReminderDelivery.objects.filter(pk__in=ids).select_related(
                "meeting__engagement__rhythm_settings",
                "meeting__organizer",
                "meeting__series",
                "person__preferences",
            )
        )
        attendees = _attendees_by_meeting({delivery.meeting_id for delivery in deliveries})
        skipped: dict[str, list[int]] = defaultdict(list)
        prepared: list[tuple[int, EmailMultiAlternatives]] = []
        notifications: dict[int, Notification] = {}
        for delivery in deliveries:
            attendee = next(
                (a for a in attendees[delivery.meeting_id] if a.person_id == delivery.person_id),
                None,
            )
            reason = _skip_reason(delivery, attendee, now)
            if reason:
                skipped[reason].append(delivery.pk)
                continue
            message, notification = _reminder_message(
                delivery, now, attendees[delivery.meeting_id], cache
            )
            prepared.append((delivery.pk, message))
            notifications[delivery.pk] = notification
        for reason, pks in skipped.items():
            ledger.mark_skipped(ReminderDelivery, token=token, ids=pks, note=reason)
        sent, failed = send_chunk(
            ReminderDelivery, token, prepared, partial(_mark_with_notices, notifications)
        )
    finally:
        ledger.release_unsent(ReminderDelivery, token=token, ids=ids)
    return SweepResult(sent=sent, skipped=sum(len(pks) for pks in skipped.values()), failed=failed)


def _notice_message(
    notice: MeetingNotice, attendees: list[Attendee], cache: _SweepCache
) -> EmailMultiAlternatives:
    meeting, person = notice.meeting, notice.person
    with translation.override(person.language):
        context = _meeting_context(meeting, language=person.language, zone=person.time_zone)
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
        ics, method = cache.invitation(
            meeting, attendees, person.language, cache.alarm_offsets(meeting, person)
        )
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


def notices_send(
    *, now: dt.datetime, limit: int | None = None, cache: _SweepCache | None = None
) -> SweepResult:
    """Send a claimed chunk of meeting notices (updated invitations, cancellations, minutes),
    each marked sent as soon as its email is accepted."""
    token, ids = ledger.claim(MeetingNotice, now=now, limit=limit)
    if not ids:
        return SweepResult()
    cache = cache or _SweepCache()
    try:
        notices = list(
            MeetingNotice.objects.filter(pk__in=ids).select_related(
                "meeting__engagement", "meeting__organizer", "meeting__series", "person"
            )
        )
        attendees = _attendees_by_meeting({notice.meeting_id for notice in notices})
        skipped: list[int] = []
        prepared: list[tuple[int, EmailMultiAlternatives]] = []
        for notice in notices:
            if _notice_skip_reason(notice):
                skipped.append(notice.pk)
                continue
            prepared.append(
                (notice.pk, _notice_message(notice, attendees[notice.meeting_id], cache))
            )
        ledger.mark_skipped(MeetingNotice, token=token, ids=skipped, note="superseded")
        sent, failed = send_chunk(MeetingNotice, token, prepared)
    finally:
        ledger.release_unsent(MeetingNotice, token=token, ids=ids)
    return SweepResult(sent=sent, skipped=len(skipped), failed=failed)


def notices_sweep(*, budget: Budget | None = None) -> SweepResult:
    """Send every due notice (of one meeting, then of a series), chunk by chunk, within the
    time budget."""
    cache = _SweepCache()
    budget = budget or Budget()
    meetings = drain(lambda: notices_send(now=timezone.now(), cache=cache), budget)
    return meetings + drain(lambda: series_notices_send(now=timezone.now()), budget)


def reminders_sweep(*, now: dt.datetime | None = None, budget: Budget | None = None) -> SweepResult:
    """One run of the every-minute sweep: write what fell due, then deliver chunk by chunk,
    reminders then notices (of one meeting, then of a series), until nothing is due or the
    time budget is spent (``more``: the task chains another run)."""
    budget = budget or Budget()
    materialised = reminders_materialise(now=now or timezone.now())
    cache = _SweepCache()
    reminders = drain(lambda: reminders_send(now=now or timezone.now(), cache=cache), budget)
    notices = drain(lambda: notices_send(now=now or timezone.now(), cache=cache), budget)
    series = drain(lambda: series_notices_send(now=now or timezone.now()), budget)
    return SweepResult(materialised=materialised) + reminders + notices + series


__all__ = [
    "SEND_ERRORS",
    "DeliveryState",
    "SweepResult",
    "notices_send",
    "notices_sweep",
    "reminder_message_id",
    "reminders_materialise",
    "reminders_send",
    "reminders_sweep",
]
