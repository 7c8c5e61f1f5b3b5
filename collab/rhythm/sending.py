"""Sending claimed ledger rows: one SMTP connection per chunk, accepted messages marked sent a
few at a time, each time in one transaction (see ``collab.rhythm.ledger``)."""

from __future__ import annotations

import contextlib
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import models
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


# Marks accepted rows of our claim sent, together with whatever must exist exactly when their
# emails do (a reminder's in-app notice), all or nothing.
Mark = Callable[[str, list[int]], None]


def plain_mark(model: type[models.Model]) -> Mark:
    """Marking with nothing else to write: one UPDATE, its own transaction."""

    def mark(token: str, pks: list[int]) -> None:
        ledger.mark_sent_returning(model, token=token, ids=pks, now=timezone.now())

    return mark


def mark_every() -> int:
    """How many accepted messages are marked sent together (``LEDGER_MARK_EVERY``): the most a
    killed worker can send twice."""
    return max(1, int(getattr(settings, "LEDGER_MARK_EVERY", 10)))


def send_chunk(
    model: type[models.Model],
    token: str,
    prepared: list[tuple[int, EmailMessage]],
    mark: Mark | None = None,
) -> tuple[int, int]:
    """Send each message on one connection. Accepted ones are marked sent ``mark_every()`` at a
    time by ``mark`` (and whatever was accepted
    is marked before this returns or raises); a refused one is released for a later retry.
    Returns (sent, failed)."""
    connection = mailers["default"]
    sent = failed = 0
    accepted: list[int] = []
    every = mark_every()
    mark = mark or plain_mark(model)
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
            if delivered:
                accepted.append(pk)
                sent += 1
                if len(accepted) >= every:
                    mark(token, accepted)
                    accepted = []
            else:
                failed += 1
                logger.warning("%s %s not sent (%s): retried later", model.__name__, pk, reason)
                ledger.release(model, token=token, pk=pk, now=timezone.now(), error=reason)
    finally:
        if accepted:
            mark(token, accepted)
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
