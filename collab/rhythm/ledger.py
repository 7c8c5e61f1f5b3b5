"""Exactly-once delivery from ledger rows (reminders, meeting notices, digests).

A row is *claimed* in a short transaction: ``SELECT … FOR UPDATE SKIP LOCKED`` over pending
rows that are due (and claimed rows older than ``CLAIM_TIMEOUT``: their worker crashed), then
an update to ``claimed`` with a fresh claim token, guarded by the state. The email leaves after
that commit, and the row becomes ``sent`` only if it still carries our claim token. A second
worker, a retried task or a second beat therefore never finds the same row pending. The one
window left is a crash between the SMTP answer and the update: the row is claimed again after
the timeout and sent a second time with the same ``Message-ID``, which mail clients collapse.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.db import models, transaction
from django.db.models import Q

from collab.rhythm.models import DeliveryState

CLAIM_TIMEOUT = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 8
BATCH_SIZE = 500


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, … minutes after each failure, at most an hour."""
    return dt.timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def claim(
    model: type[models.Model],
    *,
    now: dt.datetime,
    limit: int = BATCH_SIZE,
    pending: str = DeliveryState.PENDING,
    claimed: str = DeliveryState.CLAIMED,
    scope: Q | None = None,
) -> tuple[str, list[int]]:
    """Claim up to ``limit`` due rows of a ledger for this worker; returns the claim token and
    the claimed ids. Another ledger (the webhooks') names its own ``pending`` and ``claimed``
    states and may narrow the rows with ``scope``, which may follow a relation: only the
    ledger's own rows are locked."""
    token = uuid.uuid4().hex
    due = Q(state=pending, next_attempt_at__lte=now) | Q(
        state=claimed, claimed_at__lt=now - CLAIM_TIMEOUT
    )
    with transaction.atomic():
        ids = list(
            model.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(due, scope or Q())
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            model.objects.filter(due, pk__in=ids).update(
                state=claimed, claimed_at=now, claim_token=token
            )
    return token, ids


def mark_sent(
    model: type[models.Model], *, token: str, ids: Iterable[int], now: dt.datetime
) -> int:
    """Our claimed rows become sent (a row re-claimed by someone else after a timeout is not
    ours any more)."""
    return model.objects.filter(
        pk__in=list(ids), state=DeliveryState.CLAIMED, claim_token=token
    ).update(state=DeliveryState.SENT, sent_at=now)


def mark_skipped(model: type[models.Model], *, token: str, ids: Iterable[int], note: str) -> int:
    """Our claimed rows that must not be sent (the meeting started, was cancelled, …)."""
    return model.objects.filter(
        pk__in=list(ids), state=DeliveryState.CLAIMED, claim_token=token
    ).update(state=DeliveryState.SKIPPED, note=note[:200])


def release(
    model: type[models.Model], *, token: str, pk: int, now: dt.datetime, error: str
) -> None:
    """A send failed: give the row back with one more attempt and a backoff, or give up after
    ``MAX_ATTEMPTS``."""
    row = model.objects.filter(pk=pk, state=DeliveryState.CLAIMED, claim_token=token).first()
    if row is None:
        return
    attempts = row.attempts + 1
    model.objects.filter(pk=pk, state=DeliveryState.CLAIMED, claim_token=token).update(
        state=DeliveryState.FAILED if attempts >= MAX_ATTEMPTS else DeliveryState.PENDING,
        attempts=attempts,
        next_attempt_at=now + backoff(attempts),
        claim_token="",
        note=error[:200],
    )
