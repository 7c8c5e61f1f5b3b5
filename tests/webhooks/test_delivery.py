"""Sending deliveries: signed POSTs to a real local HTTP server, retries with backoff, giving
up, automatic disabling, stale claims, exactly-once under concurrent sweeps, the outbox."""

import datetime as dt
import hashlib
import hmac
import json
import socket
import threading

import httpx
import pytest
import time_machine
from django.db import connection, transaction
from werkzeug import Response

from backlog.services import ticket_create
from collab.rhythm.models import Notification
from collab.webhooks.delivery import webhook_deliveries_send, webhook_deliveries_sweep
from collab.webhooks.models import Webhook, WebhookDelivery
from collab.webhooks.safety import PinnedTransport
from collab.webhooks.services import webhook_event_emit, webhook_events_emit, webhook_ping
from roles.models import Role
from tests.factories import member

UTC = dt.UTC
T0 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def _sweep_at(moment):
    with time_machine.travel(moment, tick=False):
        return webhook_deliveries_sweep()


def _emit_ping(webhook, moment=T0):
    with time_machine.travel(moment, tick=False):
        return webhook_ping(webhook=webhook)


@pytest.mark.django_db
def test_a_delivery_is_a_json_post_signed_with_the_webhooks_secret(
    engagement, admin_user, make_webhook, receiver
):
    webhook = make_webhook()
    delivery = _emit_ping(webhook)

    result = _sweep_at(T0)

    assert (result.succeeded, result.retried, result.failed) == (1, 0, 0)
    [(request, response)] = receiver.log
    assert response.status_code == 204
    body = request.get_data()
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Tandem-Event"] == "ping"
    assert request.headers["Tandem-Delivery"] == str(delivery.event_id)
    timestamp = int(T0.timestamp())
    expected = hmac.new(
        webhook.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    assert request.headers["Tandem-Signature"] == f"t={timestamp},v1={expected}"
    assert json.loads(body) == {
        "id": str(delivery.event_id),
        "type": "ping",
        "created_at": "2026-05-04T09:00:00Z",
        "engagement": {"slug": "nordfer", "name": "Nordfer Industrie"},
        "data": {"webhook_id": webhook.pk, "requested_by": None},
    }
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.response_status, delivery.error) == (
        "succeeded",
        1,
        204,
        "",
    )
    assert delivery.delivered_at == T0
    assert delivery.duration_ms is not None
    assert _sweep_at(T0 + dt.timedelta(minutes=10)).total == 0
    assert len(receiver.log) == 1


@pytest.mark.django_db
def test_a_failing_receiver_is_retried_on_the_backoff_schedule_then_the_delivery_fails(
    engagement, make_webhook, httpserver
):
    httpserver.expect_request("/hook", method="POST").respond_with_data("down", status=503)
    webhook = make_webhook()
    delivery = _emit_ping(webhook)

    moments = [T0]
    schedule = []
    for delay in (1, 5, 30, 120, 480):
        moment = moments[-1]
        assert _sweep_at(moment - dt.timedelta(seconds=1)).total == 0
        assert _sweep_at(moment).retried == 1
        delivery.refresh_from_db()
        schedule.append((delivery.state, delivery.attempts, delivery.next_attempt_at))
        moments.append(moment + dt.timedelta(minutes=delay))
    last = _sweep_at(moments[-1])

    assert schedule == [
        ("pending", 1, T0 + dt.timedelta(minutes=1)),
        ("pending", 2, T0 + dt.timedelta(minutes=6)),
        ("pending", 3, T0 + dt.timedelta(minutes=36)),
        ("pending", 4, T0 + dt.timedelta(minutes=156)),
        ("pending", 5, T0 + dt.timedelta(minutes=636)),
    ]
    assert (last.failed, last.retried) == (1, 0)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.response_status, delivery.error) == (
        "failed",
        6,
        503,
        "HTTP 503 Service Unavailable",
    )
    assert len(httpserver.log) == 6
    assert {request.headers["Tandem-Delivery"] for request, _ in httpserver.log} == {
        str(delivery.event_id)
    }
    assert _sweep_at(moments[-1] + dt.timedelta(days=1)).total == 0
    webhook.refresh_from_db()
    assert (webhook.consecutive_failures, webhook.is_active) == (1, True)


