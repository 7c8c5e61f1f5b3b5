"""The REST API's root, schema and docs, ``me`` and engagements, as a client sees them."""

import datetime
import logging
import re
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.test import override_settings

from collab.models import Engagement, Organization
from roles.models import Role, RoleAssignment
from tests.factories import EngagementFactory, RoleAssignmentFactory, UserFactory, member

PROBLEM = "application/problem+json"
ROOT = "/api/v1/"
LIST = "/api/v1/engagements/"


def detail(slug: str) -> str:
    return f"/api/v1/engagements/{slug}/"


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    return body


@pytest.fixture(autouse=True)
def _private_cache(settings):
    # A cache of this module's own: throttling counters of other runs sharing Redis cannot
    # leak into these tests, and clearing it touches nothing else.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tests-collab-api",
        }
    }
    cache.clear()


@pytest.fixture
def admin(admin_user, engagement):
    """The agency admin of ``engagement``, a member of its agency."""
    admin_user.organization = engagement.agency
    admin_user.save(update_fields=["organization"])
    return admin_user


@pytest.fixture
def admin_client(api_client, admin):
    api_client.force_login(admin)
    return api_client


def engagement_snapshot(engagement: Engagement) -> dict:
    engagement.refresh_from_db()
    return {f.attname: getattr(engagement, f.attname) for f in Engagement._meta.concrete_fields}


# --- Root, schema, docs -----------------------------------------------------------------------


@pytest.mark.django_db
def test_api_root_lists_every_resource_without_signing_in(api_client):
    response = api_client.get(ROOT)

    assert response.status_code == 200
    assert response.json() == {
        "me": "http://testserver/api/v1/me/",
        "engagements": "http://testserver/api/v1/engagements/",
        "schema": "http://testserver/api/v1/schema/",
        "docs": "http://testserver/api/v1/docs/",
    }


@pytest.mark.django_db
def test_schema_is_a_public_openapi_3_document_of_the_resources(api_client):
    response = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/me/",
        "/api/v1/engagements/",
        "/api/v1/engagements/{slug}/",
        "/api/v1/engagements/{slug}/role-assignments/",
        "/api/v1/engagements/{slug}/role-assignments/{id}/",
    } <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"


@pytest.mark.django_db
def test_docs_page_loads_its_scripts_from_static_files_under_a_strict_csp(api_client):
    response = api_client.get("/api/v1/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r"<script([^>]*)>", html)
    assert sources == [
        ' src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"',
        ' src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js"',
        ' src="/api/v1/docs/?script="',
    ]
    assert '<link rel="stylesheet" href="/static/drf_spectacular_sidecar/' in html
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{name}"), name


@pytest.mark.django_db
def test_docs_init_script_is_served_as_javascript_pointing_at_the_schema(api_client):
    response = api_client.get("/api/v1/docs/?script=")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert '"/api/v1/schema/"' in response.content.decode()


@pytest.mark.django_db
def test_anonymous_call_gets_a_401_problem_naming_the_bearer_scheme(api_client):
    body = problem(api_client.get(LIST), 401)

    assert body["type"] == "https://tandem.example/problems/not-authenticated"
    assert body["instance"] == LIST


@pytest.mark.django_db
def test_anonymous_401_carries_www_authenticate(api_client):
    response = api_client.get(LIST)

    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.django_db
def test_unsupported_method_is_a_405_problem_with_allow(admin_client):
    response = admin_client.delete(LIST)

    body = problem(response, 405)
    assert body["detail"] == 'Method "DELETE" not allowed.'
    assert response["Allow"] == "GET, POST, HEAD, OPTIONS"


# --- Me ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_me_shows_the_person_and_their_engagements_in_force(
    admin_client, admin, engagement, other_engagement
):
    RoleAssignmentFactory(
        engagement=other_engagement, person=admin, role=Role.CONSULTANT, allocation_percent=30
    )
    RoleAssignmentFactory(
        engagement=other_engagement,
        person=admin,
        role=Role.TESTER,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2020, 12, 31),
    )

    response = admin_client.get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json() == {
        "kind": "person",
        "email": "admin@atelier.example",
        "display_name": admin.display_name,
        "time_zone": "Europe/Paris",
        "language": "en",
        "engagements": [
            {
                "slug": "maison-lila",
                "name": "Maison Lila",
                "url": "http://testserver/api/v1/engagements/maison-lila/",
                "roles": [
                    {
                        "role": "consultant",
                        "label": "E-commerce consultant",
                        "allocation_percent": 30,
                    }
                ],
            },
            {
                "slug": "nordfer",
                "name": "Nordfer Industrie",
                "url": "http://testserver/api/v1/engagements/nordfer/",
                "roles": [
                    {"role": "agency_admin", "label": "Agency admin", "allocation_percent": 50}
                ],
            },
        ],
    }


