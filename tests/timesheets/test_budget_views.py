"""The Budget page: who reads it and what they see, the forms, isolation, its query count."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backlog.timesheets.budgets import budget_create
from backlog.timesheets.models import Budget, TimeEntry
from roles.models import Role
from tests.factories import member
from tests.timesheets.conftest import NOW

pytestmark = pytest.mark.django_db


def _page(engagement):
    return reverse("timesheets:budgets", args=[engagement.slug])


def _budget(engagement, **extra):
    fields = {
        "name": "Monthly retainer",
        "kind": Budget.Kind.MONTHLY,
        "unit": Budget.Unit.HOURS,
        "amount": Decimal(40),
        "starts_on": dt.date(2026, 3, 1),
    }
    fields.update(extra)
    return budget_create(engagement=engagement, **fields)


def _burn(engagement, person, day, minutes):
    TimeEntry.objects.create(
        engagement=engagement,
        person=person,
        date=day,
        minutes=minutes,
        role=Role.DEVELOPER,
        approved_at=NOW,
    )


def test_the_manager_sees_burn_forecast_and_the_agencys_cost(
    client, engagement, manager, developer
):
    _budget(engagement)
    _burn(engagement, developer, dt.date(2026, 3, 2), 16 * 60)
    client.force_login(manager)
    page = client.get(_page(engagement)).content.decode()
    assert "Monthly retainer" in page
    assert "40 %" in page  # 16 of 40 hours
    assert "16 h of 40 h" in page
    assert "113 %" in page  # the forecast: 16 h in 11 days, over 31
    assert "€1,500.00 at the day rate" in page
    assert 'data-burndown="burndown-' in page
    assert "New budget" in page


def test_the_director_sees_hours_and_per_cent_but_no_rate_or_cost(
    client, engagement, manager, developer
):
    _budget(engagement)
    _burn(engagement, developer, dt.date(2026, 3, 2), 16 * 60)
    director = member(engagement, Role.DIRECTOR, language="fr")
    client.force_login(director)
    page = client.get(_page(engagement)).content.decode()
    assert "16 h sur 40 h" in page
    assert "750" not in page and "1 500" not in page and "taux journalier" not in page
    assert "Nouveau budget" not in page


def test_a_money_budget_shows_the_director_what_the_client_pays(client, engagement, developer):
    _budget(engagement, unit=Budget.Unit.MONEY, amount=Decimal(6000))
    _burn(engagement, developer, dt.date(2026, 3, 2), 16 * 60)
    client.force_login(member(engagement, Role.DIRECTOR))
    page = client.get(_page(engagement)).content.decode()
    assert "€1,500.00 of €6,000.00" in page
    assert "at the day rate" not in page


@pytest.mark.parametrize("role", [Role.DEVELOPER, Role.STAKEHOLDER])
def test_others_on_the_engagement_may_not_read_budgets(client, engagement, role):
    _budget(engagement)
    client.force_login(member(engagement, role))
    assert client.get(_page(engagement)).status_code == 403


def test_another_engagements_admin_gets_404(client, engagement, other_engagement):
    budget = _budget(engagement)
    client.force_login(member(other_engagement, Role.AGENCY_ADMIN))
    assert client.get(_page(engagement)).status_code == 404
    edit = reverse("timesheets:budget-edit", args=[other_engagement.slug, budget.pk])
    assert client.get(edit).status_code == 404
    delete = reverse("timesheets:budget-delete", args=[other_engagement.slug, budget.pk])
    assert client.post(delete).status_code == 404
    assert Budget.objects.count() == 1


def test_create_refuses_a_bad_budget_keeping_what_was_typed(client, engagement, manager):
    client.force_login(manager)
    url = reverse("timesheets:budget-create", args=[engagement.slug])
    response = client.post(
        url,
        {
            "name": "Build",
            "kind": "fixed",
            "unit": "hours",
            "amount": "120",
            "starts_on": "2026-03-02",
            "rollover": "none",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "A fixed project budget has an end date." in page
    assert 'value="Build"' in page
    assert not Budget.objects.exists()
    response = client.post(
        url,
        {
            "name": "Build",
            "kind": "fixed",
            "unit": "hours",
            "amount": "120",
            "starts_on": "2026-03-02",
            "ends_on": "2026-05-29",
            "rollover": "none",
        },
    )
    assert response.status_code == 302
    assert Budget.objects.get().periods.count() == 1


def test_edit_and_delete(client, engagement, manager):
    budget = _budget(engagement)
    client.force_login(manager)
    edit = reverse("timesheets:budget-edit", args=[engagement.slug, budget.pk])
    assert 'value="Monthly retainer"' in client.get(edit).content.decode()
    response = client.post(
        edit, {"name": "Retainer", "amount": "50", "rollover": "all", "ends_on": ""}
    )
    assert response.status_code == 302
    budget.refresh_from_db()
    assert (budget.name, budget.amount, budget.rollover) == ("Retainer", Decimal(50), "all")
    bad = client.post(edit, {"name": "Retainer", "amount": "50", "rollover": "capped"})
    assert bad.status_code == 422
    assert "Say how many unused hours may be carried over." in bad.content.decode()
    client.post(reverse("timesheets:budget-delete", args=[engagement.slug, budget.pk]))
    assert not Budget.objects.exists()


def test_the_director_may_not_edit(client, engagement):
    budget = _budget(engagement)
    client.force_login(member(engagement, Role.DIRECTOR))
    edit = reverse("timesheets:budget-edit", args=[engagement.slug, budget.pk])
    assert client.post(edit, {"name": "x", "amount": "1", "rollover": "none"}).status_code == 403
    assert Budget.objects.get().name == "Monthly retainer"


def _count_queries(client, engagement):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(_page(engagement)).status_code == 200
    return len(captured)


def test_the_page_reads_in_the_same_queries_for_one_or_many_entries_and_periods(
    client, engagement, manager, developer
):
    _budget(engagement)
    client.force_login(manager)
    few = _count_queries(client, engagement)
    _budget(engagement, name="Old", starts_on=dt.date(2024, 1, 1))
    _budget(
        engagement,
        name="Quarterly",
        kind=Budget.Kind.QUARTERLY,
        starts_on=dt.date(2025, 1, 1),
        rollover="all",
    )
    for day in range(1, 11):
        _burn(engagement, developer, dt.date(2026, 3, day), 30)
        _burn(engagement, developer, dt.date(2025, 6, day), 30)
    many = _count_queries(client, engagement)
    assert few == many