@pytest.mark.django_db
def test_a_network_error_is_recorded_and_retried(engagement, admin_user, private_targets):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    webhook = Webhook.objects.create(
        engagement=engagement,
        target_url=f"http://127.0.0.1:{closed_port}/hook",
        events=["ticket.created"],
    )
    delivery = _emit_ping(webhook)

    assert _sweep_at(T0).retried == 1

    delivery.refresh_from_db()
    assert delivery.state == "pending"
    assert delivery.response_status is None
    assert delivery.error.startswith("ConnectError: ")
    assert delivery.next_attempt_at == T0 + dt.timedelta(minutes=1)


@pytest.mark.django_db
def test_a_redirect_is_not_followed_and_counts_as_a_failure(engagement, make_webhook, httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_response(
        Response("", status=302, headers={"Location": httpserver.url_for("/elsewhere")})
    )
    delivery = _emit_ping(make_webhook())

    _sweep_at(T0)

    delivery.refresh_from_db()
    assert (delivery.state, delivery.response_status, delivery.error) == (
        "pending",
        302,
        "HTTP 302 Found (redirects are not followed)",
    )
    assert [request.path for request, _ in httpserver.log] == ["/hook"]


@pytest.mark.django_db
def test_a_success_resets_the_failure_count(engagement, make_webhook, receiver):
    webhook = make_webhook()
    Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=7)
    _emit_ping(webhook)

    _sweep_at(T0)

    webhook.refresh_from_db()
    assert webhook.consecutive_failures == 0


@pytest.mark.django_db
def test_ten_failed_deliveries_in_a_row_disable_the_webhook_and_tell_the_agency_admins(
    engagement, director, make_webhook, httpserver
):
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=500)
    webhook = make_webhook()
    Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=9)
    last_try = _emit_ping(webhook)
    WebhookDelivery.objects.filter(pk=last_try.pk).update(attempts=5)
    waiting = _emit_ping(webhook, moment=T0 + dt.timedelta(hours=1))

    assert _sweep_at(T0).failed == 1

    webhook.refresh_from_db()
    assert (webhook.is_active, webhook.consecutive_failures, webhook.auto_disabled_at) == (
        False,
        10,
        T0,
    )
    notices = list(Notification.objects.values_list("person__email", "kind", "title", "url"))
    assert notices == [
        (
            "admin@atelier.example",
            "webhook_disabled",
            f"Webhook disabled: {webhook.target_url}",
            f"/engagements/nordfer/webhooks/{webhook.pk}/",
        )
    ]
    assert _sweep_at(T0 + dt.timedelta(hours=2)).total == 0
    waiting.refresh_from_db()
    assert (waiting.state, waiting.attempts) == ("pending", 0)
    assert len(httpserver.log) == 1
    assert webhook_event_emit(engagement=engagement, event="ticket.created", data={}) == 0


