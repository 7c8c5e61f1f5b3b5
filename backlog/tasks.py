"""Celery entry points of the backlog (Celery autodiscovers ``backlog.tasks``): thin, working
from the ``RankingJob`` rows, so that a message run twice changes nothing. Time's tasks (budget
alerts) live in ``backlog.timesheets.tasks``, registered by the import below."""

from __future__ import annotations

from celery import shared_task

from backlog.services.ranking_jobs import ranking_job_run, ranking_jobs_sweep
from backlog.timesheets import tasks as timesheets_tasks  # noqa: F401  (registers time's tasks)


@shared_task(name="backlog.tasks.ranking_job_run_task")
def ranking_job_run_task(engagement_id: int) -> str:
    """Recompute the engagement's stored ranking, chunk by chunk, if its job is waiting."""
    step = ranking_job_run(engagement_id=engagement_id)
    return "nothing to claim" if step is None else step.value


@shared_task(name="backlog.tasks.ranking_jobs_sweep_task")
def ranking_jobs_sweep_task() -> int:
    """Work the ranking jobs whose message was lost or whose worker died."""
    return ranking_jobs_sweep()
