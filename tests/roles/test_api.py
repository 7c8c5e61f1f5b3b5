"""Role assignments through the API: the team of an engagement, managed by its admins."""

import datetime

import pytest
from django.core.cache import cache

from roles.models import Role, RoleAssignment
from tests.factories import RoleAssignmentFactory, UserFactory, member

PROBLEM = "application/problem+json"


def team(slug: str = "nordfer") -> str:
    return f"/api/v1/engagements/{slug}/role-assignments/"


def one(pk: int, slug: str = "nordfer") -> str:
    return f"/api/v1/engagements/{slug}/role-assignments/{pk}/"


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    return response.json()


def rows() -> list[tuple]:
    return list(
        RoleAssignment.objects.order_by("pk").values_list(
            "engagement_id", "person_id", "role", "allocation_percent", "start_date", "end_date"
        )
    )


@pytest.fixture(autouse=True)
def _private_cache(settings):
    # Throttling counters of other runs sharing Redis cannot leak into these tests.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tests-roles-api",
        }
    }
    cache.clear()


@pytest.fixture
def admin_client(api_client, admin_user):
    api_client.force_login(admin_user)
    return api_client


@pytest.fixture
def tester(engagement):
    person = UserFactory(email="tess@atelier.example", display_name="Tess Ter")
    return RoleAssignmentFactory(
        engagement=engagement,
        person=person,
        role=Role.TESTER,
        allocation_percent=40,
        start_date=datetime.date(2024, 3, 1),
    )


@pytest.fixture
def newcomer(engagement):
    # A colleague at the engagement's agency, not yet on its team.
    return UserFactory(
        email="noe@atelier.example", display_name="Noé Dev", organization=engagement.agency
    )


# --- Reading ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_member_reads_the_team(api_client, engagement, admin_user, tester):
    developer = member(engagement, Role.DEVELOPER)
    RoleAssignment.objects.filter(person=developer).update(
        start_date=datetime.date(2023, 1, 1), end_date=datetime.date(2023, 6, 30)
    )
    api_client.force_login(tester.person)

    response = api_client.get(team())

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(a["role"], a["person"]["email"], a["in_force"]) for a in results] == [
        ("agency_admin", "admin@atelier.example", True),
        ("developer", developer.email, False),
        ("tester", "tess@atelier.example", True),
    ]
    assert results[2] == {
        "id": tester.pk,
        "url": f"http://testserver/api/v1/engagements/nordfer/role-assignments/{tester.pk}/",
        "person": {"email": "tess@atelier.example", "display_name": "Tess Ter"},
        "role": "tester",
        "role_label": "Tester",
        "allocation_percent": 40,
        "start_date": "2024-03-01",
        "end_date": None,
        "in_force": True,
    }


@pytest.mark.django_db
def test_team_filters_by_role_and_person_email(admin_client, engagement, tester):
    member(engagement, Role.TESTER, email="second@atelier.example")

    by_role = admin_client.get(team() + "?role=tester").json()["results"]
    by_person = admin_client.get(team() + "?person=TESS@atelier.example").json()["results"]
    both = admin_client.get(team() + "?role=developer&person=tess@atelier.example").json()

    assert [a["person"]["email"] for a in by_role] == [
        "tess@atelier.example",
        "second@atelier.example",
    ]
    assert [a["id"] for a in by_person] == [tester.pk]
    assert both["results"] == []


@pytest.mark.django_db
def test_team_refuses_an_unknown_role_filter(admin_client):
    body = problem(admin_client.get(team() + "?role=boss"), 400)

    assert list(body["errors"]) == ["role"]


@pytest.mark.django_db
def test_member_reads_one_assignment(api_client, engagement, tester):
    api_client.force_login(member(engagement, Role.STAKEHOLDER))

    response = api_client.get(one(tester.pk))

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["allocation_percent"]) == (tester.pk, 40)


@pytest.mark.django_db
def test_missing_assignment_is_404(admin_client, engagement):
    body = problem(admin_client.get(one(999_999)), 404)

    assert body["detail"] == "Not found."


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 20])
def test_team_query_count_does_not_grow_with_rows(
    api_client, engagement, django_assert_num_queries, size
):
    viewer = member(engagement, Role.DEVELOPER)
    for _ in range(size - 1):
        member(engagement, Role.TESTER)
    api_client.force_login(viewer)

    # session, person, the engagement through the policy, the page of assignments with people
    with django_assert_num_queries(4):
        response = api_client.get(team())

    assert len(response.json()["results"]) == size


# --- Adding -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_adds_an_existing_person_to_the_team(admin_client, engagement, newcomer):
    response = admin_client.post(
        team(),
        {
            "person": "NOE@atelier.example",
            "role": "developer",
            "allocation_percent": 60,
            "start_date": "2025-01-06",
            "end_date": "2025-12-31",
        },
    )

    assert response.status_code == 201, response.content
    created = RoleAssignment.objects.get(person=newcomer)
    assert (
        created.engagement,
        created.role,
        created.allocation_percent,
        created.start_date,
        created.end_date,
    ) == (engagement, Role.DEVELOPER, 60, datetime.date(2025, 1, 6), datetime.date(2025, 12, 31))
    assert response["Location"] == (
        f"http://testserver/api/v1/engagements/nordfer/role-assignments/{created.pk}/"
    )
    assert response.json()["person"] == {"email": "noe@atelier.example", "display_name": "Noé Dev"}


