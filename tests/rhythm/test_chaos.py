"""The chaos test of the reminder ledger: a real Celery worker (two pool processes) and beat(s) on
a Redis of the test's own (started here on a free port; the shared one is never touched), a few
hundred reminders due at once, and each of: a ``kill -9`` of the worker mid-sweep then a restart,
two beats at once, Redis flushed and restarted mid-sweep. Each ends with every reminder sent,
one in-app notice per reminder, and each email written at least once: exactly once in the
two-beats and Redis cases, at most ``LEDGER_MARK_EVERY`` extra per killed pool process
otherwise (what docs/rhythm.md states).

Emails go to files (``tests.rhythm.chaos.filebased``), which outlive the processes; notices are
counted in the database.
"""

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from collab.common.own_redis import OwnRedis
from collab.models import User
from collab.rhythm.models import (
    Attendee,
    DeliveryState,
    Meeting,
    Notification,
    ReminderDelivery,
    RhythmSettings,
)
from tests.factories import EngagementFactory

MEETINGS = 15
PEOPLE = 20
REMINDERS = MEETINGS * PEOPLE
MARK_EVERY = 5
POOL_PROCESSES = 2
MESSAGE_ID = re.compile(rb"^Message-ID: (<reminder\.[^>]+>)$", re.MULTILINE)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


