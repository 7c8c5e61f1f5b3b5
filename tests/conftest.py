import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import override_settings
from django.utils import translation
from rest_framework.test import APIClient

from collab.models import User
from roles.models import Role
from tests.factories import EngagementFactory, member


@pytest.fixture(autouse=True)
def _redis_failures_forgotten(monkeypatch):
    # A Redis failure makes a process skip the broker and the throttle cache for a while: a
    # test that simulates one must not leave the next tests skipping.
    monkeypatch.setattr("collab.common.tasks._skip_until", 0.0)
    monkeypatch.setattr("collab.common.throttling._skip_until", 0.0)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # A fast hasher: thousands of PBKDF2 rounds per test person add minutes and prove nothing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Throttle counters and cached values must not carry over from one test to the next.
    cache.clear()
    # A request in French leaves French active in this thread (LocaleMiddleware activates the
    # reader's language and nothing deactivates it): every test starts in the default language.
    translation.activate(settings.LANGUAGE_CODE)
    # Tests render templates without a collectstatic manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session", autouse=True)
def _media_in_tmp(tmp_path_factory):
    # Attachments are written under a throw-away folder that pytest removes, never under the
    # checkout's .run/media: for the whole session, so that module and session fixtures (the
    # admin's demo data) write there too.
    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))):
        yield


@pytest.fixture
def engagement(db):
    return EngagementFactory(name="Nordfer Industrie", slug="nordfer", key_prefix="NORD")


@pytest.fixture
def other_engagement(db):
    return EngagementFactory(name="Maison Lila", slug="maison-lila", key_prefix="LILA")


@pytest.fixture
def admin_user(engagement):
    return member(engagement, Role.AGENCY_ADMIN, email="admin@atelier.example")


@pytest.fixture
def director(engagement):
    return member(engagement, Role.DIRECTOR, email="director@nordfer.example")


@pytest.fixture
def superuser_client(db, client):
    """A test client signed in as the agency's superuser, for the Django admin."""
    client.force_login(
        User.objects.create_superuser(email="root@atelier.example", password="root-pass-123")
    )
    return client


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def postgresql_required():
    """Row locks and triggers are PostgreSQL's, the production database, which the suite runs on:
    elsewhere such a test fails loudly instead of passing by being skipped."""
    if connection.vendor != "postgresql":
        pytest.fail("This test needs PostgreSQL: make test points DATABASE_URL at it.")
