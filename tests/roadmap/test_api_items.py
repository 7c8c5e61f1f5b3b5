"""The roadmap API: objectives with KPI, target and status; roadmap items (filters, create,
change, move, delete); the board by quarter with its sums; isolation between engagements."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache

from collab.services import api_token_create
from roadmap import services
from roadmap.models import RoadmapItem, StrategicObjective
from roles.models import Role
from tests.backlog.factories import TicketFactory
from tests.factories import member
from tests.roadmap.factories import ObjectiveFactory, RoadmapItemFactory

D = Decimal
PROBLEM = "application/problem+json"
TODAY = datetime.datetime(2027, 2, 10, 9, 0, tzinfo=datetime.UTC)


def items_url(slug: str = "nordfer") -> str:
    return f"/api/v1/engagements/{slug}/roadmap-items/"


def item_url(pk: int, slug: str = "nordfer") -> str:
    return f"/api/v1/engagements/{slug}/roadmap-items/{pk}/"


def board_url(slug: str = "nordfer") -> str:
    return f"/api/v1/engagements/{slug}/roadmap/"


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    return response.json()


def item_row(item: RoadmapItem) -> dict:
    return {
        **RoadmapItem.objects.filter(pk=item.pk).values().get(),
        "tickets": sorted(item.tickets.values_list("pk", flat=True)),
        "objectives": sorted(item.objectives.values_list("pk", flat=True)),
    }


@pytest.fixture(autouse=True)
def _private_cache(settings):
    # Throttling counters of other runs sharing Redis cannot leak into these tests.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tests-roadmap-api",
        }
    }
    cache.clear()


@pytest.fixture
def consultant(engagement):
    return member(engagement, Role.CONSULTANT, email="consultant@atelier.example")


@pytest.fixture
def as_consultant(api_client, consultant):
    api_client.force_login(consultant)
    return api_client


@pytest.fixture
def tickets(engagement):
    """A: 10,000 + 2,000 + 12 x 10 h x 60 = 19,200, 5 d; B: 3,000, 2.5 d."""
    return {
        "a": TicketFactory(
            engagement=engagement,
            annual_revenue_gain=D("10000"),
            annual_cost_savings=D("2000"),
            hours_saved_per_month=D("10"),
            effort_days=D("5"),
        ),
        "b": TicketFactory(
            engagement=engagement, annual_revenue_gain=D("3000"), effort_days=D("2.5")
        ),
    }


# --- Objectives -----------------------------------------------------------------------------


def test_objectives_carry_kpi_target_and_status(as_consultant, engagement):
    response = as_consultant.post(
        f"/api/v1/engagements/{engagement.slug}/objectives/",
        {"title": "Grow B2B online", "kpi": "B2B online orders", "target": "+15 % by 2027"},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kpi"], body["target"], body["status"]) == (
        "B2B online orders",
        "+15 % by 2027",
        "active",
    )
    response = as_consultant.patch(body["url"], {"status": "achieved"}, format="json")
    assert response.json()["status"] == "achieved"
    assert StrategicObjective.objects.get().status == "achieved"
    refused = as_consultant.patch(body["url"], {"status": "forgotten"}, format="json")
    assert "status" in problem(refused, 400)["errors"]


# --- Items ----------------------------------------------------------------------------------


def test_an_item_is_created_with_ticket_keys_and_objective_ids_and_read_with_its_sums(
    as_consultant, engagement, tickets
):
    objective = ObjectiveFactory(engagement=engagement)
    a, b = tickets["a"], tickets["b"]

    response = as_consultant.post(
        items_url(),
        {
            "title": "Punch-out catalogue",
            "quarter": "2027-Q1",
            "objectives": [objective.pk],
            "tickets": [b.key, a.key],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    item = RoadmapItem.objects.get()
    assert response["Location"] == body["url"]
    assert body["url"].endswith(item_url(item.pk))
    assert {k: body[k] for k in ("title", "quarter", "lane", "status", "position")} == {
        "title": "Punch-out catalogue",
        "quarter": "2027-Q1",
        "lane": "",
        "status": "planned",
        "position": 0,
    }
    assert body["objectives"] == [objective.pk]
    assert body["tickets"] == [a.key, b.key]
    assert (body["ticket_count"], body["annual_value"], body["effort_days"]) == (
        2,
        "22200.00",
        "7.50",
    )
    assert as_consultant.get(body["url"]).json() == body


def test_the_list_filters_by_quarter_lane_and_status(as_consultant, engagement):
    q1 = RoadmapItemFactory(engagement=engagement, quarter="2027-Q1")
    q2 = RoadmapItemFactory(engagement=engagement, quarter="2027-Q2", status="in_progress")
    later = RoadmapItemFactory(engagement=engagement, quarter="", lane="later")

    def ids(**params):
        response = as_consultant.get(items_url(), params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [q1.pk, q2.pk, later.pk]
    assert ids(quarter="2027-Q1") == [q1.pk]
    assert ids(lane="later") == [later.pk]
    assert ids(status="in_progress") == [q2.pk]
    assert "quarter" in problem(as_consultant.get(items_url(), {"quarter": "soon"}), 400)["errors"]


def test_patch_moves_an_item_to_a_lane_and_replaces_its_tickets(as_consultant, engagement, tickets):
    item = RoadmapItemFactory(engagement=engagement, quarter="2027-Q1", tickets=[tickets["a"]])

    response = as_consultant.patch(
        item_url(item.pk), {"lane": "next", "tickets": [tickets["b"].key]}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["quarter"], body["lane"], body["tickets"]) == ("", "next", [tickets["b"].key])
    assert (body["annual_value"], body["effort_days"]) == ("3000.00", "2.50")


def test_writes_naming_another_engagements_tickets_or_objectives_get_a_field_error(
    as_consultant, engagement, other_engagement, tickets
):
    foreign_ticket = TicketFactory(engagement=other_engagement)
    foreign_objective = ObjectiveFactory(engagement=other_engagement)
    item = RoadmapItemFactory(engagement=engagement, tickets=[tickets["a"]])
    before = item_row(item)

    refused = as_consultant.post(
        items_url(),
        {"title": "X", "quarter": "2027-Q1", "tickets": [foreign_ticket.key]},
        format="json",
    )
    assert problem(refused, 400)["errors"] == {
        "tickets": [f"No ticket {foreign_ticket.key} in this engagement."]
    }
    refused = as_consultant.patch(
        item_url(item.pk), {"objectives": [foreign_objective.pk]}, format="json"
    )
    assert problem(refused, 400)["errors"] == {
        "objectives": [f"No objective {foreign_objective.pk} in this engagement."]
    }
    refused = as_consultant.patch(item_url(item.pk), {"engagement": 1}, format="json")
    assert problem(refused, 400)["errors"] == {"engagement": ["This field cannot be changed."]}
    assert RoadmapItem.objects.count() == 1
    assert item_row(item) == before


def test_an_item_in_both_a_quarter_and_a_lane_is_refused(as_consultant, engagement):
    response = as_consultant.post(
        items_url(), {"title": "X", "quarter": "2027-Q1", "lane": "now"}, format="json"
    )

    assert "quarter" in problem(response, 400)["errors"]
    assert RoadmapItem.objects.count() == 0


def test_delete_removes_the_item_but_keeps_its_tickets(as_consultant, engagement, tickets):
    item = RoadmapItemFactory(engagement=engagement, tickets=[tickets["a"]])

    response = as_consultant.delete(item_url(item.pk))

    assert response.status_code == 204
    assert RoadmapItem.objects.count() == 0
    tickets["a"].refresh_from_db()


def test_a_developer_and_a_read_token_read_items_but_cannot_write(
    api_client, engagement, consultant
):
    item = RoadmapItemFactory(engagement=engagement, title="Kept")
    developer = member(engagement, Role.DEVELOPER)
    api_client.force_login(developer)

    assert api_client.get(item_url(item.pk)).status_code == 200
    problem(api_client.post(items_url(), {"title": "X", "lane": "now"}, format="json"), 403)
    problem(api_client.patch(item_url(item.pk), {"title": "Y"}, format="json"), 403)
    problem(api_client.delete(item_url(item.pk)), 403)

    api_client.logout()
    token = api_token_create(
        engagement=engagement, name="BI", scope="read", created_by=consultant
    ).raw_key
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api_client.get(items_url()).status_code == 200
    problem(api_client.patch(item_url(item.pk), {"title": "Y"}, format="json"), 403)
    item.refresh_from_db()
    assert item.title == "Kept"


def test_a_write_token_creates_an_item(api_client, engagement, consultant):
    token = api_token_create(
        engagement=engagement, name="Planner", scope="write", created_by=consultant
    ).raw_key
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = api_client.post(
        items_url(), {"title": "From a script", "lane": "now"}, format="json"
    )

    assert response.status_code == 201, response.content
    assert RoadmapItem.objects.get().title == "From a script"


# --- The board ------------------------------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_the_board_gives_each_quarters_sums_capacity_and_warning(
    api_client, consultant, engagement, tickets
):
    as_consultant = api_client
    as_consultant.force_login(consultant)
    services.roadmap_settings_update(
        engagement=engagement, data={"capacity_days_per_quarter": D("6")}
    )
    item = RoadmapItemFactory(
        engagement=engagement, quarter="2027-Q1", tickets=[tickets["a"], tickets["b"]]
    )
    RoadmapItemFactory(engagement=engagement, quarter="", lane="now", tickets=[tickets["b"]])

    response = as_consultant.get(board_url())

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["current_quarter"], body["currency"], body["capacity_days_per_quarter"]) == (
        "2027-Q1",
        "EUR",
        "6.0",
    )
    assert [c["key"] for c in body["quarters"]] == [
        "2026-Q4",
        "2027-Q1",
        "2027-Q2",
        "2027-Q3",
        "2027-Q4",
        "2028-Q1",
    ]
    q1 = body["quarters"][1]
    assert {k: q1[k] for k in ("annual_value", "effort_days", "capacity_days")} == {
        "annual_value": "22200.00",
        "effort_days": "7.50",
        "capacity_days": "6.0",
    }
    assert (q1["over_capacity"], q1["is_current"], q1["is_past"]) == (True, True, False)
    assert [i["id"] for i in q1["items"]] == [item.pk]
    assert body["quarters"][0]["over_capacity"] is False
    now = body["lanes"][0]
    assert (now["key"], now["annual_value"], now["effort_days"], now["capacity_days"]) == (
        "now",
        "3000.00",
        "2.50",
        None,
    )

    shifted = as_consultant.get(board_url(), {"start": "2027-Q1", "count": 2}).json()
    assert [c["key"] for c in shifted["quarters"]] == ["2027-Q1", "2027-Q2"]
    assert "start" in problem(as_consultant.get(board_url(), {"start": "Q1"}), 400)["errors"]
    assert "count" in problem(as_consultant.get(board_url(), {"count": 40}), 400)["errors"]


@pytest.mark.parametrize("size", [2, 20])
@time_machine.travel(TODAY, tick=False)
def test_the_board_and_the_list_cost_the_same_queries_for_2_and_20_items(
    api_client, engagement, django_assert_num_queries, size
):
    viewer = member(engagement, Role.STAKEHOLDER)
    objective = ObjectiveFactory(engagement=engagement)
    for index in range(size):
        RoadmapItemFactory(
            engagement=engagement,
            quarter="2027-Q1" if index % 2 else "",
            lane="" if index % 2 else "later",
            tickets=TicketFactory.create_batch(2, engagement=engagement, effort_days=D("1")),
            objectives=[objective],
        )
    api_client.force_login(viewer)

    # session, person, the engagement through the policy; the settings, the items with their
    # sums, their objectives, their tickets, the columns' totals
    with django_assert_num_queries(8):
        board = api_client.get(board_url())
    # session, person, engagement; the page of items with their sums, objectives, tickets
    with django_assert_num_queries(6):
        listed = api_client.get(items_url(), {"page_size": 50})

    columns = board.json()["quarters"] + board.json()["lanes"]
    assert sum(len(c["items"]) for c in columns) == size
    assert len(listed.json()["results"]) == size


# --- Isolation ------------------------------------------------------------------------------


def test_another_engagements_member_and_token_get_404_on_every_roadmap_endpoint(
    api_client, engagement, other_engagement
):
    item = RoadmapItemFactory(engagement=engagement, title="Secret item QX")
    objective = ObjectiveFactory(engagement=engagement, title="Secret objective QX")
    stranger = member(other_engagement, Role.AGENCY_ADMIN)
    token = api_token_create(
        engagement=other_engagement, name="Lila", scope="write", created_by=stranger
    ).raw_key
    before = item_row(item)
    urls = [
        items_url(),
        item_url(item.pk),
        board_url(),
        f"/api/v1/engagements/nordfer/objectives/{objective.pk}/",
        # Their own engagement with this engagement's ids.
        item_url(item.pk, slug=other_engagement.slug),
        f"/api/v1/engagements/{other_engagement.slug}/objectives/{objective.pk}/",
    ]

    for authenticate in (
        lambda: api_client.force_login(stranger),
        lambda: api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}"),
    ):
        api_client.logout()
        api_client.credentials()
        authenticate()
        for url in urls:
            for method in ("get", "post", "patch", "delete"):
                response = getattr(api_client, method)(
                    url, {"title": "Stolen", "lane": "now"}, format="json"
                )
                if response.status_code == 405:
                    continue
                assert response.status_code == 404, (method, url, response.status_code)
                assert "Secret" not in response.content.decode()

    assert item_row(item) == before
    assert RoadmapItem.objects.count() == 1
    objective.refresh_from_db()
    assert objective.title == "Secret objective QX"
