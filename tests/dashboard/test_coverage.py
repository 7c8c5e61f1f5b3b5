"""Role coverage and allocation, computed on constructed teams."""

import datetime

import pytest

from roles.coverage import Health, person_loads, role_coverage
from roles.models import Role, RoleAssignment
from tests.factories import EngagementFactory, UserFactory

pytestmark = pytest.mark.django_db

PM, CONSULTANT, BA, TESTER = (
    Role.PROJECT_MANAGER,
    Role.CONSULTANT,
    Role.BUSINESS_ANALYST,
    Role.TESTER,
)


def assign(engagement, person, *roles, allocation=25):
    for role in roles:
        RoleAssignment.objects.create(
            engagement=engagement, person=person, role=role, allocation_percent=allocation
        )


def person(name):
    return UserFactory(display_name=name)


def test_four_roles_held_by_four_people_is_healthy(engagement):
    for name, role in (("Julien", PM), ("Sam", CONSULTANT), ("Ines", BA), ("Tom", TESTER)):
        assign(engagement, person(name), role)

    coverage = role_coverage(engagements=[engagement])[engagement.pk]

    assert coverage.level == Health.HEALTHY
    assert coverage.level_label == "Healthy"
    assert coverage.doubled == []
    assert coverage.missing == []
    assert coverage.risks == []
    assert coverage.core_holders == [
        ("Project manager", ["Julien"]),
        ("E-commerce consultant", ["Sam"]),
        ("Business analyst", ["Ines"]),
        ("Tester", ["Tom"]),
    ]


def test_project_manager_also_tester_is_a_warning_naming_the_person(engagement):
    julien = person("Julien Moreau")
    assign(engagement, julien, PM, TESTER)
    assign(engagement, person("Sam"), CONSULTANT)
    assign(engagement, person("Ines"), BA)

    coverage = role_coverage(engagements=[engagement])[engagement.pk]

    assert coverage.level == Health.WARNING
    assert coverage.missing == []
    assert [(d.name, d.roles) for d in coverage.doubled] == [("Julien Moreau", (PM, TESTER))]
    assert coverage.doubled[0].role_labels == ["Project manager", "Tester"]
    assert coverage.doubled[0].includes_project_manager


def test_one_person_with_three_roles_is_critical(engagement):
    julien = person("Julien Moreau")
    assign(engagement, julien, PM, BA, TESTER)
    assign(engagement, person("Sam"), CONSULTANT)

    coverage = role_coverage(engagements=[engagement])[engagement.pk]

    assert coverage.level == Health.CRITICAL
    assert coverage.level_label == "Critical"
    assert [(d.name, d.roles) for d in coverage.doubled] == [("Julien Moreau", (PM, BA, TESTER))]
    assert coverage.missing == []


def test_no_tester_is_the_named_risk(engagement):
    for name, role in (("Julien", PM), ("Sam", CONSULTANT), ("Ines", BA)):
        assign(engagement, person(name), role)

    coverage = role_coverage(engagements=[engagement])[engagement.pk]

    assert coverage.level == Health.WARNING
    assert coverage.missing == [TESTER]
    assert coverage.risks == ["No tester: the client is testing for the agency."]


def test_no_consultant_is_the_named_risk(engagement):
    for name, role in (("Julien", PM), ("Ines", BA), ("Tom", TESTER)):
        assign(engagement, person(name), role)

    coverage = role_coverage(engagements=[engagement])[engagement.pk]

    assert coverage.level == Health.WARNING
    assert coverage.missing == [CONSULTANT]
    assert coverage.risks == ["No consultant: no business partner."]


def test_an_empty_team_names_every_missing_role(engagement):
    coverage = role_coverage(engagements=[engagement])[engagement.pk]

    assert coverage.missing == [PM, CONSULTANT, BA, TESTER]
    assert coverage.risks == [
        "No project manager: nobody runs the sprint and the weekly sync.",
        "No consultant: no business partner.",
        "No business analyst: the client is analysing for the agency.",
        "No tester: the client is testing for the agency.",
    ]


