"""The webhooks in the Django admin: shown read-only (never the secret), enabled, disabled and
pinged, and failed deliveries sent again, through the services and their refusals."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from collab.models import User
from collab.webhooks.models import Webhook, WebhookDelivery
from collab.webhooks.services import webhook_event_emit

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:collab_webhook_changelist"
DELIVERIES = "admin:collab_webhookdelivery_changelist"


def act(client, route, action, objects):
    return client.post(
        reverse(route), {"action": action, "_selected_action": [obj.pk for obj in objects]}
    )


def told(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def auto_disabled(make_webhook):
    webhook = make_webhook(description="ERP")
    Webhook.objects.filter(pk=webhook.pk).update(
        is_active=False, consecutive_failures=7, auto_disabled_at=timezone.now()
    )
    webhook.refresh_from_db()
    return webhook


def test_enabling_an_auto_disabled_webhook_resets_its_failures_and_wakes_the_sweep(
    superuser_client, auto_disabled, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = act(superuser_client, CHANGELIST, "enable", [auto_disabled])

    assert response.status_code == 302
    auto_disabled.refresh_from_db()
    assert (
        auto_disabled.is_active,
        auto_disabled.consecutive_failures,
        auto_disabled.auto_disabled_at,
    ) == (True, 0, None)
    assert len(callbacks) == 1
    assert told(response) == ["1 webhook enabled."]


def test_disabling_keeps_the_webhook_and_its_log(superuser_client, make_webhook):
    webhook = make_webhook()

    response = act(superuser_client, CHANGELIST, "disable", [webhook])

    webhook.refresh_from_db()
    assert (webhook.is_active, webhook.auto_disabled_at) == (False, None)
    assert told(response) == ["1 webhook disabled."]


def test_a_ping_is_refused_for_a_disabled_webhook_and_sent_to_an_active_one(
    superuser_client, auto_disabled, make_webhook
):
    active = make_webhook(description="BI")

    response = act(superuser_client, CHANGELIST, "ping", [auto_disabled, active])

    assert list(WebhookDelivery.objects.values_list("webhook_id", "event", "state")) == [
        (active.pk, "ping", "pending")
    ]
    assert told(response) == [
        "1 ping on its way.",
        "Refused for 1 of the selection: This webhook is disabled: enable it first.",
    ]


def test_only_failed_deliveries_are_sent_again(superuser_client, make_webhook, engagement):
    webhook = make_webhook(events=["ticket.created"])
    webhook_event_emit(engagement=engagement, event="ticket.created", data={"n": 1})
    webhook_event_emit(engagement=engagement, event="ticket.created", data={"n": 2})
    failed, succeeded = WebhookDelivery.objects.filter(webhook=webhook).order_by("pk")
    WebhookDelivery.objects.filter(pk=failed.pk).update(state="failed", attempts=6)
    WebhookDelivery.objects.filter(pk=succeeded.pk).update(
        state="succeeded", attempts=1, delivered_at=timezone.now()
    )

    response = act(superuser_client, DELIVERIES, "redeliver", [failed, succeeded])

    assert dict(WebhookDelivery.objects.values_list("pk", "state")) == {
        failed.pk: "pending",
        succeeded.pk: "succeeded",
    }
    failed.refresh_from_db()
    assert failed.attempts == 0
    assert told(response) == [
        "1 delivery sent again.",
        "Refused for 1 of the selection: Only a failed delivery is sent again.",
    ]


def test_staff_who_may_only_view_webhooks_cannot_enable_one(client, auto_disabled):
    viewer = User.objects.create_user(email="viewer@atelier.example", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_webhook"))
    client.force_login(viewer)

    page = client.get(reverse(CHANGELIST))
    response = act(client, CHANGELIST, "enable", [auto_disabled])

    assert page.status_code == 200
    assert 'value="enable"' not in page.content.decode()
    auto_disabled.refresh_from_db()
    assert (auto_disabled.is_active, auto_disabled.consecutive_failures) == (False, 7)
    assert response.status_code == 200


def test_the_delivery_log_link_lists_the_webhooks_deliveries(
    superuser_client, make_webhook, engagement
):
    webhook = make_webhook(events=["ticket.created"])
    other = make_webhook(events=["ticket.created"], path="/other")
    webhook_event_emit(engagement=engagement, event="ticket.created", data={"n": 1})

    page = superuser_client.get(reverse("admin:collab_webhook_change", args=[webhook.pk]))
    log = superuser_client.get(reverse(DELIVERIES), {"webhook__id__exact": webhook.pk})

    assert f"{reverse(DELIVERIES)}?webhook__id__exact={webhook.pk}" in page.content.decode()
    assert [delivery.webhook_id for delivery in log.context["cl"].result_list] == [webhook.pk]
    assert WebhookDelivery.objects.filter(webhook=other).count() == 1
