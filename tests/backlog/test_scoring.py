"""The three scoring models against hand-computed figures, in Python and in the database."""

import random
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backlog.models import ScoringSettings, Ticket
from backlog.scoring import Medians, score_breakdown
from backlog.selectors import backlog_medians, ticket_list
from backlog.services import engagement_rescore, tickets_rescore
from tests.backlog.factories import TicketFactory

D = Decimal


def _settings(engagement, **fields):
    settings_ = ScoringSettings.objects.create(engagement=engagement, **fields)
    # As scoring_settings_update does: the stored ranking follows the settings.
    engagement_rescore(engagement=engagement)
    return settings_


def _db_score(engagement, ticket):
    return ticket_list(engagement=engagement).get(pk=ticket.pk).score


@pytest.fixture
def valued(engagement):
    # Engagement: client hourly cost 60, agency day rate 750.
    # Annual value = 20,000 + 5,000 + 12 x 10 h x 60 = 32,200; cost = 5 days x 750 = 3,750.
    return TicketFactory(
        engagement=engagement,
        annual_revenue_gain=D("20000"),
        annual_cost_savings=D("5000"),
        hours_saved_per_month=D("10"),
        effort_days=D("5"),
        confidence="high",
        strategic_alignment=D("2"),
        time_criticality=8,
        risk_reduction=3,
        reach=2000,
    )


def test_value_per_effort_with_strategic_weight(engagement, valued):
    settings_ = _settings(engagement, model="value_per_effort", strategic_weight=D("0.25"))

    breakdown = score_breakdown(valued, engagement, settings_)

    # 32,200 x 1.0 x (1 + 0.25 x 2) / 5 = 9,660
    assert breakdown.annual_value == D("32200")
    assert breakdown.cost == D("3750")
    assert breakdown.roi == D("7.5867")  # (32,200 - 3,750) / 3,750
    assert breakdown.payback_months == D("1.40")  # 3,750 / (32,200 / 12)
    assert breakdown.strategic_multiplier == D("1.5")
    assert breakdown.score == D("9660.000000")
    assert breakdown.currency == "EUR"
    assert _db_score(engagement, valued) == D("9660.000000")


def test_value_per_effort_rounds_half_up_to_six_places_like_the_database(engagement):
    _settings(engagement)
    ticket = TicketFactory(
        engagement=engagement, annual_revenue_gain=D("100"), effort_days=D("3"), confidence="medium"
    )

    breakdown = score_breakdown(ticket, engagement, ScoringSettings.objects.get())

    assert breakdown.score == D("26.666667")  # 100 x 0.8 / 3
    assert _db_score(engagement, ticket) == D("26.666667")


def test_wsjf(engagement, valued):
    settings_ = _settings(engagement, model="wsjf", wsjf_value_per_point=D("10000"))

    breakdown = score_breakdown(valued, engagement, settings_)

    # value points 32,200 / 10,000 = 3.22; cost of delay 3.22 + 8 + 3 = 14.22; / 5 days
    assert breakdown.value_points == D("3.22")
    assert breakdown.cost_of_delay == D("14.22")
    assert breakdown.score == D("2.844000")
    assert _db_score(engagement, valued) == D("2.844000")


def test_wsjf_caps_business_value_at_ten_points(engagement, valued):
    settings_ = _settings(engagement, model="wsjf", wsjf_value_per_point=D("10000"))
    Ticket.objects.filter(pk=valued.pk).update(annual_revenue_gain=D("250000"))
    tickets_rescore(engagement=engagement, tickets=[valued.pk])
    valued.refresh_from_db()

    breakdown = score_breakdown(valued, engagement, settings_)

    assert breakdown.value_points == D("10")
    assert breakdown.score == D("4.200000")  # (10 + 8 + 3) / 5
    assert _db_score(engagement, valued) == D("4.200000")


def test_wsjf_scores_a_security_ticket_without_revenue(engagement):
    settings_ = _settings(engagement, model="wsjf")
    ticket = TicketFactory(
        engagement=engagement, kind="security", effort_days=D("2"), risk_reduction=9
    )

    assert score_breakdown(ticket, engagement, settings_).score == D("4.500000")
    assert _db_score(engagement, ticket) == D("4.500000")


def test_rice(engagement, valued):
    settings_ = _settings(engagement, model="rice", rice_impact_unit=D("10000"))

    breakdown = score_breakdown(valued, engagement, settings_)

    # 32,200 is between 1 and 5 impact units → impact 1; 2,000 x 1 x 1.0 / 5
    assert breakdown.impact == D("1")
    assert breakdown.score == D("400.000000")
    assert _db_score(engagement, valued) == D("400.000000")


