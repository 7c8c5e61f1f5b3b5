"""Webhooks through the API: persons holding the integrations action manage them; tokens and
other roles get 403, another engagement 404."""

import datetime as dt

import pytest
from django.core.cache import cache

from collab.services import api_token_create
from collab.webhooks.models import Webhook, WebhookDelivery
from collab.webhooks.services import webhook_events_emit, webhook_ping
from roles.models import Role
from tests.factories import member

PROBLEM = "application/problem+json"
UTC = dt.UTC
PUBLIC = "https://93.184.215.14/hooks/tandem"


def hooks(slug: str = "nordfer") -> str:
    return f"/api/v1/engagements/{slug}/webhooks/"


def one(pk: int, slug: str = "nordfer", tail: str = "") -> str:
    return f"/api/v1/engagements/{slug}/webhooks/{pk}/{tail}"


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    return response.json()


def rows() -> list[tuple]:
    return list(Webhook.objects.order_by("pk").values_list("target_url", "events", "secret"))


@pytest.fixture(autouse=True)
def _private_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tests-webhooks-api",
        }
    }
    cache.clear()


@pytest.fixture
def admin_client(api_client, admin_user):
    api_client.force_login(admin_user)
    return api_client


@pytest.mark.django_db
def test_an_admin_creates_a_webhook_and_sees_its_secret_only_in_that_answer(
    admin_client, engagement, admin_user
):
    response = admin_client.post(
        hooks(),
        {"target_url": PUBLIC, "description": "BI", "events": ["meeting.held", "ticket.created"]},
        format="json",
    )

    assert response.status_code == 201, response.content
    webhook = Webhook.objects.get()
    body = response.json()
    assert dt.datetime.fromisoformat(body.pop("created_at")) == webhook.created_at
    assert body == {
        "url": f"http://testserver{one(webhook.pk)}",
        "deliveries_url": f"http://testserver{one(webhook.pk, tail='deliveries/')}",
        "id": webhook.pk,
        "target_url": PUBLIC,
        "description": "BI",
        "events": ["ticket.created", "meeting.held"],
        "is_active": True,
        "consecutive_failures": 0,
        "auto_disabled_at": None,
        "created_by": str(admin_user),
        "last_delivery": None,
        "secret": webhook.secret,
    }
    assert response["Location"] == body["url"]
    assert "secret" not in admin_client.get(one(webhook.pk)).json()
    assert "secret" not in admin_client.get(hooks()).json()["results"][0]


