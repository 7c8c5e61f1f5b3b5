"""The demo's time: a few weeks per engagement, approved except the current week; on Maison
Lila the project manager logs most of the testing hours."""

import datetime

import pytest
from django.core.management import call_command
from django.db.models import Sum

from backlog.timesheets.budget_alerts import budget_alerts_sweep
from backlog.timesheets.burn import current_burns
from backlog.timesheets.models import Budget, BudgetAlert, BudgetPeriod, TimeEntry, TimesheetWeek
from collab.models import Engagement
from collab.rhythm.models import Notification
from roadmap.reviews.models import Review
from tests.timesheets.conftest import MONDAY


@pytest.mark.django_db
def test_demo_time_tells_the_story(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=None)
    lila = TimeEntry.objects.filter(engagement__slug="maison-lila")
    testing = dict(
        lila.filter(role="tester").values_list("person__email").annotate(total=Sum("minutes"))
    )
    assert set(testing) == {"claire.dubois@atelier.example"}
    claire = lila.filter(person__email="claire.dubois@atelier.example")
    by_role = dict(claire.values_list("role").annotate(total=Sum("minutes")))
    assert by_role["tester"] > 2 * by_role["project_manager"]
    for slug in ("nordfer", "maison-lila", "cave-saint-roch"):
        entries = TimeEntry.objects.filter(engagement__slug=slug)
        assert entries.filter(date__lt=MONDAY, approved_at__isnull=True).count() == 0
        assert entries.filter(date__gte=MONDAY, approved_at__isnull=False).count() == 0
        assert entries.filter(date__gte=MONDAY).exists()
    # The upcoming review's pack is built after the time: it shows the hours the director
    # sees per role and the done tickets' actual time against their estimate.
    review = Review.objects.filter(engagement__slug="maison-lila", pack_built_at__isnull=False)
    pack = review.latest("pack_built_at").pack
    claire = next(p for p in pack["observed_roles"]["people"] if p["person"] == "Claire Dubois")
    assert claire["minutes"]["tester"] > 0 and "tester" in claire["observed"]
    assert any(ticket["actual_minutes"] > 0 for ticket in pack["actuals"]["tickets"])
    assert pack["actuals"]["accuracy"]["overall"]["tickets"] > 0
    count = TimeEntry.objects.count()
    weeks = TimesheetWeek.objects.count()
    call_command("seed_demo", stdout=None)
    assert (TimeEntry.objects.count(), TimesheetWeek.objects.count()) == (count, weeks)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(2026, 3, 11, 15, 0, tzinfo=datetime.UTC),
        # Near a month's end: a retainer renews on the 28th at the latest.
        datetime.datetime(2026, 1, 24, 9, 0, tzinfo=datetime.UTC),
    ],
)
def test_demo_budgets_tell_the_story(settings, mailoutbox, time_machine, moment):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    time_machine.move_to(moment, tick=False)
    call_command("seed_demo", stdout=None)
    today = moment.date()
    burns = current_burns(today=today)
    by_slug = {Engagement.objects.get(pk=pk).slug: group[0] for pk, group in burns.items() if group}
    cave = by_slug["cave-saint-roch"]
    assert 90 <= cave.percent <= 94
    assert 6 <= (cave.period.ends_on - today).days <= 11
    assert cave.period.budget.kind == "monthly"
    assert by_slug["nordfer"].percent < 60
    assert by_slug["nordfer"].tone == "success"
    lila = by_slug["maison-lila"]
    assert (lila.period.budget.unit, lila.period.budget.kind) == ("money", "fixed")
    assert 50 <= lila.percent <= 60
    # Cave Saint-Roch's 80 % alert went to its project manager and director, in the inbox.
    alerts = BudgetAlert.objects.filter(engagement__slug="cave-saint-roch")
    assert set(alerts.values_list("threshold", "state")) == {(80, "sent")}
    assert alerts.count() == 2
    assert Notification.objects.filter(kind="budget_alert").count() == 2
    assert not BudgetAlert.objects.exclude(engagement__slug="cave-saint-roch").exists()
    assert not [m for m in mailoutbox if "Budget" in m.subject]
    counts = (Budget.objects.count(), BudgetPeriod.objects.count(), BudgetAlert.objects.count())
    call_command("seed_demo", stdout=None)
    again = (Budget.objects.count(), BudgetPeriod.objects.count(), BudgetAlert.objects.count())
    assert counts == again == (3, 3, 2)
    # A sweep afterwards sends nothing more.
    assert budget_alerts_sweep(now=moment).sent == 0
