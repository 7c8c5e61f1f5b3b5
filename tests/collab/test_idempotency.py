"""Idempotency-Key on creations: a retried POST returns its first answer, never a second object."""

from __future__ import annotations

import datetime
import threading

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from backlog.models import Ticket
from collab.models import IdempotencyRecord
from collab.services import IDEMPOTENCY_RETENTION as RETENTION
from collab.services import api_token_create
from collab.tasks import idempotency_purge_task
from roles.models import Role
from tests.factories import EngagementFactory, member

URL = "/api/v1/engagements/nordfer/tickets/"
BODY = {"title": "Wishlist", "kind": "feature"}


@pytest.fixture(autouse=True)
def _private_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tests-collab-idempotency",
        }
    }
    cache.clear()


@pytest.fixture
def pm(engagement):
    return member(engagement, Role.PROJECT_MANAGER)


@pytest.fixture
def as_pm(api_client, pm):
    api_client.force_login(pm)
    return api_client


def test_the_same_key_and_body_replays_the_first_answer(as_pm, engagement):
    first = as_pm.post(URL, BODY, HTTP_IDEMPOTENCY_KEY="k-1")
    again = as_pm.post(URL, BODY, HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert (again["Location"], again["ETag"]) == (first["Location"], first["ETag"])
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert list(Ticket.objects.values_list("number", flat=True)) == [1]


def test_the_same_key_with_another_body_is_refused(as_pm, engagement):
    as_pm.post(URL, BODY, HTTP_IDEMPOTENCY_KEY="k-1")

    response = as_pm.post(URL, {**BODY, "title": "Other"}, HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "https://tandem.example/problems/idempotency-key-reused"
    assert list(Ticket.objects.values_list("title", flat=True)) == ["Wishlist"]


def test_without_a_key_or_with_a_new_key_each_post_creates(as_pm, engagement):
    as_pm.post(URL, BODY)
    as_pm.post(URL, BODY)
    as_pm.post(URL, BODY, HTTP_IDEMPOTENCY_KEY="a")
    as_pm.post(URL, BODY, HTTP_IDEMPOTENCY_KEY="b")

    assert Ticket.objects.count() == 4


def test_keys_belong_to_their_principal(api_client, as_pm, engagement, pm):
    as_pm.post(URL, BODY, HTTP_IDEMPOTENCY_KEY="shared")
    issued = api_token_create(engagement=engagement, name="CI", scope="write", created_by=pm)
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.raw_key}")

    response = token_client.post(URL, BODY, HTTP_IDEMPOTENCY_KEY="shared")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Ticket.objects.count() == 2
    assert sorted(IdempotencyRecord.objects.values_list("principal_kind", flat=True)) == [
        "person",
        "token",
    ]


def test_a_refused_creation_leaves_the_key_free(as_pm, engagement):
    refused = as_pm.post(URL, {"title": "No kind"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert refused.status_code == 400
    assert not IdempotencyRecord.objects.exists()

    response = as_pm.post(URL, BODY, HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 201
    assert Ticket.objects.count() == 1


def test_an_overlong_key_is_a_field_error(as_pm, engagement):
    response = as_pm.post(URL, BODY, HTTP_IDEMPOTENCY_KEY="x" * 256)

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "Idempotency-Key": ["An Idempotency-Key is 1 to 255 printable characters."]
    }
    assert not Ticket.objects.exists()


def test_answers_are_kept_24_hours_then_purged(as_pm, engagement):
    start = datetime.datetime.now(datetime.UTC)
    with time_machine.travel(start, tick=False):
        as_pm.post(URL, BODY, HTTP_IDEMPOTENCY_KEY="k-1")
    with time_machine.travel(start + RETENTION - datetime.timedelta(minutes=1), tick=False):
        assert as_pm.post(URL, BODY, HTTP_IDEMPOTENCY_KEY="k-1")["Idempotent-Replayed"] == "true"
        assert idempotency_purge_task() == 0
    with time_machine.travel(start + RETENTION + datetime.timedelta(minutes=1), tick=False):
        assert idempotency_purge_task() == 1
        assert idempotency_purge_task() == 0
        response = as_pm.post(URL, BODY, HTTP_IDEMPOTENCY_KEY="k-1")

    assert "Idempotent-Replayed" not in response
    assert Ticket.objects.count() == 2


def test_an_expired_key_is_reused_even_before_the_purge(as_pm, engagement):
    start = datetime.datetime.now(datetime.UTC)
    with time_machine.travel(start, tick=False):
        as_pm.post(URL, BODY, HTTP_IDEMPOTENCY_KEY="k-1")
    with time_machine.travel(start + RETENTION + datetime.timedelta(hours=1), tick=False):
        response = as_pm.post(URL, {**BODY, "title": "New"}, HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 201
    assert IdempotencyRecord.objects.get().response_body["title"] == "New"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql_required")
def test_concurrent_requests_with_one_key_create_one_ticket():
    engagement = EngagementFactory(slug="nordfer", key_prefix="NORD")
    person = member(engagement, Role.PROJECT_MANAGER)
    barrier = threading.Barrier(6)
    statuses: list[int] = []
    bodies: list[dict] = []

    def post() -> None:
        client = APIClient()
        client.force_login(person)
        barrier.wait()
        response = client.post(URL, BODY, HTTP_IDEMPOTENCY_KEY="race")
        statuses.append(response.status_code)
        bodies.append(response.json())
        connection.close()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [201] * 6
    assert {body["key"] for body in bodies} == {"NORD-1"}
    assert Ticket.objects.count() == 1
