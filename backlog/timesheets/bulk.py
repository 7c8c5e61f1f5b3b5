"""Many time entries at once (an imported Toggl, Harvest or Clockify file) under the rules of
``time_entry_create``: the same checks (``entry_errors``, ``day_total_error``, approved weeks
locked), with the facts they need read for all the rows together in a constant number of
queries, and the entries and their history written with one INSERT each per batch."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum

from backlog.models import Ticket
from backlog.timesheets.models import TimeEntry, TimeEntryChange, TimesheetWeek, week_start
from backlog.timesheets.services import (
    TimeLocked,
    day_total_error,
    entry_errors,
    entry_snapshot,
)
from collab.models import Engagement, User
from roles.models import Role, RoleAssignment

# The model's own field rules that need no query; the references are checked above.
_NOT_CLEANED = ["engagement", "person", "ticket", "approved_by"]


@dataclass(frozen=True)
class EntryInput:
    """One entry to create: what a row of an imported file says."""

    person: User
    date: datetime.date
    minutes: int
    ticket: Ticket | None = None
    role: str = ""
    billable: bool = True
    note: str = ""
    import_ref: str = ""


class TimeRowsRefused(Exception):
    """Some rows break a rule: their index in the list, and the refusal of each field."""

    def __init__(self, rows: dict[int, dict[str, str]]) -> None:
        super().__init__(f"{len(rows)} rows refused")
        self.rows = rows


class _Facts:
    """What the rules need to know of every row's person and day, read in three queries: the
    roles held on the engagement, the approved weeks, the time already logged each day on
    every engagement."""

    def __init__(self, *, engagement: Engagement, rows: list[EntryInput]) -> None:
        people = {row.person.pk for row in rows}
        first = min(row.date for row in rows)
        last = max(row.date for row in rows)
        self.assignments: dict[int, list[RoleAssignment]] = {}
        for assignment in RoleAssignment.objects.filter(
            engagement=engagement, person_id__in=people, start_date__lte=last
        ).filter(Q(end_date__isnull=True) | Q(end_date__gte=first)):
            self.assignments.setdefault(assignment.person_id, []).append(assignment)
        self.approved = set(
            TimesheetWeek.objects.filter(
                engagement=engagement,
                person_id__in=people,
                week_start__gte=week_start(first),
                week_start__lte=last,
                status=TimesheetWeek.Status.APPROVED,
            ).values_list("person_id", "week_start")
        )
        self.logged: dict[tuple[int, datetime.date], int] = {
            (row["person_id"], row["date"]): row["total"]
            for row in TimeEntry.objects.filter(
                person_id__in=people, date__gte=first, date__lte=last
            )
            .values("person_id", "date")
            .annotate(total=Sum("minutes"))
        }

    def held(self, person_id: int, day: datetime.date) -> list[str]:
        """As ``roles_held``: the roles in force that day, in the roles' order."""
        held = {
            assignment.role
            for assignment in self.assignments.get(person_id, [])
            if assignment.start_date <= day
            and (assignment.end_date is None or assignment.end_date >= day)
        }
        return [role.value for role in Role if role.value in held]


def _entry(engagement: Engagement, row: EntryInput) -> TimeEntry:
    return TimeEntry(
        engagement=engagement,
        person=row.person,
        date=row.date,
        minutes=row.minutes,
        ticket=row.ticket,
        role=row.role or "",
        billable=row.billable,
        note=(row.note or "").strip(),
        import_ref=row.import_ref,
    )


def time_entries_check(
    *, engagement: Engagement, rows: list[EntryInput]
) -> tuple[list[TimeEntry], dict[int, dict[str, str]]]:
    """Every row under the rules of ``time_entry_create``, the 24 hours of a day counting the
    time already logged and the rows before it: the entries (roles settled) and each refused
    row's errors by field. Three queries whatever the number of rows; nothing is written."""
    if not rows:
        return [], {}
    facts = _Facts(engagement=engagement, rows=rows)
    entries: list[TimeEntry] = []
    refused: dict[int, dict[str, str]] = {}
    for index, row in enumerate(rows):
        entry = _entry(engagement, row)
        errors = entry_errors(
            entry, role_given=bool(row.role), held=facts.held(row.person.pk, row.date)
        )
        if "minutes" not in errors and "date" not in errors:
            key = (row.person.pk, row.date)
            message = day_total_error(entry, others=facts.logged.get(key, 0))
            if message:
                errors["minutes"] = message
            else:
                facts.logged[key] = facts.logged.get(key, 0) + entry.minutes
        if "date" not in errors and (row.person.pk, week_start(row.date)) in facts.approved:
            errors["date"] = TimeLocked().message
        if not errors:
            # As time_entry_create's full_clean after its rules: a note too long...
            try:
                entry.clean_fields(exclude=_NOT_CLEANED)
            except ValidationError as error:
                errors = {name: " ".join(messages) for name, messages in error.message_dict.items()}
        if errors:
            refused[index] = errors
        entries.append(entry)
    return entries, refused


@transaction.atomic
def time_entry_create_many(
    *, actor: User, engagement: Engagement, rows: list[EntryInput]
) -> list[TimeEntry]:
    """Create every row's entry, or none (TimeRowsRefused naming each bad row): the people are
    locked first, in a fixed order, so that no save of the same days passes the 24-hour check
    meanwhile; each entry leaves its ``created`` history row."""
    if not rows:
        return []
    people = sorted({row.person.pk for row in rows})
    list(User.objects.select_for_update().filter(pk__in=people).order_by("pk").values("pk"))
    entries, refused = time_entries_check(engagement=engagement, rows=rows)
    if refused:
        raise TimeRowsRefused(refused)
    created = TimeEntry.objects.bulk_create(entries)
    TimeEntryChange.objects.bulk_create(
        TimeEntryChange(
            engagement=engagement,
            entry_ref=entry.pk,
            actor=actor,
            action=TimeEntryChange.Action.CREATED,
            before={},
            after=entry_snapshot(entry),
        )
        for entry in created
    )
    return created