class Cluster:
    """Worker and beat processes of one test, their output in one log."""

    def __init__(self, tmp_path: Path, redis_url: str) -> None:
        database = urlsplit(os.environ["DATABASE_URL"])._replace(
            path="/" + connection.settings_dict["NAME"]
        )
        self.tmp_path = tmp_path
        self.outbox = tmp_path / "emails"
        self.log_path = tmp_path / "celery.log"
        self.log = self.log_path.open("a")
        self.env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "DATABASE_URL": database.geturl(),
            "TANDEM_RUN_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "collab.settings",
            "EMAIL_BACKEND": "tests.rhythm.chaos.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.outbox),
            "CHAOS_MAIL_DELAY": "0.02",
            "REMINDERS_SWEEP_SECONDS": "1",
            "LEDGER_CHUNK_SIZE": "10",
            "LEDGER_MARK_EVERY": str(MARK_EVERY),
            "LEDGER_CLAIM_TIMEOUT_SECONDS": "5",
            "SWEEP_BUDGET_SECONDS": "20",
        }
        self.processes: list[subprocess.Popen] = []

    def _start(self, *args: str) -> subprocess.Popen:
        celery_bin = Path(sys.executable).with_name("celery")
        process = subprocess.Popen(  # noqa: S603 - our own virtualenv's celery
            [str(celery_bin), "-A", "collab", *args],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def worker(self) -> subprocess.Popen:
        return self._start(
            "worker",
            "--pool=prefork",
            f"--concurrency={POOL_PROCESSES}",
            "-Q",
            "celery",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        )

    def beat(self, name: str) -> subprocess.Popen:
        return self._start(
            "beat", "--loglevel=INFO", "--schedule", str(self.tmp_path / f"beat-{name}")
        )

    def kill(self, process: subprocess.Popen) -> None:
        """kill -9 of the process and its pool processes."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self.log.close()

    def emails(self) -> Counter:
        """How many times each reminder's Message-ID was written."""
        found: Counter = Counter()
        if self.outbox.exists():
            for path in self.outbox.iterdir():
                found.update(m.decode() for m in MESSAGE_ID.findall(path.read_bytes()))
        return found

    def fail(self, why: str) -> None:
        self.log.flush()
        pytest.fail(f"{why}; the log:\n{self.log_path.read_text()[-6000:]}")


@pytest.fixture
def cluster(tmp_path, own_redis):
    running = Cluster(tmp_path, own_redis.url)
    yield running
    running.stop_all()


def _burst() -> list[Meeting]:
    """MEETINGS meetings of PEOPLE each, starting in 30 minutes, reminded 60 minutes ahead: every
    reminder is due at once."""
    engagement = EngagementFactory(slug="chaos", key_prefix="CHA")
    RhythmSettings.objects.create(engagement=engagement, reminder_offsets=[60])
    people = User.objects.bulk_create(
        [
            User(email=f"chaos-{n}@example.com", language="fr" if n % 2 else "en")
            for n in range(PEOPLE)
        ]
    )
    starts = timezone.now() + dt.timedelta(minutes=30)
    meetings = Meeting.objects.bulk_create(
        [
            Meeting(
                engagement=engagement,
                kind=Meeting.Kind.AD_HOC,
                title=f"Chaos meeting {n}",
                starts_at=starts,
                ends_at=starts + dt.timedelta(minutes=30),
            )
            for n in range(MEETINGS)
        ]
    )
    Attendee.objects.bulk_create(
        [
            Attendee(engagement=engagement, meeting=meeting, person=person, required=True)
            for meeting in meetings
            for person in people
        ]
    )
    return meetings


def _sent() -> int:
    return ReminderDelivery.objects.filter(state=DeliveryState.SENT).count()


def _wait(cluster: Cluster, until, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not until():
        if time.monotonic() > deadline:
            cluster.fail(f"timed out waiting for {what} ({_sent()} of {REMINDERS} sent)")
        time.sleep(0.1)


def _expected_ids() -> set[str]:
    return set(ReminderDelivery.objects.values_list("message_id", flat=True))


def _assert_delivered(cluster: Cluster, *, extra_allowed: int) -> int:
    """Every reminder sent with one in-app notice, each email written at least once; returns
    the number of duplicate emails (bounded by ``extra_allowed``)."""
    assert ReminderDelivery.objects.count() == REMINDERS
    assert _sent() == REMINDERS
    notices = Counter(
        Notification.objects.filter(kind="meeting_reminder").values_list("person_id", "title")
    )
    assert sum(notices.values()) == REMINDERS
    assert set(notices.values()) == {1}
    emails = cluster.emails()
    assert set(emails) == _expected_ids()
    duplicates = sum(emails.values()) - REMINDERS
    assert 0 <= duplicates <= extra_allowed, dict(emails.most_common(5))
    return duplicates


def test_two_beats_at_once_send_each_reminder_exactly_once(cluster):
    _burst()
    cluster.worker()
    cluster.beat("one")
    cluster.beat("two")
    _wait(cluster, lambda: _sent() == REMINDERS, "the burst")
    time.sleep(2)  # more sweeps from both beats: nothing more goes out
    assert _assert_delivered(cluster, extra_allowed=0) == 0


def test_a_worker_killed_mid_sweep_then_restarted_loses_nothing(cluster):
    _burst()
    worker = cluster.worker()
    cluster.beat("one")
    _wait(cluster, lambda: _sent() >= REMINDERS // 5, "the sweep to start")
    assert _sent() < REMINDERS, "the sweep ended before the kill: nothing was tested"
    cluster.kill(worker)
    killed_at = _sent()
    cluster.worker()
    _wait(cluster, lambda: _sent() == REMINDERS, "the rest after the restart")
    time.sleep(2)
    duplicates = _assert_delivered(cluster, extra_allowed=MARK_EVERY * POOL_PROCESSES)
    print(f"kill -9 at {killed_at}/{REMINDERS} sent: {duplicates} duplicate emails")


def test_redis_flushed_and_restarted_mid_sweep_keeps_the_worker_up(cluster, own_redis):
    _burst()
    worker = cluster.worker()
    cluster.beat("one")
    _wait(cluster, lambda: _sent() >= REMINDERS // 5, "the sweep to start")
    assert _sent() < REMINDERS, "the sweep ended before Redis went away: nothing was tested"
    own_redis.flush_and_stop()
    time.sleep(float(os.environ.get("CHAOS_REDIS_DOWN", "2")))
    own_redis.start()
    _wait(cluster, lambda: _sent() == REMINDERS, "the rest after Redis came back", seconds=90)
    time.sleep(2)
    if worker.poll() is not None:
        cluster.fail(f"the worker exited with {worker.returncode}")
    assert _assert_delivered(cluster, extra_allowed=0) == 0
