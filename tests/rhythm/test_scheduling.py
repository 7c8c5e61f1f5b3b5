import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from collab.models import ReviewCadence
from collab.rhythm.models import (
    Attendee,
    Meeting,
    MeetingNotice,
    MeetingSeries,
    ReminderDelivery,
    SeriesNotice,
)
from collab.rhythm.scheduling import next_review_slot, sync_slots
from collab.rhythm.selectors import review_missing_consultant_list
from collab.rhythm.services import meeting_cancel, meeting_move
from collab.services import engagement_update
from roles.models import RoleAssignment
from roles.rhythm import engagement_meetings_schedule, meetings_schedule_all
from roles.tasks import meetings_schedule_task

PARIS = ZoneInfo("Europe/Paris")
UTC = dt.UTC
pytestmark = pytest.mark.django_db


def test_a_10_00_paris_sync_stays_at_10_00_paris_across_both_dst_changes(engagement, team):
    slots = sync_slots(engagement=engagement, now=dt.datetime(2026, 1, 5, tzinfo=UTC), count=52)
    assert {slot.starts_at.astimezone(PARIS).time() for slot in slots} == {dt.time(10, 0)}
    assert {slot.starts_at.astimezone(PARIS).weekday() for slot in slots} == {1}
    utc_hours = {slot.starts_at.date(): slot.starts_at.hour for slot in slots}
    assert utc_hours[dt.date(2026, 3, 24)] == 9  # winter time, UTC+1
    assert utc_hours[dt.date(2026, 3, 31)] == 8  # summer time from 29 March, UTC+2
    assert utc_hours[dt.date(2026, 10, 20)] == 8
    assert utc_hours[dt.date(2026, 10, 27)] == 9  # winter time again from 25 October


def test_the_beat_task_keeps_eight_syncs_and_the_next_review_idempotently(engagement, team):
    with time_machine.travel(dt.datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False):
        assert meetings_schedule_task() == 9
        assert meetings_schedule_task() == 0
    syncs = Meeting.objects.filter(kind=Meeting.Kind.WEEKLY_SYNC).order_by("starts_at")
    assert [m.starts_at.astimezone(PARIS).date() for m in syncs] == [
        dt.date(2026, 3, 3) + dt.timedelta(weeks=week) for week in range(8)
    ]
    review = Meeting.objects.get(kind=Meeting.Kind.ROADMAP_REVIEW)
    # Quarterly: first Tuesday of Q2, when that day's 45-minute sync ends.
    assert review.starts_at.astimezone(PARIS) == dt.datetime(2026, 4, 7, 10, 45, tzinfo=PARIS)
    assert review.ends_at - review.starts_at == dt.timedelta(minutes=90)
    sync = syncs.first()
    assert sync.organizer == team["pm"]
    assert {(a.person, a.required) for a in sync.attendees.all()} == {
        (team["director"], True),
        (team["pm"], True),
        (team["consultant"], False),
    }
    assert {(a.person, a.required) for a in review.attendees.all()} == {
        (team["director"], True),
        (team["consultant"], True),
        (team["pm"], False),
    }
    assert review.missing_consultant is False


def test_a_week_later_the_scheduler_adds_one_sync_only(engagement, team):
    with time_machine.travel(dt.datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False):
        meetings_schedule_all()
    with time_machine.travel(dt.datetime(2026, 3, 9, 12, tzinfo=UTC), tick=False):
        assert meetings_schedule_all() == 1
    assert Meeting.objects.filter(kind=Meeting.Kind.WEEKLY_SYNC).count() == 9


def test_a_review_without_consultant_is_flagged(engagement, team):
    RoleAssignment.objects.filter(person=team["consultant"]).delete()
    engagement_meetings_schedule(engagement=engagement, now=dt.datetime(2026, 3, 2, tzinfo=UTC))
    review = Meeting.objects.get(kind=Meeting.Kind.ROADMAP_REVIEW)
    assert review.missing_consultant is True
    assert review_missing_consultant_list(engagement=engagement) == [review]


