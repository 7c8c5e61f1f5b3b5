"""Budgets: their periods, rollover, burn, forecast, and the 80 % / 100 % alerts sent once."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection

from backlog.timesheets import budgets as services
from backlog.timesheets.budget_alerts import budget_alerts_sweep
from backlog.timesheets.burn import budget_views, current_burns
from backlog.timesheets.models import Budget, BudgetAlert, BudgetPeriod, TimeEntry
from backlog.timesheets.services import timesheet_week_approve
from collab.rhythm.models import Notification
from roles.models import Role
from tests.factories import member
from tests.timesheets.conftest import MONDAY, NOW

TODAY = NOW.date()  # Wednesday 2026-03-11


@pytest.fixture
def director(engagement):
    return member(
        engagement,
        Role.DIRECTOR,
        email="director@nordfer.example",
        display_name="Hélène Martin",
        language="fr",
    )


def _monthly(engagement, amount="10", **extra):
    fields = {
        "name": "Retainer",
        "kind": Budget.Kind.MONTHLY,
        "unit": Budget.Unit.HOURS,
        "amount": Decimal(amount),
        "starts_on": dt.date(2026, 3, 1),
    }
    today = extra.pop("today", TODAY)
    fields.update(extra)
    return services.budget_create(engagement=engagement, today=today, **fields)


def _approved(person, engagement, day, minutes, billable=True):
    return TimeEntry.objects.create(
        engagement=engagement,
        person=person,
        date=day,
        minutes=minutes,
        role=Role.DEVELOPER,
        billable=billable,
        approved_at=NOW,
    )


# --- periods and refusals -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_monthly_retainer_has_one_period_per_month_up_to_today(engagement):
    budget = _monthly(engagement, starts_on=dt.date(2026, 1, 1))
    periods = list(budget.periods.order_by("starts_on").values_list("starts_on", "ends_on"))
    assert periods == [
        (dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
        (dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
        (dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
    ]


@pytest.mark.django_db
def test_a_retainer_started_mid_month_runs_from_that_day(engagement):
    budget = _monthly(engagement, starts_on=dt.date(2026, 1, 18))
    periods = list(budget.periods.order_by("starts_on").values_list("starts_on", "ends_on"))
    assert periods == [
        (dt.date(2026, 1, 18), dt.date(2026, 2, 17)),
        (dt.date(2026, 2, 18), dt.date(2026, 3, 17)),
    ]


@pytest.mark.django_db
def test_a_quarterly_retainer_and_a_fixed_budget(engagement):
    quarterly = services.budget_create(
        engagement=engagement,
        today=TODAY,
        name="Quarter",
        kind=Budget.Kind.QUARTERLY,
        unit=Budget.Unit.HOURS,
        amount=Decimal(100),
        starts_on=dt.date(2026, 1, 1),
    )
    fixed = services.budget_create(
        engagement=engagement,
        today=TODAY,
        name="Replatforming",
        kind=Budget.Kind.FIXED,
        unit=Budget.Unit.MONEY,
        amount=Decimal(30000),
        starts_on=dt.date(2026, 2, 10),
        ends_on=dt.date(2026, 6, 30),
    )
    assert list(quarterly.periods.values_list("starts_on", "ends_on")) == [
        (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    ]
    assert list(fixed.periods.values_list("starts_on", "ends_on")) == [
        (dt.date(2026, 2, 10), dt.date(2026, 6, 30))
    ]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"amount": Decimal(0)}, "amount"),
        ({"starts_on": dt.date(2026, 1, 29)}, "starts_on"),
        ({"kind": Budget.Kind.QUARTERLY, "starts_on": dt.date(2025, 12, 31)}, "starts_on"),
        ({"kind": Budget.Kind.FIXED}, "ends_on"),
        (
            {"kind": Budget.Kind.FIXED, "ends_on": dt.date(2026, 5, 1), "rollover": "all"},
            "rollover",
        ),
        ({"ends_on": dt.date(2026, 2, 1)}, "ends_on"),
        ({"rollover": Budget.Rollover.CAPPED}, "rollover_cap_hours"),
    ],
)
@pytest.mark.django_db
def test_a_bad_budget_is_refused_and_nothing_is_written(engagement, extra, field):
    with pytest.raises(ValidationError) as error:
        _monthly(engagement, **extra)
    assert field in error.value.message_dict
    assert not Budget.objects.exists()
    assert not BudgetPeriod.objects.exists()


@pytest.mark.django_db
def test_a_budget_in_money_needs_a_day_rate(engagement):
    engagement.agency_day_rate = 0
    engagement.save()
    with pytest.raises(ValidationError) as error:
        _monthly(engagement, unit=Budget.Unit.MONEY, amount="5000")
    assert "day rate" in error.value.message_dict["unit"][0]
    assert not Budget.objects.exists()


@pytest.mark.django_db
def test_kind_unit_and_start_cannot_change(engagement):
    budget = _monthly(engagement)
    with pytest.raises(ValidationError) as error:
        services.budget_update(budget=budget, data={"unit": Budget.Unit.MONEY}, today=TODAY)
    assert "unit" in error.value.message_dict
    budget.refresh_from_db()
    assert (budget.unit, budget.version) == (Budget.Unit.HOURS, 1)


@pytest.mark.django_db
def test_a_new_amount_applies_to_open_periods_only(engagement, developer):
    budget = _monthly(engagement, starts_on=dt.date(2026, 2, 1))
    updated = services.budget_update(budget=budget, data={"amount": Decimal(20)}, today=TODAY)
    assert updated.version == 2
    assert list(budget.periods.order_by("starts_on").values_list("allowance", flat=True)) == [
        Decimal(10),
        Decimal(20),
    ]


@pytest.mark.django_db
def test_an_earlier_end_removes_later_open_periods(engagement):
    budget = _monthly(engagement, starts_on=dt.date(2026, 3, 1))
    services.budget_update(budget=budget, data={"ends_on": dt.date(2026, 3, 20)}, today=TODAY)
    assert list(budget.periods.values_list("ends_on", flat=True)) == [dt.date(2026, 3, 20)]
    services.budget_update(budget=budget, data={"ends_on": None}, today=TODAY)
    assert list(budget.periods.values_list("ends_on", flat=True)) == [dt.date(2026, 3, 31)]


# --- rollover --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rollover", "cap", "carried"),
    [("none", None, "0"), ("capped", Decimal(3), "3"), ("all", None, "6")],
)
@pytest.mark.django_db
def test_unused_hours_roll_over_by_the_rule_when_the_period_ends(
    engagement, developer, rollover, cap, carried
):
    budget = _monthly(
        engagement,
        starts_on=dt.date(2026, 2, 1),
        rollover=rollover,
        rollover_cap_hours=cap,
        today=dt.date(2026, 2, 15),
    )
    _approved(developer, engagement, dt.date(2026, 2, 10), 4 * 60)  # 4 of 10 hours
    _approved(developer, engagement, dt.date(2026, 2, 11), 120, billable=False)
    services.budget_periods_sync(budget=budget, today=TODAY)
    february, march = budget.periods.order_by("starts_on")
    assert february.closed_at is not None
    assert february.carried_out == Decimal(carried)
    assert march.carried_in == Decimal(carried)
    assert march.total == Decimal(10) + Decimal(carried)
    # A second sync changes nothing: a period closes once.
    services.budget_periods_sync(budget=budget, today=TODAY)
    assert BudgetPeriod.objects.get(pk=march.pk).carried_in == Decimal(carried)


@pytest.mark.django_db
def test_a_money_budget_rolls_over_at_most_the_cap_at_the_day_rate(engagement, developer):
    budget = _monthly(
        engagement,
        unit=Budget.Unit.MONEY,
        amount="7500",
        starts_on=dt.date(2026, 2, 1),
        rollover="capped",
        rollover_cap_hours=Decimal(8),
        today=dt.date(2026, 2, 15),
    )
    services.budget_periods_sync(budget=budget, today=TODAY)
    february = budget.periods.order_by("starts_on").first()
    assert february.carried_out == Decimal("750.00")  # 8 hours at 750 a day


# --- burn and forecast ----------------------------------------------------------------------


@pytest.mark.django_db
def test_burn_counts_approved_billable_time_in_hours_or_money(engagement, developer):
    hours = _monthly(engagement)
    money = _monthly(engagement, name="Money", unit=Budget.Unit.MONEY, amount="3000")
    _approved(developer, engagement, dt.date(2026, 3, 2), 6 * 60)
    _approved(developer, engagement, dt.date(2026, 3, 3), 60, billable=False)
    TimeEntry.objects.create(  # not approved: not burnt
        engagement=engagement,
        person=developer,
        date=dt.date(2026, 3, 4),
        minutes=90,
        role="developer",
    )
    _approved(developer, engagement, dt.date(2026, 2, 27), 60)  # another period
    views = {view.budget.pk: view for view in budget_views(engagement=engagement, today=TODAY)}
    burn = views[hours.pk].current
    assert (burn.burnt, burn.percent, burn.remaining) == (Decimal("6.00"), 60, Decimal("4.00"))
    money_burn = views[money.pk].current
    assert (money_burn.burnt, money_burn.hours, money_burn.percent) == (
        Decimal("562.50"),
        Decimal("6.00"),
        19,
    )


@pytest.mark.django_db
def test_forecast_at_the_current_pace(engagement, developer):
    budget = _monthly(engagement, amount="40")
    # 11 days elapsed (1 to 11 March), 22 hours burnt: 2 h a day, 62 h by the 31st.
    _approved(developer, engagement, dt.date(2026, 3, 2), 11 * 60)
    _approved(developer, engagement, dt.date(2026, 3, 9), 11 * 60)
    burn = budget_views(engagement=engagement, today=TODAY)[0].current
    assert burn.percent == 55
    assert burn.forecast_percent == 155
    assert burn.forecast_full_on == dt.date(2026, 3, 20)  # 18 hours left at 2 a day: 9 days
    assert burn.tone == "warning"
    chart = burn.chart
    assert len(chart["labels"]) == 31
    assert chart["left"][10] == 18.0
    assert chart["left"][11] is None
    assert chart["forecast"][10] == 18.0
    assert chart["forecast"][19] == 0.0
    assert budget.pk == budget_views(engagement=engagement, today=TODAY)[0].budget.pk


@pytest.mark.django_db
def test_a_healthy_period_forecasts_its_share_and_no_full_day(engagement, developer):
    _monthly(engagement, amount="100")
    _approved(developer, engagement, dt.date(2026, 3, 2), 11 * 60)
    burn = budget_views(engagement=engagement, today=TODAY)[0].current
    assert (burn.percent, burn.forecast_percent, burn.forecast_full_on, burn.tone) == (
        11,
        31,
        None,
        "success",
    )


@pytest.mark.django_db
def test_the_budget_page_reads_in_constant_queries(
    engagement, developer, django_assert_num_queries
):
    _monthly(engagement)
    with django_assert_num_queries(3):
        budget_views(engagement=engagement, today=TODAY)
    for start in (dt.date(2025, 1, 1), dt.date(2025, 7, 1)):
        _monthly(engagement, name=f"From {start}", starts_on=start)
    for day in range(1, 11):
        _approved(developer, engagement, dt.date(2026, 3, day), 30)
    with django_assert_num_queries(3):
        views = budget_views(engagement=engagement, today=TODAY)
    assert sum(len(view.periods) for view in views) == 1 + 15 + 9


@pytest.mark.django_db
def test_current_burns_for_many_engagements_in_one_query(
    engagement, other_engagement, developer, django_assert_num_queries
):
    _monthly(engagement)
    _monthly(other_engagement)
    _approved(developer, engagement, dt.date(2026, 3, 2), 9 * 60)
    with django_assert_num_queries(1):
        burns = current_burns(engagement_ids=[engagement.pk, other_engagement.pk], today=TODAY)
    assert burns[engagement.pk][0].percent == 90
    assert burns[other_engagement.pk][0].percent == 0


# --- alerts, exactly once -------------------------------------------------------------------


@pytest.fixture
def team(engagement, manager, director, developer):
    return {"manager": manager, "director": director, "developer": developer}


def _sweep():
    return budget_alerts_sweep(now=NOW)


@pytest.mark.django_db
def test_80_percent_alerts_the_manager_and_director_once_each_in_their_language(engagement, team):
    _monthly(engagement)
    _approved(team["developer"], engagement, dt.date(2026, 3, 2), 7 * 60)
    assert _sweep().sent == 0  # 70 %
    _approved(team["developer"], engagement, dt.date(2026, 3, 3), 60)
    result = _sweep()
    assert (result.materialised, result.sent) == (2, 2)
    by_person = {message.to[0]: message for message in mail.outbox}
    assert set(by_person) == {"pm@atelier.example", "director@nordfer.example"}
    assert by_person["pm@atelier.example"].subject == (
        "Budget alert: Retainer has used 80 % (Nordfer Industrie)"
    )
    assert by_person["director@nordfer.example"].subject.startswith("Alerte budget")
    assert "10 h" in by_person["director@nordfer.example"].body
    notices = Notification.objects.filter(kind="budget_alert")
    assert notices.count() == 2
    assert notices.get(person=team["director"]).title.startswith("Alerte budget")
    assert not Notification.objects.filter(person=team["developer"]).exists()
    # A re-run sends nothing more.
    assert _sweep().sent == 0
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_100_percent_is_sent_once_after_80(engagement, team):
    _monthly(engagement)
    _approved(team["developer"], engagement, dt.date(2026, 3, 2), 8 * 60)
    _sweep()
    _approved(team["developer"], engagement, dt.date(2026, 3, 3), 3 * 60)
    assert _sweep().sent == 2
    assert _sweep().sent == 0
    assert sorted(BudgetAlert.objects.values_list("threshold", "state", "percent")) == [
        (80, "sent", 80),
        (80, "sent", 80),
        (100, "sent", 110),
        (100, "sent", 110),
    ]
    spent = {message.to[0]: message.subject for message in mail.outbox[2:]}
    assert spent["pm@atelier.example"].startswith("Budget spent: Retainer has used 110 %")
    assert spent["director@nordfer.example"].startswith("Budget épuisé")


@pytest.mark.django_db
def test_a_jump_past_100_sends_only_the_100_alert(engagement, team):
    _monthly(engagement)
    _approved(team["developer"], engagement, dt.date(2026, 3, 2), 12 * 60)
    assert _sweep().sent == 2
    assert sorted(BudgetAlert.objects.values_list("threshold", "state")) == [
        (80, "skipped"),
        (80, "skipped"),
        (100, "sent"),
        (100, "sent"),
    ]


@pytest.mark.django_db
def test_each_period_has_its_own_alerts(engagement, team):
    _monthly(engagement, starts_on=dt.date(2026, 2, 1), today=dt.date(2026, 2, 20))
    _approved(team["developer"], engagement, dt.date(2026, 2, 2), 9 * 60)
    with time_machine.travel(dt.datetime(2026, 2, 20, 12, tzinfo=dt.UTC), tick=False):
        assert budget_alerts_sweep().sent == 2
    _approved(team["developer"], engagement, dt.date(2026, 3, 2), 9 * 60)
    assert _sweep().sent == 2
    assert BudgetAlert.objects.values("period").distinct().count() == 2


@pytest.mark.django_db
def test_approving_a_week_asks_for_a_sweep_after_commit(
    engagement, team, log, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []

    class Broker:
        def send_task(self, name, kwargs):
            sent.append(name)

    monkeypatch.setattr("collab.common.tasks.current_app", Broker())
    log(team["developer"], day=MONDAY, minutes=60)
    with django_capture_on_commit_callbacks(execute=True):
        timesheet_week_approve(
            actor=team["manager"], engagement=engagement, person=team["developer"], week_of=MONDAY
        )
    assert sent == ["backlog.timesheets.tasks.budget_alerts_sweep_task"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_send_each_alert_exactly_once(engagement, team):
    _monthly(engagement)
    _approved(team["developer"], engagement, dt.date(2026, 3, 2), 9 * 60)
    barrier = threading.Barrier(4)
    errors = []

    def sweep():
        try:
            barrier.wait()
            _sweep()
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    ids = [message.extra_headers["Message-ID"] for message in mail.outbox]
    assert len(ids) == 2
    assert len(set(ids)) == 2
    assert BudgetAlert.objects.filter(state="sent").count() == 2
    assert Notification.objects.filter(kind="budget_alert").count() == 2
    assert _sweep().sent == 0
