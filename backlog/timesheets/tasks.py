"""Celery entry points of time: thin, idempotent, working from the database (registered
through ``backlog.tasks``). No eta nor countdown: the beat runs the sweep, an approved week
asks for a run after commit, and claims, not messages, decide what is sent."""

from __future__ import annotations

from celery import shared_task

from backlog.timesheets.budget_alerts import budget_alerts_sweep
from collab.common.sweeps import SweepStopped, stop_on_sigterm
from collab.common.tasks import enqueue_on_commit

TASK = "backlog.timesheets.tasks.budget_alerts_sweep_task"


@shared_task(name=TASK)
def budget_alerts_sweep_task() -> dict[str, int]:
    """Bring budget periods up to date and send the 80 % and 100 % alerts now due, once each."""
    try:
        with stop_on_sigterm():
            result = budget_alerts_sweep()
    except SweepStopped:
        return {"materialised": 0, "sent": 0}
    if result.more:
        enqueue_on_commit(TASK)
    return {"materialised": result.materialised, "sent": result.sent}
