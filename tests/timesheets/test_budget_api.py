"""Budgets through the API: create (idempotent, refusals), change under If-Match, delete,
each period's burn, who may read or write, and isolation."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from backlog.timesheets.budgets import budget_create
from backlog.timesheets.models import Budget, BudgetPeriod, TimeEntry
from collab.services import api_token_create
from roles.models import Role
from tests.factories import member
from tests.timesheets.conftest import NOW

pytestmark = pytest.mark.django_db

BODY = {
    "name": "Retainer",
    "kind": "monthly",
    "unit": "hours",
    "amount": "40.00",
    "starts_on": "2026-03-01",
    "rollover": "capped",
    "rollover_cap_hours": "8",
}


def _list(engagement):
    return reverse("api-budget-list", args=[engagement.slug])


def _detail(engagement, pk):
    return reverse("api-budget-detail", args=[engagement.slug, pk])


@pytest.fixture
def budget(engagement):
    return budget_create(
        engagement=engagement,
        name="Retainer",
        kind=Budget.Kind.MONTHLY,
        unit=Budget.Unit.MONEY,
        amount=Decimal(3000),
        starts_on=dt.date(2026, 3, 1),
    )


def test_the_project_manager_creates_a_budget_once_per_idempotency_key(
    api_client, engagement, manager
):
    api_client.force_authenticate(manager)
    first = api_client.post(_list(engagement), BODY, format="json", HTTP_IDEMPOTENCY_KEY="b1")
    assert first.status_code == 201, first.json()
    again = api_client.post(_list(engagement), BODY, format="json", HTTP_IDEMPOTENCY_KEY="b1")
    assert again.json()["id"] == first.json()["id"]
    assert Budget.objects.count() == 1
    data = first.json()
    assert (data["amount"], data["rollover_cap_hours"], data["ends_on"]) == ("40.00", "8.00", None)
    assert first["Location"] == data["url"]
    assert BudgetPeriod.objects.get().ends_on == dt.date(2026, 3, 31)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_on": "2026-01-30"}, "starts_on"),
        ({"kind": "fixed"}, "ends_on"),
        ({"rollover": "capped", "rollover_cap_hours": None}, "rollover_cap_hours"),
        ({"amount": "0"}, "amount"),
        ({"day_rate": "900"}, "day_rate"),
    ],
)
def test_a_bad_budget_is_a_problem_naming_its_field(api_client, engagement, manager, change, field):
    api_client.force_authenticate(manager)
    response = api_client.post(_list(engagement), {**BODY, **change}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]
    assert not Budget.objects.exists()


def test_change_needs_the_current_etag(api_client, engagement, manager, budget):
    api_client.force_authenticate(manager)
    read = api_client.get(_detail(engagement, budget.pk))
    etag = read["ETag"]
    missing = api_client.patch(_detail(engagement, budget.pk), {"amount": "5000"}, format="json")
    assert missing.status_code == 428
    changed = api_client.patch(
        _detail(engagement, budget.pk), {"amount": "5000"}, format="json", HTTP_IF_MATCH=etag
    )
    assert changed.status_code == 200 and changed.json()["amount"] == "5000.00"
    stale = api_client.patch(
        _detail(engagement, budget.pk), {"name": "Other"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    fixed = api_client.patch(
        _detail(engagement, budget.pk),
        {"unit": "hours"},
        format="json",
        HTTP_IF_MATCH=changed["ETag"],
    )
    assert fixed.status_code == 400 and "unit" in fixed.json()["errors"]
    budget.refresh_from_db()
    assert (budget.name, budget.amount, budget.unit) == ("Retainer", Decimal(5000), "money")


def test_delete(api_client, engagement, manager, budget):
    api_client.force_authenticate(manager)
    assert api_client.delete(_detail(engagement, budget.pk)).status_code == 204
    assert not Budget.objects.exists() and not BudgetPeriod.objects.exists()


def test_each_periods_burn_with_its_burn_down(api_client, engagement, developer, budget):
    TimeEntry.objects.create(
        engagement=engagement,
        person=developer,
        date=dt.date(2026, 3, 2),
        minutes=8 * 60,
        role=Role.DEVELOPER,
        approved_at=NOW,
    )
    director = member(engagement, Role.DIRECTOR)
    api_client.force_authenticate(director)
    periods = api_client.get(
        reverse("api-budget-period-list", args=[engagement.slug, budget.pk])
    ).json()
    assert len(periods) == 1
    period = periods[0]
    assert (period["burnt"], period["total"], period["percent"], period["hours_burnt"]) == (
        "750.00",
        "3000.00",
        25,
        "8.00",
    )
    assert period["current"] is True
    assert period["forecast_percent"] == 70  # 750 in 11 days: 2,114 over 31 days
    assert "day_rate" not in period and "cost" not in period
    detail = api_client.get(
        reverse("api-budget-period-detail", args=[engagement.slug, budget.pk, period["id"]])
    ).json()
    assert detail["days"] == [{"day": "2026-03-02", "burnt": "750.00"}]


def test_who_may_read_and_write(api_client, engagement, developer, budget):
    stakeholder = member(engagement, Role.STAKEHOLDER)
    director = member(engagement, Role.DIRECTOR)
    api_client.force_authenticate(stakeholder)
    assert api_client.get(_list(engagement)).status_code == 403
    api_client.force_authenticate(developer)
    assert api_client.get(_list(engagement)).status_code == 403
    api_client.force_authenticate(director)
    assert api_client.get(_list(engagement)).status_code == 200
    assert api_client.post(_list(engagement), BODY, format="json").status_code == 403
    assert api_client.delete(_detail(engagement, budget.pk)).status_code == 403
    assert Budget.objects.count() == 1


def test_a_read_token_reads_and_a_write_token_sets_budgets(api_client, engagement, budget):
    admin = member(engagement, Role.AGENCY_ADMIN)
    read = api_token_create(engagement=engagement, name="r", scope="read", created_by=admin)
    write = api_token_create(engagement=engagement, name="w", scope="write", created_by=admin)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {read.raw_key}")
    assert api_client.get(_list(engagement)).status_code == 200
    assert api_client.post(_list(engagement), BODY, format="json").status_code == 403
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {write.raw_key}")
    assert api_client.post(_list(engagement), BODY, format="json").status_code == 201


def test_another_engagements_people_get_404(api_client, engagement, other_engagement, budget):
    outsider = member(other_engagement, Role.AGENCY_ADMIN)
    api_client.force_authenticate(outsider)
    period = budget.periods.get()
    for url in (
        _list(engagement),
        _detail(engagement, budget.pk),
        reverse("api-budget-period-list", args=[engagement.slug, budget.pk]),
        reverse("api-budget-period-detail", args=[engagement.slug, budget.pk, period.pk]),
    ):
        assert api_client.get(url).status_code == 404, url
    # Their own engagement does not reach Nordfer's budget either.
    assert api_client.get(_detail(other_engagement, budget.pk)).status_code == 404
    assert api_client.delete(_detail(other_engagement, budget.pk)).status_code == 404
    assert Budget.objects.count() == 1
