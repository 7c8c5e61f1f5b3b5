"""Enqueue background work after the transaction commits, never inside it."""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def _send(task_name: str, kwargs: dict[str, Any]) -> None:
    try:
        current_app.send_task(task_name, kwargs=kwargs)
    except OperationalError:
        # The broker is down: the row that asked for this work stays pending and the periodic
        # sweep of its app picks it up once the broker is back.
        logger.warning("Broker unreachable: %s(%s) left for the periodic sweep", task_name, kwargs)


def enqueue_on_commit(task_name: str, **kwargs: Any) -> None:
    """Send a task by name once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: _send(task_name, kwargs))
