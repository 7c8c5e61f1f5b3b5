"""The reminder ledger's per-message state: emails written out once per meeting, language and
zone and copied per reader; marks with their in-app notices; sweeps that stop on a time budget,
an error or SIGTERM leaving no row claimed."""

import datetime as dt
import email
import email.policy
import os
import signal

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.utils import timezone

from collab.common.sweeps import Budget
from collab.rhythm import tasks
from collab.rhythm.models import (
    Attendee,
    DeliveryState,
    Meeting,
    Notification,
    ReminderDelivery,
    RhythmSettings,
)
from collab.rhythm.reminders import reminders_sweep
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(engagement):
    RhythmSettings.objects.create(engagement=engagement, reminder_offsets=[60])
    starts = timezone.now() + dt.timedelta(minutes=30)
    meeting = Meeting.objects.create(
        engagement=engagement,
        kind=Meeting.Kind.AD_HOC,
        title="Go-live <check> & sign-off",
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=30),
    )
    people = [
        UserFactory(
            email="helene@example.com", display_name="Hélène-O'Brien Martin", language="fr"
        ),
        UserFactory(email="sam@example.com", display_name="Sam<Carter> Jones", language="en"),
        UserFactory(email="ines@example.com", display_name="Inès", language="fr"),
        UserFactory(email="li@example.com", display_name="Li", language="en"),
    ]
    for person in people:
        Attendee.objects.create(engagement=engagement, meeting=meeting, person=person)
    return meeting


def _parsed(folder) -> dict[str, email.message.EmailMessage]:
    messages = {}
    for path in folder.iterdir():
        for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if raw.strip():
                message = email.message_from_bytes(raw, policy=email.policy.default)
                messages[message["To"]] = message
    return messages


def test_each_reader_gets_their_own_address_message_id_and_name_in_a_shared_rendering(
    meeting, settings, tmp_path
):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }

    assert reminders_sweep().sent == 4

    messages = _parsed(tmp_path)
    assert set(messages) == {
        "helene@example.com",
        "sam@example.com",
        "ines@example.com",
        "li@example.com",
    }
    rows = {row.person.email: row for row in ReminderDelivery.objects.select_related("person")}
    for address, message in messages.items():
        assert message["Message-ID"] == rows[address].message_id
    helene = messages["helene@example.com"]
    text = helene.get_body(("plain",)).get_content()
    html = helene.get_body(("html",)).get_content()
    assert "Bonjour Hélène-O'Brien," in text
    assert "Bonjour Hélène-O&#x27;Brien," in html
    assert helene["Subject"] == "Rappel\xa0: Go-live <check> & sign-off commence dans 30 minutes"
    sam = messages["sam@example.com"]
    assert "Hello Sam<Carter>," in sam.get_body(("plain",)).get_content()
    assert "Hello Sam&lt;Carter&gt;," in sam.get_body(("html",)).get_content()
    # Nobody's copy carries a placeholder or another reader's name.
    for message in messages.values():
        raw = message.as_bytes()
        assert b"tandem-reader" not in raw
        assert "reader·name" not in message.get_body(("plain",)).get_content()
    assert "Inès" not in sam.get_body(("plain",)).get_content()
    (calendar,) = [p for p in helene.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert f"UID:meeting-{meeting.pk}@tandem" in calendar.get_content()


class FailingAfter(LocmemBackend):
    """Accepts ``accept`` messages, then breaks as a bug would (not an SMTP error)."""

    accept = 2

    def send_messages(self, messages):
        if len(mail.outbox) >= self.accept:
            raise RuntimeError("broken backend")
        return super().send_messages(messages)


def test_a_sweep_stopped_by_an_error_marks_what_went_out_and_releases_the_rest(meeting, settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.rhythm.test_ledger.FailingAfter"}}
    settings.LEDGER_MARK_EVERY = 10

    with pytest.raises(RuntimeError):
        reminders_sweep()

    rows = list(ReminderDelivery.objects.order_by("pk"))
    states = [row.state for row in rows]
    assert sorted(states) == ["pending", "pending", "sent", "sent"]
    sent = {row.person_id for row in rows if row.state == DeliveryState.SENT}
    assert {m.to[0] for m in mail.outbox} == {
        row.person.email for row in rows if row.state == DeliveryState.SENT
    }
    assert (
        set(
            Notification.objects.filter(kind="meeting_reminder").values_list("person_id", flat=True)
        )
        == sent
    )
    # Given back at once: no claim left, no attempt counted, due now.
    for row in rows:
        if row.state == DeliveryState.PENDING:
            assert (row.claim_token, row.claimed_at, row.attempts) == ("", None, 0)

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert reminders_sweep().sent == 2
    assert ReminderDelivery.objects.filter(state=DeliveryState.SENT).count() == 4
    assert Notification.objects.filter(kind="meeting_reminder").count() == 4
    assert len(mail.outbox) == 4


def test_a_spent_budget_claims_nothing_and_says_more_is_left(meeting):
    result = reminders_sweep(budget=Budget(seconds=0))

    assert (result.materialised, result.sent, result.more) == (4, 0, True)
    assert set(ReminderDelivery.objects.values_list("state", "claim_token")) == {("pending", "")}
    assert mail.outbox == []


def test_the_task_chains_another_run_when_its_budget_ran_out(
    meeting, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.SWEEP_BUDGET_SECONDS = 0
    sent = []
    monkeypatch.setattr(
        "collab.rhythm.tasks.enqueue_on_commit", lambda name, **kwargs: sent.append(name)
    )

    tasks.reminders_sweep_task()

    assert sent == ["collab.rhythm.tasks.reminders_sweep_task"]
    settings.SWEEP_BUDGET_SECONDS = 50
    sent.clear()
    assert tasks.reminders_sweep_task()["sent"] == 4
    assert sent == []


class TerminatedAfter(LocmemBackend):
    """Celery's SIGTERM (a cancelled task) arrives once two messages were accepted."""

    def send_messages(self, messages):
        if len(mail.outbox) == 2:
            os.kill(os.getpid(), signal.SIGTERM)
        return super().send_messages(messages)


def test_a_sweep_cancelled_by_sigterm_stops_cleanly_and_the_process_lives_on(meeting, settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.rhythm.test_ledger.TerminatedAfter"}}
    previous = signal.getsignal(signal.SIGTERM)

    assert tasks.reminders_sweep_task() == {"materialised": 0, "sent": 0, "skipped": 0}

    assert signal.getsignal(signal.SIGTERM) == previous
    states = sorted(ReminderDelivery.objects.values_list("state", flat=True))
    assert states == ["pending", "pending", "sent", "sent"]
    assert Notification.objects.filter(kind="meeting_reminder").count() == 2
    assert not ReminderDelivery.objects.filter(state=DeliveryState.CLAIMED).exists()
