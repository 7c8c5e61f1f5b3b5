"""Calendars: the cadence's syncs send their invitation once per person and series, a review
once per person and occurrence; the .ics carries the meeting's zone, the person's alarms and
the organizer only as ORGANIZER (checked with two parsers); digest readers get the changed
meetings' .ics attached."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
import vobject
from django.core import mail
from icalendar import Calendar

from collab.rhythm import backlog_bridge
from collab.rhythm.digest import digests_sweep
from collab.rhythm.models import Meeting, MeetingNotice, Notification
from collab.rhythm.reminders import reminders_sweep
from collab.rhythm.services import (
    meeting_cancel,
    meeting_move,
    person_preferences_update,
    rhythm_settings_update,
)
from roles.models import Role
from roles.rhythm import engagement_meetings_schedule
from tests.factories import member

UTC = dt.UTC
PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 25, tzinfo=UTC)
# The first Tuesday sync in summer time: 10:00 Paris = 08:00 UTC.
SYNC_START = dt.datetime(2026, 3, 31, 8, 0, tzinfo=UTC)


def _invitations(to=None):
    return [
        m
        for m in mail.outbox
        if ".update." in m.extra_headers["Message-ID"] and (to is None or m.to == [to])
    ]


def _ics(message):
    (part,) = [a for a in message.attachments if a.get_content_type() == "text/calendar"]
    return part.get_content()


def test_each_person_gets_the_sync_series_once_and_each_review_once(engagement, team):
    with time_machine.travel(NOW, tick=False):
        engagement_meetings_schedule(engagement=engagement, now=NOW)
        engagement_meetings_schedule(engagement=engagement, now=NOW)
        reminders_sweep()
        reminders_sweep()

    occurrences = Meeting.objects.filter(engagement=engagement).count()
    assert occurrences == 9  # eight syncs and the next review
    # Syncs: director, pm, consultant (optional); review: director, consultant, pm (optional).
    assert len(_invitations()) == 3 * 2
    pm_subjects = sorted(m.subject for m in _invitations("pm@atelier.example"))
    assert pm_subjects == [
        "Invitation: Roadmap review — Nordfer Industrie",
        "Invitation: Weekly sync — Nordfer Industrie",
    ]
    assert Notification.objects.filter(person=team["pm"], kind="meeting_update").count() == 2

    # A week later the window moves on by one sync: the series' RRULE holds it already.
    mail.outbox.clear()
    later = NOW + dt.timedelta(days=7)
    with time_machine.travel(later, tick=False):
        engagement_meetings_schedule(engagement=engagement, now=later)
        reminders_sweep()
    assert Meeting.objects.filter(kind=Meeting.Kind.WEEKLY_SYNC).count() == 9
    assert _invitations() == []
    assert Notification.objects.filter(person=team["pm"], kind="meeting_update").count() == 2


def test_a_person_joining_later_gets_the_series_once(engagement, team):
    with time_machine.travel(NOW, tick=False):
        engagement_meetings_schedule(engagement=engagement, now=NOW)
        reminders_sweep()
    mail.outbox.clear()
    member(engagement, Role.TESTER, email="tester@atelier.example")
    with time_machine.travel(NOW, tick=False):
        engagement_meetings_schedule(engagement=engagement, now=NOW)
        engagement_meetings_schedule(engagement=engagement, now=NOW)
        reminders_sweep()

    # The syncs' series only: a tester is not invited to the review.
    (invitation,) = _invitations()
    assert invitation.to == ["tester@atelier.example"]
    assert invitation.subject == "Invitation: Weekly sync — Nordfer Industrie"


def test_the_invitation_carries_the_zone_the_alarms_and_one_organizer_for_two_parsers(
    engagement, team
):
    rhythm_settings_update(engagement=engagement, reminder_offsets=[1440, 30])
    with time_machine.travel(NOW, tick=False):
        engagement_meetings_schedule(engagement=engagement, now=NOW)
        reminders_sweep()
    sync = Meeting.objects.get(kind=Meeting.Kind.WEEKLY_SYNC, starts_at=SYNC_START)
    (message,) = [
        m
        for m in _invitations("director@nordfer.example")
        if "series." in m.extra_headers["Message-ID"]
    ]
    raw = _ics(message)

    assert "DTSTART;TZID=Europe/Paris:20260331T100000" in raw
    end = sync.ends_at.astimezone(PARIS).strftime("%Y%m%dT%H%M%S")
    assert f"DTEND;TZID=Europe/Paris:{end}" in raw
    assert "RRULE:FREQ=WEEKLY;BYDAY=TU" in raw

    calendar = Calendar.from_ical(raw)
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Paris"
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == SYNC_START.astimezone(PARIS)
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert [alarm.decoded("TRIGGER") for alarm in event.walk("VALARM")] == [
        dt.timedelta(days=-1),
        dt.timedelta(minutes=-30),
    ]
    assert str(event["ORGANIZER"]) == "mailto:pm@atelier.example"
    assert sorted(str(a) for a in event["ATTENDEE"]) == [
        "mailto:consultant@atelier.example",
        "mailto:director@nordfer.example",
    ]

    parsed = vobject.readOne(raw)
    assert parsed.method.value == "REQUEST"
    assert parsed.vtimezone.tzid.value == "Europe/Paris"
    vevent = parsed.vevent
    assert vevent.dtstart.params["X-VOBJ-ORIGINAL-TZID"] == ["Europe/Paris"]
    assert vevent.dtstart.value.tzname() == "CEST"
    assert vevent.dtstart.value == SYNC_START
    assert vevent.dtstart.value.utcoffset() == dt.timedelta(hours=2)
    assert sorted(alarm.trigger.value for alarm in vevent.valarm_list) == [
        dt.timedelta(days=-1),
        dt.timedelta(minutes=-30),
    ]
    assert vevent.organizer.value == "mailto:pm@atelier.example"
    assert "mailto:pm@atelier.example" not in [a.value for a in vevent.attendee_list]


def test_someone_opted_out_of_reminders_gets_no_alarm(engagement, team):
    person_preferences_update(person=team["director"], data={"reminder_opt_out": True})
    with time_machine.travel(NOW, tick=False):
        engagement_meetings_schedule(engagement=engagement, now=NOW)
        reminders_sweep()

    director = _invitations("director@nordfer.example")[0]
    pm = _invitations("pm@atelier.example")[0]
    assert "BEGIN:VALARM" not in _ics(director)
    assert vobject.readOne(_ics(pm)).vevent.valarm_list


def test_a_digest_reader_gets_the_updated_and_cancelled_ics_in_the_digest(engagement, team):
    person_preferences_update(person=team["pm"], data={"notification_mode": "daily_digest"})
    with time_machine.travel(NOW, tick=False):
        engagement_meetings_schedule(engagement=engagement, now=NOW)
        reminders_sweep()
    assert _invitations("pm@atelier.example") == []
    syncs = list(Meeting.objects.filter(kind=Meeting.Kind.WEEKLY_SYNC).order_by("starts_at"))
    moved_start = dt.datetime(2026, 4, 8, 12, 0, tzinfo=UTC)
    with time_machine.travel(dt.datetime(2026, 3, 26, 9, tzinfo=UTC), tick=False):
        meeting_move(
            meeting=syncs[1], starts_at=moved_start, ends_at=moved_start + dt.timedelta(hours=1)
        )
        meeting_cancel(meeting=syncs[2])
        reminders_sweep()
    assert _invitations("pm@atelier.example") == []
    mail.outbox.clear()

    # 08:00 in Paris the next day.
    with time_machine.travel(dt.datetime(2026, 3, 27, 7, 0, tzinfo=UTC), tick=False):
        result = digests_sweep(tickets_waiting=backlog_bridge.tickets_waiting_for)

    assert result.sent == 1
    (digest,) = mail.outbox
    calendars = {
        a.get_filename(): vobject.readOne(a.get_content())
        for a in digest.attachments
        if a.get_content_type() == "text/calendar"
    }
    moved = calendars[f"meeting-{syncs[1].pk}.ics"]
    cancelled = calendars[f"meeting-{syncs[2].pk}.ics"]
    assert (moved.method.value, moved.vevent.sequence.value) == ("REQUEST", "1")
    assert moved.vevent.dtstart.value == moved_start
    assert (cancelled.method.value, cancelled.vevent.status.value) == ("CANCEL", "CANCELLED")
    assert "Calendar changes (each attached as an .ics file)" in digest.body
    assert MeetingNotice.objects.filter(person=team["pm"], state="sent").count() == 0


def test_the_api_gives_meeting_times_with_the_callers_offset(client, engagement, team):
    with time_machine.travel(NOW, tick=False):
        engagement_meetings_schedule(engagement=engagement, now=NOW)
    sync = Meeting.objects.get(kind=Meeting.Kind.WEEKLY_SYNC, starts_at=SYNC_START)
    url = f"/api/v1/engagements/nordfer/meetings/{sync.pk}/"

    client.force_login(team["pm"])  # Europe/Paris
    assert client.get(url).json()["starts_at"] == "2026-03-31T10:00:00+02:00"
    client.force_login(team["consultant"])  # America/New_York
    assert client.get(url).json()["starts_at"] == "2026-03-31T04:00:00-04:00"
