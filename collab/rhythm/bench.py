"""The rhythm section of ``manage.py bench``: due reminders delivered by one worker.

``bench_reminders`` writes ``n_meetings`` meetings starting in 30 minutes with
``reminders // n_meetings`` attendees each and one reminder offset (60 minutes), runs one
sweep with the in-memory email backend, and reports the time and the queries per reminder.
Everything it writes is rolled back.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import asdict, dataclass

from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from collab.models import Engagement, Organization, User
from collab.rhythm.models import Attendee, Meeting, RhythmSettings
from collab.rhythm.reminders import reminders_sweep

LOCMEM = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


@dataclass(frozen=True)
class BenchResult:
    meetings: int
    reminders: int
    sent: int
    seconds: float
    queries: int
    queries_per_reminder: float
    ms_per_reminder: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


class _Rollback(Exception):
    pass


def _fixture(n_meetings: int, per_meeting: int, now: dt.datetime) -> None:
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


def bench_reminders(n_meetings: int = 1000, reminders: int = 10000) -> BenchResult:
    """Deliver ``reminders`` due reminders over ``n_meetings`` meetings in one sweep (one
    worker, in-memory email backend); nothing it writes is kept."""
    per_meeting = max(1, reminders // n_meetings)
    now = timezone.now()
    result: BenchResult | None = None
    try:
        with transaction.atomic(), override_settings(MAILERS=LOCMEM):
            _fixture(n_meetings, per_meeting, now)
            mail.outbox = []
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                sweep = reminders_sweep(now=now)
                seconds = time.perf_counter() - started
            count = n_meetings * per_meeting
            result = BenchResult(
                meetings=n_meetings,
                reminders=count,
                sent=sweep.sent,
                seconds=round(seconds, 3),
                queries=len(queries),
                queries_per_reminder=round(len(queries) / count, 4),
                ms_per_reminder=round(seconds * 1000 / count, 3),
            )
            raise _Rollback
    except _Rollback:
        pass
    assert result is not None
    return result
