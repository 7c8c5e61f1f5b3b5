"""Observed roles in the role-coverage indicator: the director home's card and the engagement
overview name who works in several core roles, or in one they do not hold, from the last four
weeks' approved billable time and actions (docs/indicators.md)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from backlog.timesheets.models import TimeEntry
from roles.models import Role, RoleAssignment
from tests.backlog.factories import CriterionFactory, TicketFactory
from tests.factories import member

pytestmark = pytest.mark.django_db


def _entry(engagement, person, role, minutes, *, approved=True, days_ago=1):
    TimeEntry.objects.create(
        engagement=engagement,
        person=person,
        role=role,
        minutes=minutes,
        date=timezone.localdate() - dt.timedelta(days=days_ago),
        approved_at=timezone.now() if approved else None,
    )


@pytest.fixture
def team(engagement):
    """Four distinct people on the four core roles (healthy as assigned); Claire, the project
    manager, writes most of the acceptance criteria."""
    claire = member(engagement, Role.PROJECT_MANAGER, display_name="Claire Dubois")
    tom = member(engagement, Role.TESTER, display_name="Tom Tester")
    ana = member(engagement, Role.BUSINESS_ANALYST, display_name="Ana Analyst")
    paul = member(engagement, Role.CONSULTANT, display_name="Paul Partner")
    _entry(engagement, claire, Role.PROJECT_MANAGER, 120)
    _entry(engagement, tom, Role.TESTER, 240)
    _entry(engagement, ana, Role.BUSINESS_ANALYST, 60)
    _entry(engagement, paul, Role.CONSULTANT, 60)
    ticket = TicketFactory(engagement=engagement)
    for _ in range(3):
        CriterionFactory(ticket=ticket, author=claire)
    CriterionFactory(ticket=ticket, author=ana)
    return {"claire": claire, "tom": tom, "ana": ana}


NOTE = "Observed over four weeks: Claire Dubois works as Project manager, Business analyst."
UNASSIGNED = "Claire Dubois does work of roles they are not assigned: Business analyst."


def test_the_director_home_names_the_project_manager_analysing(client, engagement, director, team):
    client.force_login(director)
    content = client.get(reverse("dashboard:director-home")).content.decode()
    assert NOTE in content
    assert UNASSIGNED in content
    assert reverse("timesheets:observed-roles", args=[engagement.slug]) in content
    # Assigned, the four roles are four people: the card's level stays the assigned one.
    assert "holds several roles" not in content


def test_the_overview_names_it_too(client, engagement, director, team):
    client.force_login(director)
    url = reverse("dashboard:engagement-overview", args=[engagement.slug])
    content = client.get(url).content.decode()
    assert NOTE in content and UNASSIGNED in content


def test_unapproved_hours_do_not_reach_the_director(client, engagement, director, team):
    """Hours the director cannot see make nobody observed: Claire's unapproved testing hours
    (most of the testing, for the agency) weigh nothing on the director's home."""
    RoleAssignment.objects.create(
        engagement=engagement,
        person=team["claire"],
        role=Role.TESTER,
        start_date=dt.date(2020, 1, 1),
    )
    _entry(engagement, team["claire"], Role.TESTER, 600, approved=False)
    client.force_login(director)
    content = client.get(reverse("dashboard:director-home")).content.decode()
    assert "works as Project manager, Business analyst." in content
    assert "works as Project manager, Business analyst, Tester." not in content


def test_work_older_than_four_weeks_is_not_observed(client, engagement, director, team):
    from backlog.models import AcceptanceCriterion

    AcceptanceCriterion.objects.update(created_at=timezone.now() - dt.timedelta(days=40))
    client.force_login(director)
    content = client.get(reverse("dashboard:director-home")).content.decode()
    assert NOTE not in content and UNASSIGNED not in content
