"""Celery entry point of the webhooks: thin, idempotent, working from the database.

No task carries an ``eta`` or a ``countdown``: the message only says "look at the ledger"; the
beat (``CELERY_BEAT_SCHEDULE``) runs the sweep every minute, which also sends the retries whose
time has come. Registered through ``collab.tasks``.
"""

from __future__ import annotations

from celery import shared_task

from collab.common.sweeps import SweepStopped, stop_on_sigterm
from collab.webhooks.delivery import webhook_deliveries_sweep


@shared_task(name="collab.webhooks.tasks.webhook_deliveries_send_task")
def webhook_deliveries_send_task() -> dict[str, int]:
    """Send every delivery now due, once each."""
    try:
        with stop_on_sigterm():
            result = webhook_deliveries_sweep()
    except SweepStopped:
        # Cancelled (the broker went away): attempts were recorded, the rest is pending again.
        return {"succeeded": 0, "retried": 0, "failed": 0}
    return {"succeeded": result.succeeded, "retried": result.retried, "failed": result.failed}