@pytest.mark.parametrize(
    ("revenue", "impact", "score"),
    [
        ("100000", "3", "1200.000000"),
        ("50000", "2", "800.000000"),
        ("9999.99", "0.5", "200.000000"),
        ("999.99", "0.25", "100.000000"),
    ],
)
def test_rice_impact_bands(engagement, revenue, impact, score):
    settings_ = _settings(engagement, model="rice", rice_impact_unit=D("10000"))
    ticket = TicketFactory(
        engagement=engagement,
        annual_revenue_gain=D(revenue),
        effort_days=D("2"),
        reach=1000,
        confidence="medium",
    )

    breakdown = score_breakdown(ticket, engagement, settings_)

    assert breakdown.impact == D(impact)
    assert breakdown.score == D(score)  # 1,000 x impact x 0.8 / 2
    assert _db_score(engagement, ticket) == D(score)


def test_tickets_without_value_figures_score_null_and_rank_last(engagement):
    _settings(engagement)
    empty = TicketFactory(engagement=engagement, effort_days=D("1"))
    small = TicketFactory(engagement=engagement, annual_revenue_gain=D("10"), effort_days=D("1"))
    large = TicketFactory(engagement=engagement, annual_revenue_gain=D("99"), effort_days=D("1"))

    ranked = list(ticket_list(engagement=engagement))

    assert [t.pk for t in ranked] == [large.pk, small.pk, empty.pk]
    assert ranked[2].score is None


def test_quadrants_against_the_backlog_medians(engagement):
    def make(value, effort):
        return TicketFactory(
            engagement=engagement, annual_revenue_gain=D(value), effort_days=D(effort)
        )

    quick, big, middle = make(900, 1), make(800, 9), make(300, 5)
    fill, pit = make(100, 2), make(50, 8)
    TicketFactory(engagement=engagement, status="done", annual_revenue_gain=1, effort_days=50)
    medians = backlog_medians(engagement=engagement)

    # Medians of the open tickets (the done one does not count): 300 and 5 days.
    assert medians == Medians(annual_value=D("300"), effort_days=D("5"))
    listed = ticket_list(engagement=engagement).exclude(status="done")
    quadrants = dict(listed.values_list("pk", "quadrant"))
    assert quadrants == {
        quick.pk: "quick_win",
        big.pk: "big_bet",
        fill.pk: "fill_in",
        pit.pk: "money_pit",
        middle.pk: "big_bet",
    }
    for ticket in (quick, big, middle, fill, pit):
        assert (
            score_breakdown(ticket, engagement, ScoringSettings(), medians).quadrant
            == (quadrants[ticket.pk])
        )


def _random_ticket(rng, engagement, reporter, number):
    def maybe(value):
        return None if rng.random() < 0.15 else value

    money = [D("0"), D("500"), D("1234.56"), D("10000"), D("99999.99"), D("250000")]
    return Ticket(
        engagement=engagement,
        number=number,
        title=f"T{number}",
        kind="feature",
        reporter=reporter,
        annual_revenue_gain=maybe(rng.choice(money)),
        annual_cost_savings=maybe(D(rng.randint(0, 50000)) / 100),
        hours_saved_per_month=maybe(D(rng.randint(0, 4000)) / 100),
        effort_days=maybe(D(rng.randint(1, 3000)) / 100),
        confidence=rng.choice(["low", "medium", "high"]),
        time_criticality=maybe(rng.randint(1, 10)),
        risk_reduction=maybe(rng.randint(1, 10)),
        reach=maybe(rng.randint(0, 100000)),
        strategic_alignment=D(rng.randint(0, 600)) / 100,
        manual_rank=rng.randint(1, 5) if rng.random() < 0.02 else None,
    )


@pytest.mark.django_db
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    model=st.sampled_from(["value_per_effort", "wsjf", "rice"]),
    strategic_weight=st.decimals(min_value=0, max_value=5, places=3),
    unit=st.decimals(min_value=D("0.01"), max_value=100000, places=2),
)
def test_database_ranking_equals_python_breakdown_ranking(
    engagement, director, seed, model, strategic_weight, unit
):
    Ticket.objects.filter(engagement=engagement).delete()
    ScoringSettings.objects.filter(engagement=engagement).delete()
    settings_ = _settings(
        engagement,
        model=model,
        strategic_weight=strategic_weight,
        wsjf_value_per_point=unit,
        rice_impact_unit=unit,
    )
    rng = random.Random(seed)
    Ticket.objects.bulk_create(_random_ticket(rng, engagement, director, n) for n in range(1, 1001))
    engagement_rescore(engagement=engagement)

    ranked = list(ticket_list(engagement=engagement))

    def key(item):
        ticket, score = item
        rank = ticket.manual_rank
        return (rank is None, rank or 0, score is None, -(score or 0), ticket.number)

    python = sorted(((t, score_breakdown(t, engagement, settings_).score) for t in ranked), key=key)
    assert [t.number for t, _score in python] == [t.number for t in ranked]
    assert [score for _t, score in python] == [t.score for t in ranked]
