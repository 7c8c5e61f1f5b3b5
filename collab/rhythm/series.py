"""The weekly syncs of an engagement as one recurring event in people's calendars.

Invitation rule. Each person gets the series' invitation once: one email whose ``.ics`` holds
the recurring event (a weekly RRULE from the series' first week, in the series' zone), the
occurrences already moved, retitled or given a place as overrides (RECURRENCE-ID), and the
cancelled ones as EXDATE. The scheduler adding next week's sync sends nothing: the RRULE has it.
A change to one occurrence sends that occurrence only (``collab.rhythm.notify``, with the
series' UID and the occurrence's RECURRENCE-ID); a cadence change sends one updated series to
each person (``sequence`` raised); someone leaving the engagement gets the series' cancellation.

The ledger row is ``SeriesNotice`` (one per series, person, kind and sequence), sent once by
the notices sweep; a person's row is superseded by any later row of theirs for the series.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import translation
from django.utils.translation import gettext as _

from collab.common.tasks import enqueue_on_commit
from collab.models import Engagement, User
from collab.rhythm import ledger
from collab.rhythm.emails import build_message, format_when
from collab.rhythm.ics import (
    calendar_bytes,
    meeting_event,
    meeting_url,
    series_event,
    series_instance_start,
)
from collab.rhythm.models import (
    DeliveryState,
    Meeting,
    MeetingNotice,
    MeetingSeries,
    PersonPreferences,
    RhythmSettings,
    SeriesNotice,
    default_reminder_offsets,
)
from collab.rhythm.notify import DIGEST_NOTE, NOTICES_TASK, notifications_write
from collab.rhythm.sending import SweepResult, send_chunk

UPDATE = MeetingNotice.Kind.UPDATE
CANCEL = MeetingNotice.Kind.CANCEL


def _sync_time(engagement: Engagement) -> dt.time:
    value = engagement.sync_time
    return dt.time.fromisoformat(value) if isinstance(value, str) else value


def series_rule(engagement: Engagement) -> dict:
    """The rule of an engagement's weekly syncs today: weekday, wall-clock time, zone, length."""
    return {
        "weekday": engagement.sync_weekday,
        "local_time": _sync_time(engagement),
        "time_zone": engagement.sync_time_zone,
        "duration_minutes": engagement.sync_duration_minutes,
    }


def series_label(series: MeetingSeries) -> str:
    """The series' name in the active language (as an untitled occurrence is named)."""
    return _("%(kind)s — %(engagement)s") % {
        "kind": Meeting.Kind(series.kind).label,
        "engagement": series.engagement.name,
    }


def sync_series_get_or_create(*, engagement: Engagement, starts_on: dt.date) -> MeetingSeries:
    """The engagement's series of weekly syncs, created (from ``starts_on``, the week of the
    first occurrence it holds) at the engagement's cadence the first time syncs are scheduled."""
    existing = MeetingSeries.objects.filter(
        engagement=engagement, kind=Meeting.Kind.WEEKLY_SYNC
    ).first()
    if existing is not None:
        return existing
    try:
        # Two schedulers at once: the second loses on the unique constraint and reads the row.
        with transaction.atomic():
            return MeetingSeries.objects.create(
                engagement=engagement,
                kind=Meeting.Kind.WEEKLY_SYNC,
                starts_on=starts_on,
                **series_rule(engagement),
            )
    except IntegrityError:
        return MeetingSeries.objects.get(engagement=engagement, kind=Meeting.Kind.WEEKLY_SYNC)


def _live_members(series: MeetingSeries, person_ids: Iterable[int] | None = None) -> set[int]:
    """The people whose calendar holds the series: their latest notice about it invites them."""
    notices = SeriesNotice.objects.filter(series=series)
    if person_ids is not None:
        notices = notices.filter(person_id__in=list(person_ids))
    latest: dict[int, str] = {}
    for person_id, kind in notices.order_by("pk").values_list("person_id", "kind"):
        latest[person_id] = kind
    return {person_id for person_id, kind in latest.items() if kind == UPDATE}


