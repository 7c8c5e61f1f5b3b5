"""The permission matrix, role by role and action by action, and who sees which engagement."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from collab.models import ApiToken
from collab.services import api_token_create, api_token_revoke
from roles import policy
from roles.models import Role
from roles.policy import Action
from tests.factories import EngagementFactory, RoleAssignmentFactory, UserFactory, member

# Written out independently of roles.policy.ROLE_ACTIONS, so that a change to the matrix must be
# made twice on purpose. Columns: view, file, value, approve, sign off, QA, team, tokens,
# configure the backlog (scoring model, workflow rules, routing), log time, see all time (the
# client's people see approved billable time only), approve timesheets, remove anyone's
# attachments, see budgets (the director too), set budgets, import time (from Toggl, Harvest or
# Clockify).
EXPECTED = {
    Role.PROJECT_MANAGER: "YYYNNNNNNYYYYYYY",
    Role.CONSULTANT: "YYYNNNNNNYYNNNNN",
    Role.BUSINESS_ANALYST: "YYYNNNNNNYYNNNNN",
    Role.TESTER: "YYNNNYNNNYYNNNNN",
    Role.DEVELOPER: "YYNNNNNNNYYNNNNN",
    Role.AGENCY_ADMIN: "YYYNNNYYYYYNNYYY",
    Role.DIRECTOR: "YYYYYNNNYNNNNYNN",
    Role.STAKEHOLDER: "YYNNNNNNNNNNNNNN",
}
ACTIONS = [
    Action.VIEW,
    Action.FILE_TICKETS,
    Action.EDIT_VALUE,
    Action.APPROVE_PRIORITIES,
    Action.SIGN_OFF_REVIEWS,
    Action.RECORD_QA,
    Action.MANAGE_TEAM,
    Action.MANAGE_API_TOKENS,
    Action.CONFIGURE_BACKLOG,
    Action.LOG_TIME,
    Action.VIEW_ALL_TIME,
    Action.APPROVE_TIME,
    Action.REMOVE_ATTACHMENTS,
    Action.VIEW_BUDGETS,
    Action.MANAGE_BUDGETS,
    Action.IMPORT_TIME,
]
CASES = [
    (role, action, flags[i] == "Y")
    for role, flags in EXPECTED.items()
    for i, action in enumerate(ACTIONS)
]


def test_matrix_covers_every_role_and_action():
    assert set(EXPECTED) == set(Role)
    assert set(ACTIONS) == set(Action)


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "action", "allowed"), CASES, ids=lambda v: str(v))
def test_role_grants_exactly_its_actions(engagement, role, action, allowed):
    person = member(engagement, role)

    assert policy.can(person, action, engagement) is allowed
    if allowed:
        policy.require(person, action, engagement)
    else:
        with pytest.raises(PermissionDenied):
            policy.require(person, action, engagement)


@pytest.mark.django_db
@pytest.mark.parametrize("action", ACTIONS)
def test_roles_on_another_engagement_grant_nothing_here(engagement, other_engagement, action):
    outsider = member(other_engagement, Role.AGENCY_ADMIN)

    assert policy.can(outsider, action, engagement) is False


@pytest.mark.django_db
def test_a_person_with_two_roles_has_the_union(engagement):
    person = member(engagement, Role.TESTER)
    RoleAssignmentFactory(engagement=engagement, person=person, role=Role.PROJECT_MANAGER)

    assert policy.can(person, Action.RECORD_QA, engagement)
    assert policy.can(person, Action.EDIT_VALUE, engagement)
    assert not policy.can(person, Action.MANAGE_TEAM, engagement)


@pytest.mark.django_db
def test_visible_engagements_are_those_with_a_role_in_force(engagement, other_engagement):
    today = timezone.localdate()
    person = UserFactory()
    RoleAssignmentFactory(engagement=engagement, person=person)
    ended = EngagementFactory()
    RoleAssignmentFactory(
        engagement=ended,
        person=person,
        start_date=today - datetime.timedelta(days=30),
        end_date=today - datetime.timedelta(days=1),
    )
    future = EngagementFactory()
    RoleAssignmentFactory(
        engagement=future, person=person, start_date=today + datetime.timedelta(days=1)
    )

    assert list(policy.engagements_visible_to(person)) == [engagement]


@pytest.mark.django_db
def test_engagement_for_answers_404_for_missing_and_foreign_alike(engagement, other_engagement):
    person = member(other_engagement)

    with pytest.raises(Http404) as foreign:
        policy.engagement_for(person, slug=engagement.slug)
    with pytest.raises(Http404) as missing:
        policy.engagement_for(person, slug="no-such-engagement")
    assert str(foreign.value) == str(missing.value)
    assert policy.engagement_for(person, slug=other_engagement.slug) == other_engagement


@pytest.mark.django_db
def test_engagement_for_reads_the_roles_in_force_with_the_engagement_for_that_person_only(
    engagement, django_assert_num_queries
):
    today = timezone.localdate()
    person = member(engagement, Role.PROJECT_MANAGER)
    RoleAssignmentFactory(engagement=engagement, person=person, role=Role.TESTER)
    RoleAssignmentFactory(
        engagement=engagement,
        person=person,
        role=Role.CONSULTANT,
        start_date=today - datetime.timedelta(days=30),
        end_date=today - datetime.timedelta(days=1),
    )
    director = member(engagement, Role.DIRECTOR)

    with django_assert_num_queries(1):
        found = policy.engagement_for(person, slug=engagement.slug)
        assert policy.roles_of(person, found) == {Role.PROJECT_MANAGER, Role.TESTER}
        assert policy.can(person, Action.RECORD_QA, found)
        assert not policy.can(person, Action.APPROVE_PRIORITIES, found)
    # Someone else asked about the same engagement: their own roles, read for them.
    with django_assert_num_queries(1):
        assert policy.roles_of(director, found) == {Role.DIRECTOR}
    # An ended role alone opens nothing.
    ended = UserFactory()
    RoleAssignmentFactory(
        engagement=engagement,
        person=ended,
        start_date=today - datetime.timedelta(days=9),
        end_date=today - datetime.timedelta(days=1),
    )
    with pytest.raises(Http404):
        policy.engagement_for(ended, slug=engagement.slug)


@pytest.mark.django_db
def test_an_inactive_person_sees_nothing(engagement):
    person = member(engagement, Role.DIRECTOR)
    person.is_active = False

    assert list(policy.engagements_visible_to(person)) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("scope", "allowed"),
    [
        (ApiToken.Scope.READ, {Action.VIEW, Action.VIEW_ALL_TIME, Action.VIEW_BUDGETS}),
        (
            ApiToken.Scope.WRITE,
            {
                Action.VIEW,
                Action.FILE_TICKETS,
                Action.EDIT_VALUE,
                Action.RECORD_QA,
                Action.LOG_TIME,
                Action.VIEW_ALL_TIME,
                Action.VIEW_BUDGETS,
                Action.MANAGE_BUDGETS,
            },
        ),
    ],
)
def test_token_scope_grants_its_actions_on_its_engagement_only(
    engagement, other_engagement, scope, allowed
):
    token = api_token_create(engagement=engagement, name="CI", scope=scope, created_by=None).token

    assert {a for a in Action if policy.can(token, a, engagement)} == allowed
    assert not any(policy.can(token, a, other_engagement) for a in Action)
    assert list(policy.engagements_visible_to(token)) == [engagement]


@pytest.mark.django_db
def test_a_revoked_token_sees_nothing(engagement):
    token = api_token_create(
        engagement=engagement, name="CI", scope=ApiToken.Scope.WRITE, created_by=None
    ).token
    api_token_revoke(token=token)

    assert list(policy.engagements_visible_to(token)) == []
    assert not policy.can(token, Action.VIEW, engagement)


@pytest.mark.django_db
def test_only_agency_admins_may_open_engagements(engagement):
    assert policy.can_create_engagements(member(engagement, Role.AGENCY_ADMIN))
    assert not policy.can_create_engagements(member(engagement, Role.PROJECT_MANAGER))
    assert not policy.can_create_engagements(member(engagement, Role.DIRECTOR))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zone", "utc_time"),
    [
        # 21:00 on the 23rd in New York; 05:00 on the 25th in Tokyo: the UTC day (the 24th) counts.
        ("America/New_York", datetime.datetime(2026, 11, 24, 2, 0, tzinfo=datetime.UTC)),
        ("Asia/Tokyo", datetime.datetime(2026, 11, 24, 20, 0, tzinfo=datetime.UTC)),
    ],
)
def test_a_role_counts_days_in_utc_whatever_the_viewers_zone(client, zone, utc_time):
    from roles.services import role_assignment_create

    person = UserFactory(time_zone=zone)

    def held(slug: str, **dates) -> str:
        engagement = EngagementFactory(slug=slug, key_prefix=slug[:4].upper())
        RoleAssignmentFactory(engagement=engagement, person=person, role=Role.TESTER, **dates)
        return f"/engagements/{slug}/"

    with time_machine.travel(utc_time, tick=False):
        given_now = EngagementFactory(slug="nordfer", key_prefix="NORD")
        assignment = role_assignment_create(
            engagement=given_now, person=person, role=Role.TESTER, allocation_percent=50
        )
        ending_today = held("lila", start_date=datetime.date(2026, 1, 1), end_date=utc_time.date())
        ended = held(
            "cave",
            start_date=datetime.date(2026, 1, 1),
            end_date=utc_time.date() - datetime.timedelta(days=1),
        )
        client.force_login(person)

        # Given now, in force now, whatever the date on the person's own clock.
        assert assignment.start_date == utc_time.date()
        assert client.get("/engagements/nordfer/").status_code == 200
        # Ending today (UTC): still in force; ended yesterday (UTC): gone.
        assert client.get(ending_today).status_code == 200
        assert client.get(ended).status_code == 404