@pytest.mark.django_db
def test_adding_without_allocation_or_dates_uses_full_time_from_today(admin_client, newcomer):
    response = admin_client.post(team(), {"person": newcomer.email, "role": "consultant"})

    assert response.status_code == 201
    body = response.json()
    assert (body["allocation_percent"], body["end_date"], body["in_force"]) == (100, None, True)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        (
            {"person": "noe@atelier.example", "role": "tester", "allocation_percent": 101},
            "allocation_percent",
            "Ensure this value is less than or equal to 100.",
        ),
        (
            {"person": "noe@atelier.example", "role": "boss"},
            "role",
            "“boss” is not a valid choice; choose one of: project_manager, consultant, "
            "business_analyst, tester, developer, agency_admin, director, stakeholder.",
        ),
        (
            {"person": "tess@atelier.example", "role": "tester"},
            "person",
            "This person already holds this role on the engagement.",
        ),
    ],
)
def test_adding_refuses_bad_input_and_saves_nothing(
    admin_client, newcomer, tester, payload, field, message
):
    before = rows()

    body = problem(admin_client.post(team(), payload), 400)

    assert body["errors"] == {field: [message]}
    assert rows() == before


@pytest.mark.django_db
def test_only_team_managers_add_people(api_client, engagement, director, newcomer):
    api_client.force_login(director)
    before = rows()

    body = problem(api_client.post(team(), {"person": newcomer.email, "role": "tester"}), 403)

    assert body["detail"] == "Your role on this engagement does not allow this: Manage the team."
    assert rows() == before


# --- Changing and removing ----------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_changes_allocation_and_dates(admin_client, tester):
    response = admin_client.patch(
        one(tester.pk), {"allocation_percent": 80, "end_date": "2026-06-30"}
    )

    assert response.status_code == 200, response.content
    tester.refresh_from_db()
    assert (tester.allocation_percent, tester.end_date) == (80, datetime.date(2026, 6, 30))
    assert response.json()["allocation_percent"] == 80


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"allocation_percent": 150}, "allocation_percent"),
        ({"allocation_percent": -5}, "allocation_percent"),
        ({"role": "developer"}, "role"),
        ({"person": "noe@atelier.example"}, "person"),
        ({"start_date": "not a date"}, "start_date"),
    ],
)
def test_changing_refuses_bad_input_and_changes_nothing(
    admin_client, tester, newcomer, payload, field
):
    before = rows()

    body = problem(admin_client.patch(one(tester.pk), payload), 400)

    assert list(body["errors"]) == [field]
    assert rows() == before


@pytest.mark.django_db
def test_admin_removes_an_assignment(admin_client, tester):
    response = admin_client.delete(one(tester.pk))

    assert response.status_code == 204
    assert not RoleAssignment.objects.filter(pk=tester.pk).exists()


@pytest.mark.django_db
def test_only_team_managers_change_or_remove(api_client, engagement, tester):
    api_client.force_login(member(engagement, Role.PROJECT_MANAGER))
    before = rows()

    answers = [
        api_client.patch(one(tester.pk), {"allocation_percent": 10}),
        api_client.delete(one(tester.pk)),
    ]

    assert [r.status_code for r in answers] == [403, 403]
    assert rows() == before


# --- Isolation ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_member_of_another_engagement_gets_404_on_this_team(
    api_client, engagement, other_engagement, tester, newcomer
):
    outsider = member(other_engagement, Role.AGENCY_ADMIN)
    api_client.force_login(outsider)
    before = rows()

    answers = [
        api_client.get(team()),
        api_client.get(one(tester.pk)),
        api_client.post(team(), {"person": newcomer.email, "role": "developer"}),
        api_client.patch(one(tester.pk), {"allocation_percent": 1}),
        api_client.delete(one(tester.pk)),
    ]

    assert [r.status_code for r in answers] == [404] * 5
    assert rows() == before


@pytest.mark.django_db
def test_an_assignment_is_found_only_under_its_own_engagement(
    api_client, engagement, other_engagement, tester
):
    # An admin of both engagements still cannot reach Nordfer's tester through Maison Lila.
    admin = member(other_engagement, Role.AGENCY_ADMIN)
    RoleAssignmentFactory(engagement=engagement, person=admin, role=Role.AGENCY_ADMIN)
    api_client.force_login(admin)
    before = rows()

    answers = [
        api_client.get(one(tester.pk, slug="maison-lila")),
        api_client.patch(one(tester.pk, slug="maison-lila"), {"allocation_percent": 1}),
        api_client.delete(one(tester.pk, slug="maison-lila")),
    ]

    assert [r.status_code for r in answers] == [404, 404, 404]
    assert rows() == before
