"""The cadence's syncs are one recurring event in calendars: one invitation per person for the
series (RRULE), a change to one occurrence sent as that occurrence only (RECURRENCE-ID), a
cadence change as one updated series, cancellations of an occurrence (EXDATE for later readers)
and of the whole series for someone who left. Every .ics is read by icalendar and vobject."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
import vobject
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from collab.rhythm import backlog_bridge
from collab.rhythm.digest import digests_sweep
from collab.rhythm.models import Meeting, MeetingSeries, SeriesNotice
from collab.rhythm.reminders import reminders_sweep
from collab.rhythm.services import (
    meeting_cancel,
    meeting_move,
    person_preferences_get_or_create,
    person_preferences_update,
)
from collab.services import engagement_update
from roles.models import Role, RoleAssignment
from roles.rhythm import engagement_meetings_schedule
from roles.services import role_assignment_create, role_assignment_remove
from tests.factories import member

UTC = dt.UTC
PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 25, tzinfo=UTC)
LABEL = "Weekly sync — Nordfer Industrie"


@pytest.fixture
def scheduled(engagement, team):
    """Eight Tuesday syncs at 10:00 Paris from 31 March 2026, invitations sent."""
    with time_machine.travel(NOW, tick=False):
        engagement_meetings_schedule(engagement=engagement, now=NOW)
        reminders_sweep()
    mail.outbox.clear()
    return list(Meeting.objects.filter(kind=Meeting.Kind.WEEKLY_SYNC).order_by("starts_at"))


def _calendars(to):
    """(subject, raw .ics) of each email to ``to``."""
    out = []
    for message in mail.outbox:
        if message.to != [to]:
            continue
        for part in message.attachments:
            if part.get_content_type() == "text/calendar":
                out.append((message.subject, part.get_content()))
    return out


def _expand(raw, count):
    """The first ``count`` occurrences vobject computes from the series' rule and EXDATEs."""
    rules = vobject.readOne(raw).vevent.getrruleset(addRDate=True)
    return [moment.astimezone(UTC) for moment in list(rules)[:count]]


def test_the_series_expands_to_the_syncs_at_10_00_paris_across_daylight_saving(engagement, team):
    with time_machine.travel(NOW, tick=False):
        engagement_meetings_schedule(engagement=engagement, now=NOW)
        reminders_sweep()
    (raw,) = [raw for subject, raw in _calendars("pm@atelier.example") if LABEL in subject]

    occurrences = _expand(raw, 40)

    stored = list(
        Meeting.objects.filter(kind=Meeting.Kind.WEEKLY_SYNC)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    )
    assert occurrences[:8] == stored
    # After the end of summer time (25 October 2026) the sync is still at 10:00 in Paris.
    assert {moment.astimezone(PARIS).time() for moment in occurrences} == {dt.time(10, 0)}
    assert occurrences[31].astimezone(PARIS).utcoffset() == dt.timedelta(hours=1)
    (event,) = Calendar.from_ical(raw).walk("VEVENT")
    assert event["RRULE"] == {"FREQ": ["WEEKLY"], "BYDAY": ["TU"]}
    assert str(event["UID"]) == f"series-{MeetingSeries.objects.get().pk}@tandem"
    assert "RECURRENCE-ID" not in event


def test_moving_one_occurrence_updates_that_occurrence_only(engagement, team, scheduled):
    series = MeetingSeries.objects.get()
    second = scheduled[1]
    moved_to = dt.datetime(2026, 4, 8, 12, 0, tzinfo=UTC)
    with time_machine.travel(NOW, tick=False):
        meeting_move(meeting=second, starts_at=moved_to, ends_at=moved_to + dt.timedelta(hours=1))
        reminders_sweep()

    assert sorted(m.to[0] for m in mail.outbox) == [
        "consultant@atelier.example",
        "director@nordfer.example",
        "pm@atelier.example",
    ]
    ((subject, raw),) = _calendars("pm@atelier.example")
    assert subject == f"Updated invitation: {LABEL}"
    assert "RRULE" not in raw
    assert "RECURRENCE-ID;TZID=Europe/Paris:20260407T100000" in raw
    (event,) = Calendar.from_ical(raw).walk("VEVENT")
    assert str(event["UID"]) == series.uid
    assert event.decoded("DTSTART") == moved_to
    assert event.decoded("SEQUENCE") == 1
    parsed = vobject.readOne(raw)
    assert parsed.method.value == "REQUEST"
    assert parsed.vevent.recurrence_id.value == scheduled[1].starts_at
    assert parsed.vevent.dtstart.value == moved_to
    # The series was not sent again.
    assert SeriesNotice.objects.filter(series=series).count() == 3


