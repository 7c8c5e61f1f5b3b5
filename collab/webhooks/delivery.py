"""Sending the deliveries, exactly once each, from the ledger (the same claim as the rhythm's
reminders, ``collab.rhythm.ledger``).

A batch is *claimed* by ``ledger.claim`` in a short transaction: ``SELECT … FOR UPDATE SKIP
LOCKED`` over pending rows that are due (and ``sending`` rows claimed longer than
``ledger.CLAIM_TIMEOUT`` ago: their worker crashed), then an update to ``sending`` with a fresh
claim token, guarded by the state. The HTTP request leaves after that commit, and its outcome
is recorded only if the row still carries our token. Two sweeps, a retried task or a second
beat never send the same row twice; the one window left is a crash between the receiver's
answer and the update, after which the row is sent again with the same ``Tandem-Delivery`` id,
which receivers use to deduplicate.

Retries: a non-2xx answer or a network error is retried after 1 minute, 5 minutes, 30 minutes,
2 hours and 8 hours; then the delivery has failed. A target refused by the private-target rule
fails at once. After ``DISABLE_AFTER`` failed deliveries in a row, the webhook is disabled and
the engagement's agency admins are told in their inbox.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass

import httpx
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.common.sweeps import Budget
from collab.rhythm import ledger
from collab.rhythm.notify import notifications_write
from collab.webhooks.models import Webhook, WebhookDelivery, WebhookDeliveryState
from collab.webhooks.roles_bridge import agency_admins
from collab.webhooks.safety import TargetRefused, target_check, transport_for
from collab.webhooks.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)

logger = logging.getLogger(__name__)

RETRY_DELAYS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=8),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
DISABLE_AFTER = 10
REQUEST_TIMEOUT_SECONDS = 5.0
BATCH_SIZE = 10
ERROR_LENGTH = 500
USER_AGENT = "Tandem-Webhooks/1"

S = WebhookDeliveryState


@dataclass(frozen=True)
class Outcome:
    status: int | None
    error: str
    duration_ms: int | None
    permanent: bool = False

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class SendResult:
    succeeded: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.succeeded + self.retried + self.failed

    def __add__(self, other: SendResult) -> SendResult:
        return SendResult(
            succeeded=self.succeeded + other.succeeded,
            retried=self.retried + other.retried,
            failed=self.failed + other.failed,
        )


def deliveries_claim(*, now: dt.datetime, limit: int = BATCH_SIZE) -> tuple[str, list[int]]:
    """Claim up to ``limit`` due deliveries of active webhooks; returns the claim token and
    the claimed ids."""
    return ledger.claim(
        WebhookDelivery,
        now=now,
        limit=limit,
        pending=S.PENDING,
        claimed=S.SENDING,
        scope=Q(webhook__is_active=True),
    )


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The request body: the stored event, the same bytes at every attempt."""
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def _post(delivery: WebhookDelivery, now: dt.datetime) -> Outcome:
    webhook = delivery.webhook
    try:
        target = target_check(webhook.target_url)
    except TargetRefused as refusal:
        return Outcome(status=None, error=str(refusal), duration_ms=None, permanent=True)
    body = delivery_body(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.event_id),
        SIGNATURE_HEADER: signature_header(
            secret=webhook.secret, timestamp=int(now.timestamp()), body=body
        ),
    }
    started = time.perf_counter()
    try:
        with (
            httpx.Client(
                transport=transport_for(target),
                timeout=REQUEST_TIMEOUT_SECONDS,
                follow_redirects=False,
                trust_env=False,
            ) as client,
            # Streamed and never read: a receiver's answer body is of no use, whatever its size.
            client.stream("POST", target.url, content=body, headers=headers) as response,
        ):
            status = response.status_code
    except httpx.HTTPError as error:
        elapsed = round((time.perf_counter() - started) * 1000)
        return Outcome(status=None, error=f"{type(error).__name__}: {error}", duration_ms=elapsed)
    elapsed = round((time.perf_counter() - started) * 1000)
    if 200 <= status < 300:
        return Outcome(status=status, error="", duration_ms=elapsed)
    reason = httpx.codes.get_reason_phrase(status)
    error = f"HTTP {status} {reason}".strip()
    if 300 <= status < 400:
        error += " (redirects are not followed)"
    return Outcome(status=status, error=error, duration_ms=elapsed)


