import json

import pytest
from django.db import connection
from django.urls import reverse

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_healthz_answers_ok_without_touching_the_database(client):
    # No django_db mark: any query would raise here.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_answers_ok_when_database_and_redis_answer(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_readyz_answers_503_naming_redis_when_it_is_unreachable(client, settings):
    settings.REDIS_URL = UNREACHABLE_REDIS

    response = client.get("/readyz")

    assert response.status_code == 503
    assert json.loads(response.content) == {
        "database": "ok",
        "broker": "down",
        "down": ["redis"],
    }


@pytest.mark.django_db
def test_readyz_checks_the_filesystem_broker_folder_when_there_is_no_redis(
    client, settings, tmp_path
):
    queue = tmp_path / "queue"
    queue.mkdir()
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
    }

    assert client.get("/readyz").status_code == 200

    queue.rmdir()
    response = client.get("/readyz")

    assert response.status_code == 503
    assert json.loads(response.content)["down"] == ["filesystem"]


@pytest.mark.django_db
def test_readyz_names_the_database_when_it_is_down(client, settings, monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"

    def refuse() -> None:
        raise OSError("connection refused")

    monkeypatch.setattr("collab.health.database_check", refuse)

    response = client.get("/readyz")

    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["database"] == "down"
    assert body["broker"] == "ok"
    assert body["down"] == [connection.vendor]


@pytest.mark.django_db
def test_login_page_and_healthz_still_answer_when_the_cache_redis_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": UNREACHABLE_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

    assert client.get("/healthz").status_code == 200
    response = client.get(reverse("login"))
    assert response.status_code == 200
    failed = client.post(reverse("login"), {"username": "nobody@example.com", "password": "x"})
    assert failed.status_code == 200
