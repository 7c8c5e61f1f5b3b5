"""Observed roles: hours and actions per role beside the assigned roles (docs/indicators.md)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backlog.models import QAVerdict
from backlog.timesheets.models import TimeEntry
from backlog.timesheets.observed import observed_roles, observed_window
from roles.coverage import Health
from roles.models import Role
from tests.backlog.factories import CriterionFactory, TicketFactory
from tests.factories import RoleAssignmentFactory, member
from tests.timesheets.conftest import MONDAY

START, END = observed_window(MONDAY + datetime.timedelta(days=2))


def entry(engagement, person, role, minutes, *, day=MONDAY, approved=True, billable=True):
    return TimeEntry.objects.create(
        engagement=engagement,
        person=person,
        role=role,
        minutes=minutes,
        date=day,
        billable=billable,
        approved_at=timezone.now() if approved else None,
    )


def verdicts(engagement, tester, count):
    for _ in range(count):
        QAVerdict.objects.create(
            engagement=engagement,
            ticket=TicketFactory(engagement=engagement),
            tester=tester,
            passed=True,
        )


@pytest.fixture
def team(engagement):
    """Claire manages and also holds the tester role; Tom is the nominal tester; Ana analyses;
    Paul consults."""
    claire = member(engagement, Role.PROJECT_MANAGER, display_name="Claire Dubois")
    RoleAssignmentFactory(engagement=engagement, person=claire, role=Role.TESTER)
    tom = member(engagement, Role.TESTER, display_name="Tom Tester")
    ana = member(engagement, Role.BUSINESS_ANALYST, display_name="Ana Analyst")
    paul = member(engagement, Role.CONSULTANT, display_name="Paul Partner")
    return {"claire": claire, "tom": tom, "ana": ana, "paul": paul}


def observe(engagement, *, sees_all=True, start=START, end=END):
    return observed_roles(engagements=[engagement], start=start, end=end, sees_all=sees_all)[
        engagement.pk
    ]


def _work(result, person):
    row = next(row for row in result.people if row.person_id == person.pk)
    return {item.role: (item.minutes, item.minutes_share, item.actions) for item in row.work}


def test_the_project_manager_doing_most_of_the_testing_is_observed_as_tester(engagement, team):
    entry(engagement, team["claire"], Role.PROJECT_MANAGER, 90)
    entry(engagement, team["claire"], Role.TESTER, 240)
    entry(engagement, team["tom"], Role.TESTER, 60)
    entry(engagement, team["ana"], Role.BUSINESS_ANALYST, 300)
    entry(engagement, team["paul"], Role.CONSULTANT, 120)

    result = observe(engagement)

    assert _work(result, team["claire"]) == {
        Role.PROJECT_MANAGER: (90, 100, 0),
        Role.TESTER: (240, 80, 0),
    }
    assert _work(result, team["tom"]) == {Role.TESTER: (60, 20, 0)}
    claire = next(row for row in result.people if row.person_id == team["claire"].pk)
    assert claire.observed == (Role.PROJECT_MANAGER, Role.TESTER)
    # "Assigned project manager (50 %); 72 % of her hours were testing."
    assert claire.assigned_with_allocation == ["Project manager (50\u00a0%)", "Tester (50\u00a0%)"]
    assert {item.role: item.own_share for item in claire.work} == {
        Role.PROJECT_MANAGER: 27,
        Role.TESTER: 72,
    }
    tom = next(row for row in result.people if row.person_id == team["tom"].pk)
    assert tom.observed == ()
    assert [(d.name, d.roles) for d in result.doubled] == [
        ("Claire Dubois", (Role.PROJECT_MANAGER, Role.TESTER))
    ]
    assert result.missing == []
    assert result.level == Health.WARNING
    # Most hours first.
    assert [row.name for row in result.people] == [
        "Claire Dubois",
        "Ana Analyst",
        "Paul Partner",
        "Tom Tester",
    ]


def test_a_quarter_of_a_roles_hours_is_the_threshold(engagement, team):
    entry(engagement, team["claire"], Role.TESTER, 100)
    entry(engagement, team["tom"], Role.TESTER, 300)
    assert [r.name for r in observe(engagement).people if Role.TESTER in r.observed] == [
        "Tom Tester",
        "Claire Dubois",
    ]
    TimeEntry.objects.filter(person=team["claire"]).update(minutes=99)
    assert [r.name for r in observe(engagement).people if Role.TESTER in r.observed] == [
        "Tom Tester"
    ]


def test_actions_reveal_a_role_the_person_does_not_hold(engagement, team):
    """The project manager writes most acceptance criteria and records the QA verdicts,
    without holding the business analyst role."""
    ticket = TicketFactory(engagement=engagement)
    for _ in range(3):
        CriterionFactory(ticket=ticket, author=team["claire"])
    CriterionFactory(ticket=ticket, author=team["ana"])
    verdicts(engagement, team["claire"], 2)
    entry(engagement, team["ana"], Role.BUSINESS_ANALYST, 300)

    result = observe(engagement)

    claire = next(row for row in result.people if row.person_id == team["claire"].pk)
    assert _work(result, team["claire"]) == {
        Role.PROJECT_MANAGER: (0, None, 0),
        Role.BUSINESS_ANALYST: (0, 0, 3),
        Role.TESTER: (0, None, 2),
    }
    assert claire.observed == (Role.BUSINESS_ANALYST, Role.TESTER)
    assert claire.unassigned == (Role.BUSINESS_ANALYST,)
    assert [row.name for row in result.unassigned] == ["Claire Dubois"]
    # Nobody logged or did management or consulting work in the window: named risks.
    assert result.missing == [Role.PROJECT_MANAGER, Role.CONSULTANT]
    assert result.level == Health.WARNING
    assert result.risks == [
        "No project manager: nobody runs the sprint and the weekly sync.",
        "No consultant: no business partner.",
    ]


def test_three_observed_core_roles_is_critical(engagement, team):
    entry(engagement, team["claire"], Role.PROJECT_MANAGER, 60)
    entry(engagement, team["claire"], Role.TESTER, 60)
    CriterionFactory(ticket=TicketFactory(engagement=engagement), author=team["claire"])
    entry(engagement, team["paul"], Role.CONSULTANT, 60)
    assert observe(engagement).level == Health.CRITICAL


def test_nothing_logged_or_done_has_no_observed_level(engagement, team):
    result = observe(engagement)
    assert result.has_work is False
    assert result.level is None
    assert result.risks == []
    assert {row.name for row in result.people} == {
        "Claire Dubois",
        "Tom Tester",
        "Ana Analyst",
        "Paul Partner",
    }


def test_only_the_window_counts(engagement, team):
    entry(engagement, team["claire"], Role.TESTER, 240, day=START - datetime.timedelta(days=1))
    entry(engagement, team["tom"], Role.TESTER, 60, day=START)
    result = observe(engagement)
    assert result.role_minutes[Role.TESTER] == 60
    assert _work(result, team["claire"]) == {
        Role.PROJECT_MANAGER: (0, None, 0),
        Role.TESTER: (0, 0, 0),
    }


def test_the_client_sees_observed_roles_from_approved_billable_time_only(engagement, team):
    entry(engagement, team["claire"], Role.TESTER, 240, approved=False)
    entry(engagement, team["claire"], Role.TESTER, 30, billable=False)
    entry(engagement, team["tom"], Role.TESTER, 60)
    assert observe(engagement, sees_all=True).role_minutes[Role.TESTER] == 330
    client_view = observe(engagement, sees_all=False)
    assert client_view.role_minutes[Role.TESTER] == 60
    assert _work(client_view, team["claire"])[Role.TESTER] == (0, 0, 0)


def test_another_engagements_work_is_not_counted(engagement, other_engagement, team):
    stranger = member(other_engagement, Role.TESTER, display_name="Elsewhere")
    entry(other_engagement, stranger, Role.TESTER, 480)
    verdicts(other_engagement, stranger, 3)
    entry(engagement, team["tom"], Role.TESTER, 60)
    result = observe(engagement)
    assert "Elsewhere" not in {row.name for row in result.people}
    assert result.role_minutes[Role.TESTER] == 60
    assert result.role_actions[Role.TESTER] == 0


def _queries(engagements):
    with CaptureQueriesContext(connection) as ctx:
        observed_roles(engagements=engagements, start=START, end=END, sees_all=True)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("size", [1, 6])
def test_one_query_whatever_the_number_of_engagements_and_people(engagement, team, size):
    from tests.factories import EngagementFactory

    engagements = [engagement, *(EngagementFactory() for _ in range(size))]
    for other in engagements[1:]:
        for n in range(size):
            person = member(other, Role.TESTER)
            entry(other, person, Role.TESTER, 30 + n)
            verdicts(other, person, 1)
    assert _queries(engagements) == 1


def test_the_agency_counts_the_unapproved_hours_the_director_does_not(engagement, team):
    entry(engagement, team["claire"], Role.TESTER, 600, approved=False)
    entry(engagement, team["tom"], Role.TESTER, 240)
    agency = next(r for r in observe(engagement).people if r.person_id == team["claire"].pk)
    client = next(
        r for r in observe(engagement, sees_all=False).people if r.person_id == team["claire"].pk
    )
    assert Role.TESTER in agency.observed
    assert Role.TESTER not in client.observed


def test_client_people_appear_only_for_the_work_they_did(engagement, team):
    """The director is not a row of the team's work until they write the acceptance criteria
    themselves: then the client is seen analysing for the agency."""
    director = member(engagement, Role.DIRECTOR, display_name="Ines Laurent")
    entry(engagement, team["ana"], Role.BUSINESS_ANALYST, 60)
    assert "Ines Laurent" not in {row.name for row in observe(engagement).people}
    ticket = TicketFactory(engagement=engagement)
    CriterionFactory(ticket=ticket, author=director)
    CriterionFactory(ticket=ticket, author=director)
    CriterionFactory(ticket=ticket, author=team["ana"])
    row = next(r for r in observe(engagement).people if r.name == "Ines Laurent")
    assert row.assigned == (Role.DIRECTOR,)
    assert row.unassigned == (Role.BUSINESS_ANALYST,)
