"""Webhooks of an engagement and the ledger of their deliveries (the outbox).

Registered in the ``collab`` app (``collab/models.py`` imports this module). Relations to other
collab models are named by string so that this module imports nothing from ``collab.models``.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["Webhook", "WebhookDelivery", "WebhookDeliveryState", "WebhookEvent"]

SECRET_PREFIX = "whsec_"  # noqa: S105 - a label before the random part, not a secret


def new_webhook_secret() -> str:
    """A fresh signing secret: 32 random bytes, URL-safe, with a recognisable prefix."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class WebhookEvent(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("A ticket is filed")
    TICKET_STATUS_CHANGED = "ticket.status_changed", _("A ticket changes status")
    REVIEW_SIGNED_OFF = "review.signed_off", _("A roadmap review is signed off")
    MEETING_HELD = "meeting.held", _("A meeting is marked held")
    TIME_WEEK_APPROVED = "time.week_approved", _("A person's week of time is approved")
    BUDGET_ALERT = "budget.alert", _("A budget period reaches an alert threshold")
    PING = "ping", _("Test ping")


# Events a webhook subscribes to; a ping is sent on request, to one webhook, whatever it chose.
SUBSCRIBABLE_EVENTS = tuple(event for event in WebhookEvent if event != WebhookEvent.PING)


class Webhook(models.Model):
    """An address of an integration that receives the engagement's events, signed with its
    secret (HMAC-SHA256). Disabled by hand, or automatically after too many failed deliveries
    in a row."""

    engagement = models.ForeignKey(
        "collab.Engagement", on_delete=models.CASCADE, related_name="webhooks"
    )
    target_url = models.URLField(_("target URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=100, default=new_webhook_secret)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    consecutive_failures = models.PositiveIntegerField(_("failed deliveries in a row"), default=0)
    auto_disabled_at = models.DateTimeField(_("disabled automatically"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_url__startswith="https://")
                | Q(target_url__startswith="http://"),
                name="webhook_url_http_scheme",
            ),
            models.CheckConstraint(
                condition=Q(secret__startswith=SECRET_PREFIX), name="webhook_secret_prefixed"
            ),
            models.CheckConstraint(
                condition=Q(auto_disabled_at__isnull=True) | Q(is_active=False),
                name="webhook_auto_disabled_is_inactive",
            ),
        ]
        indexes = [models.Index(fields=["engagement", "is_active"], name="webhook_engagement")]

    def __str__(self) -> str:
        return self.description or self.target_url

    @property
    def event_choices(self) -> list[tuple[str, str]]:
        """The subscribed events as (code, label): people read the label, integrations the code
        (the ``Tandem-Event`` header)."""
        labels = dict(WebhookEvent.choices)
        return [(code, labels.get(code, code)) for code in self.events]


class WebhookDeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one webhook: written in the transaction of the change it reports (the
    outbox), claimed and sent by the sweep, retried with backoff, kept as the delivery log."""

    engagement = models.ForeignKey("collab.Engagement", on_delete=models.CASCADE, related_name="+")
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=32, choices=WebhookEvent.choices)
    event_id = models.UUIDField(_("event id"))
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    state = models.CharField(
        _("state"),
        max_length=9,
        choices=WebhookDeliveryState.choices,
        default=WebhookDeliveryState.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    response_status = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "event_id"], name="webhook_delivery_once_per_event"
            ),
            models.CheckConstraint(
                condition=Q(state__in=WebhookDeliveryState.values),
                name="webhook_delivery_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(event__in=WebhookEvent.values), name="webhook_delivery_event_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state=WebhookDeliveryState.SUCCEEDED) | Q(delivered_at__isnull=False),
                name="webhook_delivery_succeeded_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state=WebhookDeliveryState.SENDING) | Q(claimed_at__isnull=False),
                name="webhook_delivery_sending_is_claimed",
            ),
        ]
        indexes = [
            # The sweep: due pending rows and stale claims.
            models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due"),
            # The delivery log of a webhook, newest first.
            models.Index(fields=["webhook", "-created_at"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id} → {self.webhook_id}: {self.state}"
