import datetime as dt
from decimal import Decimal

import pytest

from backlog.models import TicketHistory
from collab.rhythm.models import Attendee, Meeting
from roadmap.models import RoadmapItem
from roadmap.reviews.services import review_for_meeting
from roles.models import Role
from tests.backlog.factories import TicketFactory
from tests.factories import member

UTC = dt.UTC


@pytest.fixture
def team(engagement):
    """The director, the consultant and the project manager of Nordfer."""
    people = {
        "director": member(
            engagement, Role.DIRECTOR, email="director@nordfer.example", display_name="Claire"
        ),
        "consultant": member(
            engagement, Role.CONSULTANT, email="consultant@atelier.example", display_name="Sam"
        ),
        "pm": member(
            engagement, Role.PROJECT_MANAGER, email="pm@atelier.example", display_name="Julien"
        ),
    }
    return people


def review_meeting(engagement, starts_at, people=()):
    meeting = Meeting.objects.create(
        engagement=engagement,
        kind=Meeting.Kind.ROADMAP_REVIEW,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=90),
        occurrence_date=starts_at.date().replace(day=1),
    )
    for person in people:
        Attendee.objects.create(
            engagement=engagement, meeting=meeting, person=person, required=True
        )
    return meeting


def attend(meeting, *people):
    Attendee.objects.filter(meeting=meeting, person__in=people).update(attended=True)


def done_ticket(engagement, reporter, *, at, revenue="10000", **fields):
    """A done ticket with a revenue figure, moved to done at ``at``."""
    ticket = TicketFactory(
        engagement=engagement,
        reporter=reporter,
        status="done",
        annual_revenue_gain=Decimal(revenue) if revenue is not None else None,
        effort_days=Decimal("2"),
        **fields,
    )
    TicketHistory.objects.create(
        engagement=engagement, ticket=ticket, field="status", before="qa", after="done", at=at
    )
    return ticket


def roadmap_item(engagement, title, *, quarter="", lane="", status="planned", tickets=()):
    item = RoadmapItem.objects.create(
        engagement=engagement, title=title, quarter=quarter, lane=lane, status=status
    )
    item.tickets.add(*tickets)
    return item


@pytest.fixture
def review(engagement, team):
    """The review of a meeting on Tuesday 6 April 2027 at 10:45 Paris time (08:45 UTC), with
    the director and the consultant invited."""
    meeting = review_meeting(
        engagement,
        dt.datetime(2027, 4, 6, 8, 45, tzinfo=UTC),
        people=[team["director"], team["consultant"]],
    )
    return review_for_meeting(meeting=meeting, now=dt.datetime(2027, 4, 1, tzinfo=UTC))
