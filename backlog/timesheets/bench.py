"""The time part of ``manage.py bench``: the pages a 20-person agency opens every week, and the
budget page of an engagement with tens of thousands of entries, each against its floor.

Seeded once, in bulk (``bench-time``: ``people`` people with a month of ``month_entries``
entries on 200 tickets; ``bench-budget``: ``budget_entries`` approved billable entries over the
last twelve months and a monthly budget in hours). Measured, as the signed-in project manager:

- the team's week (everyone's totals and decisions) of a week inside the month;
- one person's timesheet of that week (a row per ticket, a cell per day);
- the time-entry API, the month's first page of 100 entries;
- the budget page (every period of the budget with its burn and burn-down).

Each beside its floor, in the sense of ``backlog.bench``: one hand-written SQL statement
through a psycopg connection of its own reading what the page shows, turned into JSON by
orjson, interleaved with the requests; the ratio is median / floor median.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
import psycopg
from django.db import connection
from django.test import Client
from django.utils import timezone

from backlog.bench import Figure, floor_connection, timed_against_floor
from backlog.models import Ticket
from backlog.timesheets.budgets import budget_create
from backlog.timesheets.models import Budget, TimeEntry, TimesheetWeek, week_start
from backlog.transfer.bulk import tickets_bulk_generate
from collab.models import Engagement, Organization, User
from collab.services import engagement_create
from roles.models import Role
from roles.services import role_assignment_create

DOMAIN = "@bench.example"
PAGE = 100
TICKETS = 200
MONTHS = 12
WEEK_TICKETS = 6

TEAM_FLOOR_SQL = """
SELECT u.id, u.email, u.display_name, SUM(e.minutes),
       SUM(e.minutes) FILTER (WHERE e.billable), COUNT(*), w.status
FROM backlog_timeentry e
JOIN collab_user u ON u.id = e.person_id
LEFT JOIN backlog_timesheetweek w
  ON w.engagement_id = e.engagement_id AND w.person_id = e.person_id AND w.week_start = %(monday)s
WHERE e.engagement_id = %(engagement)s AND e.date BETWEEN %(monday)s AND %(sunday)s
GROUP BY u.id, u.email, u.display_name, w.status
ORDER BY lower(COALESCE(NULLIF(u.display_name, ''), u.email))
"""
SHEET_FLOOR_SQL = """
SELECT t.number, t.title, e.role, e.date, SUM(e.minutes), bool_and(e.approved_at IS NOT NULL)
FROM backlog_timeentry e
LEFT JOIN backlog_ticket t ON t.id = e.ticket_id
WHERE e.engagement_id = %(engagement)s AND e.person_id = %(person)s
  AND e.date BETWEEN %(monday)s AND %(sunday)s
GROUP BY t.number, t.title, e.role, e.date
ORDER BY t.number NULLS FIRST, e.role, e.date
"""
ENTRIES_FLOOR_SQL = """
SELECT e.id, u.id, u.email, u.display_name, e.date, e.minutes, t.number, e.role, e.billable,
       CASE WHEN e.note_internal THEN '' ELSE e.note END, e.note_internal, e.approved_at,
       e.version, e.created_at, e.updated_at
FROM backlog_timeentry e
JOIN collab_user u ON u.id = e.person_id
LEFT JOIN backlog_ticket t ON t.id = e.ticket_id
WHERE e.engagement_id = %(engagement)s AND e.date BETWEEN %(first)s AND %(last)s
ORDER BY e.date DESC, e.id DESC
LIMIT %(limit)s
"""
BUDGET_FLOOR_SQL = """
SELECT p.id, p.starts_on, p.ends_on, p.allowance, p.carried_in,
       ARRAY(SELECT ARRAY[EXTRACT(EPOCH FROM d.date)::bigint, d.minutes] FROM (
           SELECT e.date, SUM(e.minutes) AS minutes FROM backlog_timeentry e
           WHERE e.engagement_id = p.engagement_id AND e.approved_at IS NOT NULL AND e.billable
             AND e.date BETWEEN p.starts_on AND p.ends_on
           GROUP BY e.date ORDER BY e.date) d)
