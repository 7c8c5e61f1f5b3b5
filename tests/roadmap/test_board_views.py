"""The roadmap pages: objectives, the board by quarter with its sums and capacity warning,
moving items with htmx, the item and settings forms, and isolation between engagements."""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import unquote

import pytest
import time_machine
from django.urls import reverse

from roadmap import services
from roadmap.models import RoadmapItem, RoadmapSettings, StrategicObjective
from roles.models import Role
from tests.backlog.factories import TicketFactory
from tests.factories import member
from tests.roadmap.factories import ObjectiveFactory, RoadmapItemFactory

pytestmark = pytest.mark.django_db

D = Decimal
# The board's default window from the current quarter, 2027-Q1: 2027-Q1 .. 2028-Q2.
TODAY = datetime.datetime(2027, 2, 10, 9, 0, tzinfo=datetime.UTC)


def board_url(engagement) -> str:
    return reverse("roadmap:board", args=[engagement.slug])


def move_url(item) -> str:
    return reverse("roadmap:item-move", args=[item.engagement.slug, item.pk])


@pytest.fixture
def consultant(engagement):
    return member(engagement, Role.CONSULTANT, email="consultant@atelier.example")


@pytest.fixture
def developer(engagement):
    return member(engagement, Role.DEVELOPER, email="dev@atelier.example")


# --- Objectives -----------------------------------------------------------------------------


def test_the_director_adds_an_objective_with_its_kpi_and_target(client, director, engagement):
    client.force_login(director)

    response = client.post(
        reverse("roadmap:objective-list", args=[engagement.slug]),
        {
            "title": "Grow B2B online",
            "kpi": "B2B online orders",
            "target": "+15 % by 2027",
            "horizon": "2027",
            "weight": "2",
            "status": "active",
            "position": "0",
        },
    )

    assert response.status_code == 302
    objective = StrategicObjective.objects.get(engagement=engagement)
    assert (objective.kpi, objective.target, objective.weight) == (
        "B2B online orders",
        "+15 % by 2027",
        D("2"),
    )
    page = client.get(reverse("roadmap:objective-list", args=[engagement.slug])).content.decode()
    assert "B2B online orders" in page and "+15 % by 2027" in page
    assert reverse("roadmap:objective-update", args=[engagement.slug, objective.pk]) in page


def test_the_consultant_edits_an_objective(client, consultant, engagement):
    objective = ObjectiveFactory(engagement=engagement, title="Grow B2B online")
    client.force_login(consultant)
    url = reverse("roadmap:objective-update", args=[engagement.slug, objective.pk])

    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "title": "Grow B2B online",
            "kpi": "Orders",
            "target": "+20 %",
            "horizon": "",
            "weight": "1",
            "status": "achieved",
            "position": "0",
        },
    )

    assert response.status_code == 302
    objective.refresh_from_db()
    assert (objective.kpi, objective.target, objective.status) == ("Orders", "+20 %", "achieved")


