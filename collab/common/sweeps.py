"""The time budget every periodic sweep runs under.

A sweep works chunk by chunk from the database (claimed rows, ``SKIP LOCKED``) and checks its
budget before claiming the next chunk: it stops well before Celery's soft time limit, so that the
limit never cuts a chunk half-way, and leaves every row it did not claim to the next run (the
beat's, or the one the task chains when work is left). A chunk in hand is always finished.

A sweep also stops cleanly when its pool process gets SIGTERM (Celery cancels the tasks it can no
longer acknowledge after losing the broker): ``stop_on_sigterm`` turns the signal into
``SweepStopped``, so that the ledger marks what was sent and gives back what was not.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType

from django.conf import settings

# The default when SWEEP_BUDGET_SECONDS is not set: half of the soft limit, at most a minute.
DEFAULT_BUDGET_SECONDS = 60.0


def sweep_budget_seconds() -> float:
    """The configured budget, never more than half of the tasks' soft time limit."""
    soft_limit = float(getattr(settings, "CELERY_TASK_SOFT_TIME_LIMIT", 120))
    configured = float(getattr(settings, "SWEEP_BUDGET_SECONDS", DEFAULT_BUDGET_SECONDS))
    return min(configured, soft_limit / 2)


@dataclass
class Budget:
    """Seconds a sweep may spend, counted on the monotonic clock from its creation."""

    seconds: float = field(default_factory=sweep_budget_seconds)
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def spent(self) -> bool:
        """True once the budget is used up: claim nothing more."""
        return self.elapsed >= self.seconds


class SweepStopped(Exception):
    """The sweep's process was asked to stop (SIGTERM) while it ran."""


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SweepStopped


@contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """Within the block, SIGTERM raises ``SweepStopped`` (its ``finally`` clauses run) instead
    of ending the process at once; outside the main thread nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
