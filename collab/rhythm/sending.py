"""Sending claimed ledger rows: one SMTP connection per chunk, each row marked sent in its own
transaction the moment the server accepts its message (see ``collab.rhythm.ledger``)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.mail import EmailMessage, mailers
from django.db import models, transaction
from django.utils import timezone

from collab.common.sweeps import Budget
from collab.rhythm import ledger

logger = logging.getLogger(__name__)

SEND_ERRORS = (smtplib.SMTPException, OSError)


@dataclass(frozen=True)
class SweepResult:
    materialised: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    # The sweep's budget ran out with rows still due: its task chains another run.
    more: bool = False

    @property
    def handled(self) -> int:
        return self.sent + self.skipped + self.failed

    def __add__(self, other: SweepResult) -> SweepResult:
        return SweepResult(
            materialised=self.materialised + other.materialised,
            sent=self.sent + other.sent,
            skipped=self.skipped + other.skipped,
            failed=self.failed + other.failed,
            more=self.more or other.more,
        )


# Called inside the transaction that marks a row sent, only when the row was still ours: the
# writes that must exist exactly when the email does (a reminder's in-app notice).
OnSent = Callable[[int, dt.datetime], None]


def _nothing(pk: int, now: dt.datetime) -> None:
    return None


def send_chunk(
    model: type[models.Model],
    token: str,
    prepared: list[tuple[int, EmailMessage]],
    on_sent: OnSent = _nothing,
) -> tuple[int, int]:
    """Send each message on one connection; an accepted one is marked sent at once (with its
    ``on_sent`` writes, in one transaction), a refused one is released for a later retry.
    Returns (sent, failed)."""
    connection = mailers["default"]
    sent = failed = 0
    # A failed open is not fatal: each send below opens again and records its own failure.
    with contextlib.suppress(*SEND_ERRORS):
        connection.open()
    try:
        for pk, message in prepared:
            try:
                delivered = connection.send_messages([message])
            except SEND_ERRORS as error:
                delivered, reason = 0, repr(error)
            else:
                reason = "not accepted by the mail server"
            now = timezone.now()
            if delivered:
                with transaction.atomic():
                    if ledger.mark_one_sent(model, token=token, pk=pk, now=now):
                        on_sent(pk, now)
                sent += 1
            else:
                failed += 1
                logger.warning("%s %s not sent (%s): retried later", model.__name__, pk, reason)
                ledger.release(model, token=token, pk=pk, now=now, error=reason)
    finally:
        with contextlib.suppress(*SEND_ERRORS):
            connection.close()
    return sent, failed


def drain(send: Callable[[], SweepResult], budget: Budget) -> SweepResult:
    """Run ``send`` (one chunk) until nothing is due or the budget is spent; ``more`` tells
    whether rows were left for the next run."""
    total = SweepResult()
    while True:
        if budget.spent:
            return total + SweepResult(more=True)
        result = send()
        total += result
        if result.handled == 0:
            return total
