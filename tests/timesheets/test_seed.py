"""The demo's time: a few weeks per engagement, approved except the current week; on Maison
Lila the project manager logs most of the testing hours."""

import pytest
from django.core.management import call_command
from django.db.models import Sum

from backlog.timesheets.models import TimeEntry, TimesheetWeek
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
    count = TimeEntry.objects.count()
    weeks = TimesheetWeek.objects.count()
    call_command("seed_demo", stdout=None)
    assert (TimeEntry.objects.count(), TimesheetWeek.objects.count()) == (count, weeks)
