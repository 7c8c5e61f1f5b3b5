import datetime as dt
import logging
import smtplib
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils.html import escape
from icalendar import Calendar
from kombu.exceptions import OperationalError

from collab.rhythm.models import (
    DeliveryState,
    Meeting,
    MeetingNotice,
    Notification,
    ReminderDelivery,
)
from collab.rhythm.reminders import reminders_sweep
from collab.rhythm.services import (
    attendee_respond,
    meeting_cancel,
    person_preferences_update,
)
from roles.rhythm import engagement_meetings_schedule

UTC = dt.UTC
PARIS = ZoneInfo("Europe/Paris")
# The first Tuesday sync in summer time: 10:00 Paris = 08:00 UTC = 04:00 New York.
SYNC_START = dt.datetime(2026, 3, 31, 8, 0, tzinfo=UTC)


def _schedule(engagement):
    engagement_meetings_schedule(engagement=engagement, now=dt.datetime(2026, 3, 25, tzinfo=UTC))
    return Meeting.objects.get(kind=Meeting.Kind.WEEKLY_SYNC, starts_at=SYNC_START)


def _sweep_at(moment):
    with time_machine.travel(moment, tick=False):
        return reminders_sweep()


def _reminders():
    return [m for m in mail.outbox if m.extra_headers["Message-ID"].startswith("<reminder.")]


@pytest.mark.django_db
def test_reminders_fire_at_their_utc_instants_across_dst_in_each_persons_zone(engagement, team):
    sync = _schedule(engagement)
    assert sync.starts_at.astimezone(PARIS).time() == dt.time(10, 0)

    assert _sweep_at(SYNC_START - dt.timedelta(days=1, minutes=1)).sent == 0
    assert _sweep_at(SYNC_START - dt.timedelta(days=1)).sent == 3
    assert _sweep_at(SYNC_START - dt.timedelta(hours=1, minutes=1)).sent == 0
    assert _sweep_at(SYNC_START - dt.timedelta(hours=1)).sent == 3
    assert _sweep_at(SYNC_START - dt.timedelta(minutes=30)).sent == 0

    sent = {
        (row.person.email, row.offset_minutes): row.sent_at
        for row in ReminderDelivery.objects.select_related("person")
    }
    assert sent[("consultant@atelier.example", 1440)] == SYNC_START - dt.timedelta(days=1)
    assert sent[("director@nordfer.example", 60)] == SYNC_START - dt.timedelta(hours=1)
    assert len(sent) == 6

    by_person = {m.to[0]: m for m in _reminders() if "24" in m.subject}
    new_york = by_person["consultant@atelier.example"]
    assert "starts in 24 hours" in new_york.subject
    assert "Tuesday, March 31, 2026 at 4:00" in new_york.body
    assert "America/New_York" in new_york.body
    french = by_person["director@nordfer.example"]
    assert "mardi 31 mars 2026" in french.body
    assert "10:00" in french.body
    assert "Europe/Paris" in french.body
    html, mimetype = french.alternatives[0]
    assert mimetype == "text/html" and "mardi 31 mars 2026" in html
    # The HTML part is titled by its subject, in the reader's language.
    assert '<html lang="fr">' in html
    assert f"<title>{escape(french.subject)}</title>" in html
    assert french.subject.startswith("Rappel")
    assert new_york.extra_headers["Message-ID"] == (
        f"<reminder.{sync.pk}.{team['consultant'].pk}.1440@tandem>"
    )
    assert Notification.objects.filter(person=team["pm"], kind="meeting_reminder").count() == 2


