"""Every read of the webhooks: an engagement's webhooks with their latest delivery, one
webhook, and its delivery log."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from collab.models import Engagement
from collab.webhooks.models import Webhook, WebhookDelivery


def webhook_list(*, engagement: Engagement) -> QuerySet[Webhook]:
    """The engagement's webhooks, newest first, each with the state and time of its latest
    delivery (annotated: one query whatever their number)."""
    latest = WebhookDelivery.objects.filter(webhook=OuterRef("pk")).order_by("-created_at", "-pk")
    return (
        Webhook.objects.filter(engagement=engagement)
        .select_related("created_by")
        .annotate(
            last_delivery_state=Subquery(latest.values("state")[:1]),
            last_delivery_at=Subquery(latest.values("created_at")[:1]),
            last_delivery_status=Subquery(latest.values("response_status")[:1]),
        )
        .order_by("-created_at", "-pk")
    )


def webhook_get(*, engagement: Engagement, pk: int) -> Webhook | None:
    """One webhook of the engagement (``None`` for another engagement's)."""
    return webhook_list(engagement=engagement).filter(pk=pk).first()


def webhook_delivery_list(*, webhook: Webhook) -> QuerySet[WebhookDelivery]:
    """The webhook's delivery log, newest first."""
    return WebhookDelivery.objects.filter(
        engagement_id=webhook.engagement_id, webhook=webhook
    ).order_by("-created_at", "-pk")


def webhook_delivery_get(*, webhook: Webhook, pk: int) -> WebhookDelivery | None:
    """One delivery of the webhook (``None`` for another webhook's)."""
    return webhook_delivery_list(webhook=webhook).filter(pk=pk).first()