def _record(delivery: WebhookDelivery, token: str, outcome: Outcome, now: dt.datetime) -> str:
    """Write the attempt's outcome on our claimed row; returns the new state ('' when the row
    is no longer ours)."""
    attempts = delivery.attempts + 1
    fields = {
        "attempts": attempts,
        "response_status": outcome.status,
        "error": outcome.error[:ERROR_LENGTH],
        "duration_ms": outcome.duration_ms,
        "claim_token": "",
    }
    if outcome.ok:
        fields.update(state=S.SUCCEEDED, delivered_at=timezone.now())
    elif outcome.permanent or attempts >= MAX_ATTEMPTS:
        fields.update(state=S.FAILED)
    else:
        fields.update(state=S.PENDING, next_attempt_at=now + RETRY_DELAYS[attempts - 1])
    with transaction.atomic():
        mine = WebhookDelivery.objects.filter(pk=delivery.pk, state=S.SENDING, claim_token=token)
        if not mine.update(**fields):
            return ""
        hooks = Webhook.objects.filter(pk=delivery.webhook_id)
        if fields["state"] == S.SUCCEEDED:
            hooks.filter(consecutive_failures__gt=0).update(consecutive_failures=0)
        elif fields["state"] == S.FAILED:
            hooks.update(consecutive_failures=F("consecutive_failures") + 1)
            _disable_if_failing(delivery.webhook, now)
    return fields["state"]


def _disable_if_failing(webhook: Webhook, now: dt.datetime) -> None:
    disabled = Webhook.objects.filter(
        pk=webhook.pk, is_active=True, consecutive_failures__gte=DISABLE_AFTER
    ).update(is_active=False, auto_disabled_at=now)
    if not disabled:
        return
    logger.warning("Webhook %s disabled after %s failed deliveries", webhook.pk, DISABLE_AFTER)
    engagement = webhook.engagement
    url = reverse("webhooks:webhook-detail", args=[engagement.slug, webhook.pk])
    notifications_write(
        people=agency_admins(engagement_id=engagement.pk),
        engagement_id=engagement.pk,
        kind="webhook_disabled",
        compose=lambda: (
            _("Webhook disabled: %(url)s") % {"url": webhook.target_url},
            _(
                "%(count)d deliveries in a row failed, so Tandem stopped sending to it. "
                "Fix the receiver, then enable the webhook again."
            )
            % {"count": DISABLE_AFTER},
        ),
        url=url,
        now=now,
    )


def webhook_deliveries_send(
    *, now: dt.datetime | None = None, limit: int = BATCH_SIZE
) -> SendResult:
    """Claim a batch of due deliveries and send each once, recording every attempt."""
    now = now or timezone.now()
    token, ids = deliveries_claim(now=now, limit=limit)
    if not ids:
        return SendResult()
    deliveries = WebhookDelivery.objects.filter(pk__in=ids).select_related("webhook__engagement")
    counts = {S.SUCCEEDED: 0, S.PENDING: 0, S.FAILED: 0}
    try:
        for delivery in deliveries.order_by("next_attempt_at", "pk"):
            outcome = _post(delivery, now)
            state = _record(delivery, token, outcome, now)
            if state:
                counts[state] += 1
            if not outcome.ok:
                logger.info(
                    "Webhook delivery %s (%s) attempt %s: %s",
                    delivery.pk,
                    delivery.event,
                    delivery.attempts + 1,
                    outcome.error,
                )
    finally:
        # Stopped early (soft time limit, an error): what was not attempted is pending again.
        ledger.release_unsent(
            WebhookDelivery, token=token, ids=ids, claimed=S.SENDING, pending=S.PENDING
        )
    return SendResult(
        succeeded=counts[S.SUCCEEDED], retried=counts[S.PENDING], failed=counts[S.FAILED]
    )


def webhook_deliveries_sweep(
    *, now: dt.datetime | None = None, budget: Budget | None = None
) -> SendResult:
    """One run of the every-minute sweep: batch after batch until nothing is due, or until the
    time budget (``collab.common.sweeps``) is spent (the next run goes on)."""
    budget = budget or Budget()
    result = SendResult()
    while not budget.spent:
        batch = webhook_deliveries_send(now=now)
        result += batch
        if batch.total == 0:
            break
    return result
