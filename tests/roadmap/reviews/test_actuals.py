"""Actual against estimate in the review pack: realised cost and return next to the estimated
ones for the tickets done in the period, and the accuracy of effort estimates per quarter and
over the engagement, on a small known dataset."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backlog.models import Ticket, TicketHistory
from backlog.timesheets.models import TimeEntry
from roadmap.reviews import services
from roadmap.reviews.actuals import estimation_accuracy
from roadmap.reviews.models import ValueRealisation
from roadmap.reviews.pack import pack_build
from roles.models import Role
from tests.backlog.factories import TicketFactory
from tests.factories import EngagementFactory, member
from tests.roadmap.reviews.conftest import done_ticket

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2027, 4, 6, 9, 0, tzinfo=UTC)


def _time(ticket, person, minutes, *, approved=True, billable=True):
    return TimeEntry.objects.create(
        engagement=ticket.engagement,
        person=person,
        ticket=ticket,
        date=dt.date(2027, 1, 15),
        minutes=minutes,
        role=Role.PROJECT_MANAGER,
        billable=billable,
        approved_at=NOW if approved else None,
    )


@pytest.fixture
def dataset(engagement, team):
    """Five tickets done in the review's period (6 January to 6 April 2027) and one before;
    each estimated at 2 days (960 minutes) but F, at a day rate of 800."""
    engagement.agency_day_rate = Decimal("800")
    engagement.save(update_fields=["agency_day_rate"])
    pm = team["pm"]
    director = team["director"]
    a = done_ticket(engagement, director, at=dt.datetime(2027, 2, 10, tzinfo=UTC), title="A")
    _time(a, pm, 960)  # ratio 1.00
    _time(a, pm, 300, billable=False)  # not billable: not the actual
    b = done_ticket(engagement, director, at=dt.datetime(2027, 3, 1, tzinfo=UTC), title="B")
    _time(b, pm, 1440)  # 1.50
    c = done_ticket(engagement, director, at=dt.datetime(2027, 3, 15, tzinfo=UTC), title="C")
    _time(c, pm, 720)  # 0.75: within 25 %, at the edge
    d = done_ticket(engagement, director, at=dt.datetime(2026, 11, 10, tzinfo=UTC), title="D")
    _time(d, pm, 480)  # 0.50, in 2026-Q4
    e = done_ticket(engagement, director, at=dt.datetime(2027, 2, 20, tzinfo=UTC), title="E")
    _time(e, pm, 600, approved=False)  # no approved time: no actual
    f = TicketFactory(engagement=engagement, reporter=director, status="done", title="F")
    TicketHistory.objects.create(
        engagement=engagement,
        ticket=f,
        field="status",
        before="qa",
        after="done",
        at=dt.datetime(2027, 3, 20, tzinfo=UTC),
    )
    _time(f, pm, 120)  # no estimate
    open_ticket = TicketFactory(engagement=engagement, status="in_progress", effort_days=1)
    _time(open_ticket, pm, 480)
    ValueRealisation.objects.create(
        engagement=engagement,
        ticket=a,
        done_at=dt.datetime(2027, 2, 10, tzinfo=UTC),
        estimated_annual_value=Decimal("10000"),
        realised_annual_value=Decimal("4000"),
    )
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}


def test_estimation_accuracy_per_quarter_and_overall(engagement, dataset):
    overall, quarters = estimation_accuracy(engagement=engagement)
    assert [(q.quarter, q.tickets, q.median_ratio, q.within, q.within_share) for q in quarters] == [
        ("2026-Q4", 1, Decimal("0.50"), 0, Decimal("0.00")),
        ("2027-Q1", 3, Decimal("1.00"), 2, Decimal("0.67")),
    ]
    assert (overall.tickets, overall.median_ratio, overall.within, overall.within_share) == (
        4,
        Decimal("0.88"),  # median of 0.50, 0.75, 1.00, 1.50
        2,
        Decimal("0.50"),
    )


def test_the_embedded_database_gets_the_same_accuracy_without_percentile_cont(
    engagement, dataset, monkeypatch
):
    """SQLite (``make run``'s default) has no ``percentile_cont``: the medians are taken in
    Python from the same rows, and the figures are the same."""
    on_postgresql = estimation_accuracy(engagement=engagement)
    monkeypatch.setattr(connection, "vendor", "sqlite")

    assert estimation_accuracy(engagement=engagement) == on_postgresql


def test_another_engagements_tickets_do_not_count(engagement, dataset):
    other = EngagementFactory()
    person = member(other, Role.DEVELOPER)
    stray = done_ticket(other, person, at=dt.datetime(2027, 2, 1, tzinfo=UTC))
    _time(stray, person, 1440)
    overall, _quarters = estimation_accuracy(engagement=engagement)
    assert overall.tickets == 4
    other_overall, _ = estimation_accuracy(engagement=other)
    assert (other_overall.tickets, other_overall.median_ratio) == (1, Decimal("1.50"))


def test_the_pack_holds_realised_against_estimated_costs_and_returns(engagement, dataset, review):
    pack = pack_build(review, now=NOW)["actuals"]
    assert pack["tickets"] == [
        {
            "key": dataset["a"].key,
            "title": "A",
            "estimate_minutes": 960,
            "actual_minutes": 960,
            "ratio": "1.00",
            "value_recorded": True,
            "estimated_cost": "1600.00",
            "realised_cost": "1600.00",
            "estimated_roi": "5.2500",
            "realised_roi": "1.5000",  # (4,000 realised - 1,600) / 1,600
        },
        {
            "key": dataset["e"].key,
            "title": "E",
            "estimate_minutes": 960,
            "actual_minutes": 0,
            "ratio": "0.00",
            "value_recorded": False,
            "estimated_cost": "1600.00",
            "realised_cost": "0.00",
            "estimated_roi": "5.2500",
            "realised_roi": None,
        },
        {
            "key": dataset["b"].key,
            "title": "B",
            "estimate_minutes": 960,
            "actual_minutes": 1440,
            "ratio": "1.50",
            "value_recorded": False,
            "estimated_cost": "1600.00",
            "realised_cost": "2400.00",
            "estimated_roi": "5.2500",
            "realised_roi": "3.1667",  # (10,000 estimated - 2,400) / 2,400
        },
        {
            "key": dataset["c"].key,
            "title": "C",
            "estimate_minutes": 960,
            "actual_minutes": 720,
            "ratio": "0.75",
            "value_recorded": False,
            "estimated_cost": "1600.00",
            "realised_cost": "1200.00",
            "estimated_roi": "5.2500",
            "realised_roi": "7.3333",
        },
        {
            "key": dataset["f"].key,
            "title": "F",
            "estimate_minutes": None,
            "actual_minutes": 120,
            "ratio": None,
            "value_recorded": False,
            "estimated_cost": None,
            "realised_cost": "200.00",
            "estimated_roi": None,
            "realised_roi": None,  # F has no annual value
        },
    ]
    assert pack["accuracy"]["overall"] == {
        "quarter": "",
        "tickets": 4,
        "median_ratio": "0.88",
        "within": 2,
        "within_share": "0.50",
    }
    assert [row["quarter"] for row in pack["accuracy"]["quarters"]] == ["2026-Q4", "2027-Q1"]


def _review_page(client, person, review):
    client.force_login(person)
    url = reverse("reviews:review-detail", args=[review.engagement.slug, review.pk])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def packed(dataset, review):
    return services.review_pack_refresh(review=review, now=NOW)


def test_the_review_page_shows_actuals_in_english(client, team, packed):
    page = _review_page(client, team["pm"], packed)
    assert "Actual against estimate" in page
    assert "Median actual / estimate" in page and "Within ±25 %" in page
    assert "88 %" in page and "67 %" in page
    assert "Cost and return: estimated → realised." in page and "€2,400.00" in page
    assert "525 % →" in page and "317 %*" in page  # B: realised return at the estimated value
    assert "150 %*" not in page and "150 %" in page  # A's realised value is recorded


def test_the_review_page_shows_actuals_in_french(client, team, packed):
    director = team["director"]
    director.language = "fr"
    director.save(update_fields=["language"])
    page = _review_page(client, director, packed)
    assert "Réalisé par rapport à l\u2019estimation" in page
    assert "Médiane réel / estimation" in page
    assert "88 %" in page
    assert "Coût et retour : estimé → réalisé." in page and "2\u202f400,00\u00a0€" in page


def test_a_stakeholder_sees_the_accuracy_but_no_cost_on_the_page_or_the_api(
    client, api_client, engagement, packed
):
    stakeholder = member(engagement, Role.STAKEHOLDER)
    page = _review_page(client, stakeholder, packed)
    assert "Actual against estimate" in page and "88 %" in page
    assert "Cost and return" not in page and "2,400.00" not in page and "317 %" not in page

    api_client.force_login(stakeholder)
    body = api_client.get(f"/api/v1/engagements/{engagement.slug}/reviews/{packed.pk}/pack/").json()
    row = body["actuals"]["tickets"][0]
    assert set(row) == {
        "key",
        "title",
        "estimate_minutes",
        "actual_minutes",
        "ratio",
        "value_recorded",
    }
    assert "2400.00" not in str(body["actuals"])


def test_the_director_reads_the_costs_through_the_api(api_client, team, engagement, packed):
    api_client.force_login(team["director"])
    body = api_client.get(f"/api/v1/engagements/{engagement.slug}/reviews/{packed.pk}/pack/").json()
    assert body["actuals"]["tickets"][2]["realised_cost"] == "2400.00"


def test_another_engagements_person_cannot_open_the_review(client, packed):
    stranger = member(EngagementFactory(), Role.DIRECTOR)
    client.force_login(stranger)
    url = reverse("reviews:review-detail", args=[packed.engagement.slug, packed.pk])
    assert client.get(url).status_code == 404


def test_a_pack_built_before_actuals_existed_still_renders(client, team, review):
    review.pack = {k: v for k, v in pack_build(review, now=NOW).items() if k != "actuals"}
    review.save(update_fields=["pack"])
    page = _review_page(client, team["pm"], review)
    assert "Actual against estimate" not in page


def _pack_queries(engagement, review, team, size):
    pm = team["pm"]
    for n in range(size):
        ticket = done_ticket(
            engagement, pm, at=dt.datetime(2027, 2, 1, tzinfo=UTC) + dt.timedelta(days=n)
        )
        _time(ticket, pm, 480 + n)
        _time(ticket, pm, 60, billable=False)
    with CaptureQueriesContext(connection) as queries:
        pack = pack_build(review, now=NOW)
    assert pack["actuals"]["accuracy"]["overall"]["tickets"] == size
    return len(queries)


def test_the_pack_reads_in_the_same_number_of_queries_at_two_sizes(engagement, team, review):
    small = _pack_queries(engagement, review, team, 2)
    TimeEntry.objects.all().delete()
    ValueRealisation.objects.all().delete()
    Ticket.objects.filter(engagement=engagement).update(status="rejected")
    large = _pack_queries(engagement, review, team, 15)
    assert small == large