def test_two_roles_on_one_person_who_is_not_the_pm_is_still_a_warning(engagement):
    assign(engagement, person("Julien"), PM)
    assign(engagement, person("Sam"), CONSULTANT)
    assign(engagement, person("Ines"), BA, TESTER)

    coverage = role_coverage(engagements=[engagement])[engagement.pk]

    assert coverage.level == Health.WARNING
    assert [d.name for d in coverage.doubled] == ["Ines"]


def test_developer_and_client_roles_do_not_count_in_coverage(engagement):
    julien = person("Julien")
    assign(engagement, julien, PM, Role.DEVELOPER, Role.AGENCY_ADMIN)
    for name, role in (("Sam", CONSULTANT), ("Ines", BA), ("Tom", TESTER)):
        assign(engagement, person(name), role)

    assert role_coverage(engagements=[engagement])[engagement.pk].level == Health.HEALTHY


def test_an_ended_assignment_leaves_the_role_missing(engagement):
    for name, role in (("Julien", PM), ("Sam", CONSULTANT), ("Ines", BA)):
        assign(engagement, person(name), role)
    RoleAssignment.objects.create(
        engagement=engagement,
        person=person("Tom"),
        role=TESTER,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2021, 1, 1),
    )

    assert role_coverage(engagements=[engagement])[engagement.pk].missing == [TESTER]


def test_allocation_above_100_percent_across_engagements_is_an_overload(engagement):
    other = EngagementFactory()
    julien, sam = person("Julien"), person("Sam")
    assign(engagement, julien, PM, allocation=60)
    assign(other, julien, PM, allocation=30)
    assign(other, julien, TESTER, allocation=20)
    assign(engagement, sam, CONSULTANT, allocation=100)

    loads = person_loads(engagements=[engagement])
    coverage = role_coverage(engagements=[engagement, other])

    assert {load.name: load.total_percent for load in loads.values()} == {
        "Julien": 110,
        "Sam": 100,
    }
    assert [(p.name, p.total_percent) for p in coverage[engagement.pk].overloaded] == [
        ("Julien", 110)
    ]
    assert [p.name for p in coverage[other.pk].overloaded] == ["Julien"]


def test_coverage_takes_the_same_two_queries_for_one_or_many_engagements(
    django_assert_num_queries,
):
    engagements = [EngagementFactory() for _ in range(6)]
    for engagement in engagements:
        assign(engagement, person("A"), PM, TESTER)
        assign(engagement, person("B"), CONSULTANT)

    with django_assert_num_queries(2):
        one = role_coverage(engagements=engagements[:1])
    with django_assert_num_queries(2):
        many = role_coverage(engagements=engagements)

    assert one[engagements[0].pk].level == Health.WARNING
    assert {c.level for c in many.values()} == {Health.WARNING}


def test_coverage_from_the_roles_observed_roles_read_is_the_same_in_one_query(
    django_assert_num_queries,
):
    """The dashboards read the roles held once, in the observed roles' union, and hand them to
    role coverage: the same coverage, one query (the people's loads) instead of two."""
    from backlog.timesheets.observed import observed_roles, observed_window

    engagements = [EngagementFactory() for _ in range(3)]
    for engagement in engagements:
        assign(engagement, person("Zoé"), PM, TESTER)
        assign(engagement, person("anna"), CONSULTANT)
        assign(engagement, person("Émile"), BA)
    today = datetime.date.today()
    start, end = observed_window(today)
    observed = observed_roles(engagements=engagements, start=start, end=end, sees_all=False)
    held = [row for found in observed.values() for row in found.held]

    with django_assert_num_queries(1):
        reused = role_coverage(engagements=engagements, on=today, held=held)

    assert reused == role_coverage(engagements=engagements, on=today)
    assert reused[engagements[0].pk].level == Health.WARNING
