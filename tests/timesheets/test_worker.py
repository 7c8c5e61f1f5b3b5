"""A real Celery worker and beat on Redis send a budget's 80 % alert once, to the project
manager and the director (marked like tests/rhythm/test_worker.py: ``worker``)."""

import os
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from backlog.timesheets.budgets import budget_create
from backlog.timesheets.models import Budget, BudgetAlert, TimeEntry
from collab.rhythm.models import Notification
from roles.models import Role
from tests.celery_processes import worker_and_beat
from tests.factories import EngagementFactory, member

# A Redis database of its own, apart from the rhythm's (10) and tests/collab/test_celery.py (9).
WORKER_REDIS_URL = os.environ.get("TEST_BUDGET_REDIS_URL", "redis://127.0.0.1:6379/11")


@pytest.fixture(autouse=True)
def _now():
    """The real clock, as the worker's: not the frozen Wednesday of the other time tests."""


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_and_beat_send_the_80_percent_alert_once(tmp_path):
    engagement = EngagementFactory(slug="budget-worker", key_prefix="BWK")
    manager = member(engagement, Role.PROJECT_MANAGER, email="pm@budget.example")
    member(engagement, Role.DIRECTOR, email="director@budget.example", language="fr")
    developer = member(engagement, Role.DEVELOPER)
    today = timezone.localdate()
    budget = budget_create(
        engagement=engagement,
        name="Retainer",
        kind=Budget.Kind.MONTHLY,
        unit=Budget.Unit.HOURS,
        amount=Decimal(10),
        starts_on=today.replace(day=min(today.day, 28)),
    )
    TimeEntry.objects.create(
        engagement=engagement,
        person=developer,
        date=today,
        minutes=8 * 60 + 30,
        role=Role.DEVELOPER,
        approved_at=timezone.now(),
        approved_by=manager,
    )
    period = budget.periods.get()

    with worker_and_beat(tmp_path, WORKER_REDIS_URL, BUDGET_ALERTS_SWEEP_SECONDS="2") as run:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if BudgetAlert.objects.filter(period=period, state="sent").count() == 2:
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"no budget alert delivered; the log:\n{run.log_path.read_text()}")
        time.sleep(5)  # two more sweeps: nothing more goes out
    outbox = run.outbox
    assert set(BudgetAlert.objects.values_list("threshold", "state")) == {(80, "sent")}
    written = "".join(path.read_text() for path in outbox.iterdir())
    for person_id in BudgetAlert.objects.values_list("person_id", flat=True):
        message_id = f"Message-ID: <budget-alert.{period.pk}.80.{person_id}@tandem>"
        assert written.count(message_id) == 1
    assert "Budget alert: Retainer has used 85 %" in written
    assert Notification.objects.filter(kind="budget_alert").count() == 2
