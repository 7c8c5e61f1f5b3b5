"""Every read of time: the entry list (what a viewer may see), one entry and its history, a
person's week as a grid, the team's week for the project manager, a ticket's logged time, the
running timer."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from backlog.models import Ticket
from backlog.timesheets.models import (
    WORKING_DAY_HOURS,
    RunningTimer,
    TimeEntry,
    TimeEntryChange,
    TimesheetWeek,
    week_start,
)
from collab.models import Engagement, User
from roles.models import AGENCY_ROLES, Role, RoleAssignment


def client_visible(entries: QuerySet[TimeEntry]) -> QuerySet[TimeEntry]:
    """What the client's people see: approved billable time only."""
    return entries.filter(approved_at__isnull=False, billable=True)


def time_entry_list(*, engagement: Engagement, sees_all: bool) -> QuerySet[TimeEntry]:
    """The engagement's entries a viewer may see (all of them for the agency, approved
    billable ones for the client), newest day first, with person and ticket."""
    entries = TimeEntry.objects.filter(engagement=engagement).select_related(
        "person", "ticket__engagement", "approved_by"
    )
    if not sees_all:
        entries = client_visible(entries)
    return entries.order_by("-date", "-pk")


def time_entry_get(*, engagement: Engagement, pk: int, sees_all: bool) -> TimeEntry | None:
    """One entry of the engagement the viewer may see; None for one of another engagement."""
    return time_entry_list(engagement=engagement, sees_all=sees_all).filter(pk=pk).first()


def time_entry_changes(*, engagement: Engagement, entry_ref: int) -> QuerySet[TimeEntryChange]:
    """Every change to an entry, oldest first, with who made it."""
    return (
        TimeEntryChange.objects.filter(engagement=engagement, entry_ref=entry_ref)
        .select_related("actor")
        .order_by("at", "pk")
    )


@dataclass
class Cell:
    day: datetime.date
    minutes: int = 0
    entries: int = 0
    locked: bool = False


@dataclass
class Row:
    ticket: Ticket | None
    role: str
    cells: list[Cell]

    @property
    def total(self) -> int:
        return sum(cell.minutes for cell in self.cells)

    @property
    def key(self) -> str:
        return f"{self.ticket.pk if self.ticket else 0}-{self.role}"

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)


@dataclass
class Week:
    engagement: Engagement
    person: User
    monday: datetime.date
    rows: list[Row]
    decision: TimesheetWeek | None
    roles: list[str] = field(default_factory=list)

    @property
    def days(self) -> list[datetime.date]:
        return [self.monday + datetime.timedelta(days=n) for n in range(7)]

    @property
    def day_totals(self) -> list[int]:
        return [sum(row.cells[n].minutes for row in self.rows) for n in range(7)]

    @property
    def total(self) -> int:
        return sum(row.total for row in self.rows)

    @property
    def totals_by_day(self) -> list[tuple[datetime.date, int]]:
        return list(zip(self.days, self.day_totals, strict=True))

    @property
    def role_options(self) -> list[tuple[str, str]]:
        return [(role, str(Role(role).label)) for role in self.roles]

    @property
    def approved(self) -> bool:
        return self.decision is not None and self.decision.status == TimesheetWeek.Status.APPROVED

    @property
    def returned(self) -> bool:
        return self.decision is not None and self.decision.status == TimesheetWeek.Status.RETURNED

    @property
    def previous(self) -> datetime.date:
        return self.monday - datetime.timedelta(days=7)

    @property
    def next(self) -> datetime.date:
        return self.monday + datetime.timedelta(days=7)

    @property
    def several_roles(self) -> bool:
        return len(self.roles) > 1


def timesheet_week(
    *,
    engagement: Engagement,
    person: User,
    week_of: datetime.date,
    extra_rows: list[tuple[Ticket | None, str]] | None = None,
) -> Week:
    """The person's week on the engagement as a grid: one row per (ticket, role) with the
    minutes of each day; ``extra_rows`` adds empty rows being filled. Three queries at any size
    (entries with their tickets, the decision, the roles held that week)."""
    monday = week_start(week_of)
    sunday = monday + datetime.timedelta(days=6)
    entries = (
        TimeEntry.objects.filter(
            engagement=engagement, person=person, date__gte=monday, date__lte=sunday
        )
        .select_related("ticket__engagement")
        .order_by("date", "pk")
    )
    rows: dict[tuple[int, str], Row] = {}

    def row_for(ticket: Ticket | None, role: str) -> Row:
        key = (ticket.pk if ticket else 0, role)
        if key not in rows:
            cells = [Cell(day=monday + datetime.timedelta(days=n)) for n in range(7)]
            rows[key] = Row(ticket=ticket, role=role, cells=cells)
        return rows[key]

    for entry in entries:
        cell = row_for(entry.ticket, entry.role).cells[entry.date.weekday()]
        cell.minutes += entry.minutes
        cell.entries += 1
        cell.locked = cell.locked or entry.approved_at is not None
    for ticket, role in extra_rows or []:
        row_for(ticket, role)
    decision = TimesheetWeek.objects.filter(
        engagement=engagement, person=person, week_start=monday
    ).first()
    roles = week_roles(engagement=engagement, person=person, week_of=monday)
    ordered = sorted(
        rows.values(),
        key=lambda row: (row.ticket is None, row.ticket.number if row.ticket else 0, row.role),
    )
    return Week(
        engagement=engagement,
        person=person,
        monday=monday,
        rows=ordered,
        decision=decision,
        roles=roles,
    )


