"""Bearer tokens: scoped to one engagement, read or write, stored hashed, revocable."""

import pytest
from django.core.cache import cache

from collab.models import ApiToken
from collab.services import api_token_create, api_token_revoke
from roles.models import Role, RoleAssignment
from roles.policy import TOKEN_SCOPE_ACTIONS, Action
from tests.factories import member

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def _private_cache(settings):
    # Throttling counters of other runs sharing Redis cannot leak into these tests.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tests-collab-api-tokens",
        }
    }
    cache.clear()


def bearer(api_client, raw_key: str):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return api_client


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    return response.json()


@pytest.fixture
def read_key(engagement, admin_user):
    return api_token_create(
        engagement=engagement, name="BI export", scope="read", created_by=admin_user
    ).raw_key


@pytest.fixture
def write_key(engagement, admin_user):
    return api_token_create(
        engagement=engagement, name="Helpdesk", scope="write", created_by=admin_user
    ).raw_key


@pytest.mark.django_db
def test_token_is_stored_hashed_and_its_key_names_its_prefix(engagement):
    issued = api_token_create(engagement=engagement, name="CI", scope="read", created_by=None)

    token = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.raw_key.startswith(f"tdm_{token.prefix}_")
    assert issued.raw_key not in (token.key_hash, token.prefix, token.name)
    assert len(token.key_hash) == 64


@pytest.mark.django_db
def test_read_token_lists_only_its_own_engagement(api_client, read_key, other_engagement):
    response = bearer(api_client, read_key).get("/api/v1/engagements/")

    assert response.status_code == 200
    assert [e["slug"] for e in response.json()["results"]] == ["nordfer"]


@pytest.mark.django_db
def test_token_me_describes_the_token(api_client, read_key):
    response = bearer(api_client, read_key).get("/api/v1/me/")

    token = ApiToken.objects.get(name="BI export")
    body = response.json()
    assert response.status_code == 200
    assert {k: v for k, v in body.items() if k not in ("created_at", "last_used_at")} == {
        "kind": "token",
        "name": "BI export",
        "scope": "read",
        "prefix": token.prefix,
        "engagement": "nordfer",
    }
    assert body["last_used_at"] is not None
    assert token.last_used_at is not None


@pytest.mark.django_db
def test_token_cannot_change_a_profile(api_client, write_key):
    body = problem(bearer(api_client, write_key).patch("/api/v1/me/", {"language": "fr"}), 403)

    assert body["detail"] == "An API token has no personal profile to change."


@pytest.mark.django_db
def test_read_token_writing_is_forbidden_and_changes_nothing(api_client, read_key, engagement):
    body = problem(
        bearer(api_client, read_key).patch("/api/v1/engagements/nordfer/", {"name": "X"}), 403
    )

    assert body["type"] == "https://tandem.example/problems/forbidden"
    engagement.refresh_from_db()
    assert engagement.name == "Nordfer Industrie"


@pytest.mark.django_db
def test_write_token_never_manages_the_team(api_client, write_key, engagement):
    # Managing the team is a human decision: no token scope grants it.
    assert Action.MANAGE_TEAM not in TOKEN_SCOPE_ACTIONS[ApiToken.Scope.WRITE]
    person = member(engagement, Role.DEVELOPER, email="dev@atelier.example")
    client = bearer(api_client, write_key)
    assignments = RoleAssignment.objects.count()

    refused = [
        client.patch("/api/v1/engagements/nordfer/", {"name": "X"}),
        client.post(
            "/api/v1/engagements/nordfer/role-assignments/",
            {"person": person.email, "role": Role.TESTER},
        ),
        client.post(
            "/api/v1/engagements/",
            {"name": "New", "slug": "new", "key_prefix": "NEW", "client_name": "C"},
        ),
    ]

    assert [r.status_code for r in refused] == [403, 403, 403]
    assert RoleAssignment.objects.count() == assignments
    engagement.refresh_from_db()
    assert engagement.name == "Nordfer Industrie"


@pytest.mark.django_db
def test_write_token_reads_its_engagements_team(api_client, write_key, admin_user):
    response = bearer(api_client, write_key).get("/api/v1/engagements/nordfer/role-assignments/")

    assert response.status_code == 200
    assert [a["person"]["email"] for a in response.json()["results"]] == [admin_user.email]


@pytest.mark.django_db
def test_token_asking_for_another_engagement_gets_404(api_client, write_key, other_engagement):
    client = bearer(api_client, write_key)

    answers = [
        client.get("/api/v1/engagements/maison-lila/"),
        client.get("/api/v1/engagements/maison-lila/role-assignments/"),
        client.patch("/api/v1/engagements/maison-lila/", {"name": "X"}),
    ]

    assert [r.status_code for r in answers] == [404, 404, 404]
    assert {r["Content-Type"] for r in answers} == {PROBLEM}
    other_engagement.refresh_from_db()
    assert other_engagement.name == "Maison Lila"


@pytest.mark.django_db
def test_revoked_token_gets_401(api_client, engagement):
    issued = api_token_create(engagement=engagement, name="Old", scope="write", created_by=None)
    api_token_revoke(token=issued.token)

    response = bearer(api_client, issued.raw_key).get("/api/v1/engagements/")

    body = problem(response, 401)
    assert body["detail"] == "Invalid or revoked token."
    assert body["type"] == "https://tandem.example/problems/authentication-failed"
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("Bearer tdm_00000000_not-a-real-key", "Invalid or revoked token."),
        ("Bearer", "Malformed Authorization header: use “Bearer <token>”."),
        ("Bearer two parts", "Malformed Authorization header: use “Bearer <token>”."),
    ],
)
def test_bad_bearer_header_gets_401(api_client, engagement, header, detail):
    api_client.credentials(HTTP_AUTHORIZATION=header)

    body = problem(api_client.get("/api/v1/engagements/"), 401)

    assert body["detail"] == detail


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 20])
def test_token_role_assignment_list_query_count_does_not_grow(
    api_client, read_key, engagement, django_assert_num_queries, rows
):
    for _ in range(rows - 1):
        member(engagement, Role.DEVELOPER)
    client = bearer(api_client, read_key)
    client.get("/api/v1/me/")  # records last use, which then waits a minute

    # the token, whether its issuer still holds a role, the engagement, the page of
    # assignments with their people
    with django_assert_num_queries(4):
        response = client.get("/api/v1/engagements/nordfer/role-assignments/")

    assert len(response.json()["results"]) == rows
