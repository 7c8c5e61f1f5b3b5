"""Celery entry points of the collaboration core."""

from celery import shared_task

from collab.rhythm import tasks as rhythm_tasks  # noqa: F401  (registers the rhythm's tasks)
from collab.services import idempotency_records_purge
from collab.webhooks import tasks as webhook_tasks  # noqa: F401  (registers the webhooks' task)


@shared_task(name="collab.tasks.ping_task")
def ping_task() -> str:
    """Answer "pong": proves that a worker consumes from the broker."""
    return "pong"


@shared_task(name="collab.tasks.idempotency_purge_task")
def idempotency_purge_task() -> int:
    """Forget Idempotency-Key answers older than 24 hours (running it twice changes nothing)."""
    return idempotency_records_purge()