FROM backlog_budgetperiod p
WHERE p.engagement_id = %(engagement)s
ORDER BY p.starts_on
"""


def _person(name: str) -> User:
    email = f"bench-{name}{DOMAIN}"
    return User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, password=None, display_name=f"Bench {name.replace('-', ' ').title()}"
    )


def _engagement(slug: str, prefix: str, manager: User) -> tuple[Engagement, bool]:
    engagement = Engagement.objects.filter(slug=slug).first()
    if engagement is not None:
        return engagement, False
    agency, _created = Organization.objects.get_or_create(
        name="Bench agency", defaults={"kind": Organization.Kind.AGENCY}
    )
    engagement = engagement_create(
        agency=agency,
        client_name=f"Bench client {prefix}",
        slug=slug,
        key_prefix=prefix,
        name=f"Bench {prefix}",
        platform="shopify_plus",
        business_model="b2c",
        currency="EUR",
        client_hourly_cost=Decimal("50"),
        agency_day_rate=Decimal("700"),
    )
    role_assignment_create(
        engagement=engagement,
        person=manager,
        role=Role.PROJECT_MANAGER,
        allocation_percent=20,
        start_date=dt.date(2020, 1, 1),
    )
    tickets_bulk_generate(engagement=engagement, reporter=manager, count=TICKETS)
    return engagement, True


def _team(engagement: Engagement, people: int) -> list[User]:
    team = [_person(f"time-{n:02d}") for n in range(1, people + 1)]
    for person in team:
        role_assignment_create(
            engagement=engagement,
            person=person,
            role=Role.DEVELOPER,
            allocation_percent=50,
            start_date=dt.date(2020, 1, 1),
        )
    return team


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [
        first + dt.timedelta(days=n)
        for n in range((last - first).days + 1)
        if (first + dt.timedelta(days=n)).weekday() < 5
    ]


def _write(
    engagement: Engagement, team: list[User], days: list[dt.date], count: int, manager: User
) -> None:
    """``count`` entries spread evenly over the team and the days (a day's total under eight
    hours), each person on ``WEEK_TICKETS`` tickets a week; every week approved."""
    now = timezone.now()
    tickets = list(Ticket.objects.filter(engagement=engagement).values_list("pk", flat=True))
    slots = [(number, person, day) for day in days for number, person in enumerate(team)]
    per_slot = -(-count // len(slots))
    minutes = max(15, min(480 // per_slot, 120))
    entries = [
        TimeEntry(
            engagement=engagement,
            person=person,
            date=day,
            minutes=minutes,
            # Each person works on a handful of tickets a week, several entries a day.
            ticket_id=tickets[
                (number * WEEK_TICKETS + n % WEEK_TICKETS + day.toordinal() // 7 * 3) % len(tickets)
            ],
            role=Role.DEVELOPER,
            billable=n % 5 != 0,
            note="Pairing on the checkout" if n == 0 else "",
            approved_at=now,
            approved_by=manager,
            created_at=now,
            updated_at=now,
        )
        for number, person, day in slots
        for n in range(per_slot)
    ][:count]
    TimeEntry.objects.bulk_create(entries, batch_size=5000)
    TimesheetWeek.objects.bulk_create(
        TimesheetWeek(
            engagement=engagement,
            person=person,
            week_start=monday,
            status=TimesheetWeek.Status.APPROVED,
            decided_by=manager,
            decided_at=now,
        )
        for monday in sorted({week_start(day) for day in days})
        for person in team
    )


def _monthly_hours(engagement: Engagement) -> Decimal:
    """A month's allowance a little above the average month's approved billable hours."""
    minutes = sum(
        TimeEntry.objects.filter(engagement=engagement, billable=True).values_list(
            "minutes", flat=True
        )
    )
    return Decimal(max(1, round(minutes / 60 / (MONTHS + 1) * 1.1)))


def _last_month(today: dt.date) -> tuple[dt.date, dt.date]:
    last = today.replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last


def seed_time(*, people: int, month_entries: int, budget_entries: int) -> dict[str, Any]:
    """The two engagements, written once; a second run reuses them."""
    today = timezone.localdate()
    manager = _person("time-manager")
    month_first, month_last = _last_month(today)
    sheet, created = _engagement("bench-time", "BTIM", manager)
    if created:
        team = _team(sheet, people)
        _write(sheet, team, _days(month_first, month_last), month_entries, manager)
    budget, created = _engagement("bench-budget", "BBUD", manager)
    if created:
        team = _team(budget, people)
        first = (today.replace(day=1) - dt.timedelta(days=MONTHS * 31)).replace(day=1)
        _write(budget, team, _days(first, today - dt.timedelta(days=1)), budget_entries, manager)
        budget_create(
            engagement=budget,
            today=today,
            name="Monthly retainer",
            kind=Budget.Kind.MONTHLY,
            unit=Budget.Unit.HOURS,
            amount=_monthly_hours(budget),
            starts_on=first,
            rollover=Budget.Rollover.NONE,
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "manager": manager,
        "sheet": sheet,
        "budget": budget,
        "month": (month_first, month_last),
        "person": User.objects.get(email=f"bench-time-01{DOMAIN}"),
    }


def _json(floor: psycopg.Connection, sql: str, params: dict[str, Any]) -> Callable[[], bytes]:
    return lambda: orjson.dumps(
        floor.execute(sql, params).fetchall(), option=orjson.OPT_PASSTHROUGH_DATETIME, default=str
    )


@dataclass(frozen=True)
class TimeFigure:
    """A page against its floor, and the same page with nothing to show (an empty week, an
    engagement without entries): what the request costs before it reads any time."""

    figure: Figure
    empty_ms: float

    @property
    def ratio_to_empty_and_floor(self) -> float:
        return self.figure.median_ms / (self.empty_ms + self.figure.floor_ms)


def bench_time(
    *, runs: int, people: int, month_entries: int, budget_entries: int
) -> list[TimeFigure]:
    """Seed (once), then time the four pages, each beside its empty twin."""
    seeded = seed_time(people=people, month_entries=month_entries, budget_entries=budget_entries)
    sheet, budget, person = seeded["sheet"], seeded["budget"], seeded["person"]
    first, last = seeded["month"]
    monday = week_start(first + dt.timedelta(days=10))
    empty_monday = dt.date(2021, 1, 4)
    week = {"engagement": sheet.pk, "monday": monday, "sunday": monday + dt.timedelta(days=6)}
    in_month = TimeEntry.objects.filter(engagement=sheet).count()
    in_budget = TimeEntry.objects.filter(engagement=budget).count()
    manager, own = Client(), Client()
    manager.force_login(seeded["manager"])
    own.force_login(person)
    time_path = f"/engagements/{sheet.slug}/time/"
    api = f"/api/v1/engagements/{sheet.slug}/time-entries/?page_size={PAGE}"
    month = f"&date_from={first.isoformat()}&date_to={last.isoformat()}"
    empty = f"&date_from={empty_monday.isoformat()}&date_to={empty_monday.isoformat()}"

    def get(client: Client, url: str) -> Callable[[], Any]:
        return lambda: client.get(url, secure=True)

    scenarios = (
        (
            f"Team week ({people} people), month of {in_month} entries",
            in_month,
            get(manager, f"{time_path}team/?week={monday.isoformat()}"),
            get(manager, f"{time_path}team/?week={empty_monday.isoformat()}"),
            (TEAM_FLOOR_SQL, week),
        ),
        (
            f"Timesheet of one person's week, month of {in_month} entries",
            in_month,
            get(own, f"{time_path}?week={monday.isoformat()}"),
            get(own, f"{time_path}?week={empty_monday.isoformat()}"),
            (SHEET_FLOOR_SQL, {**week, "person": person.pk}),
        ),
        (
            f"API time entries, the month's first page, {in_month} entries",
            in_month,
            get(manager, api + month),
            get(manager, api + empty),
            (
                ENTRIES_FLOOR_SQL,
                {"engagement": sheet.pk, "first": first, "last": last, "limit": PAGE},
            ),
        ),
        (
            f"Budget page, {in_budget} entries",
            in_budget,
            get(manager, f"/engagements/{budget.slug}/time/budgets/"),
            get(manager, f"/engagements/{sheet.slug}/time/budgets/"),
            (BUDGET_FLOOR_SQL, {"engagement": budget.pk}),
        ),
    )
    figures = []
    with floor_connection() as floor:
        for name, entries, page, empty_page, (sql, params) in scenarios:
            floor_json = _json(floor, sql, params)
            figure = timed_against_floor(name, entries, runs, page, floor_json)
            empty_figure = timed_against_floor(name, 0, runs, empty_page, floor_json)
            figures.append(TimeFigure(figure=figure, empty_ms=empty_figure.median_ms))
    return figures
