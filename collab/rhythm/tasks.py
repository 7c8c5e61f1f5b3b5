"""Celery entry points of the rhythm: thin, idempotent, working from the database.

No task carries an ``eta`` or a ``countdown``: messages only say "look at the ledger", and the
beat schedule (``CELERY_BEAT_SCHEDULE``) runs the sweeps. A sweep whose time budget ran out with
rows still due sends itself again at once (a chained run: claims, not messages, decide what is
sent, so an extra run changes nothing). Registered through ``collab.tasks``.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from collab.common.sweeps import SweepStopped, stop_on_sigterm
from collab.common.tasks import enqueue_on_commit
from collab.rhythm import backlog_bridge
from collab.rhythm.digest import digests_sweep
from collab.rhythm.models import Meeting
from collab.rhythm.reminders import notices_sweep, reminders_sweep

AGENDA_LEAD_TIME = dt.timedelta(hours=24)


@shared_task(name="collab.rhythm.tasks.reminders_sweep_task")
def reminders_sweep_task() -> dict[str, int]:
    """Write the reminders now due and deliver every due reminder and notice once."""
    try:
        with stop_on_sigterm():
            result = reminders_sweep()
    except SweepStopped:
        # Cancelled (the broker went away): the ledger is consistent, the next run goes on.
        return {"materialised": 0, "sent": 0, "skipped": 0}
    if result.more:
        enqueue_on_commit("collab.rhythm.tasks.reminders_sweep_task")
    return {"materialised": result.materialised, "sent": result.sent, "skipped": result.skipped}


@shared_task(name="collab.rhythm.tasks.notices_send_task")
def notices_send_task() -> int:
    """Send pending meeting notices now (the every-minute sweep sends them too)."""
    try:
        with stop_on_sigterm():
            result = notices_sweep()
    except SweepStopped:
        return 0
    if result.more:
        enqueue_on_commit("collab.rhythm.tasks.notices_send_task")
    return result.sent


@shared_task(name="collab.rhythm.tasks.digests_sweep_task")
def digests_sweep_task() -> int:
    """Send the daily digests whose 08:00 has come in their reader's zone."""
    try:
        with stop_on_sigterm():
            result = digests_sweep(tickets_waiting=backlog_bridge.tickets_waiting_for)
    except SweepStopped:
        return 0
    if result.more:
        enqueue_on_commit("collab.rhythm.tasks.digests_sweep_task")
    return result.sent


@shared_task(name="collab.rhythm.tasks.agenda_prepare_task")
def agenda_prepare_task() -> int:
    """Prepare the agenda of each weekly sync starting within a day that has none yet."""
    now = timezone.now()
    meetings = Meeting.objects.filter(
        kind=Meeting.Kind.WEEKLY_SYNC,
        status=Meeting.Status.SCHEDULED,
        agenda_built_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + AGENDA_LEAD_TIME,
    ).select_related("engagement")
    prepared = 0
    for meeting in meetings:
        backlog_bridge.agenda_prepare(meeting=meeting, now=now)
        prepared += 1
    return prepared