@pytest.mark.parametrize(
    ("cadence", "expected"),
    [
        (ReviewCadence.MONTHLY, dt.date(2026, 3, 3)),
        (ReviewCadence.QUARTERLY, dt.date(2026, 4, 7)),
        (ReviewCadence.HALF_YEARLY, dt.date(2026, 7, 7)),
        (ReviewCadence.YEARLY, dt.date(2027, 1, 5)),
    ],
)
def test_review_cadences_schedule_the_first_sync_weekday_of_the_next_period(
    engagement, team, cadence, expected
):
    engagement.review_cadence = cadence
    slot = next_review_slot(engagement=engagement, now=dt.datetime(2026, 3, 2, 12, tzinfo=UTC))
    assert slot.starts_at.astimezone(PARIS).date() == expected
    assert slot.starts_at.astimezone(PARIS).time() == dt.time(10, 45)


def test_changing_the_cadence_moves_only_future_unmoved_occurrences(engagement, team):
    with time_machine.travel(dt.datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False):
        meetings_schedule_all()
    syncs = list(Meeting.objects.filter(kind=Meeting.Kind.WEEKLY_SYNC).order_by("starts_at"))
    held, moved, cancelled = syncs[0], syncs[1], syncs[2]
    moved_to = dt.datetime(2026, 3, 12, 15, tzinfo=UTC)
    meeting_move(meeting=moved, starts_at=moved_to, ends_at=moved_to + dt.timedelta(hours=1))
    meeting_cancel(meeting=cancelled)
    with time_machine.travel(dt.datetime(2026, 3, 4, 12, tzinfo=UTC), tick=False):
        Meeting.objects.filter(pk=held.pk).update(status=Meeting.Status.HELD)
        engagement_update(
            engagement=engagement, data={"sync_weekday": 3, "sync_time": dt.time(14, 30)}
        )

    after = {m.pk: m for m in Meeting.objects.filter(kind=Meeting.Kind.WEEKLY_SYNC)}
    assert after[held.pk].starts_at == held.starts_at
    assert after[moved.pk].starts_at == moved_to
    assert after[cancelled.pk].starts_at == cancelled.starts_at
    rest = sorted(
        (m for m in after.values() if m.pk in {s.pk for s in syncs[3:]}), key=lambda m: m.starts_at
    )
    assert [m.starts_at.astimezone(PARIS) for m in rest] == [
        dt.datetime(2026, 3, 26, 14, 30, tzinfo=PARIS) + dt.timedelta(weeks=week)
        for week in range(5)
    ]
    assert {m.sequence for m in rest} == {1}
    # One updated series invitation per person, not one email per moved occurrence.
    assert not MeetingNotice.objects.filter(meeting__in=rest, sequence=1).exists()
    series = MeetingSeries.objects.get(engagement=engagement)
    assert (series.weekday, series.local_time, series.sequence) == (3, dt.time(14, 30), 1)
    assert series.starts_on == dt.date(2026, 3, 9)  # the week of the first sync still to come
    assert SeriesNotice.objects.filter(series=series, kind="update", sequence=1).count() == 3
    # The series goes on: the scheduler neither recreates the cancelled week nor duplicates.
    with time_machine.travel(dt.datetime(2026, 3, 4, 13, tzinfo=UTC), tick=False):
        assert meetings_schedule_all() == 0


def test_moving_or_cancelling_one_occurrence_raises_its_sequence_and_keeps_the_series(
    engagement, team
):
    with time_machine.travel(dt.datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False):
        meetings_schedule_all()
    sync = Meeting.objects.filter(kind=Meeting.Kind.WEEKLY_SYNC).order_by("starts_at").first()
    ReminderDelivery.objects.create(
        engagement=engagement,
        meeting=sync,
        person=team["pm"],
        offset_minutes=1440,
        due_at=sync.starts_at - dt.timedelta(days=1),
        message_id="x",
    )
    meeting_cancel(meeting=sync)
    sync.refresh_from_db()
    assert (sync.status, sync.sequence) == (Meeting.Status.CANCELLED, 1)
    assert ReminderDelivery.objects.get().state == "skipped"
    assert MeetingNotice.objects.filter(meeting=sync, kind="cancel").count() == 3
    with pytest.raises(Exception, match="cancelled"):
        meeting_move(meeting=sync, starts_at=sync.starts_at, ends_at=sync.ends_at)
    sync.refresh_from_db()
    assert sync.sequence == 1
    assert Attendee.objects.filter(meeting=sync).count() == 3
