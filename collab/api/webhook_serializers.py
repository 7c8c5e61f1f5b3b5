"""Input and output serializers of the webhooks API.

Input serializers only parse; the services check the rules (known events, at least one, an
allowed target) and their ``ValidationError`` becomes a problem document with the same field
names. The secret is in the output only of the answers that create it (creation, rotation).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from collab.api.serializers import RefuseUnchangeableFields, StrictInputSerializer
from collab.webhooks.models import (
    SUBSCRIBABLE_EVENTS,
    WebhookDeliveryState,
    WebhookEvent,
)

EVENTS_HELP = _("Events to receive, among: %(events)s.") % {
    "events": ", ".join(str(event) for event in SUBSCRIBABLE_EVENTS)
}


class WebhookCreateInputSerializer(StrictInputSerializer):
    target_url = serializers.CharField(
        max_length=500, help_text=_("An https:// address that accepts POST requests.")
    )
    description = serializers.CharField(max_length=200, allow_blank=True, default="")
    events = serializers.ListField(
        child=serializers.CharField(max_length=40), allow_empty=True, help_text=EVENTS_HELP
    )


class WebhookUpdateInputSerializer(RefuseUnchangeableFields):
    unchangeable_fields = ("secret", "consecutive_failures", "created_at")

    target_url = serializers.CharField(max_length=500, required=False)
    description = serializers.CharField(max_length=200, allow_blank=True, required=False)
    events = serializers.ListField(
        child=serializers.CharField(max_length=40),
        allow_empty=True,
        required=False,
        help_text=EVENTS_HELP,
    )
    is_active = serializers.BooleanField(
        required=False,
        help_text=_("Enable (true) or disable (false); enabling resets the failure count."),
    )


class LastDeliveryOutputSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=WebhookDeliveryState.choices)
    created_at = serializers.DateTimeField()
    response_status = serializers.IntegerField(allow_null=True)


class WebhookOutputSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField(help_text=_("This webhook in the API."))
    deliveries_url = serializers.SerializerMethodField()
    id = serializers.IntegerField()
    target_url = serializers.CharField()
    description = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    is_active = serializers.BooleanField()
    consecutive_failures = serializers.IntegerField(
        help_text=_("Failed deliveries in a row; the webhook is disabled at 10.")
    )
    auto_disabled_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    created_by = serializers.StringRelatedField(allow_null=True)
    last_delivery = serializers.SerializerMethodField()

    def _reverse(self, name: str, webhook) -> str:
        return reverse(
            name,
            kwargs={"slug": self.context["engagement"].slug, "pk": webhook.pk},
            request=self.context.get("request"),
        )

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, webhook) -> str:
        return self._reverse("api-webhook-detail", webhook)

    @extend_schema_field(OpenApiTypes.URI)
    def get_deliveries_url(self, webhook) -> str:
        return self._reverse("api-webhook-deliveries", webhook)

    @extend_schema_field(LastDeliveryOutputSerializer(allow_null=True))
    def get_last_delivery(self, webhook) -> dict | None:
        if getattr(webhook, "last_delivery_at", None) is None:
            return None
        return {
            "state": webhook.last_delivery_state,
            "created_at": webhook.last_delivery_at,
            "response_status": webhook.last_delivery_status,
        }


class WebhookWithSecretOutputSerializer(WebhookOutputSerializer):
    secret = serializers.CharField(
        help_text=_("The signing secret, in this answer only: keep it to verify Tandem-Signature.")
    )


class WebhookDeliveryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event = serializers.ChoiceField(choices=WebhookEvent.choices)
    event_id = serializers.UUIDField(
        help_text=_("The Tandem-Delivery header, the same at every attempt.")
    )
    state = serializers.ChoiceField(choices=WebhookDeliveryState.choices)
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(
        allow_null=True, help_text=_("When a pending delivery is tried next.")
    )
    response_status = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()
    duration_ms = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    payload = serializers.JSONField(help_text=_("The body sent, as JSON."))

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.state != WebhookDeliveryState.PENDING:
            data["next_attempt_at"] = None
        return data
