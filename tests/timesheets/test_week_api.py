"""The approvals through the API: the week decisions listed with filters and cursor pagination,
for the agency and tokens only; another engagement's answer 404."""

import datetime

import pytest
from django.urls import reverse

from backlog.timesheets.models import TimesheetWeek
from collab.services import api_token_create
from roles.models import Role
from tests.factories import EngagementFactory, member
from tests.timesheets.conftest import MONDAY, NOW

pytestmark = pytest.mark.django_db


def _url(engagement):
    return reverse("api-timesheet-week-list", args=[engagement.slug])


def _week(engagement, person, monday, status, decided_by, reason=""):
    return TimesheetWeek.objects.create(
        engagement=engagement,
        person=person,
        week_start=monday,
        status=status,
        reason=reason,
        decided_by=decided_by,
        decided_at=NOW,
    )


@pytest.fixture
def weeks(engagement, developer, manager):
    earlier = MONDAY - datetime.timedelta(days=7)
    return [
        _week(engagement, developer, MONDAY, "approved", manager),
        _week(engagement, developer, earlier, "returned", manager, reason="Split it"),
        _week(engagement, manager, earlier, "approved", manager),
    ]


def test_the_manager_lists_the_decisions_latest_week_first(api_client, engagement, manager, weeks):
    api_client.force_authenticate(manager)
    response = api_client.get(_url(engagement))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(row["week_start"], row["status"], row["person"]) for row in rows] == [
        ("2026-03-09", "approved", weeks[0].person_id),
        ("2026-03-02", "approved", weeks[2].person_id),
        ("2026-03-02", "returned", weeks[1].person_id),
    ]
    assert rows[2]["reason"] == "Split it" and rows[2]["decided_by"] == manager.pk


def test_filters_person_status_and_weeks(api_client, engagement, developer, manager, weeks):
    api_client.force_authenticate(manager)

    def statuses(**params):
        rows = api_client.get(_url(engagement), params).json()["results"]
        return [(row["week_start"], row["status"]) for row in rows]

    assert statuses(person=developer.pk) == [
        ("2026-03-09", "approved"),
        ("2026-03-02", "returned"),
    ]
    assert statuses(status="returned") == [("2026-03-02", "returned")]
    # Any day of a week counts from its Monday.
    assert statuses(week_from="2026-03-11") == [("2026-03-09", "approved")]
    assert statuses(week_to="2026-03-08", person=manager.pk) == [("2026-03-02", "approved")]
    refused = api_client.get(_url(engagement), {"status": "pending"})
    assert refused.status_code == 400 and "status" in refused.json()["errors"]


def test_cursor_pagination(api_client, engagement, developer, manager):
    for n in range(5):
        _week(engagement, developer, MONDAY - datetime.timedelta(days=7 * n), "approved", manager)
    api_client.force_authenticate(manager)
    first = api_client.get(_url(engagement), {"page_size": 2}).json()
    assert [row["week_start"] for row in first["results"]] == ["2026-03-09", "2026-03-02"]
    second = api_client.get(first["next"]).json()
    assert [row["week_start"] for row in second["results"]] == ["2026-02-23", "2026-02-16"]


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.STAKEHOLDER])
def test_the_clients_people_get_403(api_client, engagement, weeks, role):
    api_client.force_authenticate(member(engagement, role))
    assert api_client.get(_url(engagement)).status_code == 403


def test_a_read_token_lists_them(api_client, engagement, admin_user, weeks):
    raw = api_token_create(
        engagement=engagement, created_by=admin_user, name="BI", scope="read"
    ).raw_key
    response = api_client.get(_url(engagement), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200 and len(response.json()["results"]) == 3


def test_another_engagements_people_get_404_and_see_none_of_these(api_client, engagement, weeks):
    other = EngagementFactory()
    stranger = member(other, Role.PROJECT_MANAGER)
    api_client.force_authenticate(stranger)
    assert api_client.get(_url(engagement)).status_code == 404
    assert api_client.get(_url(other)).json()["results"] == []


@pytest.mark.parametrize("count", [1, 20])
def test_the_list_reads_in_constant_queries(
    api_client, engagement, developer, manager, count, django_assert_num_queries
):
    for n in range(count):
        _week(engagement, developer, MONDAY - datetime.timedelta(days=7 * n), "approved", manager)
    api_client.force_authenticate(manager)
    with django_assert_num_queries(QUERIES):
        assert api_client.get(_url(engagement)).status_code == 200


QUERIES = 2
