"""Recomputing an engagement's whole stored ranking outside the request when it is big.

Up to ``settings.RESCORE_IN_REQUEST_MAX_TICKETS`` tickets, a change of scoring model or
weights, of the client's hourly cost or of an objective's weight recomputes the ranking in its
own transaction (``backlog.services.ranking``). Above, the change commits at once and asks for a
``RankingJob`` (``ranking_job_request``); a Celery task then works it step by step, each step
its own short transaction holding the job's row lock:

1. the medians of the fresh values (``prepared_generation`` records for which request);
2. the tickets by primary-key ranges of ``RANKING_JOB_CHUNK_SIZE``, one ``UPDATE`` each,
   ``last_pk`` and ``done`` moving with them (a chunk written twice writes nothing new);
3. the medians from the stored values and every quadrant that differs (other writes may have
   moved the medians meanwhile), then ``done``.

A change while the job runs bumps ``generation``: the next step sees it and starts again from
step 1 with the latest settings. Only the worker holding the latest ``attempt`` writes; a running
job whose ``heartbeat_at`` is older than ``RANKING_JOB_STALE_SECONDS`` belonged to a worker that
died, and the periodic sweep claims it again and resumes at ``last_pk``.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from backlog.models import RankingJob, ScoringSettings, Ticket
from backlog.selectors import backlog_medians, scoring_settings_get
from backlog.services.ranking import (
    Rescored,
    engagement_rescore_locked,
    fresh_medians_store,
    medians_lock_counting,
    quadrants_settle,
    tickets_range_rescore,
)
from collab.common.sweeps import Budget
from collab.common.tasks import enqueue_on_commit
from collab.models import Engagement

RUN_TASK = "backlog.tasks.ranking_job_run_task"


class Step(enum.Enum):
    """What one step of a job left: more to do, the job done, or the job no longer ours."""

    MORE = "more"
    DONE = "done"
    LOST = "lost"


def rescore_in_request_max() -> int:
    """The most tickets an engagement-wide recomputation writes in the request."""
    return int(django_settings.RESCORE_IN_REQUEST_MAX_TICKETS)


@transaction.atomic(savepoint=False)
def engagement_rescore_or_queue(
    *, engagement: Engagement, settings: ScoringSettings | None = None
) -> Rescored | None:
    """Recompute the engagement's whole ranking in the caller's transaction when it has at most
    ``RESCORE_IN_REQUEST_MAX_TICKETS`` tickets (what was written); otherwise ask for a job
    run after the commit (None). The medians row lock that orders every ranking write also
    counts the tickets: no query more than a recomputation in the request."""
    _medians, count = medians_lock_counting(engagement_id=engagement.pk)
    if count <= rescore_in_request_max():
        return engagement_rescore_locked(engagement=engagement, settings=settings)
    ranking_job_request(engagement_id=engagement.pk, total=count)
    return None


def ranking_job_request(*, engagement_id: int, total: int) -> None:
    """Ask for the engagement's ranking to be recomputed by a job, from the start, on the
    settings committed with the caller's transaction (one upsert, then the task sent after the
    commit). A job already running keeps its worker, which starts again at its next step."""
    table = connection.ops.quote_name(RankingJob._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (engagement_id, state, generation, prepared_generation, "  # noqa: S608
            "attempt, total, done, last_pk, requested_at, started_at, heartbeat_at, "
            "finished_at, error) VALUES (%s, 'queued', 1, 0, 0, %s, 0, 0, %s, NULL, NULL, "
            "NULL, '') ON CONFLICT (engagement_id) DO UPDATE SET "
            f"generation = {table}.generation + 1, total = EXCLUDED.total, done = 0, "
            "last_pk = 0, requested_at = EXCLUDED.requested_at, finished_at = NULL, "
            f"error = '', state = CASE WHEN {table}.state = 'running' THEN 'running' "
            "ELSE 'queued' END",
            [engagement_id, total, timezone.now()],
        )
    enqueue_on_commit(RUN_TASK, engagement_id=engagement_id)


def _stale_before() -> datetime:
    return timezone.now() - timedelta(seconds=float(django_settings.RANKING_JOB_STALE_SECONDS))


def _claimable() -> Q:
    """Jobs a worker may take: queued, or running without progress for too long."""
    return Q(state=RankingJob.State.QUEUED) | Q(
        state=RankingJob.State.RUNNING, heartbeat_at__lt=_stale_before()
    )


@transaction.atomic
def ranking_job_claim(*, engagement_id: int) -> int | None:
    """Take the engagement's job if it is queued or abandoned (``SKIP LOCKED``: a job in a
    worker's step or in a request's transaction is left alone): the attempt that owns it now,
    or None when there is nothing to take."""
    job = (
        RankingJob.objects.select_for_update(skip_locked=True)
        .filter(_claimable(), pk=engagement_id)
        .first()
    )
    if job is None:
        return None
    now = timezone.now()
    job.state, job.attempt, job.heartbeat_at = RankingJob.State.RUNNING, job.attempt + 1, now
    job.started_at = job.started_at or now
    job.save(update_fields=["state", "attempt", "heartbeat_at", "started_at"])
    return job.attempt


def _chunk_end(*, engagement_id: int, after: int) -> int | None:
    """The primary key closing the next chunk after ``after`` (None: no ticket is left)."""
    size = int(django_settings.RANKING_JOB_CHUNK_SIZE)
    keys = Ticket.objects.filter(engagement_id=engagement_id, pk__gt=after).order_by("pk")
    end = list(keys.values_list("pk", flat=True)[size - 1 : size])
    if not end:
        return keys.values_list("pk", flat=True).last()
    return int(end[0])


@transaction.atomic
def ranking_job_step(*, engagement_id: int, attempt: int) -> Step:
    """One step of the job (the medians, one chunk, or the quadrants and the end), in one
    transaction holding the job's row, written only by the attempt that owns it."""
    job = RankingJob.objects.select_for_update().get(pk=engagement_id)
    if job.state != RankingJob.State.RUNNING or job.attempt != attempt:
        return Step.LOST
    job.heartbeat_at = timezone.now()
    if job.prepared_generation != job.generation:
        fresh_medians_store(engagement_id=engagement_id)
        job.prepared_generation, job.last_pk, job.done = job.generation, 0, 0
        job.save(update_fields=["prepared_generation", "last_pk", "done", "heartbeat_at"])
        return Step.MORE
    end = _chunk_end(engagement_id=engagement_id, after=job.last_pk)
    if end is not None:
        engagement = Engagement.objects.get(pk=engagement_id)
        tickets_range_rescore(
            engagement=engagement,
            settings=scoring_settings_get(engagement=engagement),
            medians=backlog_medians(engagement=engagement),
            after=job.last_pk,
            upto=end,
        )
        job.done = min(job.done + int(django_settings.RANKING_JOB_CHUNK_SIZE), job.total)
        job.last_pk = end
        job.save(update_fields=["last_pk", "done", "heartbeat_at"])
        return Step.MORE
    quadrants_settle(engagement_id=engagement_id)
    job.state, job.done, job.finished_at = RankingJob.State.DONE, job.total, timezone.now()
    job.save(update_fields=["state", "done", "finished_at", "heartbeat_at"])
    return Step.DONE


