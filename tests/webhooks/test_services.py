"""Subscribing, validating, the private-target rule at creation, secrets, ping, redelivery."""

import socket

import pytest
from django.core.exceptions import ValidationError

from collab.webhooks.models import Webhook, WebhookDelivery
from collab.webhooks.services import (
    webhook_create,
    webhook_delivery_redeliver,
    webhook_ping,
    webhook_secret_rotate,
    webhook_set_active,
    webhook_update,
)

PUBLIC = "https://93.184.215.14/hooks/tandem"
PUBLIC_RULE = (
    "resolves to a private, loopback, link-local or reserved address ({address}): webhooks "
    "are sent to public addresses only."
)


def _create(engagement, admin_user, **fields):
    return webhook_create(
        engagement=engagement,
        created_by=admin_user,
        **{"target_url": PUBLIC, "events": ["ticket.created"], **fields},
    )


def _refusal(engagement, admin_user, **fields) -> dict:
    with pytest.raises(ValidationError) as refused:
        _create(engagement, admin_user, **fields)
    return refused.value.message_dict


@pytest.mark.django_db
def test_a_webhook_to_a_public_https_address_is_created_with_a_fresh_secret(engagement, admin_user):
    first = _create(engagement, admin_user, events=["meeting.held", "ticket.created"])
    second = _create(engagement, admin_user, description="  BI tool  ")

    assert (first.target_url, first.events, first.is_active, first.created_by) == (
        PUBLIC,
        ["ticket.created", "meeting.held"],
        True,
        admin_user,
    )
    assert second.description == "BI tool"
    assert first.secret.startswith("whsec_") and len(first.secret) == 49
    assert first.secret != second.secret


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"target_url": "not an address"}, {"target_url": ["Enter a valid URL."]}),
        ({"events": []}, {"events": ["Choose at least one event."]}),
        (
            {"events": ["ticket.created", "ticket.deleted"]},
            {
                "events": [
                    "Unknown event: ticket.deleted. Choose among ticket.created, "
                    "ticket.status_changed, review.signed_off, meeting.held, time.week_approved, "
                    "budget.alert."
                ]
            },
        ),
        (
            {"events": ["ping"]},
            {
                "events": [
                    "Unknown event: ping. Choose among ticket.created, "
                    "ticket.status_changed, review.signed_off, meeting.held, time.week_approved, "
                    "budget.alert."
                ]
            },
        ),
        ({"target_url": "http://93.184.215.14/hook"}, {"target_url": ["Use an https:// address."]}),
        (
            {"target_url": "https://user:pw@93.184.215.14/hook"},
            {"target_url": ["Leave user names and passwords out of the address."]},
        ),
        (
            {"target_url": "https://127.0.0.1/hook"},
            {"target_url": ["127.0.0.1 " + PUBLIC_RULE.format(address="127.0.0.1")]},
        ),
        (
            {"target_url": "https://localhost:8443/hook"},
            {"target_url": ["localhost " + PUBLIC_RULE.format(address="127.0.0.1")]},
        ),
        (
            {"target_url": "https://10.20.30.40/hook"},
            {"target_url": ["10.20.30.40 " + PUBLIC_RULE.format(address="10.20.30.40")]},
        ),
        (
            {"target_url": "https://192.168.1.10/hook"},
            {"target_url": ["192.168.1.10 " + PUBLIC_RULE.format(address="192.168.1.10")]},
        ),
        (
            {"target_url": "https://169.254.169.254/latest/meta-data/"},
            {"target_url": ["169.254.169.254 " + PUBLIC_RULE.format(address="169.254.169.254")]},
        ),
        (
            {"target_url": "https://100.64.0.1/hook"},
            {"target_url": ["100.64.0.1 " + PUBLIC_RULE.format(address="100.64.0.1")]},
        ),
        (
            {"target_url": "https://[::1]/hook"},
            {"target_url": ["::1 " + PUBLIC_RULE.format(address="::1")]},
        ),
        (
            {"target_url": "https://[::ffff:10.0.0.1]/hook"},
            {"target_url": ["::ffff:10.0.0.1 " + PUBLIC_RULE.format(address="::ffff:a00:1")]},
        ),
        (
            {"target_url": "https://240.0.0.1/hook"},
            {"target_url": ["240.0.0.1 " + PUBLIC_RULE.format(address="240.0.0.1")]},
        ),
    ],
)
@pytest.mark.django_db
def test_bad_input_is_refused_with_a_field_error_and_nothing_is_saved(
    engagement, admin_user, settings, fields, errors
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False

    assert _refusal(engagement, admin_user, **fields) == errors
    assert Webhook.objects.count() == 0


@pytest.mark.django_db
def test_a_host_name_that_resolves_inside_is_refused(engagement, admin_user, settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False

    def resolver(host, port, *args, **kwargs):
        if host == "hooks.example.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("172.16.5.4", port))]
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", resolver)

    assert _refusal(engagement, admin_user, target_url="https://hooks.example.test/x") == {
        "target_url": ["hooks.example.test " + PUBLIC_RULE.format(address="172.16.5.4")]
    }
    assert _refusal(engagement, admin_user, target_url="https://nowhere.example.test/x") == {
        "target_url": ["The host name nowhere.example.test cannot be resolved."]
    }
    assert Webhook.objects.count() == 0


@pytest.mark.django_db
def test_private_targets_and_http_are_accepted_when_the_setting_allows_them(
    engagement, admin_user, private_targets
):
    webhook = _create(engagement, admin_user, target_url="http://127.0.0.1:9000/hook")

    assert webhook.target_url == "http://127.0.0.1:9000/hook"
    assert _refusal(engagement, admin_user, target_url="ftp://127.0.0.1/hook") == {
        "target_url": ["Use an https:// address."]
    }


@pytest.mark.django_db
def test_an_update_is_checked_like_a_creation_and_a_refusal_changes_nothing(
    engagement, admin_user, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    webhook = _create(engagement, admin_user)

    with pytest.raises(ValidationError) as refused:
        webhook_update(
            webhook=webhook, data={"target_url": "https://10.0.0.1/", "description": "changed"}
        )
    assert list(refused.value.message_dict) == ["target_url"]
    with pytest.raises(ValidationError) as refused:
        webhook_update(webhook=webhook, data={"secret": "whsec_mine"})
    assert refused.value.message_dict == {"secret": ["This field cannot be changed."]}
    stored = Webhook.objects.get()
    assert (stored.target_url, stored.description, stored.secret) == (PUBLIC, "", webhook.secret)

    updated = webhook_update(webhook=webhook, data={"events": ["meeting.held"]})
    assert Webhook.objects.get().events == updated.events == ["meeting.held"]


@pytest.mark.django_db
def test_rotating_the_secret_replaces_it(engagement, admin_user):
    webhook = _create(engagement, admin_user)

    rotated = webhook_secret_rotate(webhook=webhook)

    assert rotated.secret != webhook.secret
    assert Webhook.objects.get().secret == rotated.secret


@pytest.mark.django_db
def test_a_ping_is_refused_for_a_disabled_webhook_and_enabling_clears_the_failures(
    engagement, admin_user
):
    webhook = _create(engagement, admin_user)
    webhook_set_active(webhook=webhook, active=False)
    Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=10)

    with pytest.raises(ValidationError) as refused:
        webhook_ping(webhook=Webhook.objects.get())
    assert refused.value.messages == ["This webhook is disabled: enable it first."]
    assert WebhookDelivery.objects.count() == 0

    enabled = webhook_set_active(webhook=webhook, active=True)
    assert (enabled.is_active, enabled.consecutive_failures, enabled.auto_disabled_at) == (
        True,
        0,
        None,
    )
    ping = webhook_ping(webhook=enabled)
    assert (ping.event, ping.payload["type"], ping.state) == ("ping", "ping", "pending")


@pytest.mark.django_db
def test_only_a_failed_delivery_is_redelivered_with_the_same_event_id(engagement, admin_user):
    webhook = _create(engagement, admin_user)
    delivery = webhook_ping(webhook=webhook)

    with pytest.raises(ValidationError) as refused:
        webhook_delivery_redeliver(delivery=delivery)
    assert refused.value.messages == ["Only a failed delivery is sent again."]

    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state="failed", attempts=6, error="HTTP 500 Internal Server Error", response_status=500
    )
    again = webhook_delivery_redeliver(delivery=delivery)

    assert (again.state, again.attempts, again.event_id) == ("pending", 0, delivery.event_id)
    assert WebhookDelivery.objects.count() == 1