def _mode(person: User) -> str:
    try:
        return person.preferences.notification_mode
    except PersonPreferences.DoesNotExist:
        return PersonPreferences.NotificationMode.IMMEDIATE


def series_message_id(*, series_id: int, person_id: int, kind: str, sequence: int) -> str:
    return f"<series.{series_id}.{person_id}.{kind}.{sequence}@tandem>"


def _notice_rows(
    series: MeetingSeries, people: list[User], kind: str, *, digest_allowed: bool = True
) -> list[SeriesNotice]:
    rows = []
    for person in people:
        digest = digest_allowed and _mode(person) == PersonPreferences.NotificationMode.DAILY_DIGEST
        rows.append(
            SeriesNotice(
                engagement_id=series.engagement_id,
                series=series,
                person=person,
                kind=kind,
                sequence=series.sequence,
                state=DeliveryState.SKIPPED if digest else DeliveryState.PENDING,
                note=DIGEST_NOTE if digest else "",
                message_id=series_message_id(
                    series_id=series.pk, person_id=person.pk, kind=kind, sequence=series.sequence
                ),
            )
        )
    return rows


def _write(series: MeetingSeries, people: list[User], kind: str, **options: bool) -> int:
    if not people:
        return 0
    # A second scheduler inviting the same person at the same moment writes nothing twice.
    SeriesNotice.objects.bulk_create(
        _notice_rows(series, people, kind, **options), ignore_conflicts=True
    )
    titles = {UPDATE: _("Invitation: %(meeting)s"), CANCEL: _("Cancelled: %(meeting)s")}

    def compose() -> tuple[str, str]:
        return titles[kind] % {"meeting": series_label(series)}, ""

    notifications_write(
        people=people, engagement_id=series.engagement_id, kind=f"meeting_{kind}", compose=compose
    )
    enqueue_on_commit(NOTICES_TASK)
    return len(people)


def series_invitations_create(*, series: MeetingSeries, people: Iterable[User]) -> int:
    """Invite to the series the people whose calendar does not hold it yet (once per person:
    calling it again, or for each new occurrence, writes nothing); returns how many."""
    people = [person for person in people if person.is_active]
    live = _live_members(series, [person.pk for person in people])
    new = list(
        User.objects.filter(pk__in={p.pk for p in people} - live)
        .select_related("preferences")
        .order_by("pk")
    )
    return _write(series, new, UPDATE)


def series_rule_change(*, series: MeetingSeries, engagement: Engagement, now: dt.datetime) -> bool:
    """Give the series the engagement's new cadence, from the week of its first occurrence
    still to come, and send every person holding it one updated invitation; returns whether
    the rule changed."""
    rule = series_rule(engagement)
    if all(getattr(series, name) == value for name, value in rule.items()):
        return False
    first = (
        Meeting.objects.filter(series=series, starts_at__gt=now)
        .order_by("occurrence_date")
        .values_list("occurrence_date", flat=True)
        .first()
    )
    for name, value in rule.items():
        setattr(series, name, value)
    if first is not None:
        series.starts_on = first
    series.sequence += 1
    series.updated_at = now
    series.save()
    people = list(
        User.objects.filter(pk__in=_live_members(series), is_active=True).select_related(
            "preferences"
        )
    )
    _write(series, people, UPDATE)
    return True


