import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from collab.rhythm.models import Attendee, Meeting, ReminderDelivery
from tests.factories import EngagementFactory, UserFactory

# Redis databases of their own, apart from tests/collab/test_celery.py (9).
WORKER_REDIS_URL = os.environ.get("TEST_RHYTHM_REDIS_URL", "redis://127.0.0.1:6379/10")


def _start(args, env, log):
    celery_bin = Path(sys.executable).with_name("celery")
    return subprocess.Popen(  # noqa: S603 - our own virtualenv's celery
        [str(celery_bin), "-A", "collab", *args],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(process):
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


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

    database = urlsplit(os.environ["DATABASE_URL"])._replace(
        path="/" + connection.settings_dict["NAME"]
    )
    outbox = tmp_path / "emails"
    env = {
        **os.environ,
        "REDIS_URL": WORKER_REDIS_URL,
        "DATABASE_URL": database.geturl(),
        "TANDEM_RUN_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "collab.settings",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(outbox),
        "REMINDERS_SWEEP_SECONDS": "2",
    }
    log_path = tmp_path / "celery.log"
    with log_path.open("w") as log:
        worker = _start(
            [
                "worker",
                "--pool=solo",
                "-Q",
                "celery",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            env,
            log,
        )
        beat = _start(["beat", "--loglevel=INFO"], env, log)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if ReminderDelivery.objects.filter(meeting=meeting, state="sent").exists():
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"no reminder delivered; the log:\n{log_path.read_text()}")
        time.sleep(5)  # two more sweeps: nothing more goes out
    finally:
        _stop(beat)
        _stop(worker)
    # Both offsets fell due at once: the nearest goes out, the 24-hour one is superseded.
    assert set(
        ReminderDelivery.objects.filter(meeting=meeting).values_list("offset_minutes", "state")
    ) == {(60, "sent"), (1440, "skipped")}
    files = list(outbox.iterdir())
    written = "".join(path.read_text() for path in files)
    assert written.count(f"Message-ID: <reminder.{meeting.pk}.{person.pk}.60@tandem>") == 1
    assert "Go-live check starts in 30 minutes" in written
