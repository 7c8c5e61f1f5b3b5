"""The ranked backlog's part of ``manage.py bench``: the API list (first page and a deep page,
100 rows, ranked order) and the web backlog page, each timed against its *floor*.

The floor is what the database and the wire cannot go below: one hand-written SQL statement,
sent through a psycopg connection of its own, reading the same 100 rows with the same fields
in the same order through the same index (``ticket_ranked``), turned into JSON by orjson. It
is measured in the same run, interleaved with the application's requests (one request, one
floor), so that both see the same machine; the ratio is median / floor median. The web page's
ratio is against the API's floor, as the issue that set the targets defines it.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson
import psycopg
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from backlog.models import Ticket
from collab.models import Engagement

PAGE = 100
# The fields of the API's list rows, read by one statement in the ranked order (the cursor of
# a deep page as one row comparison, as the application writes it).
FLOOR_SQL = """
SELECT t.number, t.title, t.kind, t.origin, t.status,
       r.email, r.display_name, a.email, a.display_name, t.responsible_role, t.unrouted,
       s.id, s.name, t.deadline,
       ARRAY(SELECT l.name FROM backlog_ticket_labels tl JOIN backlog_label l ON l.id = tl.label_id
             WHERE tl.ticket_id = t.id ORDER BY l.name),
       t.manual_rank, t.score, t.annual_value, t.quadrant, t.needs_alignment, t.version,
       t.created_at, t.updated_at
FROM backlog_ticket t
JOIN collab_user r ON r.id = t.reporter_id
LEFT JOIN collab_user a ON a.id = t.assignee_id
LEFT JOIN backlog_sprint s ON s.id = t.sprint_id
WHERE t.engagement_id = %(engagement)s
  AND (COALESCE(t.manual_rank, 2147483647), COALESCE(-t.score, 1), t.number)
      > (%(rank)s, %(score)s, %(number)s)
ORDER BY COALESCE(t.manual_rank, 2147483647), COALESCE(-t.score, 1), t.number
LIMIT %(limit)s
"""
_START = {"rank": -1, "score": -(10**30), "number": 0}


@dataclass(frozen=True)
class Figure:
    """One scenario at one size: the application's timings beside the floor's."""

    name: str
    tickets: int
    runs: int
    median_ms: float
    p95_ms: float
    queries: int
    floor_ms: float
    ratio: float
    status: int
    # The peak of Python allocations during one more, untimed run (traced with tracemalloc).
    peak_mib: float


def p95(values: list[float]) -> float:
    """The nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def floor_connection() -> psycopg.Connection:
    database = settings.DATABASES["default"]
    return psycopg.connect(
        dbname=database["NAME"],
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        autocommit=True,
    )


def _floor(floor: psycopg.Connection, prefix: str, params: dict[str, Any]) -> bytes:
    rows = floor.execute(FLOOR_SQL, params).fetchall()
    return orjson.dumps(
        [
            {
                "key": f"{prefix}-{row[0]}",
                "title": row[1],
                "kind": row[2],
                "origin": row[3],
                "status": row[4],
                "reporter": {"email": row[5], "display_name": row[6]},
                "assignee": None if row[7] is None else {"email": row[7], "display_name": row[8]},
                "responsible_role": row[9],
                "unrouted": row[10],
                "sprint": None if row[11] is None else {"id": row[11], "name": row[12]},
                "deadline": row[13],
                "labels": row[14],
                "manual_rank": row[15],
                "score": None if row[16] is None else format(row[16], "f"),
                "annual_value": None if row[17] is None else format(row[17], "f"),
                "quadrant": row[18],
                "needs_alignment": row[19],
                "version": row[20],
                "created_at": row[21],
                "updated_at": row[22],
            }
            for row in rows
        ]
    )


def _position_after(engagement: Engagement, rows: int) -> dict[str, Any]:
    """The ranked keys of the ``rows``-th ticket: a deep page starts after it."""
    if rows == 0:
        return dict(_START)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(manual_rank, 2147483647), COALESCE(-score, 1), number "
            "FROM backlog_ticket WHERE engagement_id = %s "
            "ORDER BY COALESCE(manual_rank, 2147483647), COALESCE(-score, 1), number "
            "OFFSET %s LIMIT 1",
            [engagement.pk, rows - 1],
        )
        rank, score, number = cursor.fetchone()
    return {"rank": rank, "score": score, "number": number}


def timed_against_floor(
    name: str,
    tickets: int,
    runs: int,
    request: Callable[[], Any],
    floor: Callable[[], bytes],
) -> Figure:
    warm = request()
    # The queries are counted on a request of their own: capturing them wraps every cursor in
    # Django's debug wrapper (about 1 ms a request here), which the timed ones do not pay.
    with CaptureQueriesContext(connection) as captured:
        request()
    queries = len(captured)
    floor()
    timings, floors = [], []
    for _run in range(runs):
        started = time.perf_counter()
        request()
        timings.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        floor()
        floors.append((time.perf_counter() - started) * 1000)
    median, floor_median = statistics.median(timings), statistics.median(floors)
    tracemalloc.start()
    try:
        request()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return Figure(
        name=name,
        tickets=tickets,
        runs=runs,
        median_ms=median,
        p95_ms=p95(timings),
        queries=queries,
        floor_ms=floor_median,
        ratio=median / floor_median,
        status=warm.status_code,
        peak_mib=peak / (1024 * 1024),
    )