def series_leave(*, engagement_id: int, person_id: int) -> int:
    """Someone left the engagement: an invitation of theirs not sent yet is dropped, and a
    series their calendar holds is cancelled for them (sent at once, not left to a digest that
    no longer speaks of the engagement). Returns how many series they left."""
    SeriesNotice.objects.filter(
        engagement_id=engagement_id,
        person_id=person_id,
        state__in=[DeliveryState.PENDING, DeliveryState.FAILED],
    ).update(state=DeliveryState.SKIPPED, note="left the engagement")
    person = User.objects.get(pk=person_id)
    left = 0
    for series in MeetingSeries.objects.filter(engagement_id=engagement_id):
        delivered = (
            SeriesNotice.objects.filter(series=series, person_id=person_id)
            .exclude(note="left the engagement")
            .order_by("-pk")
            .values_list("kind", flat=True)
            .first()
        )
        if delivered != UPDATE:
            continue
        # A later invitation (they come back) must be a new row of the ledger.
        MeetingSeries.objects.filter(pk=series.pk).update(sequence=F("sequence") + 1)
        series.refresh_from_db(fields=["sequence"])
        _write(series, [person], CANCEL, digest_allowed=False)
        left += 1
    return left


def _offsets(series: MeetingSeries, person: User) -> list[int]:
    try:
        if person.preferences.reminder_opt_out:
            return []
    except PersonPreferences.DoesNotExist:
        pass
    try:
        return list(series.engagement.rhythm_settings.reminder_offsets)
    except RhythmSettings.DoesNotExist:
        return default_reminder_offsets()


def series_ics(
    *, series: MeetingSeries, person: User, kind: str, now: dt.datetime
) -> tuple[bytes, str]:
    """The series as the person's calendar should hold it now: REQUEST with the recurring
    event, its overrides and EXDATEs; or CANCEL of the whole series."""
    meetings = list(
        Meeting.objects.filter(series=series, occurrence_date__gte=series.starts_on)
        .select_related("engagement", "organizer", "series")
        .prefetch_related("attendees__person")
        .order_by("occurrence_date")
    )
    upcoming = [m for m in meetings if m.status == Meeting.Status.SCHEDULED and m.ends_at > now]
    reference = upcoming[0] if upcoming else (meetings[-1] if meetings else None)
    label = series_label(series)
    description = meeting_url(reference) if reference else ""
    offsets = _offsets(series, person)
    master = series_event(
        series=series,
        organizer_meeting=reference,
        attendees=list(reference.attendees.all()) if reference else [],
        summary=label,
        description=description,
        exdates=[
            series_instance_start(series, m.occurrence_date)
            for m in meetings
            if m.status == Meeting.Status.CANCELLED
        ],
        cancelled=kind == CANCEL,
        alarm_offsets=offsets,
    )
    if kind == CANCEL:
        return calendar_bytes(events=[master], method="CANCEL"), "CANCEL"
    overrides = [
        meeting_event(
            meeting=m,
            attendees=list(m.attendees.all()),
            summary=m.title or label,
            description=meeting_url(m),
            alarm_offsets=offsets,
        )
        for m in meetings
        if m.status != Meeting.Status.CANCELLED and _differs(series, m)
    ]
    return calendar_bytes(events=[master, *overrides], method="REQUEST"), "REQUEST"


def _differs(series: MeetingSeries, meeting: Meeting) -> bool:
    """Whether an occurrence is not what the rule alone says (an override is written)."""
    start = series_instance_start(series, meeting.occurrence_date)
    return (
        meeting.starts_at != start
        or meeting.ends_at != start + dt.timedelta(minutes=series.duration_minutes)
        or bool(meeting.title or meeting.place or meeting.video_url)
    )


def _first_upcoming(series: MeetingSeries, now: dt.datetime) -> dt.datetime:
    start = series_instance_start(series, series.starts_on)
    if start > now:
        return start
    weeks = (now - start).days // 7 + 1
    return series_instance_start(series, series.starts_on + dt.timedelta(weeks=weeks))


