"""Roadmap items: placing them in a quarter or a lane, linking tickets and objectives of the
same engagement only, moving them, and the board's sums computed from their tickets."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from backlog.models import Status
from roadmap import selectors, services
from roadmap.models import ObjectiveStatus, RoadmapItem, RoadmapItemStatus, RoadmapSettings
from roadmap.quarters import Quarter, quarter_range
from tests.backlog.factories import TicketFactory
from tests.roadmap.factories import ObjectiveFactory, RoadmapItemFactory

D = Decimal


def item_row(item: RoadmapItem) -> dict:
    return {
        **RoadmapItem.objects.filter(pk=item.pk).values().get(),
        "tickets": sorted(item.tickets.values_list("pk", flat=True)),
        "objectives": sorted(item.objectives.values_list("pk", flat=True)),
    }


# --- Objectives -----------------------------------------------------------------------------


def test_an_objective_carries_a_kpi_a_target_and_a_status(engagement):
    objective = services.objective_create(
        engagement=engagement,
        title="Grow B2B online",
        kpi="B2B online orders",
        target="+15 % by 2027",
    )
    assert objective.status == ObjectiveStatus.ACTIVE

    services.objective_update(actor=None, objective=objective, data={"status": "achieved"})

    objective.refresh_from_db()
    assert (objective.kpi, objective.target, objective.status) == (
        "B2B online orders",
        "+15 % by 2027",
        "achieved",
    )


def test_an_unknown_objective_status_is_refused(engagement):
    objective = services.objective_create(engagement=engagement, title="Grow B2B online")

    with pytest.raises(ValidationError) as refusal:
        services.objective_update(actor=None, objective=objective, data={"status": "forgotten"})

    assert "status" in refusal.value.message_dict
    objective.refresh_from_db()
    assert objective.status == "active"


# --- Items ----------------------------------------------------------------------------------


def test_an_item_is_created_in_a_quarter_with_tickets_and_objectives(engagement):
    ticket = TicketFactory(engagement=engagement)
    objective = ObjectiveFactory(engagement=engagement)

    item = services.roadmap_item_create(
        engagement=engagement,
        title="Punch-out catalogue",
        quarter="2027-q1",
        tickets=[ticket],
        objectives=[objective],
    )

    assert (item.quarter, item.lane, item.status, item.position) == ("2027-Q1", "", "planned", 0)
    assert list(item.tickets.all()) == [ticket]
    assert list(item.objectives.all()) == [objective]
    second = services.roadmap_item_create(engagement=engagement, title="B", quarter="2027-Q1")
    assert second.position == 1
    in_lane = services.roadmap_item_create(engagement=engagement, title="C", lane="now")
    assert (in_lane.quarter, in_lane.lane, in_lane.position) == ("", "now", 0)


@pytest.mark.parametrize(
    ("placement", "field"),
    [
        ({}, "quarter"),
        ({"quarter": "2027-Q1", "lane": "now"}, "quarter"),
        ({"quarter": "2027-Q5"}, "quarter"),
        ({"quarter": "next year"}, "quarter"),
        ({"lane": "someday"}, "lane"),
    ],
)
def test_an_item_needs_exactly_one_valid_quarter_or_lane(engagement, placement, field):
    with pytest.raises(ValidationError) as refusal:
        services.roadmap_item_create(engagement=engagement, title="Nowhere", **placement)

    assert field in refusal.value.message_dict
    assert RoadmapItem.objects.count() == 0


def test_tickets_or_objectives_of_another_engagement_are_refused_with_a_field_error(
    engagement, other_engagement
):
    own = TicketFactory(engagement=engagement)
    foreign_ticket = TicketFactory(engagement=other_engagement)
    foreign_objective = ObjectiveFactory(engagement=other_engagement)

    with pytest.raises(ValidationError) as refusal:
        services.roadmap_item_create(
            engagement=engagement, title="X", quarter="2027-Q1", tickets=[own, foreign_ticket]
        )
    assert refusal.value.message_dict == {"tickets": ["This belongs to another engagement."]}
    with pytest.raises(ValidationError) as refusal:
        services.roadmap_item_create(
            engagement=engagement, title="X", quarter="2027-Q1", objectives=[foreign_objective]
        )
    assert refusal.value.message_dict == {"objectives": ["This belongs to another engagement."]}
    assert RoadmapItem.objects.count() == 0

    item = RoadmapItemFactory(engagement=engagement, tickets=[own])
    before = item_row(item)
    with pytest.raises(ValidationError) as refusal:
        services.roadmap_item_tickets_set(item=item, tickets=[foreign_ticket])
    assert refusal.value.message_dict == {"tickets": ["This belongs to another engagement."]}
    with pytest.raises(ValidationError) as refusal:
        services.roadmap_item_update(
            item=item, data={"title": "Renamed", "objectives": [foreign_objective]}
        )
    assert refusal.value.message_dict == {"objectives": ["This belongs to another engagement."]}
    assert item_row(item) == before


def test_tickets_set_replaces_the_linked_tickets(engagement):
    first, second, third = TicketFactory.create_batch(3, engagement=engagement)
    item = RoadmapItemFactory(engagement=engagement, tickets=[first, second])

    services.roadmap_item_tickets_set(item=item, tickets=[second, third])

    assert sorted(item.tickets.values_list("pk", flat=True)) == [second.pk, third.pk]


def test_moving_an_item_to_a_quarter_clears_its_lane_and_appends_it(engagement):
    RoadmapItemFactory(engagement=engagement, quarter="2027-Q2", position=4)
    item = RoadmapItemFactory(engagement=engagement, quarter="", lane="later")

    services.roadmap_item_move(item=item, quarter="2027-Q2")
    item.refresh_from_db()
    assert (item.quarter, item.lane, item.position) == ("2027-Q2", "", 5)

    services.roadmap_item_move(item=item, lane="next", position=2)
    item.refresh_from_db()
    assert (item.quarter, item.lane, item.position) == ("", "next", 2)


def test_an_update_changes_the_fields_and_the_placement(engagement):
    ticket = TicketFactory(engagement=engagement)
    item = RoadmapItemFactory(engagement=engagement, quarter="2027-Q1")

    services.roadmap_item_update(
        item=item,
        data={"title": "Renamed", "lane": "now", "status": "in_progress", "tickets": [ticket]},
    )

    item.refresh_from_db()
    assert (item.title, item.quarter, item.lane, item.status) == (
        "Renamed",
        "",
        "now",
        "in_progress",
    )
    assert list(item.tickets.all()) == [ticket]
    with pytest.raises(ValidationError) as refusal:
        services.roadmap_item_update(item=item, data={"engagement": 3})
    assert "engagement" in refusal.value.message_dict


def test_roadmap_settings_are_created_on_first_change_and_validated(engagement):
    assert selectors.roadmap_settings_get(engagement=engagement).capacity_days_per_quarter == 120
    assert RoadmapSettings.objects.count() == 0

    services.roadmap_settings_update(
        engagement=engagement,
        data={"capacity_days_per_quarter": D("45.5"), "value_realisation_weeks": 6},
    )
    settings = selectors.roadmap_settings_get(engagement=engagement)
    assert (settings.capacity_days_per_quarter, settings.value_realisation_weeks) == (D("45.5"), 6)

    with pytest.raises(ValidationError) as refusal:
        services.roadmap_settings_update(
            engagement=engagement, data={"capacity_days_per_quarter": D("-1")}
        )
    assert "capacity_days_per_quarter" in refusal.value.message_dict
    settings.refresh_from_db()
    assert settings.capacity_days_per_quarter == D("45.5")


# --- Sums and the board ---------------------------------------------------------------------


@pytest.fixture
def planned(engagement):
    """Tickets with value figures (client hourly cost 60) and items over two quarters and a lane.

    A: 10,000 + 2,000 + 12 x 10 h x 60 = 19,200, 5 d; B: 3,000, 2.5 d; C: no figures, 4 d;
    R: rejected (never counted), 99,999, 50 d.
    """
    assert engagement.client_hourly_cost == 60
    a = TicketFactory(
        engagement=engagement,
        annual_revenue_gain=D("10000"),
        annual_cost_savings=D("2000"),
        hours_saved_per_month=D("10"),
        effort_days=D("5"),
    )
    b = TicketFactory(engagement=engagement, annual_revenue_gain=D("3000"), effort_days=D("2.5"))
    c = TicketFactory(engagement=engagement, effort_days=D("4"))
    r = TicketFactory(
        engagement=engagement,
        annual_revenue_gain=D("99999"),
        effort_days=D("50"),
        status=Status.REJECTED,
    )
    services.roadmap_settings_update(
        engagement=engagement, data={"capacity_days_per_quarter": D("10")}
    )
    return {
        "x": RoadmapItemFactory(engagement=engagement, quarter="2027-Q1", tickets=[a, b, r]),
        "y": RoadmapItemFactory(engagement=engagement, quarter="2027-Q1", tickets=[b, c]),
        "z": RoadmapItemFactory(engagement=engagement, quarter="2027-Q2", tickets=[c]),
        "dropped": RoadmapItemFactory(
            engagement=engagement,
            quarter="2027-Q2",
            status=RoadmapItemStatus.DROPPED,
            tickets=[a],
        ),
        "empty": RoadmapItemFactory(engagement=engagement, quarter="2027-Q3"),
        "now": RoadmapItemFactory(engagement=engagement, quarter="", lane="now", tickets=[a]),
    }


def test_an_items_value_and_effort_are_summed_from_its_tickets(engagement, planned):
    items = {item.pk: item for item in selectors.roadmap_item_list(engagement=engagement)}

    x, y, z = items[planned["x"].pk], items[planned["y"].pk], items[planned["z"].pk]
    empty = items[planned["empty"].pk]
    assert (x.annual_value, x.effort_days, x.ticket_count) == (D("22200"), D("7.5"), 3)
    assert (y.annual_value, y.effort_days, y.ticket_count) == (D("3000"), D("6.5"), 2)
    assert (z.annual_value, z.effort_days, z.ticket_count) == (None, D("4"), 1)
    assert (empty.annual_value, empty.effort_days, empty.ticket_count) == (None, D("0"), 0)


def test_the_board_sums_each_quarter_once_per_ticket_and_warns_over_capacity(engagement, planned):
    board = selectors.roadmap_board(
        engagement=engagement,
        quarters=quarter_range(Quarter(2026, 4), Quarter(2027, 3)),
        current=Quarter(2027, 1),
    )

    by_key = {column.key: column for column in board.columns}
    assert [column.key for column in board.columns] == [
        "2026-Q4",
        "2027-Q1",
        "2027-Q2",
        "2027-Q3",
        "now",
        "next",
        "later",
    ]
    q1, q2 = by_key["2027-Q1"], by_key["2027-Q2"]
    # B is in both items of Q1: A + B + C once each.
    assert (q1.annual_value, q1.effort_days, q1.capacity_days) == (D("22200"), D("11.5"), D("10"))
    assert q1.over_capacity is True
    assert q1.remaining_days == D("-1.5")
    assert q1.is_current and not q1.is_past
    assert [item.pk for item in q1.items] == [planned["x"].pk, planned["y"].pk]
    # The dropped item shows but counts in no sum.
    assert (q2.annual_value, q2.effort_days, q2.over_capacity) == (D("0"), D("4"), False)
    assert [item.pk for item in q2.items] == [planned["z"].pk, planned["dropped"].pk]
    assert by_key["2026-Q4"].is_past and by_key["2026-Q4"].items == []
    assert (by_key["now"].annual_value, by_key["now"].effort_days) == (D("19200"), D("5"))
    assert by_key["now"].capacity_days is None and by_key["now"].over_capacity is False
    assert [item.pk for item in by_key["now"].items] == [planned["now"].pk]


def test_a_quarter_at_exactly_its_capacity_is_not_over(engagement):
    ticket = TicketFactory(engagement=engagement, effort_days=D("10"))
    RoadmapItemFactory(engagement=engagement, quarter="2027-Q1", tickets=[ticket])
    services.roadmap_settings_update(
        engagement=engagement, data={"capacity_days_per_quarter": D("10")}
    )

    board = selectors.roadmap_board(engagement=engagement, quarters=[Quarter(2027, 1)])

    assert board.quarters[0].effort_days == D("10")
    assert board.quarters[0].over_capacity is False


def test_another_engagements_items_and_tickets_never_reach_the_board(engagement, other_engagement):
    foreign = TicketFactory(engagement=other_engagement, effort_days=D("30"))
    RoadmapItemFactory(engagement=other_engagement, quarter="2027-Q1", tickets=[foreign])

    board = selectors.roadmap_board(engagement=engagement, quarters=[Quarter(2027, 1)])

    assert board.quarters[0].items == []
    assert board.quarters[0].effort_days == D("0")


@pytest.mark.parametrize("size", [2, 20])
def test_the_board_costs_the_same_queries_for_2_and_20_items(
    engagement, django_assert_num_queries, size
):
    objective = ObjectiveFactory(engagement=engagement)
    for index in range(size):
        tickets = TicketFactory.create_batch(2, engagement=engagement, effort_days=D("1"))
        RoadmapItemFactory(
            engagement=engagement,
            quarter="2027-Q1" if index % 2 else "",
            lane="" if index % 2 else "next",
            tickets=tickets,
            objectives=[objective],
        )

    with django_assert_num_queries(4):
        board = selectors.roadmap_board(
            engagement=engagement, quarters=[Quarter(2027, 1), Quarter(2027, 2)]
        )
        for column in board.columns:
            for item in column.items:
                list(item.objectives.all())

    assert sum(len(column.items) for column in board.columns) == size
    assert board.quarters[0].effort_days == D(size)


def test_the_default_board_shows_the_previous_the_current_and_four_next_quarters():
    quarters = selectors.default_board_quarters(current=Quarter(2026, 4))

    assert [str(q) for q in quarters] == [
        "2026-Q3",
        "2026-Q4",
        "2027-Q1",
        "2027-Q2",
        "2027-Q3",
        "2027-Q4",
    ]
