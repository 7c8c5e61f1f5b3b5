"""Time's webhook events: ``time.week_approved`` with the approval, ``budget.alert`` with the
alerts' ledger rows, each written once; both subscribable from the form and the API."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from backlog.timesheets import budgets
from backlog.timesheets.budget_alerts import budget_alerts_sweep
from backlog.timesheets.models import Budget, BudgetAlert, TimeEntry
from backlog.timesheets.services import timesheet_week_approve, timesheet_week_return
from collab.webhooks.forms import WebhookForm
from collab.webhooks.models import Webhook, WebhookDelivery
from collab.webhooks.services import webhook_create
from roles.models import Role
from tests.factories import member
from tests.timesheets.conftest import MONDAY, NOW

SITE = django_settings.SITE_URL
PUBLIC = "https://93.184.215.14/hooks/tandem"
TIME_EVENTS = ["time.week_approved", "budget.alert"]


def _hook(engagement, events=None, creator=None):
    return webhook_create(
        engagement=engagement, created_by=creator, target_url=PUBLIC, events=events or TIME_EVENTS
    )


def _events(event, webhook=None):
    rows = WebhookDelivery.objects.filter(event=event).order_by("pk")
    if webhook is not None:
        rows = rows.filter(webhook=webhook)
    return [row.payload["data"] for row in rows]


def _approve(manager, engagement, person, week_of=MONDAY):
    return timesheet_week_approve(
        actor=manager, engagement=engagement, person=person, week_of=week_of
    )


# time.week_approved


@pytest.mark.django_db
def test_approving_a_week_writes_one_event_with_its_totals(
    engagement, other_engagement, developer, manager, log
):
    webhook = _hook(engagement)
    quiet = _hook(engagement, events=["ticket.created"])
    elsewhere = _hook(other_engagement)
    log(developer, day=MONDAY, minutes=90)
    log(developer, day=MONDAY + dt.timedelta(days=1), minutes=60, billable=False)

    _approve(manager, engagement, developer)

    assert _events("time.week_approved", webhook) == [
        {
            "person": {"id": developer.pk, "display_name": "Dev One"},
            "week_start": "2026-03-09",
            "total_minutes": 150,
            "billable_minutes": 90,
            "entries": 2,
            "approved_by": {"id": manager.pk, "display_name": "Claire Dubois"},
            "approved_at": "2026-03-11T15:00:00Z",
            "url": f"{SITE}/engagements/nordfer/time/?week=2026-03-09",
        }
    ]
    delivery = WebhookDelivery.objects.get(webhook=webhook)
    assert delivery.payload["engagement"] == {"slug": "nordfer", "name": "Nordfer Industrie"}
    assert delivery.payload["type"] == "time.week_approved"
    assert WebhookDelivery.objects.filter(webhook__in=[quiet, elsewhere]).count() == 0


@pytest.mark.django_db
def test_approving_again_or_returning_writes_no_event_and_a_new_approval_writes_one(
    engagement, developer, manager, log
):
    webhook = _hook(engagement)
    log(developer, day=MONDAY, minutes=60)
    _approve(manager, engagement, developer)
    _approve(manager, engagement, developer)
    assert len(_events("time.week_approved", webhook)) == 1

    timesheet_week_return(
        actor=manager, engagement=engagement, person=developer, week_of=MONDAY, reason="Typo"
    )
    assert len(_events("time.week_approved", webhook)) == 1
    assert WebhookDelivery.objects.filter(webhook=webhook).count() == 1

    _approve(manager, engagement, developer)
    assert len(_events("time.week_approved", webhook)) == 2


@pytest.mark.django_db
def test_a_refused_approval_writes_no_event(engagement, developer, manager):
    _hook(engagement)
    with pytest.raises(ValidationError):
        _approve(manager, engagement, developer)
    assert WebhookDelivery.objects.count() == 0


# budget.alert


def _retainer(engagement):
    return budgets.budget_create(
        engagement=engagement,
        today=NOW.date(),
        name="Retainer",
        kind=Budget.Kind.MONTHLY,
        unit=Budget.Unit.HOURS,
        amount=Decimal("10"),
        starts_on=dt.date(2026, 3, 1),
    )


def _approved(person, engagement, day, minutes):
    return TimeEntry.objects.create(
        engagement=engagement,
        person=person,
        date=day,
        minutes=minutes,
        role=Role.DEVELOPER,
        approved_at=NOW,
    )


@pytest.fixture
def team(engagement, manager, developer):
    director = member(engagement, Role.DIRECTOR, email="director@nordfer.example")
    return {"manager": manager, "developer": developer, "director": director}


@pytest.mark.django_db
def test_a_budget_alert_is_one_event_per_threshold_and_period_not_per_recipient(engagement, team):
    webhook = _hook(engagement, events=["budget.alert"])
    budget = _retainer(engagement)
    period = budget.periods.get()
    _approved(team["developer"], engagement, dt.date(2026, 3, 2), 8 * 60)

    budget_alerts_sweep(now=NOW)
    assert BudgetAlert.objects.filter(threshold=80).count() == 2  # the manager and the director
    assert _events("budget.alert", webhook) == [
        {
            "budget": {"id": budget.pk, "name": "Retainer", "kind": "monthly"},
            "period": {"id": period.pk, "starts_on": "2026-03-01", "ends_on": "2026-03-31"},
            "threshold": 80,
            "percent": 80,
            "used": "8.00",
            "total": "10.00",
            "unit": "hours",
            "currency": None,
            "url": f"{SITE}/engagements/nordfer/time/budgets/",
        }
    ]

    budget_alerts_sweep(now=NOW)  # a second sweep: nothing new
    assert len(_events("budget.alert", webhook)) == 1

    _approved(team["developer"], engagement, dt.date(2026, 3, 3), 3 * 60)
    budget_alerts_sweep(now=NOW)
    budget_alerts_sweep(now=NOW)
    events = _events("budget.alert", webhook)
    assert [(e["threshold"], e["percent"], e["used"]) for e in events] == [
        (80, 80, "8.00"),
        (100, 110, "11.00"),
    ]


@pytest.mark.django_db
def test_a_jump_past_100_writes_only_the_100_event_and_a_money_budget_gives_its_currency(
    engagement, team
):
    webhook = _hook(engagement, events=["budget.alert"])
    budgets.budget_create(
        engagement=engagement,
        today=NOW.date(),
        name="Build",
        kind=Budget.Kind.FIXED,
        unit=Budget.Unit.MONEY,
        amount=Decimal("1000"),
        starts_on=dt.date(2026, 3, 1),
        ends_on=dt.date(2026, 3, 31),
    )
    engagement.agency_day_rate = Decimal("800")
    engagement.save(update_fields=["agency_day_rate"])
    _approved(team["developer"], engagement, dt.date(2026, 3, 2), 12 * 60)  # 1,200.00

    budget_alerts_sweep(now=NOW)

    [event] = _events("budget.alert", webhook)
    assert (event["threshold"], event["used"], event["total"], event["unit"]) == (
        100,
        "1200.00",
        "1000.00",
        "money",
    )
    assert event["currency"] == "EUR"


@pytest.mark.django_db
def test_no_recipient_no_subscriber_or_another_engagement_writes_no_budget_event(
    engagement, other_engagement, team
):
    elsewhere = _hook(other_engagement, events=["budget.alert"])
    other_hook = _hook(engagement, events=["time.week_approved"])
    _retainer(engagement)
    _approved(team["developer"], engagement, dt.date(2026, 3, 2), 9 * 60)
    budget_alerts_sweep(now=NOW)
    assert BudgetAlert.objects.filter(state="sent").count() == 2
    assert WebhookDelivery.objects.filter(webhook__in=[elsewhere, other_hook]).count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_write_each_budget_event_once(engagement, team):
    webhook = _hook(engagement, events=["budget.alert"])
    _retainer(engagement)
    _approved(team["developer"], engagement, dt.date(2026, 3, 2), 9 * 60)
    barrier = threading.Barrier(4)
    errors = []

    def sweep():
        try:
            barrier.wait()
            budget_alerts_sweep(now=NOW)
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
    assert [event["threshold"] for event in _events("budget.alert", webhook)] == [80]
    assert BudgetAlert.objects.filter(state="sent").count() == 2


# Subscription


@pytest.mark.django_db
def test_the_time_events_are_subscribable_and_an_unknown_one_is_refused(engagement):
    webhook = _hook(engagement, events=["budget.alert", "ticket.created", "time.week_approved"])
    assert webhook.events == ["ticket.created", "time.week_approved", "budget.alert"]
    form_choices = [value for value, _label in WebhookForm().fields["events"].choices]
    assert form_choices[-2:] == TIME_EVENTS

    with pytest.raises(ValidationError) as refused:
        _hook(engagement, events=["time.week_returned"])
    assert "Unknown event: time.week_returned" in refused.value.message_dict["events"][0]
    assert Webhook.objects.count() == 1


@pytest.mark.django_db
def test_the_form_and_the_api_subscribe_to_the_time_events(
    client, api_client, engagement, admin_user, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    client.force_login(admin_user)
    response = client.post(
        reverse("webhooks:webhook-list", args=[engagement.slug]),
        {"target_url": "https://hooks.nordfer.example/time", "events": TIME_EVENTS},
    )
    assert response.status_code == 200
    assert Webhook.objects.get().events == TIME_EVENTS

    api_client.force_login(admin_user)
    response = api_client.post(
        "/api/v1/engagements/nordfer/webhooks/",
        {"target_url": PUBLIC, "events": ["budget.alert"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["events"] == ["budget.alert"]

    refused = api_client.post(
        "/api/v1/engagements/nordfer/webhooks/",
        {"target_url": PUBLIC, "events": ["budget.spent"]},
        format="json",
    )
    assert refused.status_code == 400
    assert "budget.spent" in str(refused.json())
    assert Webhook.objects.count() == 2
