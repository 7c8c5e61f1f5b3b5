"""Enqueue background work after the transaction commits, never inside it.

Every piece of work enqueued here is also found by a periodic sweep, so a request never needs to
wait for the broker: a send that fails (after ``CELERY_TASK_PUBLISH_RETRY_POLICY``: two tries of
``REDIS_TIMEOUT_SECONDS``) leaves the work to the sweep, and for ``SKIP_SECONDS`` afterwards this
process does not try the broker at all, so a frozen Redis costs one request its timeout, not
every request.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

SKIP_SECONDS = 10.0
# monotonic() before which this process leaves work to the sweeps (set after a failed send).
_skip_until = 0.0


def _send(task_name: str, kwargs: dict[str, Any]) -> None:
    global _skip_until
    if time.monotonic() < _skip_until:
        logger.info("Broker skipped after a failure: %s(%s) left for the sweep", task_name, kwargs)
        return
    try:
        current_app.send_task(task_name, kwargs=kwargs)
    except OperationalError:
        _skip_until = time.monotonic() + SKIP_SECONDS
        # The broker is down: the row that asked for this work stays pending and the periodic
        # sweep of its app picks it up once the broker is back.
        logger.warning("Broker unreachable: %s(%s) left for the periodic sweep", task_name, kwargs)


def enqueue_on_commit(task_name: str, **kwargs: Any) -> None:
    """Send a task by name once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: _send(task_name, kwargs))
