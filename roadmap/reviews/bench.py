"""How long a sign-off (the snapshot) and the diff of two snapshots take on a large backlog.

``bench_reviews(tickets=10000)`` seeds (once) an engagement ``bench-reviews`` with that many
generated tickets and a roadmap, signs off two reviews with a change of scores and statuses in
between, and times the second sign-off and the diff. Run it on a database of its own.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import F, Max

from backlog.models import CLOSED_STATUSES, Ticket
from backlog.services.ranking import engagement_rescore
from backlog.transfer.bulk import tickets_bulk_generate
from collab.models import Engagement, Organization, User
from collab.rhythm.models import Attendee, Meeting
from collab.services import engagement_create
from roadmap.models import RoadmapItem
from roadmap.reviews import services
from roadmap.reviews.diff import snapshot_diff
from roadmap.reviews.models import ReviewSnapshot
from roles.models import Role, RoleAssignment
from roles.services import role_assignment_create

SLUG = "bench-reviews"
DOMAIN = "@bench.example"
ROADMAP_ITEMS = 40


@dataclass(frozen=True)
class ReviewBench:
    tickets: int
    sign_off_seconds: float
    diff_seconds: float
    snapshot_bytes: int
    changes: int


def _person(name: str) -> User:
    email = f"bench-{name}{DOMAIN}"
    return User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, password=None, display_name=f"Bench {name}"
    )


def _engagement(director: User, consultant: User) -> Engagement:
    engagement = Engagement.objects.filter(slug=SLUG).first()
    if engagement is not None:
        return engagement
    agency, _created = Organization.objects.get_or_create(
        name="Bench agency", defaults={"kind": Organization.Kind.AGENCY}
    )
    engagement = engagement_create(
        agency=agency,
        client_name="Bench client BREV",
        slug=SLUG,
        key_prefix="BREV",
        name="Bench reviews",
        platform="shopify_plus",
        business_model="b2c",
        currency="EUR",
        client_hourly_cost=Decimal("50"),
        agency_day_rate=Decimal("700"),
    )
    for person, role in ((director, Role.DIRECTOR), (consultant, Role.CONSULTANT)):
        role_assignment_create(
            engagement=engagement,
            person=person,
            role=role,
            allocation_percent=0,
            start_date=dt.date(2020, 1, 1),
        )
    return engagement


def _roadmap(engagement: Engagement) -> None:
    if RoadmapItem.objects.filter(engagement=engagement).exists():
        return
    ids = list(
        Ticket.objects.filter(engagement=engagement)
        .exclude(status__in=CLOSED_STATUSES)
        .order_by("number")
        .values_list("pk", flat=True)[: ROADMAP_ITEMS * 5]
    )
    for n in range(ROADMAP_ITEMS):
        item = RoadmapItem.objects.create(
            engagement=engagement, title=f"Bench item {n}", quarter=f"2027-Q{n % 4 + 1}"
        )
        item.tickets.add(*ids[n * 5 : n * 5 + 5])


def _sign_off(engagement: Engagement, director: User, consultant: User) -> tuple[float, int]:
    last = Meeting.objects.filter(
        engagement=engagement, kind=Meeting.Kind.ROADMAP_REVIEW
    ).aggregate(last=Max("starts_at"))["last"]
    starts_at = (last or dt.datetime(2027, 1, 5, 9, tzinfo=dt.UTC)) + dt.timedelta(days=92)
    meeting = Meeting.objects.create(
        engagement=engagement,
        kind=Meeting.Kind.ROADMAP_REVIEW,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=90),
        occurrence_date=starts_at.date(),
    )
    for person in (director, consultant):
        Attendee.objects.create(
            engagement=engagement, meeting=meeting, person=person, required=True, attended=True
        )
    review = services.review_for_meeting(meeting=meeting)
    # A session starts on its meeting's day: the bench holds it then.
    review = services.review_start(actor=consultant, review=review, now=starts_at)
    started = time.perf_counter()
    snapshot = services.review_sign_off(actor=director, review=review, now=meeting.ends_at)
    return time.perf_counter() - started, snapshot.pk


def _change(engagement: Engagement) -> None:
    """Tickets numbered …7 double their effort, open ones numbered …11 are done, two items
    move to another quarter."""
    tickets = Ticket.objects.filter(engagement=engagement, effort_days__isnull=False)
    tickets.filter(number__endswith="7").update(effort_days=F("effort_days") * 2)
    Ticket.objects.filter(engagement=engagement, number__endswith="11").exclude(
        status__in=CLOSED_STATUSES
    ).update(status="done")
    # Written around the services: the stored ranking follows in one statement.
    engagement_rescore(engagement=engagement)
    for item in RoadmapItem.objects.filter(engagement=engagement).order_by("pk")[:2]:
        RoadmapItem.objects.filter(pk=item.pk).update(quarter="2028-Q1")


def bench_reviews(tickets: int = 10000) -> ReviewBench:
    """Seconds to sign off a review of ``tickets`` tickets (the snapshot), and to diff two such
    snapshots."""
    director, consultant = _person("review-director"), _person("review-consultant")
    engagement = _engagement(director, consultant)
    RoleAssignment.objects.filter(engagement=engagement).update(start_date=dt.date(2020, 1, 1))
    missing = tickets - Ticket.objects.filter(engagement=engagement).count()
    if missing > 0:
        tickets_bulk_generate(engagement=engagement, reporter=director, count=missing)
    _roadmap(engagement)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    _seconds, first_pk = _sign_off(engagement, director, consultant)
    _change(engagement)
    sign_off_seconds, second_pk = _sign_off(engagement, director, consultant)
    first = ReviewSnapshot.objects.get(pk=first_pk)
    second = ReviewSnapshot.objects.get(pk=second_pk)
    started = time.perf_counter()
    result = snapshot_diff(first.data, second.data)
    diff_seconds = time.perf_counter() - started
    changes = sum(len(value) for value in vars(result).values() if isinstance(value, list))
    return ReviewBench(
        tickets=Ticket.objects.filter(engagement=engagement).count(),
        sign_off_seconds=sign_off_seconds,
        diff_seconds=diff_seconds,
        snapshot_bytes=len(str(second.data)),
        changes=changes,
    )