@pytest.mark.django_db
def test_every_invitation_attachment_parses_with_a_stable_uid_and_sequence(engagement, team):
    sync = _schedule(engagement)
    _sweep_at(SYNC_START - dt.timedelta(hours=1))
    message = _reminders()[0]
    (part,) = [a for a in message.attachments if a.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(part.get_content())
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "REQUEST"
    # A sync of the cadence is that occurrence of its series' recurring event.
    assert str(event["UID"]) == sync.series.uid
    assert event.decoded("RECURRENCE-ID") == SYNC_START
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == SYNC_START
    # The organizer (the project manager) is the ORGANIZER, not an attendee who has not answered.
    assert str(event["ORGANIZER"]) == "mailto:pm@atelier.example"
    assert sorted(str(address) for address in event["ATTENDEE"]) == [
        "mailto:consultant@atelier.example",
        "mailto:director@nordfer.example",
    ]

    mail.outbox.clear()
    with time_machine.travel(SYNC_START - dt.timedelta(minutes=50), tick=False):
        meeting_cancel(meeting=sync)
        reminders_sweep()
    cancellations = [m for m in mail.outbox if ".cancel." in m.extra_headers["Message-ID"]]
    assert len(cancellations) == 3
    (part,) = [a for a in cancellations[0].attachments if a.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(part.get_content())
    (event,) = calendar.walk("VEVENT")
    assert (str(calendar["METHOD"]), str(event["STATUS"]), int(event["SEQUENCE"])) == (
        "CANCEL",
        "CANCELLED",
        1,
    )
    assert (str(event["UID"]), event.decoded("RECURRENCE-ID")) == (sync.series.uid, SYNC_START)


@pytest.mark.django_db
def test_late_rule_sends_the_nearest_reminder_late_with_its_real_wording(engagement, team):
    _schedule(engagement)
    result = _sweep_at(SYNC_START - dt.timedelta(minutes=30))  # down since the day before
    assert (result.sent, result.skipped) == (3, 3)
    assert {m.subject for m in _reminders() if m.to != ["director@nordfer.example"]} == {
        "Reminder: Weekly sync — Nordfer Industrie starts in 30 minutes"
    }
    skipped = ReminderDelivery.objects.filter(state=DeliveryState.SKIPPED)
    assert {(r.offset_minutes, r.note) for r in skipped} == {
        (1440, "superseded by the 60-minute reminder")
    }


@pytest.mark.django_db
def test_late_rule_skips_reminders_once_the_meeting_has_started(engagement, team):
    sync = _schedule(engagement)
    with time_machine.travel(SYNC_START - dt.timedelta(hours=1), tick=False):
        from collab.rhythm.reminders import reminders_materialise

        assert reminders_materialise(now=SYNC_START - dt.timedelta(hours=1)) == 6
    result = _sweep_at(SYNC_START + dt.timedelta(minutes=5))
    assert result.sent == 0
    assert mail.outbox == []
    assert set(ReminderDelivery.objects.values_list("state", "note")) == {
        ("skipped", "meeting started")
    }
    assert sync.reminders.count() == 6


@pytest.mark.django_db
def test_opted_out_and_declining_people_get_no_reminder(engagement, team):
    sync = _schedule(engagement)
    person_preferences_update(person=team["pm"], data={"reminder_opt_out": True})
    attendee_respond(meeting=sync, person=team["consultant"], response="declined")
    _sweep_at(SYNC_START - dt.timedelta(hours=1))
    assert [m.to for m in _reminders()] == [["director@nordfer.example"]]


class FlakySMTP:
    """An SMTP server (the process boundary) that drops the first message it is given."""

    delivered: list[str] = []
    failures_left = 1

    def __init__(self, *args, **kwargs):
        pass

    def ehlo(self, *args):
        return (250, b"ok")

    def sendmail(self, from_addr, to_addrs, msg, *args, **kwargs):
        if FlakySMTP.failures_left:
            FlakySMTP.failures_left -= 1
            raise smtplib.SMTPServerDisconnected("connection lost")
        FlakySMTP.delivered.append(to_addrs[0])
        return {}

    def quit(self):
        pass

    def close(self):
        pass


@pytest.mark.django_db
def test_an_smtp_failure_is_retried_with_backoff_and_the_reminder_is_sent_once(
    engagement, team, settings, monkeypatch
):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "smtp.example", "port": 25},
        }
    }
    monkeypatch.setattr(smtplib, "SMTP", FlakySMTP)
    FlakySMTP.delivered, FlakySMTP.failures_left = [], 1
    sync = _schedule(engagement)
    person_preferences_update(person=team["pm"], data={"reminder_opt_out": True})
    person_preferences_update(person=team["consultant"], data={"reminder_opt_out": True})
    due = SYNC_START - dt.timedelta(hours=1)

    first = _sweep_at(due)
    assert (first.sent, first.failed) == (0, 1)
    row = ReminderDelivery.objects.get(meeting=sync, offset_minutes=60)
    assert (row.state, row.attempts, row.next_attempt_at) == (
        "pending",
        1,
        due + dt.timedelta(minutes=1),
    )
    assert _sweep_at(due + dt.timedelta(seconds=30)).sent == 0
    assert _sweep_at(due + dt.timedelta(minutes=1)).sent == 1
    assert _sweep_at(due + dt.timedelta(minutes=2)).sent == 0
    assert FlakySMTP.delivered == ["director@nordfer.example"]
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("sent", 1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_deliver_each_reminder_exactly_once(engagement, team):
    _schedule(engagement)
    barrier = threading.Barrier(6)
    errors = []

    def sweep():
        try:
            barrier.wait()
            _sweep_at(SYNC_START - dt.timedelta(minutes=30))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    ids = [m.extra_headers["Message-ID"] for m in _reminders()]
    assert len(ids) == 3
    assert len(set(ids)) == 3
    assert ReminderDelivery.objects.filter(state="sent").count() == 3


@pytest.mark.django_db
def test_with_the_broker_down_a_change_succeeds_and_the_sweep_delivers_later(
    engagement, team, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    sync = _schedule(engagement)

    class DownBroker:
        def send_task(self, *args, **kwargs):
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("collab.common.tasks.current_app", DownBroker())
    with (
        caplog.at_level(logging.WARNING, logger="collab.common.tasks"),
        django_capture_on_commit_callbacks(execute=True),
        time_machine.travel(SYNC_START - dt.timedelta(hours=3), tick=False),
    ):
        meeting_cancel(meeting=sync)
    assert "Broker unreachable" in caplog.text
    assert mail.outbox == []
    assert MeetingNotice.objects.filter(meeting=sync, kind="cancel", state="pending").count() == 3

    assert _sweep_at(SYNC_START - dt.timedelta(hours=2)).sent == 3
    assert len(mail.outbox) == 3
    assert _sweep_at(SYNC_START - dt.timedelta(hours=2)).sent == 0
