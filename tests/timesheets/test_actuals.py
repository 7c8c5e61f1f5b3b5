"""Actual against estimate on the ticket page: a done ticket's approved billable time, its
realised cost and return on investment next to the estimated ones, for the agency and the
director only."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from backlog.scoring import effort_cost, roi_of
from backlog.timesheets.actuals import realised_cost, ticket_actuals
from backlog.timesheets.models import TimeEntry
from roles.models import Role
from tests.backlog.factories import TicketFactory
from tests.factories import EngagementFactory, member
from tests.timesheets.conftest import MONDAY, NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def priced(engagement):
    engagement.agency_day_rate = Decimal("800")
    engagement.save(update_fields=["agency_day_rate"])
    return engagement


@pytest.fixture
def done(priced):
    return TicketFactory(
        engagement=priced,
        title="One-page checkout",
        effort_days=Decimal("2"),
        annual_revenue_gain=Decimal("10000"),
        status="done",
    )


def _entry(ticket, person, minutes, *, approved=True, billable=True, day=MONDAY):
    return TimeEntry.objects.create(
        engagement=ticket.engagement,
        person=person,
        ticket=ticket,
        date=day,
        minutes=minutes,
        role=Role.DEVELOPER,
        billable=billable,
        approved_at=NOW if approved else None,
    )


@pytest.fixture
def logged(done, developer):
    _entry(done, developer, 12 * 60)  # approved billable: the actual
    _entry(done, developer, 2 * 60, billable=False)  # approved, not billable
    _entry(done, developer, 2 * 60, approved=False)  # not approved yet
    return done


def _card(client, person, ticket):
    client.force_login(person)
    url = reverse("timesheets:ticket-time", args=[ticket.engagement.slug, ticket.key])
    return client.get(url)


def test_realised_cost_prices_approved_time_with_the_estimates_function(priced):
    assert realised_cost(12 * 60, priced) == Decimal("1200.00")
    assert realised_cost(100, priced) == Decimal("166.67")  # 100 / 480 days x 800
    assert effort_cost(Decimal("1.5"), priced) == Decimal("1200.0")
    assert roi_of(Decimal("10000"), Decimal("1200.00")) == Decimal("7.3333")
    assert roi_of(None, Decimal("1")) is None
    assert roi_of(Decimal("1"), Decimal("0")) is None


def test_a_done_ticket_has_its_actuals_and_an_open_one_none(logged, priced):
    actuals = ticket_actuals(ticket=logged, engagement=priced, approved_minutes=720)
    assert actuals is not None
    assert (
        actuals.minutes,
        actuals.estimate_minutes,
        actuals.ratio,
        actuals.estimated_cost,
        actuals.realised_cost,
        actuals.estimated_roi,
        actuals.realised_roi,
    ) == (
        720,
        960,
        Decimal("0.75"),
        Decimal("1600"),
        Decimal("1200.00"),
        Decimal("5.2500"),
        Decimal("7.3333"),
    )
    open_ticket = TicketFactory(engagement=priced, effort_days=1, status="in_progress")
    assert ticket_actuals(ticket=open_ticket, engagement=priced, approved_minutes=60) is None


@pytest.mark.parametrize("role", [Role.PROJECT_MANAGER, Role.DEVELOPER, Role.DIRECTOR])
def test_the_agency_and_the_director_see_realised_against_estimated(client, logged, role):
    person = member(logged.engagement, role)
    page = _card(client, person, logged).content.decode()
    assert "Actual against estimate" in page
    assert "12h" in page and "75 % of the estimate" in page
    assert "€1,600.00" in page  # estimated cost: 2 days x 800
    assert "€1,200.00" in page  # realised cost: 12 h = 1.5 days x 800
    assert "525 %" in page and "733 %" in page  # estimated and realised ROI


def test_the_french_card(client, logged):
    person = member(logged.engagement, Role.PROJECT_MANAGER, language="fr")
    page = _card(client, person, logged).content.decode()
    assert "Réalisé par rapport à l\u2019estimation" in page
    assert "Coût réalisé" in page and "1\u202f200,00\u00a0€" in page
    assert "Retour sur investissement réalisé" in page and "733 %" in page


def test_a_stakeholder_never_sees_the_realised_cost(client, logged):
    stakeholder = member(logged.engagement, Role.STAKEHOLDER)
    response = _card(client, stakeholder, logged)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Actual against estimate" not in page
    assert "1,200.00" not in page and "Realised cost" not in page
    assert "733 %" not in page


def test_an_open_ticket_shows_no_actuals(client, priced, developer):
    ticket = TicketFactory(engagement=priced, effort_days=1, status="in_progress")
    _entry(ticket, developer, 60)
    page = _card(client, developer, ticket).content.decode()
    assert "Actual against estimate" not in page
    assert "1h" in page  # the logged time still shows


def test_another_engagements_person_gets_404_for_the_card(client, logged):
    stranger = member(EngagementFactory(), Role.PROJECT_MANAGER)
    assert _card(client, stranger, logged).status_code == 404


@pytest.mark.parametrize("entries", [1, 25])
def test_the_card_of_a_done_ticket_reads_in_constant_queries(
    client, logged, developer, entries, django_assert_num_queries
):
    for n in range(entries):
        _entry(logged, developer, 30, day=MONDAY - datetime.timedelta(days=n % 20))
    manager = member(logged.engagement, Role.PROJECT_MANAGER)
    client.force_login(manager)
    url = reverse("timesheets:ticket-time", args=[logged.engagement.slug, logged.key])
    client.get(url)  # warm the session
    with django_assert_num_queries(QUERIES):
        assert client.get(url).status_code == 200


QUERIES = 8
