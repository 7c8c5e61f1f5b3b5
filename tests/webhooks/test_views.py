"""The webhooks' pages: who may use them, the list and its form, a webhook's page and log,
and its buttons."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from collab.webhooks.models import Webhook, WebhookDelivery
from collab.webhooks.services import webhook_ping
from roles.models import Role
from tests.factories import member

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def list_url(engagement) -> str:
    return reverse("webhooks:webhook-list", args=[engagement.slug])


def detail_url(webhook, action: str = "") -> str:
    name = f"webhooks:webhook-{action}" if action else "webhooks:webhook-detail"
    return reverse(name, args=[webhook.engagement.slug, webhook.pk])


def _routes(webhook, delivery):
    slug, pk = webhook.engagement.slug, webhook.pk
    return [
        ("get", list_url(webhook.engagement)),
        ("post", list_url(webhook.engagement)),
        ("get", detail_url(webhook)),
        ("post", detail_url(webhook)),
        ("post", detail_url(webhook, "ping")),
        ("post", detail_url(webhook, "set-active")),
        ("post", detail_url(webhook, "secret-rotate")),
        ("get", detail_url(webhook, "delete")),
        ("post", detail_url(webhook, "delete")),
        ("post", reverse("webhooks:delivery-redeliver", args=[slug, pk, delivery.pk])),
    ]


def test_people_without_the_integrations_action_get_403_on_every_page(
    client, engagement, make_webhook, director
):
    webhook = make_webhook()
    delivery = webhook_ping(webhook=webhook)
    before = list(Webhook.objects.values())
    for role in (Role.DIRECTOR, Role.PROJECT_MANAGER, Role.DEVELOPER):
        client.force_login(member(engagement, role))
        for method, url in _routes(webhook, delivery):
            assert getattr(client, method)(url).status_code == 403, (role, method, url)
    assert list(Webhook.objects.values()) == before
    assert WebhookDelivery.objects.count() == 1


def test_another_engagements_webhooks_answer_404(
    client, engagement, other_engagement, make_webhook
):
    webhook = make_webhook()
    delivery = webhook_ping(webhook=webhook)
    stranger = member(other_engagement, Role.AGENCY_ADMIN)
    client.force_login(stranger)
    slug = other_engagement.slug
    # The victim's webhook reached through the stranger's own engagement, and directly.
    urls = [
        ("get", reverse("webhooks:webhook-detail", args=[slug, webhook.pk])),
        ("post", reverse("webhooks:webhook-ping", args=[slug, webhook.pk])),
        ("post", reverse("webhooks:delivery-redeliver", args=[slug, webhook.pk, delivery.pk])),
        *[(method, url) for method, url in _routes(webhook, delivery)],
    ]
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 404, (method, url)
    assert Webhook.objects.get().secret == webhook.secret
    assert WebhookDelivery.objects.count() == 1


def test_the_list_shows_state_events_last_delivery_and_failures(
    client, engagement, admin_user, make_webhook
):
    # The admin reads the page from New York: a role starting "today" (UTC) is not in force
    # there yet until New York's own midnight.
    webhook = make_webhook(events=["ticket.created", "meeting.held"], description="Helpdesk")
    delivery = webhook_ping(webhook=webhook)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state="failed", created_at=dt.datetime(2026, 5, 4, 9, 0, tzinfo=UTC), response_status=500
    )
    Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=3)
    admin_user.time_zone = "America/New_York"
    admin_user.save()
    client.force_login(admin_user)

    response = client.get(list_url(engagement))

    assert response.status_code == 200
    content = response.content.decode()
    assert webhook.target_url in content
    assert "Helpdesk" in content
    # Each event by its label for people and its code for integrations.
    assert (
        "<div>A ticket is filed <code>ticket.created</code></div>"
        "<div>A meeting is marked held <code>meeting.held</code></div>"
    ) in content
    assert re.search(
        r'class="badge bg-danger-lt[^>]*>Failed</span>\s*'
        r'<span class="small">4 May 2026, 05:00</span>',
        content,
    )
    assert "HTTP 500" in content
    assert '<td data-label="Failed deliveries in a row" class="num">3</td>' in content
    assert webhook.secret not in content
    assert f'href="{list_url(engagement)}"' in content  # in the engagement's navigation


def _list_queries(client, django_assert_num_queries, engagement, admin_user, make_webhook, n):
    for _ in range(n):
        webhook_ping(webhook=make_webhook())
    client.force_login(admin_user)
    # session, person, the engagement with the person's roles (the action check and the
    # links), navigation, inbox count, webhooks
    with django_assert_num_queries(6):
        response = client.get(list_url(engagement))
    assert len(response.context["webhooks"]) == n


def test_list_page_queries_for_one_webhook(
    client, django_assert_num_queries, engagement, admin_user, make_webhook
):
    _list_queries(client, django_assert_num_queries, engagement, admin_user, make_webhook, 1)


def test_list_page_queries_for_twelve_webhooks(
    client, django_assert_num_queries, engagement, admin_user, make_webhook
):
    _list_queries(client, django_assert_num_queries, engagement, admin_user, make_webhook, 12)


def test_creating_a_webhook_shows_its_secret_once(client, engagement, admin_user, private_targets):
    client.force_login(admin_user)

    response = client.post(
        list_url(engagement),
        {
            "target_url": "https://hooks.nordfer.example/tandem",
            "description": "Helpdesk",
            "events": ["ticket.created", "ticket.status_changed"],
        },
    )

    assert response.status_code == 200
    webhook = Webhook.objects.get()
    assert (webhook.target_url, webhook.events, webhook.created_by) == (
        "https://hooks.nordfer.example/tandem",
        ["ticket.created", "ticket.status_changed"],
        admin_user,
    )
    assert webhook.secret in response.content.decode()
    assert "shown only once" in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    assert webhook.secret not in client.get(list_url(engagement)).content.decode()
    assert webhook.secret not in client.get(detail_url(webhook)).content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"target_url": "nope", "events": ["ticket.created"]}, "target_url", "Enter a valid URL."),
        (
            {"target_url": "https://10.0.0.1/hook", "events": ["ticket.created"]},
            "target_url",
            "10.0.0.1 resolves to a private, loopback, link-local or reserved address "
            "(10.0.0.1): webhooks are sent to public addresses only.",
        ),
        ({"target_url": "https://93.184.215.14/"}, "events", "Choose at least one event."),
        (
            {"target_url": "https://93.184.215.14/", "events": ["ticket.deleted"]},
            "events",
            "Select a valid choice. ticket.deleted is not one of the available choices.",
        ),
    ],
)
def test_bad_input_on_the_form_shows_the_field_error_and_saves_nothing(
    client, engagement, admin_user, settings, data, field, message
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    client.force_login(admin_user)

    response = client.post(list_url(engagement), data)

    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert Webhook.objects.count() == 0


def test_the_webhook_page_shows_its_log_newest_first_in_the_viewers_zone(
    client, engagement, admin_user, make_webhook
):
    webhook = make_webhook()
    old, new = webhook_ping(webhook=webhook), webhook_ping(webhook=webhook)
    WebhookDelivery.objects.filter(pk=old.pk).update(
        created_at=dt.datetime(2026, 5, 4, 9, 0, tzinfo=UTC),
        state="failed",
        attempts=6,
        response_status=503,
        error="HTTP 503 Service Unavailable",
        duration_ms=41,
    )
    WebhookDelivery.objects.filter(pk=new.pk).update(
        created_at=dt.datetime(2026, 5, 5, 14, 30, tzinfo=UTC),
        state="succeeded",
        attempts=1,
        response_status=204,
        duration_ms=12,
        delivered_at=dt.datetime(2026, 5, 5, 14, 30, 1, tzinfo=UTC),
    )
    admin_user.time_zone = "Asia/Tokyo"
    admin_user.save()
    client.force_login(admin_user)

    response = client.get(detail_url(webhook))

    assert response.status_code == 200
    assert [row.pk for row in response.context["page"].object_list] == [new.pk, old.pk]
    content = response.content.decode()
    assert '<td class="table-stack__title">5 May 2026, 23:30</td>' in content
    assert '<td class="table-stack__title">4 May 2026, 18:00</td>' in content
    assert "HTTP 503 Service Unavailable" in content
    assert "41 ms" in content
    assert content.count(">Redeliver<") == 1


def _detail_queries(client, django_assert_num_queries, admin_user, make_webhook, n):
    webhook = make_webhook()
    for _ in range(n):
        webhook_ping(webhook=webhook)
    WebhookDelivery.objects.update(state="failed")
    client.force_login(admin_user)
    # session, person, the engagement with the person's roles (the action check and the
    # links), webhook, count, deliveries, navigation, inbox count
    with django_assert_num_queries(8):
        response = client.get(detail_url(webhook))
    assert len(response.context["page"].object_list) == min(n, 25)


def test_webhook_page_queries_for_one_delivery(
    client, django_assert_num_queries, admin_user, make_webhook
):
    _detail_queries(client, django_assert_num_queries, admin_user, make_webhook, 1)


def test_webhook_page_queries_for_thirty_deliveries(
    client, django_assert_num_queries, admin_user, make_webhook
):
    _detail_queries(client, django_assert_num_queries, admin_user, make_webhook, 30)


def test_the_buttons_ping_disable_enable_rotate_redeliver_and_delete(
    client, engagement, admin_user, make_webhook
):
    webhook = make_webhook()
    client.force_login(admin_user)

    response = client.post(detail_url(webhook, "ping"))
    assert response.status_code == 302
    ping = WebhookDelivery.objects.get()
    assert (ping.event, ping.state) == ("ping", "pending")

    client.post(detail_url(webhook, "set-active"), {"active": "0"})
    assert Webhook.objects.get().is_active is False
    client.post(detail_url(webhook, "ping"))
    assert WebhookDelivery.objects.count() == 1
    client.post(detail_url(webhook, "set-active"), {"active": "1"})
    assert Webhook.objects.get().is_active is True

    response = client.post(detail_url(webhook, "secret-rotate"))
    rotated = Webhook.objects.get().secret
    assert rotated != webhook.secret
    assert response.status_code == 200
    assert rotated in response.content.decode()

    WebhookDelivery.objects.update(state="failed", attempts=6)
    client.post(reverse("webhooks:delivery-redeliver", args=[engagement.slug, webhook.pk, ping.pk]))
    ping.refresh_from_db()
    assert (ping.state, ping.attempts) == ("pending", 0)

    confirm = client.get(detail_url(webhook, "delete"))
    assert "cannot be undone" in confirm.content.decode()
    assert Webhook.objects.count() == 1
    response = client.post(detail_url(webhook, "delete"))
    assert response["Location"] == list_url(engagement)
    assert (Webhook.objects.count(), WebhookDelivery.objects.count()) == (0, 0)


def test_editing_a_webhook_on_its_page(client, engagement, admin_user, make_webhook, settings):
    webhook = make_webhook()
    client.force_login(admin_user)

    response = client.post(
        detail_url(webhook),
        {
            "target_url": "https://93.184.215.14/v2",
            "description": "New",
            "events": ["meeting.held"],
        },
    )
    assert response.status_code == 302
    stored = Webhook.objects.get()
    assert (stored.target_url, stored.description, stored.events) == (
        "https://93.184.215.14/v2",
        "New",
        ["meeting.held"],
    )

    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = client.post(
        detail_url(webhook), {"target_url": "https://10.0.0.2/", "events": ["meeting.held"]}
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["target_url"]
    assert Webhook.objects.get().target_url == "https://93.184.215.14/v2"


def test_the_api_tokens_page_links_to_the_webhooks(client, engagement, admin_user):
    client.force_login(admin_user)

    content = client.get(reverse("roles:api-tokens", args=[engagement.slug])).content.decode()

    assert (
        f'href="{list_url(engagement)}"><i class="ti ti-webhook me-1" aria-hidden="true"></i>'
        "Manage webhooks</a>"
    ) in content
