"""The reminders section of ``manage.py bench`` (``--only reminders``): 10,000 reminders due at
once delivered by one worker, exactly once.

``bench_reminders`` writes ``n_meetings`` meetings starting in 30 minutes with
``reminders // n_meetings`` attendees each (half of them reading French) and one reminder offset
(60 minutes), then runs the every-minute sweep in this process, as one worker would (each run
within its time budget, the next chained at once), until no reminder is left. Emails go to the
file backend in a temporary folder, written out and committed as in production; the result
counts each Message-ID written and each in-app notice, to show that every reminder went out
exactly once. Everything it wrote is deleted afterwards.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from collab.models import Engagement, Organization, User
from collab.rhythm.models import (
    Attendee,
    DeliveryState,
    Meeting,
    Notification,
    ReminderDelivery,
    RhythmSettings,
)
from collab.rhythm.reminders import reminders_sweep

MESSAGE_ID = re.compile(rb"^Message-ID: (<reminder\.[^>]+>)$", re.MULTILINE)
# A sweep that never ends (a bug) stops the bench instead of running forever.
MAX_RUNS = 100


@dataclass(frozen=True)
class BenchResult:
    meetings: int
    reminders: int
    sent: int
    runs: int
    seconds: float
    # This process's CPU time in the sweeps: the wall time less waiting on PostgreSQL and on a
    # machine shared with others.
    cpu_seconds: float
    queries: int
    queries_per_reminder: float
    ms_per_reminder: float
    emails_written: int
    distinct_emails: int
    notices: int

    @property
    def exactly_once(self) -> bool:
        return (
            self.sent
            == self.emails_written
            == self.distinct_emails
            == self.notices
            == (self.reminders)
        )

    def as_dict(self) -> dict[str, float | int | bool]:
        return {**asdict(self), "exactly_once": self.exactly_once}


def _fixture(n_meetings: int, per_meeting: int, now: dt.datetime) -> tuple[Engagement, list[int]]:
    tag = uuid.uuid4().hex[:8]
    agency = Organization.objects.create(name=f"Bench agency {tag}", kind="agency")
    client = Organization.objects.create(name=f"Bench client {tag}", kind="client")
    engagement = Engagement.objects.create(
        agency=agency,
        client=client,
        name=f"Bench {tag}",
        slug=f"bench-{tag}",
        key_prefix=f"B{tag[:6].upper()}".replace("0", "Z"),
        platform="custom",
        business_model="b2c",
    )
    RhythmSettings.objects.create(engagement=engagement, reminder_offsets=[60])
    people = User.objects.bulk_create(
        [
            User(email=f"bench-{tag}-{n}@example.com", language=("fr" if n % 2 else "en"))
            for n in range(per_meeting)
        ]
    )
    starts = now + dt.timedelta(minutes=30)
    meetings = Meeting.objects.bulk_create(
        [
            Meeting(
                engagement=engagement,
                kind=Meeting.Kind.AD_HOC,
                title=f"Bench meeting {n}",
                starts_at=starts,
                ends_at=starts + dt.timedelta(minutes=30),
            )
            for n in range(n_meetings)
        ]
    )
    Attendee.objects.bulk_create(
        [
            Attendee(engagement=engagement, meeting=meeting, person=person, required=True)
            for meeting in meetings
            for person in people
        ],
        batch_size=5000,
    )
    return engagement, [person.pk for person in people]


def _cleanup(engagement: Engagement, people: list[int]) -> None:
    Notification.objects.filter(engagement=engagement).delete()
    ReminderDelivery.objects.filter(engagement=engagement).delete()
    Attendee.objects.filter(engagement=engagement).delete()
    Meeting.objects.filter(engagement=engagement).delete()
    agency, client = engagement.agency, engagement.client
    engagement.delete()
    agency.delete()
    client.delete()
    User.objects.filter(pk__in=people).delete()


class _Counter:
    """Counts the queries run (without keeping them, as CaptureQueriesContext would)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.count += 1
        return execute(sql, params, many, context)


def _written(folder: Path) -> Counter[bytes]:
    found: Counter[bytes] = Counter()
    for path in folder.iterdir():
        found.update(MESSAGE_ID.findall(path.read_bytes()))
    return found


def bench_reminders(n_meetings: int = 500, reminders: int = 10_000) -> BenchResult:
    """Deliver ``reminders`` due reminders over ``n_meetings`` meetings with one worker's
    sweeps (file email backend, real commits); nothing it writes is kept."""
    per_meeting = max(1, reminders // n_meetings)
    count = n_meetings * per_meeting
    folder = Path(tempfile.mkdtemp(prefix="tandem-bench-mail-"))
    mailers = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(folder)},
        }
    }
    engagement, people = _fixture(n_meetings, per_meeting, timezone.now())
    queries = _Counter()
    try:
        with override_settings(MAILERS=mailers), connection.execute_wrapper(queries):
            started, cpu_started = time.perf_counter(), time.process_time()
            runs = 0
            while runs < MAX_RUNS:
                runs += 1
                if not reminders_sweep().more:
                    break
            seconds = time.perf_counter() - started
            cpu_seconds = time.process_time() - cpu_started
        deliveries = ReminderDelivery.objects.filter(engagement=engagement)
        written = _written(folder)
        result = BenchResult(
            meetings=n_meetings,
            reminders=count,
            sent=deliveries.filter(state=DeliveryState.SENT).count(),
            runs=runs,
            seconds=round(seconds, 3),
            cpu_seconds=round(cpu_seconds, 3),
            queries=queries.count,
            queries_per_reminder=round(queries.count / count, 4),
            ms_per_reminder=round(seconds * 1000 / count, 3),
            emails_written=sum(written.values()),
            distinct_emails=len(written),
            notices=Notification.objects.filter(
                engagement=engagement, kind="meeting_reminder"
            ).count(),
        )
    finally:
        _cleanup(engagement, people)
        shutil.rmtree(folder, ignore_errors=True)
    return result