@pytest.mark.django_db
def test_me_patch_changes_the_profile(admin_client, admin):
    response = admin_client.patch(
        "/api/v1/me/",
        {"display_name": "Camille Roy", "time_zone": "America/Montreal", "language": "fr"},
    )

    assert response.status_code == 200
    assert response.json()["time_zone"] == "America/Montreal"
    admin.refresh_from_db()
    assert (admin.display_name, admin.time_zone, admin.language) == (
        "Camille Roy",
        "America/Montreal",
        "fr",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"language": "de"}, "language"),
        ({"email": "other@example.com"}, "email"),
    ],
)
def test_me_patch_refuses_bad_input_and_changes_nothing(admin_client, admin, payload, field):
    before = (admin.email, admin.display_name, admin.time_zone, admin.language)

    body = problem(admin_client.patch("/api/v1/me/", payload), 400)

    assert list(body["errors"]) == [field]
    admin.refresh_from_db()
    assert (admin.email, admin.display_name, admin.time_zone, admin.language) == before


@pytest.mark.django_db
def test_me_patch_unknown_time_zone_says_why(admin_client):
    body = problem(admin_client.patch("/api/v1/me/", {"time_zone": "Mars/Olympus_Mons"}), 400)

    assert body["errors"] == {
        "time_zone": [
            "“Mars/Olympus_Mons” is not a known time zone; use an IANA name such as Europe/Paris."
        ]
    }
    assert body["detail"] == "The request has invalid fields; see errors."
    assert body["type"] == "https://tandem.example/problems/validation-error"


# --- Engagements: reading ---------------------------------------------------------------------


@pytest.mark.django_db
def test_engagement_detail_shows_settings_cadences_rates_and_parties(admin_client, engagement):
    response = admin_client.get(detail("nordfer"))

    assert response.status_code == 200
    body = response.json()
    assert {k: v for k, v in body.items() if k not in ("created_at", "updated_at")} == {
        "url": "http://testserver/api/v1/engagements/nordfer/",
        "role_assignments_url": "http://testserver/api/v1/engagements/nordfer/role-assignments/",
        "slug": "nordfer",
        "name": "Nordfer Industrie",
        "key_prefix": "NORD",
        "agency": "Atelier Test",
        "client": engagement.client.name,
        "status": "active",
        "platform": "shopify_plus",
        "business_model": "b2c",
        "currency": "EUR",
        "client_hourly_cost": "60.00",
        "agency_day_rate": "750.00",
        "strategy": "",
        "sync_weekday": 1,
        "sync_time": "10:00",
        "sync_time_zone": "Europe/Paris",
        "sync_duration_minutes": 45,
        "review_cadence": "quarterly",
    }
    assert datetime.datetime.fromisoformat(body["created_at"]) == engagement.created_at


@pytest.mark.django_db
def test_engagement_list_shows_only_the_principals_engagements(
    api_client, engagement, other_engagement
):
    person = member(engagement, Role.DEVELOPER)
    api_client.force_login(person)

    response = api_client.get(LIST)

    assert response.status_code == 200
    assert [e["slug"] for e in response.json()["results"]] == ["nordfer"]


@pytest.mark.django_db
def test_engagement_list_filters_by_status_platform_and_business_model(api_client):
    person = UserFactory()
    for slug, status, platform, model in [
        ("alpha", "active", "shopware", "b2b"),
        ("bravo", "paused", "shopware", "b2c"),
        ("charlie", "active", "prestashop", "b2b"),
    ]:
        e = EngagementFactory(slug=slug, status=status, platform=platform, business_model=model)
        RoleAssignmentFactory(engagement=e, person=person)
    api_client.force_login(person)

    def slugs(query: str) -> list[str]:
        response = api_client.get(LIST + query)
        assert response.status_code == 200
        return [e["slug"] for e in response.json()["results"]]

    assert slugs("") == ["alpha", "bravo", "charlie"]
    assert slugs("?status=active") == ["alpha", "charlie"]
    assert slugs("?platform=shopware") == ["alpha", "bravo"]
    assert slugs("?business_model=b2b&platform=shopware") == ["alpha"]


@pytest.mark.django_db
def test_engagement_list_refuses_an_unknown_filter_value(admin_client):
    body = problem(admin_client.get(LIST + "?status=archived"), 400)

    assert body["errors"] == {
        "status": ["Select a valid choice. archived is not one of the available choices."]
    }


