"""The daily digest: at 08:00 in each person's own zone, once per local day.

Every 15 minutes the sweep writes a ``DigestDelivery`` row (unique per person and local date)
for each person who chose the digest and whose local time has reached 08:00, then claims and
sends those rows like reminders. A digest with nothing to say is recorded as skipped.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.core.mail import EmailMultiAlternatives
from django.db.models import Prefetch, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from collab.common.sweeps import Budget
from collab.models import User
from collab.rhythm import ledger
from collab.rhythm.agenda import TicketFact
from collab.rhythm.emails import build_message, calendar_part, format_time_only
from collab.rhythm.ics import invitation_ics, meeting_url
from collab.rhythm.models import (
    ActionItem,
    Attendee,
    DigestDelivery,
    Meeting,
    MeetingNotice,
    Notification,
    PersonPreferences,
)
from collab.rhythm.notify import DIGEST_NOTE, meeting_label
from collab.rhythm.scheduling import rhythm_settings_get
from collab.rhythm.sending import SweepResult, drain, send_chunk
from collab.rhythm.series import series_digest_calendar, series_digest_changes

DIGEST_HOUR = dt.time(8, 0)
TicketsWaiting = Callable[[User], list[TicketFact]]


def digest_message_id(*, person_id: int, local_date: dt.date) -> str:
    return f"<digest.{person_id}.{local_date.isoformat()}@tandem>"


def digests_materialise(*, now: dt.datetime) -> int:
    """Write today's digest row for every digest reader whose local clock reached 08:00."""
    readers = PersonPreferences.objects.filter(
        notification_mode=PersonPreferences.NotificationMode.DAILY_DIGEST, person__is_active=True
    ).values_list("person_id", "person__time_zone")
    by_zone: dict[str, list[int]] = defaultdict(list)
    for person_id, zone in readers:
        by_zone[zone].append(person_id)
    candidates: dict[int, dt.date] = {}
    for zone, people in by_zone.items():
        local = now.astimezone(ZoneInfo(zone))
        if local.time() >= DIGEST_HOUR:
            candidates.update(dict.fromkeys(people, local.date()))
    if not candidates:
        return 0
    condition = Q()
    for person_id, local_date in candidates.items():
        condition |= Q(person_id=person_id, local_date=local_date)
    existing = set(DigestDelivery.objects.filter(condition).values_list("person_id", flat=True))
    rows = [
        DigestDelivery(
            person_id=person_id,
            local_date=local_date,
            next_attempt_at=now,
            message_id=digest_message_id(person_id=person_id, local_date=local_date),
        )
        for person_id, local_date in candidates.items()
        if person_id not in existing
    ]
    DigestDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def digest_content(
    *, person: User, local_date: dt.date, now: dt.datetime, tickets_waiting: TicketsWaiting
) -> dict:
    """What a person's digest lists: overdue action items, meetings of the day, tickets waiting
    for them, and inbox entries of the last day."""
    zone = ZoneInfo(person.time_zone)
    day_start = dt.datetime.combine(local_date, dt.time.min, tzinfo=zone)
    meetings = list(
        Meeting.objects.filter(
            attendees__person=person,
            status=Meeting.Status.SCHEDULED,
            starts_at__gte=day_start,
            starts_at__lt=day_start + dt.timedelta(days=1),
        )
        .select_related("engagement")
        .order_by("starts_at")
    )
    return {
        "overdue": list(
            ActionItem.objects.filter(
                owner=person, status=ActionItem.Status.OPEN, due_date__lt=local_date
            )
            .select_related("engagement")
            .order_by("due_date", "pk")
        ),
        "meetings": [
            {
                "label": meeting_label(meeting),
                "time": format_time_only(
                    meeting.starts_at, zone=person.time_zone, language=person.language
                ),
                "meeting": meeting,
            }
            for meeting in meetings
        ],
        "tickets": tickets_waiting(person),
        "notifications": list(
            Notification.objects.filter(
                person=person, read_at__isnull=True, created_at__gte=now - dt.timedelta(days=1)
            ).order_by("-created_at")[:20]
        ),
    }


