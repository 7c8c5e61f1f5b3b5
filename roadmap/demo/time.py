"""Demo time: a few weeks of entries for each demo engagement's agency people, approved by
the project manager except the current week. On Maison Lila, Claire Dubois, the project
manager, logs most of the testing hours (the story of issue 12).

Written in bulk (a few hundred rows): each entry respects the rules the services enforce
(a role held that day, a past day, under 24 hours), by construction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db.models import Case, When
from django.utils import timezone

from backlog.models import Status, Ticket
from backlog.timesheets.models import TimeEntry, TimeEntryChange, TimesheetWeek, week_start
from collab.models import Engagement, User
from roadmap.reviews.selectors import done_at_expression
from roles.models import AGENCY_ROLES, Role, RoleAssignment

WEEKS = 4
# The tickets the time goes to, a few entries each.
TICKETS = 24
# Minutes a day per (engagement slug, person email, role), when the allocation is not the story.
OVERRIDES = {
    ("maison-lila", "claire.dubois@atelier.example", Role.PROJECT_MANAGER): 90,
    ("maison-lila", "claire.dubois@atelier.example", Role.TESTER): 240,
}
NOTES = {
    Role.PROJECT_MANAGER: ("Client call and follow-up", False),
    Role.TESTER: ("Regression run on the checkout", False),
    Role.DEVELOPER: ("Pairing on the ERP sync; flaky staging", True),
    Role.BUSINESS_ANALYST: ("Acceptance criteria workshop", False),
    Role.CONSULTANT: ("Conversion audit", False),
}


def _minutes(engagement: Engagement, assignment: RoleAssignment) -> int:
    key = (engagement.slug, assignment.person.email, assignment.role)
    if key in OVERRIDES:
        return OVERRIDES[key]
    # The allocation of an eight-hour day, to the quarter hour.
    return max(15, round(assignment.allocation_percent * 480 / 100 / 15) * 15)


def seed_time(
    *, engagements: Iterable[Engagement], write: Callable[[str], None], now: dt.datetime
) -> int:
    """Weeks of time per engagement, once (an engagement with time already is left alone)."""
    total = 0
    today = timezone.localdate(now)
    current = week_start(today)
    first = current - dt.timedelta(weeks=WEEKS - 1)
    for engagement in engagements:
        if TimeEntry.objects.filter(engagement=engagement).exists():
            write(f"{engagement.name}: time already there")
            continue
        assignments = list(
            RoleAssignment.objects.filter(engagement=engagement, role__in=AGENCY_ROLES)
            .exclude(role=Role.AGENCY_ADMIN)
            .select_related("person")
            .order_by("pk")
        )
        manager = next((a.person for a in assignments if a.role == Role.PROJECT_MANAGER), None)
        # The tickets done within these weeks first (their actual time stands against their
        # estimate), then the open ones; never a ticket done before the first day.
        since = dt.datetime.combine(first, dt.time.min, tzinfo=dt.UTC)
        tickets = list(
            Ticket.objects.filter(engagement=engagement)
            .annotate(done_at=done_at_expression())
            .exclude(status=Status.DONE, done_at__lt=since)
            .annotate(done_first=Case(When(status=Status.DONE, then=0), default=1))
            .order_by("done_first", "number")[:TICKETS]
        )
        entries: list[TimeEntry] = []
        people: set[User] = set()
        day = first
        n = 0
        while day <= today:
            if day.weekday() < 5:
                for assignment in assignments:
                    if assignment.start_date > day:
                        continue
                    n += 1
                    on_ticket = assignment.role != Role.PROJECT_MANAGER or (
                        engagement.slug == "maison-lila" and n % 3 == 0
                    )
                    note, internal = NOTES.get(assignment.role, ("", False))
                    approved = week_start(day) < current and manager is not None
                    entries.append(
                        TimeEntry(
                            engagement=engagement,
                            person=assignment.person,
                            date=day,
                            minutes=_minutes(engagement, assignment),
                            ticket=tickets[n % len(tickets)] if tickets and on_ticket else None,
                            role=assignment.role,
                            billable=assignment.role != Role.PROJECT_MANAGER or n % 2 == 0,
                            note=note if n % 4 == 0 else "",
                            note_internal=internal,
                            approved_at=now if approved else None,
                            approved_by=manager if approved else None,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                    people.add(assignment.person)
            day += dt.timedelta(days=1)
        TimeEntry.objects.bulk_create(entries)
        TimeEntryChange.objects.bulk_create(
            TimeEntryChange(
                engagement=engagement,
                entry_ref=entry.pk,
                actor=entry.person,
                action=TimeEntryChange.Action.CREATED,
                after={"date": entry.date.isoformat(), "minutes": entry.minutes},
                at=now,
            )
            for entry in entries
        )
        if manager is not None:
            TimesheetWeek.objects.bulk_create(
                TimesheetWeek(
                    engagement=engagement,
                    person=person,
                    week_start=first + dt.timedelta(weeks=w),
                    status=TimesheetWeek.Status.APPROVED,
                    decided_by=manager,
                    decided_at=now,
                )
                for person in people
                for w in range(WEEKS - 1)
            )
        total += len(entries)
        write(f"{engagement.name}: {len(entries)} time entries, past weeks approved")
    return total