def _message(notice: SeriesNotice, now: dt.datetime) -> EmailMultiAlternatives:
    series, person = notice.series, notice.person
    # An update for someone whose calendar already holds the series (their previous notice
    # about it invited them); a first invitation otherwise, coming back after leaving too.
    previous = (
        SeriesNotice.objects.filter(series=series, person=person, pk__lt=notice.pk)
        .order_by("-pk")
        .values_list("kind", flat=True)
        .first()
    )
    changed = notice.kind == UPDATE and previous == UPDATE
    with translation.override(person.language):
        label = series_label(series)
        if notice.kind == CANCEL:
            subject = _("Cancelled: %(meeting)s") % {"meeting": label}
        elif not changed:
            subject = _("Invitation: %(meeting)s") % {"meeting": label}
        else:
            subject = _("Updated invitation: %(meeting)s") % {"meeting": label}
        ics, method = series_ics(series=series, person=person, kind=notice.kind, now=now)
        context = {
            "label": label,
            "kind": notice.kind,
            "changed": changed,
            "when": format_when(
                _first_upcoming(series, now), zone=person.time_zone, language=person.language
            ),
            "engagement": series.engagement,
        }
    return build_message(
        person=person,
        subject=subject,
        template="series",
        context=context,
        message_id=notice.message_id,
        ics=ics,
        method=method,
    )


def _superseded(notices: list[SeriesNotice]) -> set[int]:
    """Rows of a person for which a later row about the same series exists."""
    keys = {(n.series_id, n.person_id) for n in notices}
    latest: dict[tuple[int, int], int] = defaultdict(int)
    rows = (
        SeriesNotice.objects.filter(
            series_id__in={s for s, _p in keys}, person_id__in={p for _s, p in keys}
        )
        .values("series_id", "person_id")
        .annotate(last=Max("pk"))
    )
    for row in rows:
        latest[(row["series_id"], row["person_id"])] = row["last"]
    return {n.pk for n in notices if latest[(n.series_id, n.person_id)] > n.pk}


def series_notices_send(*, now: dt.datetime, limit: int | None = None) -> SweepResult:
    """Send a claimed chunk of series invitations and cancellations, each marked sent as soon
    as its email is accepted; a superseded one is skipped."""
    token, ids = ledger.claim(SeriesNotice, now=now, limit=limit)
    if not ids:
        return SweepResult()
    try:
        notices = list(
            SeriesNotice.objects.filter(pk__in=ids).select_related(
                "series__engagement__rhythm_settings", "person__preferences"
            )
        )
        skipped = _superseded(notices)
        prepared = [(n.pk, _message(n, now)) for n in notices if n.pk not in skipped]
        ledger.mark_skipped(SeriesNotice, token=token, ids=skipped, note="superseded")
        sent, failed = send_chunk(SeriesNotice, token, prepared)
    finally:
        ledger.release_unsent(SeriesNotice, token=token, ids=ids)
    return SweepResult(sent=sent, skipped=len(skipped), failed=failed)


def series_digest_changes(*, person: User, now: dt.datetime) -> list[SeriesNotice]:
    """The series invitations left to the person's digest in the last day (the latest of each
    series), whose current .ics the digest attaches."""
    rows = (
        SeriesNotice.objects.filter(
            person=person, note=DIGEST_NOTE, next_attempt_at__gte=now - dt.timedelta(days=1)
        )
        .select_related("series__engagement__rhythm_settings", "person__preferences")
        .order_by("series_id", "-pk")
    )
    latest: dict[int, SeriesNotice] = {}
    for row in rows:
        latest.setdefault(row.series_id, row)
    live = {
        series_id
        for series_id, notice in latest.items()
        if notice.person_id in _live_members(notice.series, [person.pk])
    }
    return [notice for series_id, notice in latest.items() if series_id in live]


def series_digest_calendar(notice: SeriesNotice, now: dt.datetime) -> tuple[str, bytes, str]:
    """(label, .ics, method) of a series for a digest, in the reader's active language."""
    ics, method = series_ics(series=notice.series, person=notice.person, kind=UPDATE, now=now)
    return series_label(notice.series), ics, method


__all__ = [
    "series_digest_calendar",
    "series_digest_changes",
    "series_invitations_create",
    "series_leave",
    "series_notices_send",
    "series_rule_change",
    "sync_series_get_or_create",
]
