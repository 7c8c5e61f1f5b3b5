import datetime as dt
import os
import time

import pytest
from django.utils import timezone

from collab.rhythm.models import Attendee, Meeting, ReminderDelivery
from tests.celery_processes import worker_and_beat
from tests.factories import EngagementFactory, UserFactory

# Redis databases of their own, apart from tests/collab/test_celery.py (9).
WORKER_REDIS_URL = os.environ.get("TEST_RHYTHM_REDIS_URL", "redis://127.0.0.1:6379/10")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_and_beat_deliver_a_due_reminder_once(tmp_path):
    engagement = EngagementFactory(slug="worker-test", key_prefix="WRK")
    person = UserFactory(email="ines@example.com")
    starts_at = timezone.now() + dt.timedelta(minutes=30)
    meeting = Meeting.objects.create(
        engagement=engagement,
        kind=Meeting.Kind.AD_HOC,
        title="Go-live check",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=30),
    )
    Attendee.objects.create(engagement=engagement, meeting=meeting, person=person, required=True)

    with worker_and_beat(tmp_path, WORKER_REDIS_URL, REMINDERS_SWEEP_SECONDS="2") as run:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if ReminderDelivery.objects.filter(meeting=meeting, state="sent").exists():
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"no reminder delivered; the log:\n{run.log_path.read_text()}")
        time.sleep(5)  # two more sweeps: nothing more goes out
    outbox = run.outbox
    # Both offsets fell due at once: the nearest goes out, the 24-hour one is superseded.
    assert set(
        ReminderDelivery.objects.filter(meeting=meeting).values_list("offset_minutes", "state")
    ) == {(60, "sent"), (1440, "skipped")}
    files = list(outbox.iterdir())
    written = "".join(path.read_text() for path in files)
    assert written.count(f"Message-ID: <reminder.{meeting.pk}.{person.pk}.60@tandem>") == 1
    assert "Go-live check starts in 30 minutes" in written
