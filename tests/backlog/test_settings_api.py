"""The backlog settings through the API: read by members and tokens with an ETag, changed by
the director and the agency admin under If-Match, refused to tokens and other roles, problem
documents for bad input, isolation and the query budget."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache

from backlog import selectors
from backlog.models import ResponsibilityPolicy, ScoringSettings
from collab.services import api_token_create
from roles.models import Role
from tests.backlog.factories import TicketFactory
from tests.backlog.test_settings_services import DEFAULT_ROUTING, stored
from tests.factories import member

D = Decimal
PROBLEM = "application/problem+json"
DEFAULTS = {
    "scoring_model": "value_per_effort",
    "strategic_weight": "0.250",
    "wsjf_value_per_point": "10000.00",
    "rice_impact_unit": "10000.00",
    "impact_analysis_threshold_days": "5.00",
    "requires_client_acceptance": True,
    "qa_required": True,
    "separation_of_duties": True,
    "routing": DEFAULT_ROUTING,
}


@pytest.fixture(autouse=True)
def _private_cache(settings):
    # Throttling counters of other runs sharing Redis cannot leak into these tests.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tests-backlog-settings-api",
        }
    }
    cache.clear()


def url(slug: str = "nordfer") -> str:
    return f"/api/v1/engagements/{slug}/backlog-settings/"


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    return response.json()


def etag_of(engagement) -> str:
    return (
        f'W/"backlog-settings-{selectors.backlog_settings_get(engagement=engagement).fingerprint}"'
    )


# --- Reading ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_member_reads_the_settings_with_their_etag(api_client, engagement, role):
    api_client.force_login(member(engagement, role))

    response = api_client.get(url())

    assert response.status_code == 200
    assert response.json() == DEFAULTS
    assert response["ETag"] == etag_of(engagement)


@pytest.mark.parametrize("scope", ["read", "write"])
def test_read_and_write_tokens_read_the_stored_settings(api_client, engagement, scope):
    admin = member(engagement, Role.AGENCY_ADMIN)
    ScoringSettings.objects.create(
        engagement=engagement, model="rice", strategic_weight=D("1.5"), qa_required=False
    )
    ResponsibilityPolicy.objects.create(engagement=engagement, kind="bug", role="developer")
    token = api_token_create(engagement=engagement, name="BI", scope=scope, created_by=admin)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.raw_key}")

    response = api_client.get(url())

    assert response.status_code == 200
    assert response.json() == {
        **DEFAULTS,
        "scoring_model": "rice",
        "strategic_weight": "1.500",
        "qa_required": False,
        "routing": {**DEFAULT_ROUTING, "bug": "developer"},
    }


def test_another_engagement_answers_404_to_its_members_and_tokens(
    api_client, engagement, other_engagement
):
    outsider = member(other_engagement, Role.DIRECTOR)
    token = api_token_create(
        engagement=other_engagement, name="CI", scope="write", created_by=outsider
    )
    api_client.force_login(outsider)

    problem(api_client.get(url()), 404)
    problem(api_client.patch(url(), {"scoring_model": "wsjf"}, HTTP_IF_MATCH="*"), 404)
    api_client.logout()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.raw_key}")
    problem(api_client.get(url()), 404)
    problem(api_client.patch(url(), {"scoring_model": "wsjf"}, HTTP_IF_MATCH="*"), 404)
    assert stored(engagement) == ([], [])


# --- Changing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.AGENCY_ADMIN])
def test_the_director_and_the_agency_admin_change_scoring_and_routing(api_client, engagement, role):
    api_client.force_login(member(engagement, role))
    etag = api_client.get(url())["ETag"]

    response = api_client.patch(
        url(),
        {
            "scoring_model": "wsjf",
            "wsjf_value_per_point": "2500",
            "requires_client_acceptance": False,
            "routing": {"bug": "developer", "question": "project_manager"},
        },
        HTTP_IF_MATCH=etag,
    )

    assert response.status_code == 200, response.content
    assert response.json() == {
        **DEFAULTS,
        "scoring_model": "wsjf",
        "wsjf_value_per_point": "2500.00",
        "requires_client_acceptance": False,
        "routing": {**DEFAULT_ROUTING, "bug": "developer", "question": "project_manager"},
    }
    assert response["ETag"] == etag_of(engagement) != etag
    row = ScoringSettings.objects.get(engagement=engagement)
    assert (row.model, row.wsjf_value_per_point, row.requires_client_acceptance) == (
        "wsjf",
        D("2500.00"),
        False,
    )


@pytest.mark.parametrize("role", [Role.PROJECT_MANAGER, Role.TESTER, Role.STAKEHOLDER])
def test_other_roles_get_403_and_nothing_changes(api_client, engagement, role):
    api_client.force_login(member(engagement, role))

    body = problem(
        api_client.patch(url(), {"scoring_model": "wsjf"}, HTTP_IF_MATCH=etag_of(engagement)), 403
    )

    assert body["detail"] == (
        "Your role on this engagement does not allow this: Configure scoring and workflow."
    )
    assert stored(engagement) == ([], [])


@pytest.mark.parametrize("scope", ["read", "write"])
def test_no_token_changes_the_settings_even_one_created_by_the_director(
    api_client, engagement, scope
):
    director = member(engagement, Role.DIRECTOR)
    token = api_token_create(engagement=engagement, name="CI", scope=scope, created_by=director)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.raw_key}")

    problem(
        api_client.patch(url(), {"scoring_model": "wsjf"}, HTTP_IF_MATCH=etag_of(engagement)), 403
    )

    assert stored(engagement) == ([], [])


def test_a_patch_from_a_stale_etag_is_412_and_writes_nothing(api_client, engagement, director):
    api_client.force_login(director)
    etag = api_client.get(url())["ETag"]
    first = api_client.patch(url(), {"routing": {"bug": "developer"}}, HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    after_first = stored(engagement)

    body = problem(api_client.patch(url(), {"scoring_model": "rice"}, HTTP_IF_MATCH=etag), 412)

    assert body["type"] == "https://tandem.example/problems/precondition-failed"
    assert stored(engagement) == after_first


def test_a_patch_without_if_match_is_428_and_writes_nothing(api_client, engagement, director):
    api_client.force_login(director)

    body = problem(api_client.patch(url(), {"scoring_model": "rice"}), 428)

    assert body["type"] == "https://tandem.example/problems/precondition-required"
    assert stored(engagement) == ([], [])


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        (
            {"strategic_weight": "-1"},
            {"strategic_weight": ["Ensure this value is greater than or equal to 0."]},
        ),
        (
            {"wsjf_value_per_point": "0"},
            {"wsjf_value_per_point": ["Ensure this value is greater than or equal to 0.01."]},
        ),
        (
            {"rice_impact_unit": "0.00"},
            {"rice_impact_unit": ["Ensure this value is greater than or equal to 0.01."]},
        ),
        (
            {"impact_analysis_threshold_days": "-0.5"},
            {
                "impact_analysis_threshold_days": [
                    "Ensure this value is greater than or equal to 0."
                ]
            },
        ),
        ({"scoring_model": "moscow"}, {"scoring_model": ['"moscow" is not a valid choice.']}),
        ({"model": "wsjf"}, {"model": ["This is not a backlog setting."]}),
        ({"routing": {"bug": "director"}}, {"routing": ['bug: "director" is not a valid choice.']}),
        (
            {"routing": {"epic": "tester", "bug": "developer"}},
            {
                "routing": [
                    "epic: This is not a kind of ticket "
                    "(feature, improvement, bug, platform_upgrade, security, question)."
                ]
            },
        ),
        (
            {"routing": ["bug", "tester"]},
            {"routing": ["non_field_errors: Invalid data. Expected a dictionary, but got list."]},
        ),
    ],
)
def test_bad_input_is_a_400_problem_with_field_errors_and_writes_nothing(
    api_client, engagement, director, payload, errors
):
    ResponsibilityPolicy.objects.create(engagement=engagement, kind="bug", role="tester")
    before = stored(engagement)
    api_client.force_login(director)

    body = problem(
        api_client.patch(
            url(), {"qa_required": False, **payload}, HTTP_IF_MATCH=etag_of(engagement)
        ),
        400,
    )

    assert body["errors"] == errors
    assert stored(engagement) == before


def test_a_new_ticket_is_routed_by_the_routing_the_api_set(api_client, engagement, director):
    developer = member(engagement, Role.DEVELOPER, email="dev@atelier.example")
    api_client.force_login(director)
    assert (
        api_client.patch(
            url(), {"routing": {"bug": "developer"}}, HTTP_IF_MATCH=etag_of(engagement)
        ).status_code
        == 200
    )

    response = api_client.post(
        "/api/v1/engagements/nordfer/tickets/", {"title": "Crash on checkout", "kind": "bug"}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["responsible_role"], body["assignee"]["email"], body["unrouted"]) == (
        "developer",
        developer.email,
        False,
    )


# --- Query budget -------------------------------------------------------------------------------


@pytest.mark.parametrize(("tickets", "rows"), [(2, False), (20, False), (2, True), (20, True)])
def test_reading_costs_the_same_queries_whatever_the_data(
    api_client, engagement, django_assert_num_queries, tickets, rows
):
    viewer = member(engagement, Role.STAKEHOLDER)
    for n in range(tickets):
        TicketFactory(engagement=engagement, annual_revenue_gain=D(100 + n), effort_days=D("1"))
    if rows:
        ScoringSettings.objects.create(engagement=engagement, model="wsjf")
        for kind in ("bug", "security"):
            ResponsibilityPolicy.objects.create(engagement=engagement, kind=kind, role="developer")
    api_client.force_login(viewer)

    # session, person, the engagement with the person's roles, scoring settings, routing
    with django_assert_num_queries(5):
        response = api_client.get(url())

    assert response.status_code == 200
    assert response.json()["scoring_model"] == ("wsjf" if rows else "value_per_effort")