def test_cancelling_one_occurrence_cancels_that_occurrence_and_later_readers_get_an_exdate(
    engagement, team, scheduled
):
    series = MeetingSeries.objects.get()
    moved_to = dt.datetime(2026, 4, 8, 12, 0, tzinfo=UTC)
    with time_machine.travel(NOW, tick=False):
        meeting_move(
            meeting=scheduled[1], starts_at=moved_to, ends_at=moved_to + dt.timedelta(hours=1)
        )
        meeting_cancel(meeting=scheduled[2])
        reminders_sweep()
    (raw,) = [
        raw for subject, raw in _calendars("pm@atelier.example") if subject.startswith("Cancelled")
    ]

    parsed = vobject.readOne(raw)
    assert parsed.method.value == "CANCEL"
    assert parsed.vevent.uid.value == series.uid
    assert parsed.vevent.recurrence_id.value == scheduled[2].starts_at
    assert parsed.vevent.status.value == "CANCELLED"

    # Someone joining now gets the series without the cancelled week, with the moved one.
    mail.outbox.clear()
    member(engagement, Role.TESTER, email="tester@atelier.example")
    with time_machine.travel(NOW, tick=False):
        engagement_meetings_schedule(engagement=engagement, now=NOW)
        reminders_sweep()
    ((_subject, raw),) = _calendars("tester@atelier.example")
    calendar = Calendar.from_ical(raw)
    master, override = calendar.walk("VEVENT")
    assert master["EXDATE"].dts[0].dt == scheduled[2].starts_at.astimezone(PARIS)
    assert override.decoded("RECURRENCE-ID") == scheduled[1].starts_at
    assert override.decoded("DTSTART") == moved_to
    occurrences = _expand(raw, 3)
    assert occurrences == [scheduled[0].starts_at, scheduled[1].starts_at, scheduled[3].starts_at]
    read = vobject.readComponents(raw)
    events = next(read).vevent_list
    assert [e.uid.value for e in events] == [series.uid, series.uid]


def test_a_cadence_change_sends_one_updated_series_per_person(engagement, team, scheduled):
    series = MeetingSeries.objects.get()
    later = dt.datetime(2026, 3, 26, 9, tzinfo=UTC)
    with time_machine.travel(later, tick=False):
        engagement_update(
            engagement=engagement, data={"sync_weekday": 3, "sync_time": dt.time(14, 30)}
        )
        engagement_meetings_schedule(engagement=engagement, now=later)
        reminders_sweep()

    # One email per person about the syncs (the review, moved too, has its own).
    about_syncs = [m for m in mail.outbox if "<series." in m.extra_headers["Message-ID"]]
    assert sorted(m.to[0] for m in about_syncs) == [
        "consultant@atelier.example",
        "director@nordfer.example",
        "pm@atelier.example",
    ]
    ((subject, raw),) = [c for c in _calendars("pm@atelier.example") if LABEL in c[0]]
    assert subject == f"Updated invitation: {LABEL}"
    assert "RRULE:FREQ=WEEKLY;BYDAY=TH" in raw
    assert "DTSTART;TZID=Europe/Paris:20260402T143000" in raw
    parsed = vobject.readOne(raw)
    assert parsed.vevent.uid.value == series.uid
    assert parsed.vevent.sequence.value == "1"
    assert _expand(raw, 8) == list(
        Meeting.objects.filter(kind=Meeting.Kind.WEEKLY_SYNC)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    )


def test_someone_leaving_gets_the_series_cancelled_and_nothing_after(engagement, team, scheduled):
    series = MeetingSeries.objects.get()
    (assignment,) = RoleAssignment.objects.filter(engagement=engagement, person=team["consultant"])
    with time_machine.travel(NOW, tick=False):
        role_assignment_remove(assignment=assignment)
        reminders_sweep()
        engagement_meetings_schedule(engagement=engagement, now=NOW)
        reminders_sweep()

    ((subject, raw),) = _calendars("consultant@atelier.example")
    assert subject == f"Cancelled: {LABEL}"
    parsed = vobject.readOne(raw)
    assert (parsed.method.value, parsed.vevent.uid.value) == ("CANCEL", series.uid)
    assert parsed.vevent.status.value == "CANCELLED"
    assert parsed.vevent.rrule.value == "FREQ=WEEKLY;BYDAY=TU"
    (event,) = Calendar.from_ical(raw).walk("VEVENT")
    assert event.decoded("SEQUENCE") == 1
    assert "VALARM" not in raw
    assert len(mail.outbox) == 1


