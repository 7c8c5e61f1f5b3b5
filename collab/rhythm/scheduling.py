"""Occurrences of an engagement's cadences, and the changes people make to one meeting.

Times are computed in the cadence's IANA zone, then stored in UTC: a 10:00 Europe/Paris sync
stays at 10:00 Paris time on both sides of a daylight-saving change.

Roadmap review rule: the review of a period (month, quarter, half-year or year, from the
engagement's review cadence) is held on the first day of the period that falls on the sync
weekday, right after that day's weekly sync (it starts when the sync ends) and lasts the
engagement's review duration (90 minutes by default). Only the next one is kept scheduled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.models import Engagement, ReviewCadence, User
from collab.rhythm.models import (
    Attendee,
    DeliveryState,
    Meeting,
    MeetingNotice,
    MeetingSeries,
    ReminderDelivery,
    RhythmSettings,
)
from collab.rhythm.notify import meeting_invitations_create, meeting_notices_create
from collab.rhythm.series import (
    series_invitations_create,
    series_leave,
    series_rule_change,
    sync_series_get_or_create,
)

SYNC_WEEKS_AHEAD = 8
PERIOD_MONTHS = {
    ReviewCadence.MONTHLY: 1,
    ReviewCadence.QUARTERLY: 3,
    ReviewCadence.HALF_YEARLY: 6,
    ReviewCadence.YEARLY: 12,
}
UTC = dt.UTC


@dataclass(frozen=True)
class MeetingPeople:
    """Who a kind of meeting invites, as the roles app decides it."""

    organizer: User | None = None
    attendees: list[tuple[User, bool]] = field(default_factory=list)
    missing_roles: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Slot:
    occurrence_date: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime


def rhythm_settings_get(*, engagement: Engagement) -> RhythmSettings:
    """The engagement's rhythm settings, or the defaults (unsaved) until someone changes them."""
    try:
        return engagement.rhythm_settings
    except RhythmSettings.DoesNotExist:
        return RhythmSettings(engagement=engagement)


def _sync_time(engagement: Engagement) -> dt.time:
    value = engagement.sync_time
    return dt.time.fromisoformat(value) if isinstance(value, str) else value


def local_slot(day: dt.date, at: dt.time, zone: str) -> dt.datetime:
    """The UTC instant of a wall-clock time on a day in a zone."""
    return dt.datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _sync_slot_on(engagement: Engagement, day: dt.date) -> Slot:
    starts_at = local_slot(day, _sync_time(engagement), engagement.sync_time_zone)
    return Slot(
        occurrence_date=week_start(day),
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=engagement.sync_duration_minutes),
    )


def sync_slots(
    *, engagement: Engagement, now: dt.datetime, count: int = SYNC_WEEKS_AHEAD
) -> list[Slot]:
    """The next ``count`` weekly sync slots that start after ``now``."""
    today = now.astimezone(ZoneInfo(engagement.sync_time_zone)).date()
    day = today + dt.timedelta(days=(engagement.sync_weekday - today.weekday()) % 7)
    if _sync_slot_on(engagement, day).starts_at <= now:
        day += dt.timedelta(days=7)
    return [_sync_slot_on(engagement, day + dt.timedelta(weeks=week)) for week in range(count)]


