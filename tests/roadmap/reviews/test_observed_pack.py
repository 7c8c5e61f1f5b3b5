"""The review pack's observed roles: the period's approved billable hours and actions per
person beside the core roles they hold (docs/indicators.md)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from backlog.timesheets.models import TimeEntry
from roadmap.reviews.pack import observed_role_coverage
from roles.models import Role
from tests.backlog.factories import CriterionFactory, TicketFactory
from tests.factories import RoleAssignmentFactory, member

UTC = dt.UTC
pytestmark = pytest.mark.django_db


def _entry(engagement, person, role, minutes, day, *, approved=True):
    TimeEntry.objects.create(
        engagement=engagement,
        person=person,
        role=role,
        minutes=minutes,
        date=day,
        approved_at=timezone.now() if approved else None,
    )


@pytest.fixture
def worked(engagement, team, review):
    """Julien, the project manager, also holds the tester role and logs most of the testing;
    Tom, the nominal tester, logs a little; Julien writes the acceptance criteria."""
    pm = team["pm"]
    RoleAssignmentFactory(engagement=engagement, person=pm, role=Role.TESTER)
    tom = member(engagement, Role.TESTER, display_name="Tom")
    inside = review.period_start.date() + dt.timedelta(days=3)
    _entry(engagement, pm, Role.PROJECT_MANAGER, 90, inside)
    _entry(engagement, pm, Role.TESTER, 240, inside)
    _entry(engagement, tom, Role.TESTER, 60, inside)
    # Outside the period, and not approved: neither counts.
    _entry(engagement, tom, Role.TESTER, 600, review.period_start.date() - dt.timedelta(days=1))
    _entry(engagement, tom, Role.TESTER, 600, inside, approved=False)
    criterion = CriterionFactory(ticket=TicketFactory(engagement=engagement), author=pm)
    criterion.created_at = dt.datetime.combine(inside, dt.time(10), tzinfo=UTC)
    criterion.save()
    return {"pm": pm, "tom": tom}


def test_the_pack_names_the_project_manager_testing_and_analysing(review, worked):
    observed = observed_role_coverage(review)
    assert observed["start"] == review.period_start.astimezone(UTC).date().isoformat()
    assert observed["health"] == "critical"
    assert observed["missing"] == ["consultant"]
    assert observed["people"] == [
        {
            "person": "Julien",
            "assigned": ["project_manager", "tester"],
            "minutes": {"project_manager": 90, "tester": 240},
            "actions": {"business_analyst": 1},
            "observed": ["project_manager", "business_analyst", "tester"],
            "unassigned": ["business_analyst"],
        },
        {
            "person": "Tom",
            "assigned": ["tester"],
            "minutes": {"tester": 60},
            "actions": {},
            "observed": [],
            "unassigned": [],
        },
        # Sam, the consultant, logged nothing and did nothing in the period.
        {
            "person": "Sam",
            "assigned": ["consultant"],
            "minutes": {},
            "actions": {},
            "observed": [],
            "unassigned": [],
        },
    ]


def test_a_quiet_period_has_nothing_to_observe(review, team):
    observed = observed_role_coverage(review)
    assert observed["health"] is None
    assert observed["missing"] == []


def test_the_review_page_shows_the_observed_roles(client, engagement, team, review, worked):
    from roadmap.reviews.services import review_pack_refresh

    review_pack_refresh(review=review)
    client.force_login(team["director"])
    body = client.get(reverse("reviews:review-detail", args=[engagement.slug, review.pk]))
    content = body.content.decode()
    assert "Observed roles" in content
    assert "Business analyst, not assigned" in content
    assert "<li>Business analyst: 1</li>" in content
    assert "Nobody worked as E-commerce consultant in the period." in content