def digest_calendar_changes(*, person: User, now: dt.datetime) -> list[Meeting]:
    """The meetings whose invitation, update or cancellation was left to the person's digest in
    the last day: the digest attaches each one's current .ics, so their calendar follows."""
    meeting_ids = (
        MeetingNotice.objects.filter(
            person=person,
            note=DIGEST_NOTE,
            kind__in=[MeetingNotice.Kind.UPDATE, MeetingNotice.Kind.CANCEL],
            next_attempt_at__gte=now - dt.timedelta(days=1),
        )
        .values("meeting_id")
        .distinct()
    )
    return list(
        Meeting.objects.filter(pk__in=meeting_ids, attendees__person=person)
        .select_related("engagement", "organizer", "series")
        .prefetch_related(Prefetch("attendees", queryset=Attendee.objects.select_related("person")))
        .order_by("starts_at", "pk")
    )


def _attach_calendars(
    message: EmailMultiAlternatives, person: User, meetings: list[Meeting]
) -> None:
    opted_out = PersonPreferences.objects.filter(person=person, reminder_opt_out=True).exists()
    with translation.override(person.language):
        for meeting in meetings:
            offsets = (
                []
                if opted_out
                else rhythm_settings_get(engagement=meeting.engagement).reminder_offsets
            )
            ics, method = invitation_ics(
                meeting=meeting,
                attendees=meeting.attendees.all(),
                summary=meeting_label(meeting),
                description=meeting_url(meeting),
                alarm_offsets=offsets,
            )
            message.attach(calendar_part(ics, method, filename=f"meeting-{meeting.pk}.ics"))


def _digest_message(
    delivery: DigestDelivery, now: dt.datetime, tickets_waiting: TicketsWaiting
) -> EmailMultiAlternatives | None:
    person = delivery.person
    with translation.override(person.language):
        content = digest_content(
            person=person,
            local_date=delivery.local_date,
            now=now,
            tickets_waiting=tickets_waiting,
        )
        changes = digest_calendar_changes(person=person, now=now)
        series = [
            series_digest_calendar(notice, now)
            for notice in series_digest_changes(person=person, now=now)
        ]
        if not any(content.values()) and not changes and not series:
            return None
        subject = _("Your Tandem day: %(date)s") % {"date": delivery.local_date.isoformat()}
        labels = [label for label, _ics, _method in series]
        labels += [meeting_label(meeting) for meeting in changes]
    message = build_message(
        person=person,
        subject=subject,
        template="digest",
        context={
            **content,
            "local_date": delivery.local_date,
            "calendar_changes": labels,
        },
        message_id=delivery.message_id,
    )
    for number, (_label, ics, method) in enumerate(series, start=1):
        message.attach(calendar_part(ics, method, filename=f"series-{number}.ics"))
    _attach_calendars(message, person, changes)
    return message


def digests_send(
    *, now: dt.datetime, tickets_waiting: TicketsWaiting, limit: int | None = None
) -> SweepResult:
    """Claim a chunk of due digests and send each once (empty ones are skipped), each marked
    sent as soon as its email is accepted."""
    token, ids = ledger.claim(DigestDelivery, now=now, limit=limit)
    if not ids:
        return SweepResult()
    try:
        prepared = []
        empty = []
        for delivery in DigestDelivery.objects.filter(pk__in=ids).select_related("person"):
            message = _digest_message(delivery, now, tickets_waiting)
            if message is None:
                empty.append(delivery.pk)
            else:
                prepared.append((delivery.pk, message))
        ledger.mark_skipped(DigestDelivery, token=token, ids=empty, note="nothing to report")
        sent, failed = send_chunk(DigestDelivery, token, prepared)
    finally:
        ledger.release_unsent(DigestDelivery, token=token, ids=ids)
    return SweepResult(sent=sent, skipped=len(empty), failed=failed)


def digests_sweep(
    *,
    tickets_waiting: TicketsWaiting,
    now: dt.datetime | None = None,
    budget: Budget | None = None,
) -> SweepResult:
    """One run of the every-15-minutes digest sweep: write today's rows, then send them chunk
    by chunk within the time budget."""
    materialised = digests_materialise(now=now or timezone.now())
    sent = drain(
        lambda: digests_send(now=now or timezone.now(), tickets_waiting=tickets_waiting),
        budget or Budget(),
    )
    return SweepResult(materialised=materialised) + sent