def period_start(day: dt.date, months: int) -> dt.date:
    return dt.date(day.year, (day.month - 1) // months * months + 1, 1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def review_slot_of(*, engagement: Engagement, period: dt.date, duration_minutes: int) -> Slot:
    """The review of the period starting on ``period``: first sync weekday of the period, when
    that day's sync ends."""
    day = period + dt.timedelta(days=(engagement.sync_weekday - period.weekday()) % 7)
    sync = _sync_slot_on(engagement, day)
    return Slot(
        occurrence_date=period,
        starts_at=sync.ends_at,
        ends_at=sync.ends_at + dt.timedelta(minutes=duration_minutes),
    )


def next_review_slot(*, engagement: Engagement, now: dt.datetime) -> Slot:
    """The first review slot, at the engagement's cadence, that starts after ``now``."""
    months = PERIOD_MONTHS[ReviewCadence(engagement.review_cadence)]
    duration = rhythm_settings_get(engagement=engagement).review_duration_minutes
    period = period_start(now.astimezone(ZoneInfo(engagement.sync_time_zone)).date(), months)
    while True:
        slot = review_slot_of(engagement=engagement, period=period, duration_minutes=duration)
        if slot.starts_at > now:
            return slot
        period = _add_months(period, months)


def _next_unheld_review_slot(*, engagement: Engagement, now: dt.datetime) -> Slot:
    """The next review slot whose period's review is not held yet: a review moved earlier and
    held already stands for its period, so the next one is the following period's."""
    slot = next_review_slot(engagement=engagement, now=now)
    held = set(
        Meeting.objects.filter(
            engagement=engagement,
            kind=Meeting.Kind.ROADMAP_REVIEW,
            status=Meeting.Status.HELD,
            occurrence_date__gte=slot.occurrence_date,
        ).values_list("occurrence_date", flat=True)
    )
    while slot.occurrence_date in held:
        slot = next_review_slot(engagement=engagement, now=slot.starts_at)
    return slot


def _ensure_occurrence(
    *,
    engagement: Engagement,
    kind: str,
    slot: Slot,
    people: MeetingPeople,
    series: MeetingSeries | None = None,
) -> tuple[Meeting, bool]:
    existing = Meeting.objects.filter(
        engagement=engagement, kind=kind, occurrence_date=slot.occurrence_date
    ).first()
    if existing is not None:
        return existing, False
    meeting = Meeting(
        engagement=engagement,
        kind=kind,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        time_zone=engagement.sync_time_zone,
        occurrence_date=slot.occurrence_date,
        organizer=people.organizer,
        missing_roles=people.missing_roles,
        series=series,
    )
    try:
        # A second scheduler creating the same occurrence at the same moment loses on the
        # unique constraint and takes the row the first one wrote.
        with transaction.atomic():
            meeting.save()
    except IntegrityError:
        return Meeting.objects.get(
            engagement=engagement, kind=kind, occurrence_date=slot.occurrence_date
        ), False
    return meeting, True


def _ensure_attendees(meetings: list[Meeting], people: MeetingPeople) -> list[Attendee]:
    """Invite the people to the meetings; returns the attendees that were not there before."""
    present = set(
        Attendee.objects.filter(meeting__in=meetings).values_list("meeting_id", "person_id")
    )
    new = [
        Attendee(
            engagement_id=meeting.engagement_id,
            meeting=meeting,
            person=person,
            required=required,
        )
        for meeting in meetings
        for person, required in people.attendees
        if (meeting.pk, person.pk) not in present
    ]
    Attendee.objects.bulk_create(new, ignore_conflicts=True)
    return new


def _sync_series(engagement: Engagement, slots: list[Slot]) -> MeetingSeries | None:
    """The series the engagement's new sync occurrences join: created with the first week that
    has no occurrence yet, so that syncs scheduled before series existed (invited one by one)
    stay outside its RRULE."""
    existing = MeetingSeries.objects.filter(
        engagement=engagement, kind=Meeting.Kind.WEEKLY_SYNC
    ).first()
    if existing is not None:
        return existing
    taken = set(
        Meeting.objects.filter(
            engagement=engagement,
            kind=Meeting.Kind.WEEKLY_SYNC,
            occurrence_date__in=[slot.occurrence_date for slot in slots],
        ).values_list("occurrence_date", flat=True)
    )
    missing = [slot for slot in slots if slot.occurrence_date not in taken]
    if not missing:
        return None
    return sync_series_get_or_create(engagement=engagement, starts_on=missing[0].occurrence_date)


@dataclass(frozen=True)
class ScheduleResult:
    created: int
    syncs: list[Meeting]
    review: Meeting | None


def meetings_schedule(
    *,
    engagement: Engagement,
    sync_people: MeetingPeople,
    review_people: MeetingPeople,
    now: dt.datetime | None = None,
) -> ScheduleResult:
    """Keep the next eight weekly syncs and the next roadmap review of an active engagement
    scheduled, with their attendees; running it again creates nothing (one occurrence per
    cadence period). Cancelled or moved occurrences stay as they are. Each person gets the
    syncs' series invitation once (the next week's sync is in its RRULE already) and the
    review's invitation once (notice rows, sent after commit)."""
    now = now or timezone.now()
    if engagement.status != Engagement.Status.ACTIVE:
        return ScheduleResult(created=0, syncs=[], review=None)
    created = 0
    syncs: list[Meeting] = []
    slots = sync_slots(engagement=engagement, now=now)
    series = _sync_series(engagement, slots)
    for slot in slots:
        meeting, new = _ensure_occurrence(
            engagement=engagement,
            kind=Meeting.Kind.WEEKLY_SYNC,
            slot=slot,
            people=sync_people,
            series=series,
        )
        created += new
        syncs.append(meeting)
    review, new = _ensure_occurrence(
        engagement=engagement,
        kind=Meeting.Kind.ROADMAP_REVIEW,
        slot=_next_unheld_review_slot(engagement=engagement, now=now),
        people=review_people,
    )
    created += new
    upcoming = Meeting.objects.filter(
        engagement=engagement, status=Meeting.Status.SCHEDULED, starts_at__gt=now
    )
    for kind, people in (
        (Meeting.Kind.WEEKLY_SYNC, sync_people),
        (Meeting.Kind.ROADMAP_REVIEW, review_people),
    ):
        meetings = list(upcoming.filter(kind=kind).select_related("engagement"))
        added = _ensure_attendees(meetings, people)
        # Occurrences of the series are invited to once, as the series; others one by one.
        in_series = [a for a in added if a.meeting.series_id is not None]
        if series is not None and in_series:
            series_invitations_create(series=series, people={a.person for a in in_series})
        meeting_invitations_create(attendees=[a for a in added if a.meeting.series_id is None])
        upcoming.filter(kind=kind).exclude(missing_roles=people.missing_roles).update(
            missing_roles=people.missing_roles
        )
    return ScheduleResult(created=created, syncs=syncs, review=review)


def _forget_unsent_reminders(meeting: Meeting) -> None:
    # Reminders not yet sent were computed from the old time: the sweep writes them again from
    # the new one. Sent ones stay (each offset reminds a person once per meeting).
    ReminderDelivery.objects.filter(meeting=meeting).exclude(
        state__in=[DeliveryState.SENT, DeliveryState.CLAIMED]
    ).delete()


def _reschedule(meeting: Meeting, slot: Slot, now: dt.datetime, *, notify: bool = True) -> None:
    meeting.occurrence_date = slot.occurrence_date
    meeting.starts_at = slot.starts_at
    meeting.ends_at = slot.ends_at
    meeting.time_zone = meeting.engagement.sync_time_zone
    meeting.sequence += 1
    meeting.updated_at = now
    meeting.save(
        update_fields=[
            "occurrence_date",
            "starts_at",
            "ends_at",
            "time_zone",
            "sequence",
            "updated_at",
        ]
    )
    _forget_unsent_reminders(meeting)
    if notify:
        meeting_notices_create(meeting=meeting, kind=MeetingNotice.Kind.UPDATE)


@transaction.atomic
def engagement_cadence_changed(*, engagement: Engagement, now: dt.datetime | None = None) -> int:
    """Move the engagement's future, still scheduled and not individually moved occurrences to
    its new cadence (held, past, cancelled and moved ones stay), and give the syncs' series the
    new rule (one updated series invitation per person); returns how many moved."""
    now = now or timezone.now()
    future = (
        Meeting.objects.select_for_update()
        .select_related("engagement")
        .filter(
            engagement=engagement,
            status=Meeting.Status.SCHEDULED,
            moved=False,
            starts_at__gt=now,
            occurrence_date__isnull=False,
        )
        .order_by("starts_at")
    )
    moved = 0
    for meeting in future:
        meeting.engagement = engagement
        if meeting.kind == Meeting.Kind.WEEKLY_SYNC:
            day = meeting.occurrence_date + dt.timedelta(days=engagement.sync_weekday)
            slot = _sync_slot_on(engagement, day)
            if slot.starts_at <= now:
                continue  # this week's new slot has already passed: the old one stays
        else:
            slot = next_review_slot(engagement=engagement, now=now)
            taken = (
                Meeting.objects.filter(
                    engagement=engagement, kind=meeting.kind, occurrence_date=slot.occurrence_date
                )
                .exclude(pk=meeting.pk)
                .exists()
            )
            if taken:
                continue
        if (slot.starts_at, slot.ends_at, slot.occurrence_date) == (
            meeting.starts_at,
            meeting.ends_at,
            meeting.occurrence_date,
        ):
            continue
        # An occurrence of the series moves with it: the series' one updated invitation
        # below carries the new rule, not one email per occurrence.
        _reschedule(meeting, slot, now, notify=meeting.series_id is None)
        moved += 1
    series = MeetingSeries.objects.filter(
        engagement=engagement, kind=Meeting.Kind.WEEKLY_SYNC
    ).first()
    if series is not None:
        series.engagement = engagement
        series_rule_change(series=series, engagement=engagement, now=now)
    return moved


def _locked(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("engagement").get(pk=meeting.pk)


def _require_scheduled(meeting: Meeting) -> None:
    if meeting.status != Meeting.Status.SCHEDULED:
        raise ValidationError(
            _("This meeting is %(status)s: it can no longer be changed.")
            % {"status": meeting.get_status_display().lower()},
            code="not_scheduled",
        )


@transaction.atomic
def meeting_move(
    *,
    meeting: Meeting,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str | None = None,
    video_url: str | None = None,
) -> Meeting:
    """Move one occurrence; the series keeps its other occurrences and this one is no longer
    touched by cadence changes. Attendees get an updated invitation (SEQUENCE raised)."""
    meeting = _locked(meeting)
    _require_scheduled(meeting)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The meeting must end after it starts.")})
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    if place is not None:
        meeting.place = place
    if video_url is not None:
        meeting.video_url = video_url
    meeting.moved = meeting.occurrence_date is not None
    meeting.sequence += 1
    meeting.updated_at = timezone.now()
    meeting.full_clean(exclude=["engagement", "organizer"])
    meeting.save()
    _forget_unsent_reminders(meeting)
    meeting_notices_create(meeting=meeting, kind=MeetingNotice.Kind.UPDATE)
    return meeting


@transaction.atomic
def meeting_update_details(
    *,
    meeting: Meeting,
    title: str | None = None,
    place: str | None = None,
    video_url: str | None = None,
) -> Meeting:
    """Change where (or under which title) a meeting takes place; attendees get an updated
    invitation."""
    meeting = _locked(meeting)
    _require_scheduled(meeting)
    changed = False
    for name, value in (("title", title), ("place", place), ("video_url", video_url)):
        if value is not None and getattr(meeting, name) != value:
            setattr(meeting, name, value)
            changed = True
    if not changed:
        return meeting
    meeting.sequence += 1
    meeting.updated_at = timezone.now()
    meeting.full_clean(exclude=["engagement", "organizer"])
    meeting.save()
    meeting_notices_create(meeting=meeting, kind=MeetingNotice.Kind.UPDATE)
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: Meeting) -> Meeting:
    """Cancel one occurrence (the series goes on: the period keeps its cancelled row, so the
    scheduler does not recreate it); attendees get a cancellation (METHOD:CANCEL)."""
    meeting = _locked(meeting)
    _require_scheduled(meeting)
    now = timezone.now()
    meeting.status = Meeting.Status.CANCELLED
    meeting.cancelled_at = now
    meeting.sequence += 1
    meeting.updated_at = now
    meeting.save(update_fields=["status", "cancelled_at", "sequence", "updated_at"])
    ReminderDelivery.objects.filter(meeting=meeting, state=DeliveryState.PENDING).update(
        state=DeliveryState.SKIPPED, note="cancelled"
    )
    meeting_notices_create(meeting=meeting, kind=MeetingNotice.Kind.CANCEL)
    return meeting


@transaction.atomic
def meeting_create(
    *,
    engagement: Engagement,
    organizer: User,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    attendees: list[tuple[User, bool]],
    place: str = "",
    video_url: str = "",
    kind: str = Meeting.Kind.AD_HOC,
) -> Meeting:
    """Schedule an ad-hoc meeting (the caller checks that attendees belong to the engagement);
    the organizer attends, and everyone gets an invitation."""
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The meeting must end after it starts.")})
    meeting = Meeting(
        engagement=engagement,
        kind=kind,
        title=title.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=organizer.time_zone,
        place=place,
        video_url=video_url,
        organizer=organizer,
    )
    meeting.full_clean()
    meeting.save()
    people = dict(attendees)
    people.setdefault(organizer, True)
    _ensure_attendees([meeting], MeetingPeople(attendees=list(people.items())))
    meeting_notices_create(meeting=meeting, kind=MeetingNotice.Kind.UPDATE)
    return meeting


def attendee_respond(*, meeting: Meeting, person: User, response: str) -> Attendee:
    """Record an invited person's answer (accepted, declined, tentative); someone declining
    gets no reminders."""
    if response not in Attendee.Response.values:
        raise ValidationError({"response": _("Choose accepted, declined or tentative.")})
    attendee = Attendee.objects.filter(meeting=meeting, person=person).first()
    if attendee is None:
        raise ValidationError(_("You are not invited to this meeting."), code="not_invited")
    if attendee.response != response:
        attendee.response = response
        attendee.save(update_fields=["response"])
    return attendee


def attendee_add(*, meeting: Meeting, person: User, required: bool = False) -> Attendee:
    """Invite one more person to a scheduled meeting (the caller checks their engagement)."""
    _require_scheduled(meeting)
    attendee, _created = Attendee.objects.get_or_create(
        meeting=meeting,
        person=person,
        defaults={"engagement_id": meeting.engagement_id, "required": required},
    )
    return attendee


def attendee_leave_upcoming(
    *, engagement_id: int, person_id: int, now: dt.datetime | None = None
) -> int:
    """Take someone who left the engagement off its meetings still to come, with the notices
    and reminders not yet sent to them about any of its meetings; the syncs' series their
    calendar holds is cancelled for them. Past meetings keep their attendance. Returns how many
    meetings they left."""
    now = now or timezone.now()
    left, _detail = Attendee.objects.filter(
        engagement_id=engagement_id,
        person_id=person_id,
        meeting__status=Meeting.Status.SCHEDULED,
        meeting__starts_at__gt=now,
    ).delete()
    unsent = [DeliveryState.PENDING, DeliveryState.FAILED]
    MeetingNotice.objects.filter(
        engagement_id=engagement_id, person_id=person_id, state__in=unsent
    ).update(state=DeliveryState.SKIPPED, note="left the engagement")
    ReminderDelivery.objects.filter(
        engagement_id=engagement_id, person_id=person_id, state__in=unsent
    ).update(state=DeliveryState.SKIPPED, note="left the engagement")
    series_leave(engagement_id=engagement_id, person_id=person_id)
    return left
