"""Routes of the webhooks API, nested under their engagement."""

from django.urls import path

from collab.api import webhooks

WEBHOOK = "engagements/<slug:slug>/webhooks/<int:pk>/"

urlpatterns = [
    path(
        "engagements/<slug:slug>/webhooks/",
        webhooks.WebhookListApi.as_view(),
        name="api-webhook-list",
    ),
    path(WEBHOOK, webhooks.WebhookDetailApi.as_view(), name="api-webhook-detail"),
    path(
        f"{WEBHOOK}rotate-secret/",
        webhooks.WebhookSecretRotateApi.as_view(),
        name="api-webhook-rotate-secret",
    ),
    path(f"{WEBHOOK}ping/", webhooks.WebhookPingApi.as_view(), name="api-webhook-ping"),
    path(
        f"{WEBHOOK}deliveries/",
        webhooks.WebhookDeliveryListApi.as_view(),
        name="api-webhook-deliveries",
    ),
    path(
        f"{WEBHOOK}deliveries/<int:item_pk>/redeliver/",
        webhooks.WebhookDeliveryRedeliverApi.as_view(),
        name="api-webhook-delivery-redeliver",
    ),
]