@pytest.mark.django_db
def test_engagement_list_pages_with_a_cursor(api_client):
    person = UserFactory()
    for slug in ("alpha", "bravo", "charlie"):
        RoleAssignmentFactory(engagement=EngagementFactory(slug=slug), person=person)
    api_client.force_login(person)

    first = api_client.get(LIST + "?page_size=2").json()
    second = api_client.get(first["next"]).json()

    assert [e["slug"] for e in first["results"]] == ["alpha", "bravo"]
    assert first["previous"] is None
    assert "cursor=" in first["next"]
    assert [e["slug"] for e in second["results"]] == ["charlie"]
    assert second["next"] is None


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 20])
def test_engagement_list_query_count_does_not_grow_with_rows(
    api_client, django_assert_num_queries, rows
):
    person = UserFactory()
    for _ in range(rows):
        RoleAssignmentFactory(engagement=EngagementFactory(), person=person)
    api_client.force_login(person)

    # session, person, the page of engagements with their agency and client
    with django_assert_num_queries(3):
        response = api_client.get(LIST)

    assert len(response.json()["results"]) == rows


# --- Engagements: opening -----------------------------------------------------------------------

NEW = {
    "name": "Verdi Jardin",
    "slug": "verdi",
    "key_prefix": "VERD",
    "client_name": "Verdi SAS",
    "platform": "adobe_commerce",
    "business_model": "both",
    "currency": "CHF",
    "client_hourly_cost": "55.50",
    "agency_day_rate": "820",
    "sync_weekday": 3,
    "sync_time": "14:30",
    "sync_time_zone": "Europe/Zurich",
    "sync_duration_minutes": 30,
    "review_cadence": "monthly",
}


@pytest.mark.django_db
def test_agency_admin_opens_an_engagement_and_keeps_access_to_it(admin_client, admin):
    response = admin_client.post(LIST, NEW)

    assert response.status_code == 201, response.content
    assert response["Location"] == "http://testserver/api/v1/engagements/verdi/"
    created = Engagement.objects.select_related("agency", "client").get(slug="verdi")
    assert (created.agency, created.client.name, created.client.kind) == (
        admin.organization,
        "Verdi SAS",
        Organization.Kind.CLIENT,
    )
    assert (created.currency, created.client_hourly_cost, created.agency_day_rate) == (
        "CHF",
        Decimal("55.50"),
        Decimal("820.00"),
    )
    assert (created.sync_weekday, created.sync_time, created.review_cadence) == (
        3,
        datetime.time(14, 30),
        "monthly",
    )
    assert list(
        RoleAssignment.objects.filter(engagement=created).values_list(
            "person", "role", "allocation_percent"
        )
    ) == [(admin.pk, Role.AGENCY_ADMIN, 0)]
    body = response.json()
    assert (body["agency"], body["client"], body["agency_day_rate"]) == (
        "Atelier Test",
        "Verdi SAS",
        "820.00",
    )
    assert admin_client.get(detail("verdi")).status_code == 200


@pytest.mark.django_db
def test_person_who_is_not_an_agency_admin_cannot_open_an_engagement(api_client, director):
    api_client.force_login(director)

    body = problem(api_client.post(LIST, NEW), 403)

    assert body["detail"] == "Only an agency admin can open an engagement."
    assert not Engagement.objects.filter(slug="verdi").exists()


@pytest.mark.django_db
def test_agency_admin_without_an_agency_cannot_open_an_engagement(api_client, admin_user):
    api_client.force_login(admin_user)
    engagements, clients = Engagement.objects.count(), Organization.objects.count()

    body = problem(api_client.post(LIST, NEW), 400)

    assert body["errors"] == {
        "agency": ["Only a member of an agency can open an engagement for it."]
    }
    assert (Engagement.objects.count(), Organization.objects.count()) == (engagements, clients)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sync_time_zone": "Europe/Atlantis"}, "sync_time_zone"),
        ({"sync_weekday": 7}, "sync_weekday"),
        ({"slug": "nordfer"}, "slug"),
        ({"key_prefix": "NORD"}, "key_prefix"),
        ({"key_prefix": "nord"}, "key_prefix"),
        ({"currency": "EUX"}, "currency"),
        ({"client_hourly_cost": "-1"}, "client_hourly_cost"),
        ({"agency_day_rate": "-0.01"}, "agency_day_rate"),
        ({"sync_duration_minutes": 2}, "sync_duration_minutes"),
        ({"client_name": "Atelier Test"}, "client_name"),
    ],
)
def test_opening_refuses_bad_input_with_a_field_error_and_saves_nothing(
    admin_client, change, field
):
    counts = (
        Engagement.objects.count(),
        Organization.objects.count(),
        RoleAssignment.objects.count(),
    )

    body = problem(admin_client.post(LIST, {**NEW, **change}), 400)

    assert list(body["errors"]) == [field]
    assert (
        Engagement.objects.count(),
        Organization.objects.count(),
        RoleAssignment.objects.count(),
    ) == counts