@pytest.mark.django_db
def test_an_idempotency_key_replays_the_creation(admin_client, engagement):
    data = {"target_url": PUBLIC, "events": ["ticket.created"]}

    first = admin_client.post(hooks(), data, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = admin_client.post(hooks(), data, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert Webhook.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"target_url": "nope", "events": ["ticket.created"]},
            {"target_url": ["Enter a valid URL."]},
        ),
        ({"target_url": PUBLIC, "events": []}, {"events": ["Choose at least one event."]}),
        (
            {"target_url": PUBLIC, "events": ["ticket.archived"]},
            {
                "events": [
                    "Unknown event: ticket.archived. Choose among ticket.created, "
                    "ticket.status_changed, review.signed_off, meeting.held, time.week_approved, "
                    "budget.alert."
                ]
            },
        ),
        ({"target_url": PUBLIC}, {"events": ["This field is required."]}),
        (
            {"target_url": "https://169.254.169.254/latest/", "events": ["ticket.created"]},
            {
                "target_url": [
                    "169.254.169.254 resolves to a private, loopback, link-local or reserved "
                    "address (169.254.169.254): webhooks are sent to public addresses only."
                ]
            },
        ),
    ],
)
@pytest.mark.django_db
def test_bad_input_answers_field_errors_and_saves_nothing(
    admin_client, engagement, settings, data, errors
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False

    body = problem(admin_client.post(hooks(), data, format="json"), 400)

    assert body["errors"] == errors
    assert rows() == []


@pytest.mark.django_db
def test_update_disable_and_delete(admin_client, engagement, make_webhook):
    webhook = make_webhook()

    response = admin_client.patch(
        one(webhook.pk),
        {"target_url": PUBLIC, "events": ["review.signed_off"], "is_active": False},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert (response.json()["target_url"], response.json()["is_active"]) == (PUBLIC, False)
    stored = Webhook.objects.get()
    assert (stored.target_url, stored.events, stored.is_active) == (
        PUBLIC,
        ["review.signed_off"],
        False,
    )
    body = problem(admin_client.patch(one(webhook.pk), {"secret": "whsec_x"}, format="json"), 400)
    assert body["errors"] == {"secret": ["This field cannot be changed."]}
    body = problem(admin_client.patch(one(webhook.pk), {"events": []}, format="json"), 400)
    assert body["errors"] == {"events": ["Choose at least one event."]}
    assert Webhook.objects.get().events == ["review.signed_off"]

    assert admin_client.delete(one(webhook.pk)).status_code == 204
    assert rows() == []


@pytest.mark.django_db
def test_a_ping_and_a_redelivery_are_queued_and_refused_when_they_cannot_be(
    admin_client, engagement, make_webhook, django_capture_on_commit_callbacks
):
    webhook = make_webhook()

    with django_capture_on_commit_callbacks() as queued:
        response = admin_client.post(one(webhook.pk, tail="ping/"))

    assert response.status_code == 202, response.content
    ping = WebhookDelivery.objects.get()
    assert (response.json()["id"], response.json()["event"], response.json()["state"]) == (
        ping.pk,
        "ping",
        "pending",
    )
    assert len(queued) == 1  # the sweep, after commit
    redeliver = one(webhook.pk, tail=f"deliveries/{ping.pk}/redeliver/")
    body = problem(admin_client.post(redeliver), 400)
    assert body["errors"] == {"non_field_errors": ["Only a failed delivery is sent again."]}

    WebhookDelivery.objects.filter(pk=ping.pk).update(state="failed", attempts=6)
    response = admin_client.post(redeliver)
    assert response.status_code == 202
    assert WebhookDelivery.objects.values_list("state", "attempts").get() == ("pending", 0)

    admin_client.patch(one(webhook.pk), {"is_active": False}, format="json")
    body = problem(admin_client.post(one(webhook.pk, tail="ping/")), 400)
    assert body["errors"] == {"non_field_errors": ["This webhook is disabled: enable it first."]}
    assert WebhookDelivery.objects.count() == 1
    problem(admin_client.post(one(webhook.pk, tail="deliveries/999999/redeliver/")), 404)


@pytest.mark.django_db
def test_rotating_the_secret_answers_the_new_secret(admin_client, engagement, make_webhook):
    webhook = make_webhook()

    response = admin_client.post(one(webhook.pk, tail="rotate-secret/"))

    assert response.status_code == 200
    assert response.json()["secret"] == Webhook.objects.get().secret != webhook.secret


@pytest.mark.django_db
def test_the_delivery_log_is_cursor_paginated_newest_first(admin_client, engagement, make_webhook):
    webhook = make_webhook()
    deliveries = [webhook_ping(webhook=webhook) for _ in range(3)]
    WebhookDelivery.objects.filter(pk=deliveries[0].pk).update(
        state="failed", attempts=6, response_status=500, error="HTTP 500 Internal Server Error"
    )

    first = admin_client.get(one(webhook.pk, tail="deliveries/"), {"page_size": 2}).json()
    second = admin_client.get(first["next"]).json()

    assert [row["id"] for row in first["results"] + second["results"]] == [
        deliveries[2].pk,
        deliveries[1].pk,
        deliveries[0].pk,
    ]
    oldest = second["results"][0]
    assert {key: oldest[key] for key in ("event", "state", "attempts", "response_status")} == {
        "event": "ping",
        "state": "failed",
        "attempts": 6,
        "response_status": 500,
    }
    assert oldest["error"] == "HTTP 500 Internal Server Error"
    assert oldest["event_id"] == str(deliveries[0].event_id)
    assert oldest["payload"]["type"] == "ping"
    assert oldest["next_attempt_at"] is None
    assert first["results"][0]["next_attempt_at"] is not None


@pytest.mark.parametrize("size", [2, 25])
@pytest.mark.django_db
def test_list_endpoints_cost_the_same_queries_at_any_size(
    admin_client, engagement, make_webhook, django_assert_num_queries, size
):
    for _ in range(size):
        webhook = make_webhook()
    webhook_events_emit(
        engagement=engagement, events=[("ticket.created", {"n": n}) for n in range(size)]
    )

    # session, person, the engagement with the person's roles (the action check), webhooks
    with django_assert_num_queries(4):
        listed = admin_client.get(hooks())
    # session, person, the engagement with the person's roles, webhook, deliveries
    with django_assert_num_queries(5):
        logged = admin_client.get(one(webhook.pk, tail="deliveries/"))

    assert len(listed.json()["results"]) == size
    assert len(logged.json()["results"]) == size


@pytest.mark.django_db
def test_tokens_even_of_this_engagement_and_roles_without_the_action_get_403(
    api_client, engagement, admin_user, make_webhook
):
    webhook = make_webhook()
    before = rows()
    token = api_token_create(
        engagement=engagement, name="CI", scope="write", created_by=admin_user
    ).raw_key
    requests = [
        ("get", hooks(), None),
        ("post", hooks(), {"target_url": PUBLIC, "events": ["ticket.created"]}),
        ("get", one(webhook.pk), None),
        ("patch", one(webhook.pk), {"description": "x"}),
        ("delete", one(webhook.pk), None),
        ("post", one(webhook.pk, tail="rotate-secret/"), None),
        ("get", one(webhook.pk, tail="deliveries/"), None),
        ("post", one(webhook.pk, tail="ping/"), None),
    ]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    for method, url, data in requests:
        problem(getattr(api_client, method)(url, data, format="json"), 403)
    api_client.credentials()
    for role in (Role.DIRECTOR, Role.CONSULTANT, Role.TESTER):
        api_client.force_login(member(engagement, role))
        for method, url, data in requests:
            problem(getattr(api_client, method)(url, data, format="json"), 403)
    assert rows() == before


@pytest.mark.django_db
def test_another_engagements_webhooks_answer_404(
    api_client, engagement, other_engagement, make_webhook
):
    webhook = make_webhook()
    api_client.force_login(member(other_engagement, Role.AGENCY_ADMIN))

    for url in (
        hooks(),
        one(webhook.pk),
        one(webhook.pk, tail="deliveries/"),
        one(webhook.pk, slug="maison-lila"),
        one(webhook.pk, slug="maison-lila", tail="deliveries/"),
    ):
        problem(api_client.get(url), 404)
    problem(api_client.delete(one(webhook.pk, slug="maison-lila")), 404)
    problem(api_client.post(one(webhook.pk, slug="maison-lila", tail="rotate-secret/")), 404)
    problem(api_client.post(one(webhook.pk, slug="maison-lila", tail="ping/")), 404)
    assert not WebhookDelivery.objects.filter(event="ping").exists()
    assert rows() == [(webhook.target_url, webhook.events, webhook.secret)]


@pytest.mark.django_db
def test_the_schema_describes_the_webhook_endpoints(api_client):
    schema = api_client.get(
        "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    ).json()

    assert {
        "/api/v1/engagements/{slug}/webhooks/",
        "/api/v1/engagements/{slug}/webhooks/{id}/",
        "/api/v1/engagements/{slug}/webhooks/{id}/rotate-secret/",
        "/api/v1/engagements/{slug}/webhooks/{id}/deliveries/",
        "/api/v1/engagements/{slug}/webhooks/{id}/ping/",
        "/api/v1/engagements/{slug}/webhooks/{id}/deliveries/{item_pk}/redeliver/",
    } <= set(schema["paths"])
    created = schema["components"]["schemas"]["WebhookWithSecretOutput"]
    assert "secret" in created["properties"]
    assert "secret" not in schema["components"]["schemas"]["WebhookOutput"]["properties"]