def test_someone_who_comes_back_is_invited_to_the_series_again(engagement, team, scheduled):
    consultant = team["consultant"]
    (assignment,) = RoleAssignment.objects.filter(engagement=engagement, person=consultant)
    with time_machine.travel(NOW, tick=False):
        role_assignment_remove(assignment=assignment)
        reminders_sweep()
        mail.outbox.clear()
        role_assignment_create(engagement=engagement, person=consultant, role=Role.CONSULTANT)
        engagement_meetings_schedule(engagement=engagement, now=NOW)
        reminders_sweep()

    ((subject, raw),) = [
        c for c in _calendars("consultant@atelier.example") if "Roadmap review" not in c[0]
    ]
    assert subject == f"Invitation: {LABEL}"
    parsed = vobject.readOne(raw)
    assert (parsed.method.value, parsed.vevent.sequence.value) == ("REQUEST", "1")


def test_a_digest_reader_gets_the_series_in_the_next_digest(engagement, team):
    person_preferences_update(person=team["pm"], data={"notification_mode": "daily_digest"})
    with time_machine.travel(NOW, tick=False):
        engagement_meetings_schedule(engagement=engagement, now=NOW)
        reminders_sweep()
    assert _calendars("pm@atelier.example") == []

    # 08:00 in Paris the next morning.
    with time_machine.travel(dt.datetime(2026, 3, 25, 7, 0, tzinfo=UTC), tick=False):
        result = digests_sweep(tickets_waiting=backlog_bridge.tickets_waiting_for)

    assert result.sent >= 1
    (digest,) = [m for m in mail.outbox if m.to == ["pm@atelier.example"]]
    calendars = {
        a.get_filename(): a.get_content()
        for a in digest.attachments
        if a.get_content_type() == "text/calendar"
    }
    raw = calendars["series-1.ics"]
    assert vobject.readOne(raw).vevent.rrule.value == "FREQ=WEEKLY;BYDAY=TU"
    assert LABEL in digest.body


def test_reminders_name_the_occurrence_of_the_series_and_the_feed_each_meeting(
    client, engagement, team, scheduled
):
    series = MeetingSeries.objects.get()
    first = scheduled[0]
    with time_machine.travel(first.starts_at - dt.timedelta(minutes=59), tick=False):
        reminders_sweep()
    reminder = next(m for m in mail.outbox if m.to == ["pm@atelier.example"])
    (part,) = [a for a in reminder.attachments if a.get_content_type() == "text/calendar"]
    parsed = vobject.readOne(part.get_content())
    assert (parsed.vevent.uid.value, parsed.vevent.recurrence_id.value) == (
        series.uid,
        first.starts_at,
    )

    token = person_preferences_get_or_create(person=team["pm"]).calendar_token
    with time_machine.travel(NOW, tick=False):
        feed = client.get(reverse("rhythm:calendar-feed", args=[token])).content.decode()
    uids = [event.uid.value for event in vobject.readOne(feed).vevent_list]
    assert uids[0] == f"meeting-{first.pk}@tandem"
    assert "RECURRENCE-ID" not in feed


def test_syncs_scheduled_before_the_series_keep_their_own_invitations(engagement, team):
    with time_machine.travel(NOW, tick=False):
        engagement_meetings_schedule(engagement=engagement, now=NOW)
    # As if these eight had been scheduled (and invited one by one) before series existed.
    Meeting.objects.update(series=None)
    MeetingSeries.objects.all().delete()
    later = NOW + dt.timedelta(days=7)
    with time_machine.travel(later, tick=False):
        engagement_meetings_schedule(engagement=engagement, now=later)

    series = MeetingSeries.objects.get()
    newest = Meeting.objects.filter(kind=Meeting.Kind.WEEKLY_SYNC).order_by("starts_at").last()
    assert series.starts_on == newest.occurrence_date
    assert list(Meeting.objects.filter(series=series)) == [newest]