@dataclass
class PersonWeek:
    person: User
    minutes: int
    billable_minutes: int
    entries: int
    decision: TimesheetWeek | None


def team_week(*, engagement: Engagement, week_of: datetime.date) -> list[PersonWeek]:
    """Each person who logged time on the engagement that week, with their totals and the
    project manager's decision: three queries at any size."""
    monday = week_start(week_of)
    sunday = monday + datetime.timedelta(days=6)
    totals = (
        TimeEntry.objects.filter(engagement=engagement, date__gte=monday, date__lte=sunday)
        .values("person_id")
        .annotate(
            total=Sum("minutes"),
            billable_total=Sum("minutes", filter=Q(billable=True)),
            count=Count("pk"),
        )
    )
    by_person = {row["person_id"]: row for row in totals}
    people = User.objects.in_bulk(list(by_person))
    decisions = {
        week.person_id: week
        for week in TimesheetWeek.objects.filter(engagement=engagement, week_start=monday)
    }
    result = [
        PersonWeek(
            person=people[pk],
            minutes=row["total"],
            billable_minutes=row["billable_total"] or 0,
            entries=row["count"],
            decision=decisions.get(pk),
        )
        for pk, row in by_person.items()
    ]
    return sorted(result, key=lambda item: (item.person.display_name or item.person.email).lower())


@dataclass
class TicketTime:
    minutes: int
    estimate_minutes: int | None
    approved_billable_minutes: int = 0

    @property
    def percent(self) -> int | None:
        if not self.estimate_minutes:
            return None
        return round(100 * self.minutes / self.estimate_minutes)


def ticket_time(*, ticket: Ticket, sees_all: bool) -> TicketTime:
    """Time logged on a ticket (approved billable only for the client) against its effort
    estimate (person-days of ``WORKING_DAY_HOURS``), and its approved billable time (the
    actual of ``backlog.timesheets.actuals``), in one query."""
    entries = TimeEntry.objects.filter(engagement_id=ticket.engagement_id, ticket=ticket)
    if not sees_all:
        entries = client_visible(entries)
    totals = entries.aggregate(
        total=Sum("minutes"),
        approved=Sum("minutes", filter=Q(approved_at__isnull=False, billable=True)),
    )
    estimate = None
    if ticket.effort_days:
        estimate = int(Decimal(ticket.effort_days) * WORKING_DAY_HOURS * 60)
    return TicketTime(
        minutes=totals["total"] or 0,
        estimate_minutes=estimate,
        approved_billable_minutes=totals["approved"] or 0,
    )


def timesheet_week_list(*, engagement: Engagement) -> QuerySet[TimesheetWeek]:
    """The project manager's decisions on the engagement's weeks (approved or returned),
    latest week first."""
    return TimesheetWeek.objects.filter(engagement=engagement).order_by("-week_start", "-pk")


def timer_of(person: User) -> RunningTimer | None:
    """The person's running timer, with its engagement and ticket, if any."""
    return RunningTimer.objects.select_related("engagement", "ticket").filter(person=person).first()


def timesheet_tickets(*, engagement: Engagement, ids: list[int]) -> dict[int, Ticket]:
    """The engagement's tickets among these ids (another engagement's are not found)."""
    tickets = Ticket.objects.filter(engagement=engagement, pk__in=ids).select_related("engagement")
    return {ticket.pk: ticket for ticket in tickets}


def recent_tickets(*, engagement: Engagement, limit: int = 50) -> QuerySet[Ticket]:
    """The engagement's most recently changed tickets, offered when a row is added."""
    return (
        Ticket.objects.filter(engagement=engagement)
        .select_related("engagement")
        .order_by("-updated_at")[:limit]
    )


def week_roles(*, engagement: Engagement, person: User, week_of: datetime.date) -> list[str]:
    """The agency roles the person holds on the engagement on some day of the week."""
    monday = week_start(week_of)
    sunday = monday + datetime.timedelta(days=6)
    held = set(
        RoleAssignment.objects.filter(person=person, engagement=engagement, start_date__lte=sunday)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=monday))
        .values_list("role", flat=True)
    )
    return [role.value for role in Role if role.value in held and role in AGENCY_ROLES]


def engagement_member_get(*, engagement: Engagement, person_id: int) -> User | None:
    """A person who holds (or held) a role on the engagement; None for anyone else."""
    members = RoleAssignment.objects.filter(engagement=engagement).values("person_id")
    return User.objects.filter(pk=person_id, pk__in=members).first()