@transaction.atomic
def _release(*, engagement_id: int, attempt: int) -> bool:
    """Give the job back to the queue (the budget is spent): True when it was still ours."""
    return bool(
        RankingJob.objects.filter(
            pk=engagement_id, attempt=attempt, state=RankingJob.State.RUNNING
        ).update(state=RankingJob.State.QUEUED)
    )


def ranking_job_run(*, engagement_id: int, budget: Budget | None = None) -> Step | None:
    """Claim the engagement's job and work it until it is done, taken over, or the budget is
    spent (then it goes back to the queue and the task is sent again): what the last step
    left, None when there was nothing to claim. A database error is recorded on the job and
    raised; the job stays running and the sweep resumes it once it is stale."""
    attempt = ranking_job_claim(engagement_id=engagement_id)
    if attempt is None:
        return None
    budget = budget or Budget()
    while True:
        try:
            step = ranking_job_step(engagement_id=engagement_id, attempt=attempt)
        except DatabaseError as error:
            RankingJob.objects.filter(pk=engagement_id, attempt=attempt).update(
                error=str(error)[:2000]
            )
            raise
        if step is not Step.MORE:
            return step
        if budget.spent:
            if _release(engagement_id=engagement_id, attempt=attempt):
                enqueue_on_commit(RUN_TASK, engagement_id=engagement_id)
            return step


def ranking_jobs_sweep(*, budget: Budget | None = None) -> int:
    """Work the jobs that are queued (their task lost) or abandoned by a dead worker, within
    the budget; how many it claimed."""
    budget = budget or Budget()
    claimed = 0
    waiting = RankingJob.objects.filter(_claimable()).order_by("requested_at")
    for engagement_id in list(waiting.values_list("pk", flat=True)):
        if budget.spent:
            break
        if ranking_job_run(engagement_id=engagement_id, budget=budget) is not None:
            claimed += 1
    return claimed
