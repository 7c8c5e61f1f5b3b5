"""Celery entry points of the rhythm: thin, idempotent, working from the database.

No task carries an ``eta`` or a ``countdown``: messages only say "look at the ledger", and the
beat schedule (``CELERY_BEAT_SCHEDULE``) runs the sweeps. Registered through ``collab.tasks``.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from collab.rhythm import backlog_bridge
from collab.rhythm.digest import digests_sweep
from collab.rhythm.models import Meeting
from collab.rhythm.reminders import notices_send, reminders_sweep

AGENDA_LEAD_TIME = dt.timedelta(hours=24)


@shared_task(name="collab.rhythm.tasks.reminders_sweep_task")
def reminders_sweep_task() -> dict[str, int]:
    """Write the reminders now due and deliver every due reminder and notice once."""
    result = reminders_sweep()
    return {"materialised": result.materialised, "sent": result.sent, "skipped": result.skipped}


@shared_task(name="collab.rhythm.tasks.notices_send_task")
def notices_send_task() -> int:
    """Send pending meeting notices now (the every-minute sweep sends them too)."""
    return notices_send(now=timezone.now()).sent


@shared_task(name="collab.rhythm.tasks.digests_sweep_task")
def digests_sweep_task() -> int:
    """Send the daily digests whose 08:00 has come in their reader's zone."""
    return digests_sweep(tickets_waiting=backlog_bridge.tickets_waiting_for).sent


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
