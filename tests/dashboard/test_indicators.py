"""The backlog, rhythm and roadmap indicators, computed on constructed data with exact values."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from backlog.indicators import (
    DefectCounts,
    Proactivity,
    backlog_value,
    defects_by_finder,
    proactivity_by_quarter,
    qa_first_pass,
    value_delivered_by_quarter,
)
from backlog.models import QAVerdict, TicketHistory
from collab.models import ReviewCadence
from collab.rhythm.indicators import action_item_counts, rhythm_by_engagement
from collab.rhythm.models import ActionItem, Meeting
from roadmap.dashboard.charts import Chart, Series, sparkline_json, trend_text
from roadmap.dashboard.selectors import current_quarter, director_home, engagement_health_list
from roadmap.indicators import (
    ReviewState,
    add_months,
    overdue_reviews,
    planned_by_quarter,
    planned_for_quarter,
    review_status,
)
from roadmap.models import RoadmapItem
from roadmap.quarters import Quarter
from roadmap.reviews.models import Review
from roles.models import Role
from roles.policy import engagements_visible_to
from tests.backlog.factories import TicketFactory
from tests.factories import EngagementFactory, RoleAssignmentFactory, UserFactory, member

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2026, 5, 15, 12, 0, tzinfo=UTC)  # 2026-Q2


def at(year, month, day, hour=12):
    return dt.datetime(year, month, day, hour, tzinfo=UTC)


def ticket(engagement, **fields):
    return TicketFactory(engagement=engagement, **fields)


def initiative(engagement, status, created_at, decision=""):
    return ticket(
        engagement,
        origin="agency_initiative",
        status=status,
        created_at=created_at,
        initiative_decision=decision,
    )


def test_proactivity_counts_initiatives_per_quarter_and_what_the_client_answered(engagement):
    initiative(engagement, "analysis", at(2026, 1, 10), "accepted")
    initiative(engagement, "done", at(2026, 2, 1), "accepted")
    initiative(engagement, "triage", at(2026, 3, 31), "declined")
    initiative(engagement, "new", at(2026, 3, 1))
    # The agency moved it past triage itself: no client answer, not accepted.
    initiative(engagement, "in_progress", at(2026, 3, 2))
    initiative(engagement, "ready", at(2026, 4, 2), "accepted")
    ticket(engagement, origin="client_request", status="done", created_at=at(2026, 1, 5))

    result = proactivity_by_quarter(engagements=[engagement])[engagement.pk]

    assert result == {
        "2026-Q1": Proactivity(initiatives=5, accepted=2, rejected=1),
        "2026-Q2": Proactivity(initiatives=1, accepted=1, rejected=0),
    }
    assert result["2026-Q1"].pending == 2
    assert result["2026-Q1"].accepted_share == Decimal(2) / Decimal(3)
    assert Proactivity().accepted_share is None


def test_proactivity_since_leaves_out_older_quarters(engagement):
    initiative(engagement, "analysis", at(2025, 12, 31), "accepted")
    initiative(engagement, "analysis", at(2026, 1, 1, 0), "accepted")

    result = proactivity_by_quarter(engagements=[engagement], since=at(2026, 1, 1, 0))

    assert result[engagement.pk] == {"2026-Q1": Proactivity(initiatives=1, accepted=1)}


def test_share_of_defects_found_by_the_client(engagement, other_engagement):
    for found_by, created in (
        ("client", at(2026, 1, 5)),
        ("client", at(2026, 4, 5)),
        ("agency_qa", at(2026, 1, 6)),
        ("agency_qa", at(2026, 4, 6)),
        ("agency_qa", at(2026, 4, 7)),
        ("monitoring", at(2026, 4, 8)),
        ("", at(2026, 4, 9)),
    ):
        ticket(engagement, kind="bug", found_by=found_by, created_at=created)
    ticket(engagement, kind="feature", found_by="client", created_at=at(2026, 4, 9))

    result = defects_by_finder(engagements=[engagement, other_engagement])

    defects = result[engagement.pk]
    assert defects.by_quarter == {
        "2026-Q1": DefectCounts(client=1, agency_qa=1),
        "2026-Q2": DefectCounts(client=1, agency_qa=2, monitoring=1),
    }
    assert defects.overall == DefectCounts(client=2, agency_qa=3, monitoring=1)
    assert defects.overall.client_share == Decimal(2) / Decimal(6)
    assert defects.by_quarter["2026-Q1"].client_share == Decimal("0.5")
    assert result[other_engagement.pk].overall.client_share is None


def verdict(t, passed, recorded_at):
    QAVerdict.objects.create(
        engagement=t.engagement,
        ticket=t,
        tester=UserFactory(),
        passed=passed,
        recorded_at=recorded_at,
    )


def test_qa_first_pass_rate_reads_each_tickets_first_verdict(engagement):
    failed_then_passed, passed, passed_then_failed = (ticket(engagement) for _ in range(3))
    ticket(engagement)  # never tested
    verdict(failed_then_passed, False, at(2026, 1, 1))
    verdict(failed_then_passed, True, at(2026, 1, 2))
    verdict(passed, True, at(2026, 1, 3))
    verdict(passed_then_failed, False, at(2026, 1, 9))
    verdict(passed_then_failed, True, at(2026, 1, 8))

    result = qa_first_pass(engagements=[engagement])[engagement.pk]

    assert (result.tested, result.passed_first) == (3, 2)
    assert result.rate == Decimal(2) / Decimal(3)


def test_value_in_the_backlog_sums_the_open_tickets_annual_values(engagement):
    # Hourly cost 60: 1,000 + 500 + 12 x 10 h x 60 = 8,700.
    ticket(
        engagement,
        status="ready",
        annual_revenue_gain=Decimal("1000"),
        annual_cost_savings=Decimal("500"),
        hours_saved_per_month=Decimal("10"),
    )
    ticket(engagement, status="on_hold", annual_revenue_gain=Decimal("300"))
    ticket(engagement, status="new")  # no value figures: counts as an open ticket, adds nothing
    ticket(engagement, status="done", annual_revenue_gain=Decimal("99999"))
    ticket(engagement, status="rejected", annual_revenue_gain=Decimal("99999"))

    result = backlog_value(engagements=[engagement])[engagement.pk]

    assert result.annual_value == Decimal("9000")
    assert result.open_tickets == 3


def done(engagement, when, revenue):
    t = ticket(engagement, status="done", annual_revenue_gain=Decimal(revenue))
    TicketHistory.objects.create(
        engagement=engagement, ticket=t, field="status", before="qa", after="done", at=when
    )
    return t


def test_value_delivered_per_quarter_uses_the_time_the_ticket_was_done(engagement):
    done(engagement, at(2026, 3, 31, 23), "5000")
    done(engagement, at(2026, 2, 1), "2000")
    done(engagement, at(2026, 4, 1, 1), "700")
    reopened = done(engagement, at(2025, 12, 1), "400")
    # Reopened and done again in 2026-Q1: the last move to done counts.
    TicketHistory.objects.create(
        engagement=engagement,
        ticket=reopened,
        field="status",
        before="qa",
        after="done",
        at=at(2026, 1, 20),
    )
    moved_back = done(engagement, at(2026, 1, 3), "800")
    moved_back.status = "in_progress"
    moved_back.save()

    result = value_delivered_by_quarter(engagements=[engagement])[engagement.pk]

    assert {q: (d.annual_value, d.tickets) for q, d in result.items()} == {
        "2026-Q1": (Decimal("7400"), 3),
        "2026-Q2": (Decimal("700"), 1),
    }


def meeting(engagement, kind, starts_at, status="scheduled"):
    return Meeting.objects.create(
        engagement=engagement,
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=1),
        status=status,
    )


def test_rhythm_gives_the_last_held_and_next_scheduled_sync(engagement, other_engagement):
    sync, review = Meeting.Kind.WEEKLY_SYNC, Meeting.Kind.ROADMAP_REVIEW
    meeting(engagement, sync, at(2026, 5, 5), status="held")
    last = meeting(engagement, sync, at(2026, 5, 12), status="held")
    meeting(engagement, sync, at(2026, 5, 14), status="cancelled")
    upcoming = meeting(engagement, sync, at(2026, 5, 19))
    meeting(engagement, sync, at(2026, 5, 26))
    missed = meeting(engagement, review, at(2026, 4, 1))

    result = rhythm_by_engagement(engagements=[engagement, other_engagement], now=NOW)

    mine = result[engagement.pk]
    assert (mine.last_sync.pk, mine.last_sync.starts_at) == (last.pk, at(2026, 5, 12))
    assert mine.next_sync.pk == upcoming.pk
    assert mine.missed_review.pk == missed.pk
    assert mine.next_review is None and mine.last_review is None
    assert result[other_engagement.pk].last_sync is None
    assert result[other_engagement.pk].next_sync is None


def test_open_and_overdue_action_items(engagement):
    owner = UserFactory()
    for due, status in (
        (dt.date(2026, 5, 10), "open"),
        (dt.date(2026, 5, 14), "open"),
        (dt.date(2026, 5, 15), "open"),
        (dt.date(2026, 5, 1), "done"),
    ):
        ActionItem.objects.create(
            engagement=engagement,
            title="Send the mock-ups",
            owner=owner,
            due_date=due,
            status=status,
        )

    result = action_item_counts(engagements=[engagement], today=dt.date(2026, 5, 15))

    assert (result[engagement.pk].open, result[engagement.pk].overdue) == (3, 2)


def test_planned_this_quarter_sums_the_tickets_of_the_quarters_items_once(engagement):
    shared = ticket(engagement, annual_revenue_gain=Decimal("1000"))
    alone = ticket(engagement, annual_revenue_gain=Decimal("250"))
    rejected = ticket(engagement, status="rejected", annual_revenue_gain=Decimal("9999"))
    later = ticket(engagement, annual_revenue_gain=Decimal("7777"))
    dropped_only = ticket(engagement, annual_revenue_gain=Decimal("5555"))
    first = RoadmapItem.objects.create(engagement=engagement, title="Checkout", quarter="2026-Q2")
    second = RoadmapItem.objects.create(engagement=engagement, title="B2B", quarter="2026-Q2")
    dropped = RoadmapItem.objects.create(
        engagement=engagement, title="Old idea", quarter="2026-Q2", status="dropped"
    )
    next_quarter = RoadmapItem.objects.create(
        engagement=engagement, title="Search", quarter="2026-Q3"
    )
    first.tickets.add(shared, rejected)
    second.tickets.add(shared, alone)
    dropped.tickets.add(dropped_only)
    next_quarter.tickets.add(later)

    result = planned_for_quarter(engagements=[engagement], quarter=Quarter(2026, 2))

    assert result[engagement.pk].annual_value == Decimal("1250")
    assert result[engagement.pk].items == 2


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert add_months(at(2026, 1, 31), 1) == at(2026, 2, 28)
    assert add_months(at(2026, 11, 15), 3) == at(2027, 2, 15)
    assert add_months(at(2026, 6, 30), 12) == at(2027, 6, 30)


def statuses(*engagements):
    ids = [e.pk for e in engagements]
    return review_status(
        engagements=engagements,
        rhythm=rhythm_by_engagement(engagements=ids, now=NOW),
        overdue=overdue_reviews(engagements=ids, now=NOW),
        now=NOW,
    )


def test_review_due_within_two_weeks_scheduled_beyond(engagement, other_engagement):
    review = Meeting.Kind.ROADMAP_REVIEW
    meeting(engagement, review, at(2026, 5, 28))
    meeting(other_engagement, review, at(2026, 6, 20))

    result = statuses(engagement, other_engagement)

    assert result[engagement.pk].state == ReviewState.DUE
    assert result[engagement.pk].label == "Due soon"
    assert result[other_engagement.pk].state == ReviewState.SCHEDULED


def test_review_overdue_when_a_review_meeting_passed_without_being_held(engagement):
    missed = meeting(engagement, Meeting.Kind.ROADMAP_REVIEW, at(2026, 5, 1))

    result = statuses(engagement)[engagement.pk]

    assert result.state == ReviewState.OVERDUE
    assert result.overdue
    assert result.meeting.pk == missed.pk


def test_review_overdue_when_a_held_review_is_still_not_signed_off(engagement, other_engagement):
    held = meeting(engagement, Meeting.Kind.ROADMAP_REVIEW, at(2026, 5, 1), status="held")
    signed = meeting(other_engagement, Meeting.Kind.ROADMAP_REVIEW, at(2026, 5, 1), status="held")
    review = Review.objects.create(
        engagement=engagement, meeting=held, period_start=at(2026, 2, 1), period_end=at(2026, 5, 1)
    )
    Review.objects.create(
        engagement=other_engagement,
        meeting=signed,
        period_start=at(2026, 2, 1),
        period_end=at(2026, 5, 1),
        state="signed_off",
        signed_off_at=at(2026, 5, 1, 14),
    )
    meeting(engagement, Meeting.Kind.ROADMAP_REVIEW, at(2026, 8, 1))
    meeting(other_engagement, Meeting.Kind.ROADMAP_REVIEW, at(2026, 8, 1))

    result = statuses(engagement, other_engagement)

    assert result[engagement.pk].state == ReviewState.OVERDUE
    assert (result[engagement.pk].overdue_review_pk, result[engagement.pk].overdue_count) == (
        review.pk,
        1,
    )
    assert result[other_engagement.pk].state == ReviewState.SCHEDULED
    assert result[other_engagement.pk].overdue_review_pk is None


def test_review_overdue_when_none_is_scheduled_a_cadence_after_the_last(engagement):
    engagement.review_cadence = ReviewCadence.QUARTERLY
    engagement.save()
    meeting(engagement, Meeting.Kind.ROADMAP_REVIEW, at(2026, 2, 10), status="held")
    recent = EngagementFactory(review_cadence=ReviewCadence.QUARTERLY)
    meeting(recent, Meeting.Kind.ROADMAP_REVIEW, at(2026, 3, 1), status="held")

    result = statuses(engagement, recent)

    assert result[engagement.pk].state == ReviewState.OVERDUE
    assert result[engagement.pk].due_by == at(2026, 5, 10)
    assert result[recent.pk].state == ReviewState.NOT_SCHEDULED
    assert result[recent.pk].due_by == at(2026, 6, 1)


def test_current_quarter_is_counted_in_utc():
    assert current_quarter(dt.datetime(2026, 3, 31, 23, 30, tzinfo=UTC)) == Quarter(2026, 1)
    assert current_quarter(dt.datetime(2026, 4, 1, 0, 30, tzinfo=UTC)) == Quarter(2026, 2)


def test_a_card_shows_last_quarters_delivery_and_this_quarters_plan(engagement):
    done(engagement, at(2026, 2, 1), "2000")
    done(engagement, at(2026, 5, 1), "300")
    item = RoadmapItem.objects.create(engagement=engagement, title="Checkout", quarter="2026-Q2")
    item.tickets.add(ticket(engagement, annual_revenue_gain=Decimal("1000")))
    initiative(engagement, "analysis", at(2026, 5, 2), "accepted")
    initiative(engagement, "rejected", at(2025, 9, 2), "declined")
    initiative(engagement, "rejected", at(2025, 3, 2), "declined")  # more than four quarters ago

    with time_machine.travel(NOW, tick=False):
        card = engagement_health_list(engagements=[engagement])[0]

    assert (card.current_quarter, card.last_quarter) == (Quarter(2026, 2), Quarter(2026, 1))
    assert card.delivered_last_quarter.annual_value == Decimal("2000")
    assert card.planned.annual_value == Decimal("1000")
    assert card.proactivity_this_quarter == Proactivity(initiatives=1, accepted=1)
    assert card.proactivity_recent == Proactivity(initiatives=2, accepted=1, rejected=1)


def test_a_chart_gives_chart_js_its_figures_and_the_table_the_same_in_the_readers_language():
    chart = Chart(
        categories=["2026-Q1", "2026-Q2"],
        series=[
            Series("client", "Client", [3, 0]),
            Series("agency_qa", "Agency QA", [1, 1234]),
        ],
    )
    money = Chart(
        categories=["2026-Q1"],
        series=[Series("delivered", "Delivered", [Decimal("1234.5")])],
        currency="EUR",
    )

    with translation.override("fr"):
        rows, data, money_rows = chart.rows, chart.data, money.rows

    assert chart.stacked and not chart.empty
    assert [(row.label, [c.text for c in row.cells], row.total_text) for row in rows] == [
        ("2026-Q1", ["3", "1"], "4"),
        ("2026-Q2", ["0", "1\u202f234"], "1\u202f234"),
    ]
    assert data["labels"] == ["2026-Q1", "2026-Q2"]
    assert data["series"][1] == {
        "key": "agency_qa",
        "label": "Agency QA",
        "values": [1.0, 1234.0],
        "texts": ["1", "1\u202f234"],
    }
    # French money: the group separator, the decimal comma and the sign after the figure.
    assert money_rows[0].cells[0].text == "1\u202f234,50\xa0€"
    assert money.data["currency"] == "EUR" and not money.stacked


def test_a_sparkline_carries_its_points_and_says_them_in_words():
    points = [
        type("Point", (), {"label": "2026-Q1", "value": Decimal("1000")})(),
        type("Point", (), {"label": "2026-Q2", "value": Decimal("0")})(),
    ]

    with translation.override("en"):
        assert trend_text(points, "EUR") == "2026-Q1: €1,000.00, 2026-Q2: €0.00"
        assert sparkline_json(points, "EUR") == (
            '{"labels": ["2026-Q1", "2026-Q2"], "values": [1000.0, 0.0], '
            '"texts": ["€1,000.00", "€0.00"]}'
        )


def test_planned_by_quarter_counts_each_quarter_apart(engagement):
    shared = ticket(engagement, annual_revenue_gain=Decimal("1000"))
    later = ticket(engagement, annual_revenue_gain=Decimal("300"))
    now = RoadmapItem.objects.create(engagement=engagement, title="Checkout", quarter="2026-Q2")
    next_one = RoadmapItem.objects.create(engagement=engagement, title="B2B", quarter="2026-Q3")
    RoadmapItem.objects.create(engagement=engagement, title="Empty", quarter="2026-Q3")
    now.tickets.add(shared)
    next_one.tickets.add(shared, later)

    result = planned_by_quarter(
        engagements=[engagement], quarters=[Quarter(2026, 1), Quarter(2026, 2), Quarter(2026, 3)]
    )[engagement.pk]

    assert {key: (p.annual_value, p.items) for key, p in result.items()} == {
        "2026-Q1": (Decimal("0"), 0),
        "2026-Q2": (Decimal("1000"), 1),
        "2026-Q3": (Decimal("1300"), 2),
    }


def test_a_director_card_has_this_quarters_figures_and_their_four_quarter_trends(
    engagement, other_engagement
):
    director = member(engagement, Role.DIRECTOR)
    RoleAssignmentFactory(engagement=other_engagement, person=director, role=Role.DIRECTOR)
    done(engagement, at(2026, 2, 1), "2000")
    done(engagement, at(2026, 5, 1), "300")
    done(engagement, at(2025, 3, 1), "9999")  # more than four quarters ago
    item = RoadmapItem.objects.create(engagement=engagement, title="Checkout", quarter="2026-Q2")
    item.tickets.add(ticket(engagement, annual_revenue_gain=Decimal("1000")))
    initiative(engagement, "analysis", at(2026, 5, 2), "accepted")
    initiative(engagement, "rejected", at(2025, 9, 2), "declined")
    ticket(engagement, kind="bug", found_by="client", created_at=at(2026, 4, 2))
    ticket(engagement, kind="bug", found_by="agency_qa", created_at=at(2026, 4, 3))

    with time_machine.travel(NOW, tick=False):
        home = director_home(person=director, visible=engagements_visible_to(director))

    card = next(c for c in home.cards if c.engagement == engagement)
    assert not home.agency_staff
    assert [str(q) for q in card.quarters] == ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]
    assert [p.value for p in card.delivered_trend] == [0, 0, Decimal("2000"), Decimal("300")]
    assert [p.value for p in card.planned_trend] == [0, 0, 0, Decimal("1000")]
    assert [p.value for p in card.proactivity_trend] == [1, 0, 0, 1]
    assert [p.value for p in card.defects_trend] == [0, 0, 0, 1]
    assert card.delivered.annual_value == Decimal("300")
    assert card.planned.items == 1
    assert card.proactivity_recent == Proactivity(initiatives=2, accepted=1, rejected=1)
    assert {c.engagement for c in home.cards} == {engagement, other_engagement}
