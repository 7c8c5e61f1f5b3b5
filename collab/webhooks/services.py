"""Every write of the webhooks: subscriptions, their secret, and the outbox of events.

Events are written as delivery rows *in the caller's transaction* (the outbox pattern): a change
that rolls back leaves no delivery behind, and one that commits always has its deliveries, which
the sweep (``collab.webhooks.delivery``) sends once the worker is asked to, after the commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.common.tasks import enqueue_on_commit
from collab.models import Engagement, User
from collab.webhooks.models import (
    SUBSCRIBABLE_EVENTS,
    Webhook,
    WebhookDelivery,
    WebhookDeliveryState,
    WebhookEvent,
    new_webhook_secret,
)
from collab.webhooks.safety import TargetRefused, target_check

SEND_TASK = "collab.webhooks.tasks.webhook_deliveries_send_task"
EDITABLE_FIELDS = ("target_url", "description", "events")
BULK_BATCH_SIZE = 1000


def webhook_events_clean(events: Any) -> list[str]:
    """The subscribed events, in the catalogue's order: a non-empty list of known events."""
    if not isinstance(events, list | tuple) or not events:
        raise ValidationError({"events": _("Choose at least one event.")})
    unknown = [str(event) for event in events if event not in SUBSCRIBABLE_EVENTS]
    if unknown:
        raise ValidationError(
            {
                "events": _("Unknown event: %(events)s. Choose among %(known)s.")
                % {
                    "events": ", ".join(unknown),
                    "known": ", ".join(str(event) for event in SUBSCRIBABLE_EVENTS),
                }
            }
        )
    return [str(event) for event in SUBSCRIBABLE_EVENTS if event in events]