@pytest.mark.django_db
def test_opening_with_a_taken_slug_says_so(admin_client):
    body = problem(admin_client.post(LIST, {**NEW, "slug": "nordfer"}), 400)

    assert body["errors"] == {"slug": ["Engagement with this Slug already exists."]}


# --- Engagements: changing ------------------------------------------------------------------------


@pytest.mark.django_db
def test_agency_admin_changes_an_engagements_settings(admin_client, engagement):
    response = admin_client.patch(
        detail("nordfer"),
        {"review_cadence": "half_yearly", "agency_day_rate": "900.50", "sync_weekday": 0},
    )

    assert response.status_code == 200, response.content
    assert (
        response.json()["review_cadence"],
        response.json()["agency_day_rate"],
        response.json()["sync_weekday"],
    ) == ("half_yearly", "900.50", 0)
    engagement.refresh_from_db()
    assert (engagement.review_cadence, engagement.agency_day_rate, engagement.sync_weekday) == (
        "half_yearly",
        Decimal("900.50"),
        0,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"sync_time_zone": "Nowhere/Special"}, "sync_time_zone"),
        ({"sync_weekday": 7}, "sync_weekday"),
        ({"currency": "EUX"}, "currency"),
        ({"client_hourly_cost": "-10"}, "client_hourly_cost"),
        ({"agency_day_rate": "-1"}, "agency_day_rate"),
        ({"slug": "renamed"}, "slug"),
        ({"key_prefix": "NEWP"}, "key_prefix"),
    ],
)
def test_changing_refuses_bad_input_and_changes_nothing(admin_client, engagement, payload, field):
    before = engagement_snapshot(engagement)

    body = problem(admin_client.patch(detail("nordfer"), payload), 400)

    assert list(body["errors"]) == [field]
    assert engagement_snapshot(engagement) == before


@pytest.mark.django_db
def test_changing_an_engagement_needs_the_right_to_manage_the_team(
    api_client, director, engagement
):
    api_client.force_login(director)
    before = engagement_snapshot(engagement)

    body = problem(api_client.patch(detail("nordfer"), {"name": "Taken over"}), 403)

    assert body["detail"] == ("Your role on this engagement does not allow this: Manage the team.")
    assert body["type"] == "https://tandem.example/problems/forbidden"
    assert engagement_snapshot(engagement) == before


# --- Isolation ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_member_of_another_engagement_cannot_see_this_one(api_client, engagement, other_engagement):
    outsider = member(other_engagement, Role.AGENCY_ADMIN)
    api_client.force_login(outsider)
    before = engagement_snapshot(engagement)

    listed = api_client.get(LIST).json()["results"]
    missing = problem(api_client.get(detail("no-such-engagement")), 404)
    foreign = problem(api_client.get(detail("nordfer")), 404)
    patched = problem(api_client.patch(detail("nordfer"), {"name": "Mine now"}), 404)

    assert [e["slug"] for e in listed] == ["maison-lila"]
    # A stranger cannot tell a foreign engagement from a missing one.
    assert {k: v for k, v in foreign.items() if k != "instance"} == {
        k: v for k, v in missing.items() if k != "instance"
    }
    assert patched["detail"] == "Not found."
    assert engagement_snapshot(engagement) == before


# --- Throttling ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_still_answers_when_the_throttling_cache_is_unreachable(admin_client, caplog):
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    with override_settings(CACHES=unreachable), caplog.at_level(logging.WARNING):
        response = admin_client.get(LIST)

    assert response.status_code == 200
    assert [e["slug"] for e in response.json()["results"]] == ["nordfer"]
    assert "Throttling skipped, cache unreachable" in caplog.text


@pytest.mark.django_db
def test_too_many_requests_is_a_429_problem_with_retry_after(admin_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"principal": "2/minute"},
    }

    statuses = [admin_client.get(LIST).status_code for _ in range(2)]
    response = admin_client.get(LIST)

    assert statuses == [200, 200]
    body = problem(response, 429)
    assert body["type"] == "https://tandem.example/problems/throttled"
    assert body["title"] == "Too Many Requests"
    assert 0 < int(response["Retry-After"]) <= 60


@pytest.mark.django_db
def test_throttling_counts_each_person_separately(api_client, admin, director, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"principal": "1/minute"},
    }
    api_client.force_login(admin)
    first = api_client.get(LIST).status_code
    second = api_client.get(LIST).status_code
    api_client.force_login(director)

    assert (first, second, api_client.get(LIST).status_code) == (200, 429, 200)
