import pytest
from django.contrib.auth import SESSION_KEY
from django.test import override_settings
from django.urls import reverse

from collab.models import User
from tests.factories import UserFactory

PAGES = ["login", "admin:login"]


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_pages_carry_the_security_headers(client, page):
    response = client.get(reverse(page))

    assert response.status_code == 200
    csp = {
        directive.split()[0]: directive.split()[1:]
        for directive in response["Content-Security-Policy"].split(";")
        if directive.strip()
    }
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
@override_settings(
    SECURE_SSL_REDIRECT=True,
    SECURE_HSTS_SECONDS=31536000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
    SECURE_HSTS_PRELOAD=True,
)
def test_production_answers_https_only_with_hsts(client):
    plain = client.get(reverse("login"))
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver" + reverse("login")

    secure = client.get(reverse("login"), secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@override_settings(SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=[r"^healthz$", r"^readyz$"])
def test_health_probes_are_not_redirected_to_https(client):
    # Load balancers probe over plain HTTP inside the private network.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_login_is_locked_after_too_many_failures_even_with_the_right_password(client, settings):
    person = UserFactory(email="director@nordfer.example")
    url = reverse("login")

    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": person.email, "password": "wrong-password"})
    locked = client.post(url, {"username": person.email, "password": "tandem-demo"})

    assert locked.status_code == 429
    assert SESSION_KEY not in client.session
    person.refresh_from_db()
    assert person.last_login is None


@pytest.mark.django_db
def test_the_right_password_logs_in_below_the_failure_limit(client, settings):
    person = UserFactory(email="director@nordfer.example")
    url = reverse("login")

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        refused = client.post(url, {"username": person.email, "password": "wrong-password"})
        assert refused.status_code == 200
    accepted = client.post(url, {"username": person.email, "password": "tandem-demo"})

    assert accepted.status_code == 302
    assert client.session[SESSION_KEY] == str(person.pk)
    assert User.objects.get(pk=person.pk).last_login is not None


@pytest.mark.django_db
def test_a_lock_out_targets_the_attacked_person_not_everyone_at_the_same_address(client, settings):
    attacked = UserFactory(email="director@nordfer.example")
    colleague = UserFactory(email="karim.benali@nordfer.example")
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": attacked.email, "password": "wrong-password"})

    response = client.post(url, {"username": colleague.email, "password": "tandem-demo"})

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(colleague.pk)