def _validate(webhook: Webhook) -> None:
    """Every field error at once: the events, the model's fields, then the private-target
    rule on an address that is otherwise valid (the database constraints stand behind)."""
    errors: dict[str, list[str]] = {}
    try:
        webhook.events = webhook_events_clean(webhook.events)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        webhook.full_clean(
            exclude=["engagement", "created_by", "events"], validate_constraints=False
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    if "target_url" not in errors:
        try:
            target_check(webhook.target_url)
        except TargetRefused as refusal:
            errors["target_url"] = [str(refusal)]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def webhook_create(
    *,
    engagement: Engagement,
    created_by: User | None,
    target_url: str,
    events: Sequence[str],
    description: str = "",
) -> Webhook:
    """Subscribe an address to events of the engagement, with a new secret (the caller shows
    it once); the address must be allowed by the private-target rule."""
    webhook = Webhook(
        engagement=engagement,
        created_by=created_by,
        target_url=target_url.strip(),
        description=description.strip(),
        events=list(events),
    )
    _validate(webhook)
    webhook.save()
    return webhook


@transaction.atomic
def webhook_update(*, webhook: Webhook, data: dict[str, Any]) -> Webhook:
    """Change the address, description or events, under the same rules as a creation; nothing
    is saved when a field is refused."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    locked = Webhook.objects.select_for_update().get(pk=webhook.pk)
    for field, value in data.items():
        setattr(locked, field, value.strip() if isinstance(value, str) else value)
    _validate(locked)
    locked.save(update_fields=[*data.keys()])
    return locked


@transaction.atomic
def webhook_set_active(*, webhook: Webhook, active: bool) -> Webhook:
    """Enable or disable a webhook. Enabling starts the failure count afresh; while disabled,
    no event is written for it and its pending deliveries wait."""
    locked = Webhook.objects.select_for_update().get(pk=webhook.pk)
    locked.is_active = active
    locked.auto_disabled_at = None
    if active:
        locked.consecutive_failures = 0
    locked.save(update_fields=["is_active", "auto_disabled_at", "consecutive_failures"])
    if active:
        enqueue_on_commit(SEND_TASK)
    return locked


@transaction.atomic
def webhook_secret_rotate(*, webhook: Webhook) -> Webhook:
    """A new secret (the caller shows it once); every attempt from now on is signed with it,
    the pending ones included."""
    locked = Webhook.objects.select_for_update().get(pk=webhook.pk)
    locked.secret = new_webhook_secret()
    locked.save(update_fields=["secret"])
    return locked


@transaction.atomic
def webhook_delete(*, webhook: Webhook) -> None:
    """Delete the webhook and its delivery log; nothing more is sent to it."""
    Webhook.objects.filter(pk=webhook.pk).delete()


def _envelope(
    *, engagement: Engagement, event: str, event_id: uuid.UUID, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "id": str(event_id),
        "type": str(event),
        "created_at": timezone.now(),
        "engagement": {"slug": engagement.slug, "name": engagement.name},
        "data": data,
    }


def webhook_events_emit(
    *, engagement: Engagement, events: Iterable[tuple[str, dict[str, Any]]]
) -> int:
    """Write one delivery per event and active webhook subscribed to it, in the caller's
    transaction, in two queries whatever the number of events; the sweep is asked to run once
    that transaction commits. Returns the number of deliveries written."""
    webhooks = list(
        Webhook.objects.filter(engagement=engagement, is_active=True).only("pk", "events")
    )
    if not webhooks:
        return 0
    rows = []
    for event, data in events:
        WebhookEvent(event)
        event_id = uuid.uuid4()
        payload = _envelope(engagement=engagement, event=event, event_id=event_id, data=data)
        rows += [
            WebhookDelivery(
                engagement=engagement,
                webhook=webhook,
                event=event,
                event_id=event_id,
                payload=payload,
            )
            for webhook in webhooks
            if event in webhook.events
        ]
    WebhookDelivery.objects.bulk_create(rows, batch_size=BULK_BATCH_SIZE)
    if rows:
        enqueue_on_commit(SEND_TASK)
    return len(rows)


def webhook_event_emit(*, engagement: Engagement, event: str, data: dict[str, Any]) -> int:
    """Write the deliveries of one event (see ``webhook_events_emit``)."""
    return webhook_events_emit(engagement=engagement, events=[(event, data)])


def _require_active(webhook: Webhook) -> None:
    if not webhook.is_active:
        raise ValidationError(
            _("This webhook is disabled: enable it first."), code="webhook_disabled"
        )


@transaction.atomic
def webhook_ping(*, webhook: Webhook, actor: User | None = None) -> WebhookDelivery:
    """Send a ``ping`` event to this one webhook (whatever it subscribes to), to test it."""
    _require_active(webhook)
    event_id = uuid.uuid4()
    data = {"webhook_id": webhook.pk, "requested_by": str(actor) if actor else None}
    delivery = WebhookDelivery.objects.create(
        engagement_id=webhook.engagement_id,
        webhook=webhook,
        event=WebhookEvent.PING,
        event_id=event_id,
        payload=_envelope(
            engagement=webhook.engagement, event=WebhookEvent.PING, event_id=event_id, data=data
        ),
    )
    enqueue_on_commit(SEND_TASK)
    return delivery


@transaction.atomic
def webhook_delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a failed delivery again, now, with the same event id and body (the receiver can
    tell it already processed it) and a fresh retry schedule; only a failed delivery of an
    active webhook."""
    locked = (
        WebhookDelivery.objects.select_for_update().select_related("webhook").get(pk=delivery.pk)
    )
    _require_active(locked.webhook)
    if locked.state != WebhookDeliveryState.FAILED:
        raise ValidationError(
            _("Only a failed delivery is sent again."), code="webhook_delivery_not_failed"
        )
    locked.state = WebhookDeliveryState.PENDING
    locked.attempts = 0
    locked.next_attempt_at = timezone.now()
    locked.claimed_at = None
    locked.claim_token = ""
    locked.save(update_fields=["state", "attempts", "next_attempt_at", "claimed_at", "claim_token"])
    enqueue_on_commit(SEND_TASK)
    return locked