def bench_ranked_backlog(
    *, client: Client, engagement: Engagement, runs: int, deep_pages: int
) -> list[Figure]:
    """The API list's first page and its page ``deep_pages`` (reached through the cursor), and
    the web backlog page, each against its floor, in the engagement's ranked order."""
    tickets = Ticket.objects.filter(engagement=engagement).count()
    api = f"/api/v1/engagements/{engagement.slug}/tickets/?page_size={PAGE}"
    page = f"/engagements/{engagement.slug}/backlog/"
    deep = api
    for _step in range(deep_pages - 1):
        following = client.get(deep, secure=True).json().get("next")
        if not following:
            break
        parts = urlsplit(following)
        deep = f"{parts.path}?{parts.query}"
    prefix = engagement.key_prefix
    first_position = {**_START, "engagement": engagement.pk, "limit": PAGE}
    deep_position = {
        **_position_after(engagement, (deep_pages - 1) * PAGE),
        "engagement": engagement.pk,
        "limit": PAGE,
    }
    with floor_connection() as floor:

        def get(url: str) -> Callable[[], Any]:
            return lambda: client.get(url, secure=True)

        return [
            timed_against_floor(
                "API ranked list, first page",
                tickets,
                runs,
                get(api),
                lambda: _floor(floor, prefix, first_position),
            ),
            timed_against_floor(
                f"API ranked list, page {deep_pages} (cursor)",
                tickets,
                runs,
                get(deep),
                lambda: _floor(floor, prefix, deep_position),
            ),
            timed_against_floor(
                "Web backlog page, first page",
                tickets,
                runs,
                get(page),
                lambda: _floor(floor, prefix, first_position),
            ),
        ]


@dataclass(frozen=True)
class RescoreFigures:
    """Changing the scoring model of a big engagement: the request's time (the settings saved
    and the job asked for), then the job's, worked in this process step by step."""

    tickets: int
    request_ms: float
    request_queries: int
    queued: bool
    medians_ms: float
    chunk_ms: list[float]
    settle_ms: float

    @property
    def job_ms(self) -> float:
        return self.medians_ms + sum(self.chunk_ms) + self.settle_ms


def bench_rescore_job(*, engagement: Engagement) -> RescoreFigures:
    """Switch the engagement's scoring model (RICE, or back to value per effort) through the
    service the settings page and the API call, with the task's message kept in the process
    (never sent to a broker a worker of another database might read), then run the job that
    asked for, timing each step; the stored ranking is checked true at the end."""
    from backlog.selectors import scoring_settings_get
    from backlog.services import scoring_settings_update
    from backlog.services.ranking import ranking_drift
    from backlog.services.ranking_jobs import Step, ranking_job_claim, ranking_job_step
    from collab.common import tasks

    tickets = Ticket.objects.filter(engagement=engagement).count()
    model = "rice" if scoring_settings_get(engagement=engagement).model != "rice" else "wsjf"
    sent: list[str] = []
    send = tasks._send
    tasks._send = lambda name, kwargs: sent.append(name)  # type: ignore[assignment]
    try:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            scoring_settings_update(engagement=engagement, data={"model": model})
            request_ms = (time.perf_counter() - started) * 1000
    finally:
        tasks._send = send  # type: ignore[assignment]
    steps: list[float] = []
    attempt = ranking_job_claim(engagement_id=engagement.pk)
    while attempt is not None:
        started = time.perf_counter()
        step = ranking_job_step(engagement_id=engagement.pk, attempt=attempt)
        steps.append((time.perf_counter() - started) * 1000)
        if step is not Step.MORE:
            break
    if ranking_drift(engagement=engagement, limit=1):
        raise RuntimeError("The job left a stored ranking that differs from a fresh one.")
    return RescoreFigures(
        tickets=tickets,
        request_ms=request_ms,
        request_queries=len(captured),
        queued=bool(sent),
        medians_ms=steps[0] if steps else 0.0,
        chunk_ms=steps[1:-1],
        settle_ms=steps[-1] if len(steps) > 1 else 0.0,
    )


def bench_rescore_in_request(*, engagement: Engagement) -> tuple[float, int]:
    """Switch the engagement's scoring model with the threshold raised to its size, so that
    every ticket is recomputed in the service's transaction as a request at or below the
    threshold does: milliseconds and queries."""
    from django.test import override_settings

    from backlog.selectors import scoring_settings_get
    from backlog.services import scoring_settings_update

    tickets = Ticket.objects.filter(engagement=engagement).count()
    model = "rice" if scoring_settings_get(engagement=engagement).model != "rice" else "wsjf"
    with (
        override_settings(RESCORE_IN_REQUEST_MAX_TICKETS=tickets),
        CaptureQueriesContext(connection) as captured,
    ):
        started = time.perf_counter()
        scoring_settings_update(engagement=engagement, data={"model": model})
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, len(captured)