@pytest.mark.django_db
def test_a_stale_sending_claim_is_taken_again_and_a_fresh_one_is_left_alone(
    engagement, make_webhook, receiver
):
    webhook = make_webhook()
    crashed = _emit_ping(webhook)
    busy = _emit_ping(webhook)
    WebhookDelivery.objects.filter(pk=crashed.pk).update(
        state="sending", claimed_at=T0 - dt.timedelta(minutes=6), claim_token="crashed"
    )
    WebhookDelivery.objects.filter(pk=busy.pk).update(
        state="sending", claimed_at=T0 - dt.timedelta(minutes=4), claim_token="busy"
    )

    assert _sweep_at(T0).succeeded == 1

    crashed.refresh_from_db()
    busy.refresh_from_db()
    assert (crashed.state, crashed.attempts) == ("succeeded", 1)
    assert (busy.state, busy.claim_token) == ("sending", "busy")
    assert [request.headers["Tandem-Delivery"] for request, _ in receiver.log] == [
        str(crashed.event_id)
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_send_each_delivery_exactly_once(
    postgresql_required, engagement, make_webhook, receiver
):
    webhooks = [make_webhook(path="/hook"), make_webhook(path="/hook")]
    with time_machine.travel(T0 - dt.timedelta(minutes=1), tick=False):
        written = webhook_events_emit(
            engagement=engagement,
            events=[("ticket.created", {"key": f"NORD-{n}"}) for n in range(15)],
        )
    assert written == 30
    barrier = threading.Barrier(6)
    errors = []

    def sweep():
        try:
            barrier.wait()
            with time_machine.travel(T0, tick=False):
                webhook_deliveries_send(limit=4)
                webhook_deliveries_sweep()
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    sent = [
        (request.headers["Tandem-Delivery"], request.headers["Tandem-Signature"])
        for request, _ in receiver.log
    ]
    assert len(sent) == 30
    keys = {
        (str(row.event_id), row.webhook_id)
        for row in WebhookDelivery.objects.filter(state="succeeded", attempts=1)
    }
    assert len(keys) == 30
    assert {webhook.pk for webhook in webhooks} == {webhook_id for _, webhook_id in keys}
    assert len({event_id for event_id, _ in sent}) == 15


@pytest.mark.django_db
def test_a_change_that_rolls_back_sends_nothing(
    engagement, admin_user, make_webhook, receiver, django_capture_on_commit_callbacks
):
    make_webhook()

    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        ticket_create(
            actor=admin_user,
            engagement=engagement,
            title="Rolled back",
            kind="question",
            origin="client_request",
        )
        raise RuntimeError("the request failed after filing")

    assert callbacks == []
    assert WebhookDelivery.objects.count() == 0
    assert _sweep_at(T0).total == 0
    assert receiver.log == []


@pytest.mark.django_db
def test_a_committed_change_asks_a_worker_for_the_sweep_after_commit(
    engagement, admin_user, make_webhook, monkeypatch, django_capture_on_commit_callbacks
):
    make_webhook()
    sent = []

    class Broker:
        def send_task(self, name, kwargs):
            sent.append(name)

    monkeypatch.setattr("collab.common.tasks.current_app", Broker())
    with django_capture_on_commit_callbacks(execute=True):
        ticket_create(
            actor=admin_user,
            engagement=engagement,
            title="Committed",
            kind="question",
            origin="client_request",
        )
        assert sent == []

    assert sent == ["collab.webhooks.tasks.webhook_deliveries_send_task"]


@pytest.mark.django_db
def test_a_target_refused_at_send_time_fails_at_once_with_the_reason(
    engagement, make_webhook, receiver, settings, monkeypatch
):
    webhook = make_webhook()
    Webhook.objects.filter(pk=webhook.pk).update(
        target_url=f"https://hooks.example.test:{receiver.port}/hook"
    )
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    real = socket.getaddrinfo

    def rebinding(host, port, *args, **kwargs):
        # The name resolved to a public address when it was saved; it now points inside.
        if host == "hooks.example.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    delivery = _emit_ping(webhook)

    assert _sweep_at(T0).failed == 1

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.response_status, delivery.error) == (
        "failed",
        1,
        None,
        "hooks.example.test resolves to a private, loopback, link-local or reserved address "
        "(10.0.0.7): webhooks are sent to public addresses only.",
    )
    assert receiver.log == []
    webhook.refresh_from_db()
    assert webhook.consecutive_failures == 1


@pytest.mark.django_db
def test_an_http_target_is_refused_at_send_time_once_private_targets_are_off(
    engagement, make_webhook, receiver, settings
):
    delivery = _emit_ping(make_webhook())
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False

    _sweep_at(T0)

    delivery.refresh_from_db()
    assert (delivery.state, delivery.error) == ("failed", "Use an https:// address.")
    assert receiver.log == []


def test_the_pinned_transport_connects_to_the_checked_address_whatever_the_name(receiver):
    url = f"http://hooks.example.test:{receiver.port}/hook"

    with httpx.Client(transport=PinnedTransport("127.0.0.1"), trust_env=False) as client:
        response = client.post(url, content=b"{}")

    assert response.status_code == 204
    [(request, _)] = receiver.log
    assert request.headers["Host"] == f"hooks.example.test:{receiver.port}"


@pytest.mark.django_db
def test_deliveries_of_another_engagement_carry_its_own_engagement(
    engagement, other_engagement, make_webhook, receiver
):
    member(other_engagement, Role.AGENCY_ADMIN)
    make_webhook(engagement_=other_engagement)
    with time_machine.travel(T0 - dt.timedelta(minutes=1), tick=False):
        webhook_event_emit(engagement=other_engagement, event="ticket.created", data={"n": 1})
        webhook_event_emit(engagement=engagement, event="ticket.created", data={"n": 2})

    _sweep_at(T0)

    [(request, _)] = receiver.log
    body = json.loads(request.get_data())
    assert (body["engagement"], body["data"]) == (
        {"slug": "maison-lila", "name": "Maison Lila"},
        {"n": 1},
    )
    assert WebhookDelivery.objects.get().engagement_id == other_engagement.pk