def test_a_duplicate_objective_title_is_shown_beside_the_title(client, director, engagement):
    ObjectiveFactory(engagement=engagement, title="Grow B2B online")
    client.force_login(director)

    response = client.post(
        reverse("roadmap:objective-list", args=[engagement.slug]),
        {"title": "Grow B2B online", "weight": "1", "status": "active", "position": "0"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "title": ["An objective of this engagement has this title."]
    }
    assert StrategicObjective.objects.count() == 1


def test_a_developer_reads_objectives_but_cannot_write_them(client, developer, engagement):
    objective = ObjectiveFactory(engagement=engagement, title="Grow B2B online")
    client.force_login(developer)
    list_url = reverse("roadmap:objective-list", args=[engagement.slug])

    page = client.get(list_url)
    assert page.status_code == 200 and page.context["form"] is None
    assert client.post(list_url, {"title": "Mine", "weight": "1"}).status_code == 403
    update_url = reverse("roadmap:objective-update", args=[engagement.slug, objective.pk])
    assert client.post(update_url, {"title": "Changed", "weight": "1"}).status_code == 403
    assert list(StrategicObjective.objects.values_list("title", flat=True)) == ["Grow B2B online"]


# --- The board ------------------------------------------------------------------------------


@pytest.fixture
def planned(engagement):
    """Q1: A (19,200, 6 d) and B (3,000, 2.5 d) in one item; Q2: C (no value, 4 d); capacity 8."""
    a = TicketFactory(
        engagement=engagement,
        annual_revenue_gain=D("10000"),
        annual_cost_savings=D("2000"),
        hours_saved_per_month=D("10"),
        effort_days=D("6"),
    )
    b = TicketFactory(engagement=engagement, annual_revenue_gain=D("3000"), effort_days=D("2.5"))
    c = TicketFactory(engagement=engagement, effort_days=D("4"))
    objective = ObjectiveFactory(engagement=engagement, title="Grow B2B online")
    services.roadmap_settings_update(
        engagement=engagement, data={"capacity_days_per_quarter": D("8")}
    )
    return {
        "punch_out": RoadmapItemFactory(
            engagement=engagement,
            title="Punch-out catalogue",
            quarter="2027-Q1",
            tickets=[a, b],
            objectives=[objective],
        ),
        "search": RoadmapItemFactory(
            engagement=engagement, title="Site search", quarter="2027-Q2", tickets=[c]
        ),
        "idea": RoadmapItemFactory(
            engagement=engagement, title="Loyalty scheme", quarter="", lane="later"
        ),
    }


@time_machine.travel(TODAY, tick=False)
def test_the_board_shows_quarters_lanes_sums_and_an_over_capacity_warning(
    client, director, engagement, planned
):
    client.force_login(director)

    response = client.get(board_url(engagement))

    assert response.status_code == 200
    board = response.context["board"]
    assert [column.key for column in board.quarters] == [
        "2027-Q1",
        "2027-Q2",
        "2027-Q3",
        "2027-Q4",
        "2028-Q1",
        "2028-Q2",
    ]
    assert [column.key for column in board.lanes] == ["now", "next", "later"]
    q1 = board.quarters[0]
    assert (q1.annual_value, q1.effort_days, q1.capacity_days, q1.over_capacity) == (
        D("22200"),
        D("8.5"),
        D("8"),
        True,
    )
    assert board.quarters[1].over_capacity is False
    content = response.content.decode()
    assert "Over capacity: 8.5 person-days planned for 8 available." in content
    assert content.count("Over capacity") == 1
    assert "€22,200.00" in content
    assert "Punch-out catalogue" in content and "Grow B2B online" in content
    assert "Loyalty scheme" in content
    assert move_url(planned["punch_out"]) in content
    # The board's script moves cards (drag, Alt+arrows, the Move to menu) through that URL.
    assert 'id="roadmap-board" class="board-wrap" data-board data-move-field="to"' in content


@time_machine.travel(TODAY, tick=False)
def test_moving_an_item_with_htmx_returns_the_updated_board(
    client, consultant, engagement, planned
):
    client.force_login(consultant)
    item = planned["punch_out"]

    response = client.post(
        move_url(item), {"to": "2027-Q2", "start": "2026-Q4"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert response.templates[0].name == "roadmap/_board.html"
    item.refresh_from_db()
    assert (item.quarter, item.lane) == ("2027-Q2", "")
    board = response.context["board"]
    q1, q2 = board.quarters[1], board.quarters[2]
    assert (q1.effort_days, q1.over_capacity, q1.items) == (D("0"), False, [])
    assert (q2.effort_days, q2.over_capacity) == (D("12.5"), True)
    assert [i.title for i in q2.items] == ["Site search", "Punch-out catalogue"]
    content = response.content.decode()
    assert "“Punch-out catalogue” moved to 2027-Q2." in content
    assert "<html" not in content


@time_machine.travel(TODAY, tick=False)
def test_an_item_moves_to_a_lane_and_back_without_htmx(client, consultant, engagement, planned):
    client.force_login(consultant)
    item = planned["idea"]

    response = client.post(move_url(item), {"to": "2027-Q3"})

    assert response.status_code == 302
    assert response["Location"] == board_url(engagement)
    item.refresh_from_db()
    assert (item.quarter, item.lane) == ("2027-Q3", "")
    client.post(move_url(item), {"to": "now"})
    item.refresh_from_db()
    assert (item.quarter, item.lane) == ("", "now")


@time_machine.travel(TODAY, tick=False)
def test_an_invalid_move_changes_nothing_and_says_why(client, consultant, engagement, planned):
    client.force_login(consultant)
    item = planned["punch_out"]

    response = client.post(move_url(item), {"to": "2027-Q9"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 400
    assert "Choose a quarter (for example 2027-Q1) or now, next or later." in (
        response.content.decode()
    )
    # The reason for the board's toast, which puts the card back.
    assert unquote(response["X-Tandem-Message"]) == (
        "Choose a quarter (for example 2027-Q1) or now, next or later."
    )
    item.refresh_from_db()
    assert (item.quarter, item.lane) == ("2027-Q1", "")


@time_machine.travel(TODAY, tick=False)
def test_a_developer_sees_the_board_without_moves_and_cannot_move(
    client, developer, engagement, planned
):
    client.force_login(developer)

    content = client.get(board_url(engagement)).content.decode()
    assert "Punch-out catalogue" in content
    assert move_url(planned["punch_out"]) not in content

    response = client.post(move_url(planned["punch_out"]), {"to": "2027-Q2"})
    assert response.status_code == 403
    planned["punch_out"].refresh_from_db()
    assert planned["punch_out"].quarter == "2027-Q1"


@time_machine.travel(TODAY, tick=False)
def test_the_board_window_shifts_with_start(client, director, engagement):
    client.force_login(director)

    response = client.get(board_url(engagement), {"start": "2028-Q3"})

    assert [c.key for c in response.context["board"].quarters][:2] == ["2028-Q3", "2028-Q4"]
    assert response.context["earlier"] == "2027-Q1"
    fallback = client.get(board_url(engagement), {"start": "soon"})
    assert fallback.context["board"].quarters[0].key == "2027-Q1"


@pytest.mark.parametrize("size", [2, 20])
@time_machine.travel(TODAY, tick=False)
def test_the_board_page_costs_the_same_queries_for_2_and_20_items(
    client, director, engagement, django_assert_num_queries, size
):
    objectives = ObjectiveFactory.create_batch(2, engagement=engagement)
    for index in range(size):
        RoadmapItemFactory(
            engagement=engagement,
            quarter="2027-Q1" if index % 3 else "",
            lane="" if index % 3 else "now",
            tickets=TicketFactory.create_batch(2, engagement=engagement, effort_days=D("1")),
            objectives=objectives,
        )
    client.force_login(director)

    with django_assert_num_queries(BOARD_PAGE_QUERIES):
        response = client.get(board_url(engagement))

    assert response.status_code == 200
    assert sum(len(c.items) for c in response.context["board"].columns) == size


BOARD_PAGE_QUERIES = 9


# --- Items and settings ---------------------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_the_consultant_creates_an_item_with_open_tickets_and_objectives(
    client, consultant, engagement
):
    ticket = TicketFactory(engagement=engagement, title="Punch-out API")
    done = TicketFactory(engagement=engagement, title="Old work", status="done")
    objective = ObjectiveFactory(engagement=engagement)
    client.force_login(consultant)
    url = reverse("roadmap:item-create", args=[engagement.slug])

    page = client.get(url)
    choices = [t.pk for t in page.context["form"].fields["tickets"].queryset]
    assert choices == [ticket.pk]
    assert done.pk not in choices
    assert page.context["form"]["placement"].initial == "2027-Q1"
    response = client.post(
        url,
        {
            "title": "Punch-out catalogue",
            "description": "",
            "placement": "2027-Q2",
            "status": "planned",
            "objectives": [objective.pk],
            "tickets": [ticket.pk],
        },
    )

    assert response.status_code == 302
    item = RoadmapItem.objects.get()
    assert (item.title, item.quarter, item.lane) == ("Punch-out catalogue", "2027-Q2", "")
    assert list(item.tickets.all()) == [ticket]
    assert list(item.objectives.all()) == [objective]


@time_machine.travel(TODAY, tick=False)
def test_an_item_form_naming_another_engagements_ticket_is_refused(
    client, consultant, engagement, other_engagement
):
    foreign = TicketFactory(engagement=other_engagement)
    foreign_objective = ObjectiveFactory(engagement=other_engagement)
    item = RoadmapItemFactory(engagement=engagement, title="Punch-out catalogue")
    client.force_login(consultant)

    response = client.post(
        reverse("roadmap:item-update", args=[engagement.slug, item.pk]),
        {
            "title": "Changed",
            "placement": "now",
            "status": "planned",
            "tickets": [foreign.pk],
            "objectives": [foreign_objective.pk],
        },
    )

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"tickets", "objectives"}
    item.refresh_from_db()
    assert (item.title, item.quarter, item.tickets.count(), item.objectives.count()) == (
        "Punch-out catalogue",
        "2027-Q1",
        0,
        0,
    )


@time_machine.travel(TODAY, tick=False)
def test_an_item_keeps_its_done_ticket_when_edited(client, consultant, engagement):
    done = TicketFactory(engagement=engagement, status="done")
    item = RoadmapItemFactory(engagement=engagement, title="Delivered", tickets=[done])
    client.force_login(consultant)
    url = reverse("roadmap:item-update", args=[engagement.slug, item.pk])

    page = client.get(url)
    assert done.pk in [t.pk for t in page.context["form"].fields["tickets"].queryset]
    response = client.post(
        url,
        {"title": "Delivered", "placement": "2027-Q1", "status": "delivered", "tickets": [done.pk]},
    )

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "delivered" and list(item.tickets.all()) == [done]


def test_the_director_and_the_agency_admin_change_the_capacity(
    client, director, admin_user, engagement
):
    url = reverse("roadmap:settings", args=[engagement.slug])
    client.force_login(director)

    response = client.post(
        url, {"capacity_days_per_quarter": "45.5", "value_realisation_weeks": "6"}
    )

    assert response.status_code == 302
    settings = RoadmapSettings.objects.get(engagement=engagement)
    assert (settings.capacity_days_per_quarter, settings.value_realisation_weeks) == (D("45.5"), 6)
    client.force_login(admin_user)
    client.post(url, {"capacity_days_per_quarter": "60", "value_realisation_weeks": "6"})
    settings.refresh_from_db()
    assert settings.capacity_days_per_quarter == D("60")


def test_a_consultant_cannot_change_roadmap_settings(client, consultant, engagement):
    client.force_login(consultant)
    url = reverse("roadmap:settings", args=[engagement.slug])

    assert client.get(url).status_code == 403
    response = client.post(url, {"capacity_days_per_quarter": "1", "value_realisation_weeks": "1"})
    assert response.status_code == 403
    assert RoadmapSettings.objects.count() == 0


# --- Isolation ------------------------------------------------------------------------------


def test_another_engagements_member_gets_404_on_every_roadmap_page(
    client, engagement, other_engagement
):
    item = RoadmapItemFactory(engagement=engagement, title="Secret item QX")
    objective = ObjectiveFactory(engagement=engagement, title="Secret objective QX")
    stranger = member(other_engagement, Role.AGENCY_ADMIN)
    member(other_engagement, Role.DIRECTOR)
    client.force_login(stranger)
    slug = engagement.slug
    urls = [
        reverse("roadmap:objective-list", args=[slug]),
        reverse("roadmap:objective-update", args=[slug, objective.pk]),
        reverse("roadmap:board", args=[slug]),
        reverse("roadmap:settings", args=[slug]),
        reverse("roadmap:item-create", args=[slug]),
        reverse("roadmap:item-update", args=[slug, item.pk]),
        reverse("roadmap:item-move", args=[slug, item.pk]),
        # Their own engagement's slug with this engagement's ids.
        reverse("roadmap:objective-update", args=[other_engagement.slug, objective.pk]),
        reverse("roadmap:item-update", args=[other_engagement.slug, item.pk]),
        reverse("roadmap:item-move", args=[other_engagement.slug, item.pk]),
    ]

    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"to": "now", "title": "Stolen"})
            if response.status_code == 405:
                continue
            assert response.status_code == 404, (method, url, response.status_code)
            assert "Secret" not in response.content.decode()
    item.refresh_from_db()
    objective.refresh_from_db()
    assert (item.title, item.quarter, objective.title) == (
        "Secret item QX",
        "2027-Q1",
        "Secret objective QX",
    )
    assert RoadmapSettings.objects.count() == 0


def test_the_engagement_navigation_links_objectives_and_roadmap(client, director, engagement):
    client.force_login(director)

    content = client.get(reverse("collab:engagement-detail", args=[engagement.slug])).content
    content = content.decode()

    assert reverse("roadmap:objective-list", args=[engagement.slug]) in content
    assert reverse("roadmap:board", args=[engagement.slug]) in content
