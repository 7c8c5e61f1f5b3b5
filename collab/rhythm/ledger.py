"""Exactly-once delivery from ledger rows (reminders, meeting notices, digests, webhooks).

Each row has its own state: ``pending`` → ``claimed`` → ``sent`` (or ``skipped``, or back to
``pending`` with a backoff after a failure, ``failed`` after ``MAX_ATTEMPTS``).

- *Claim.* A short transaction takes up to ``chunk_size()`` due rows with ``SELECT … FOR UPDATE
  SKIP LOCKED`` (pending rows whose time has come, and claimed rows older than the claim timeout:
  their worker died) and stamps them ``claimed`` with a fresh claim token, guarded by the state.
  A second worker, a retried task or a second beat never finds the same row pending: claims, not
  beats, decide who sends what.
- *Send, then mark, a few at a time.* A chunk's messages leave on one SMTP connection; those
  the server accepted are marked ``sent`` ``LEDGER_MARK_EVERY`` at a time
  (``collab.rhythm.sending``), each time in one statement or transaction with whatever goes with
  them (a reminder's in-app notice), and only the rows that still carry our token. The email and
  its in-app notice therefore exist together or not at all.
- *Stop cleanly.* A sweep that stops early (time budget, soft time limit, SIGTERM from Celery
  after a broker loss, an error) marks what was accepted and gives its claimed but unsent rows
  back at once (``release_unsent``); only a killed process leaves claims behind, taken over
  after the claim timeout.

The one duplicate left is a kill between the mail server's acceptance of a message and the
commit of its mark: at most ``LEDGER_MARK_EVERY`` messages per killed process are sent again
after the claim timeout, with the same ``Message-ID``, which mail clients collapse.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Q

from collab.rhythm.models import DeliveryState

MAX_ATTEMPTS = 8


def chunk_size() -> int:
    """How many rows one claim takes (``LEDGER_CHUNK_SIZE``)."""
    return int(getattr(settings, "LEDGER_CHUNK_SIZE", 50))


def claim_timeout() -> dt.timedelta:
    """How old a claim must be before another worker takes it over (its worker died)."""
    return dt.timedelta(seconds=float(getattr(settings, "LEDGER_CLAIM_TIMEOUT_SECONDS", 300)))


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, … minutes after each failure, at most an hour."""
    return dt.timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def claim(
    model: type[models.Model],
    *,
    now: dt.datetime,
    limit: int | None = None,
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
        state=claimed, claimed_at__lt=now - claim_timeout()
    )
    with transaction.atomic():
        ids = list(
            model.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(due, scope or Q())
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[: limit or chunk_size()]
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


def mark_sent_returning(
    model: type[models.Model], *, token: str, ids: list[int], now: dt.datetime
) -> list[int]:
    """Mark our claimed rows sent in one statement; returns those that were still ours (the
    caller writes what goes with them in the same transaction)."""
    table = connection.ops.quote_name(model._meta.db_table)
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET state = %s, sent_at = %s "  # noqa: S608 - our table, bound values
            f"WHERE id IN ({placeholders}) AND state = %s AND claim_token = %s RETURNING id",
            [DeliveryState.SENT, now, *ids, DeliveryState.CLAIMED, token],
        )
        return [row[0] for row in cursor.fetchall()]


def release_unsent(
    model: type[models.Model],
    *,
    token: str,
    ids: Iterable[int],
    claimed: str = DeliveryState.CLAIMED,
    pending: str = DeliveryState.PENDING,
) -> int:
    """Give back the rows of our claim that were neither sent, skipped nor released after a
    failure (the sweep stopped early): pending again at once, no attempt counted."""
    return model.objects.filter(pk__in=list(ids), state=claimed, claim_token=token).update(
        state=pending, claim_token="", claimed_at=None
    )


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
