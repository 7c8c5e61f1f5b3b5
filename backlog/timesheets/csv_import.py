"""Importing time from a Toggl, Harvest or Clockify CSV export (their detailed time reports).

The rules, in the order they apply:

- the file is decoded and split as ``backlog.transfer.csv_reading`` says (UTF-8 or
  Windows-1252; comma, semicolon or tab); its tool is the one asked for or recognised from its
  header (``csv_formats``, which also says how each tool's cells read);
- each row names a person (Toggl and Clockify: ``Email``; Harvest: ``First Name`` and
  ``Last Name``, matched to the display name of someone who holds or held a role on the
  engagement), a day, a duration, whether it is billable, a note (the description), and maybe
  a ticket: the first key of this engagement (``NORD-12``) in the description, task or project;
  a key of another engagement is refused. The role is the person's only role that day, or the
  one a ``Role`` (Harvest: ``Roles``) column names;
- *every* row is checked before anything is written, with the rules of ``time_entry_create``
  (``backlog.timesheets.bulk``): not in the future, a role held that day, at most 24 hours a
  day counting the time already logged and the file's other rows, no approved week; every
  problem is reported with its spreadsheet row number (the header is row 1), column and reason;
- each row has a reference, ``import_ref``: a hash of the tool and the row's cells (and, for
  identical rows, which occurrence it is). A row whose reference is already stored in the
  engagement is skipped and reported unchanged: importing the same file twice adds nothing;
- the import is all or nothing, in one transaction, ``WRITE_CHUNK`` rows per INSERT.

Only this engagement's people, tickets and references are read.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from backlog.models import Ticket
from backlog.timesheets.bulk import (
    EntryInput,
    TimeRowsRefused,
    time_entries_check,
    time_entry_create_many,
)
from backlog.timesheets.csv_formats import (
    CLOCKIFY,
    COLUMNS,
    FORMATS,
    HARVEST,
    KEY_IN_TEXT,
    TOGGL,
    format_of,
    parse_billable,
    parse_day,
    parse_minutes,
    role_of,
)
from backlog.timesheets.models import TimeEntry
from backlog.transfer.csv_import import PROGRESS_EVERY, Progress, progress_report
from backlog.transfer.csv_reading import (
    CellError,
    ImportRefused,
    Records,
    check_size,
    read_records,
)
from backlog.transfer.csv_rows import Row, RowError, columns_of
from collab.models import Engagement, User
from roles.models import RoleAssignment

WRITE_CHUNK = PROGRESS_EVERY

__all__ = ["CLOCKIFY", "FORMATS", "HARVEST", "TOGGL", "ImportRefused", "TimeImportReport"]


@dataclass
class TimeImportReport:
    """What an import found (dry run) or did: rows ready or created, rows already imported,
    and every bad row."""

    format: str
    encoding: str
    delimiter: str
    dry_run: bool
    total_rows: int = 0
    ready: int = 0
    ready_minutes: int = 0
    created: int = 0
    unchanged: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def ready_hours(self) -> Decimal:
        return (Decimal(self.ready_minutes) / 60).quantize(Decimal("0.01"))


class _People:
    """The engagement's people (anyone who holds or held a role on it), by email and by name."""

    def __init__(self, engagement: Engagement) -> None:
        members = User.objects.filter(
            pk__in=RoleAssignment.objects.filter(engagement=engagement).values("person_id")
        )
        self.by_email: dict[str, User] = {}
        self.by_name: dict[str, list[User]] = {}
        for person in members:
            self.by_email[person.email.lower()] = person
            self.by_name.setdefault(_name_key(person.display_name), []).append(person)


def _name_key(text: str) -> str:
    return " ".join(text.lower().split())


@dataclass
class _Parsed:
    row: Row
    person: User | None = None
    date: datetime.date | None = None
    minutes: int | None = None
    billable: bool = True
    note: str = ""
    role: str = ""
    key: tuple[str, int] | None = None
    key_column: str = ""
    foreign_key: tuple[str, str] | None = None
    reference: str = ""
    columns: dict[str, str] = field(default_factory=dict)


class _Reader:
    """One tool's rows read into what an entry needs, with each cell's error."""

    def __init__(self, *, fmt: str, records: Records, engagement: Engagement) -> None:
        self.fmt = fmt
        self.spec = COLUMNS[fmt]
        self.columns = columns_of(records)
        self.people = _People(engagement)
        self.prefix = engagement.key_prefix
        self.headers = {header.strip().lower(): header.strip() for header in records.headers}
        self.occurrences: dict[str, int] = {}

    def header(self, name: str) -> str:
        return self.headers.get(name, name)

    def present(self, names: tuple[str, ...]) -> str | None:
        return next((name for name in names if name in self.columns), None)

    def read(self, number: int, cells: list[str]) -> _Parsed:
        row = Row(number, self.columns, cells, neutralised=False)
        parsed = _Parsed(row=row)
        self._person(parsed)
        self._cell(parsed, "date", self.spec.date, parse_day)
        duration = self.present(self.spec.durations) or self.spec.durations[0]
        self._cell(parsed, "minutes", duration, parse_minutes)
        if self.spec.billable in self.columns:
            self._cell(parsed, "billable", self.spec.billable, parse_billable)
        notes = self.present(self.spec.notes)
        parsed.note = row.get(notes).strip() if notes else ""
        parsed.columns["note"] = self.header(notes or self.spec.notes[0])
        self._role(parsed)
        self._ticket(parsed, notes)
        parsed.reference = self._reference(cells)
        return parsed

    def _cell(
        self, parsed: _Parsed, name: str, column: str, parse: Callable[[str], object]
    ) -> None:
        parsed.columns[name] = self.header(column)
        try:
            setattr(parsed, name, parse(parsed.row.get(column)))
        except CellError as error:
            parsed.row.error(self.header(column), str(error))

    def _person(self, parsed: _Parsed) -> None:
        row = parsed.row
        if self.fmt == HARVEST:
            first, last = row.get("first name").strip(), row.get("last name").strip()
            column = f"{self.header('first name')}, {self.header('last name')}"
            parsed.columns["person"] = column
            name = f"{first} {last}".strip()
            people = self.people.by_name.get(_name_key(name), [])
            if len(people) == 1:
                parsed.person = people[0]
            elif people:
                row.error(
                    column,
                    _("Several people of this engagement are named “%(name)s”.") % {"name": name},
                )
            else:
                row.error(
                    column, _("No one on this engagement is named “%(name)s”.") % {"name": name}
                )
            return
        column = self.header("email")
        parsed.columns["person"] = column
        email = row.get("email").strip()
        parsed.person = self.people.by_email.get(email.lower())
        if parsed.person is None:
            row.error(
                column,
                _("No one on this engagement has the email “%(email)s”.") % {"email": email}
                if email
                else _("This cell must not be empty."),
            )

    def _role(self, parsed: _Parsed) -> None:
        column = self.present(self.spec.roles)
        # Without a role column, the refusal names the column that would settle it.
        parsed.columns["role"] = self.header(column) if column else "Role"
        if column is None:
            return
        # Harvest lists a person's roles separated by commas: the one Tandem knows is used.
        for text in parsed.row.get(column).split(","):
            role = role_of(text)
            if role is not None:
                parsed.role = role
                return

    def _ticket(self, parsed: _Parsed, notes: str | None) -> None:
        places = [name for name in (notes, *self.spec.ticket_places) if name in self.columns]
        for place in places:
            for prefix, number in KEY_IN_TEXT.findall(parsed.row.get(place)):
                if prefix == self.prefix:
                    parsed.key, parsed.key_column = (prefix, int(number)), self.header(place)
                    parsed.columns["ticket"] = parsed.key_column
                    return
                if parsed.foreign_key is None:
                    parsed.foreign_key = (prefix, self.header(place))

    def _reference(self, cells: list[str]) -> str:
        content = "\x1f".join(cell.strip() for cell in cells)
        occurrence = self.occurrences.get(content, 0) + 1
        self.occurrences[content] = occurrence
        digest = hashlib.sha256(f"{self.fmt}\x1e{content}\x1e{occurrence}".encode()).hexdigest()
        return f"{self.fmt}:{digest}"


def _tickets(engagement: Engagement, parsed: list[_Parsed]) -> dict[int, Ticket]:
    numbers = {item.key[1] for item in parsed if item.key is not None}
    if not numbers:
        return {}
    tickets = Ticket.objects.filter(engagement=engagement, number__in=numbers).select_related(
        "engagement"
    )
    return {ticket.number: ticket for ticket in tickets}


def _other_prefixes(engagement: Engagement, parsed: list[_Parsed]) -> set[str]:
    """The prefixes of other engagements among the keys found: a row naming one of them is
    refused (time is logged on this engagement's tickets only)."""
    prefixes = {item.foreign_key[0] for item in parsed if item.foreign_key and not item.key}
    if not prefixes:
        return set()
    return set(
        Engagement.objects.filter(key_prefix__in=prefixes)
        .exclude(pk=engagement.pk)
        .values_list("key_prefix", flat=True)
    )


def _inputs(*, engagement: Engagement, parsed: list[_Parsed]) -> list[tuple[_Parsed, EntryInput]]:
    """The rows whose cells all read, as entries to check; the others keep their errors."""
    tickets = _tickets(engagement, parsed)
    foreign = _other_prefixes(engagement, parsed)
    inputs = []
    for item in parsed:
        ticket = None
        if item.key is not None:
            ticket = tickets.get(item.key[1])
            if ticket is None:
                item.row.error(
                    item.key_column,
                    _("No ticket %(key)s on this engagement.")
                    % {"key": f"{item.key[0]}-{item.key[1]}"},
                )
        elif item.foreign_key is not None and item.foreign_key[0] in foreign:
            item.row.error(item.foreign_key[1], _("This ticket belongs to another engagement."))
        if item.row.errors:
            continue
        assert item.person is not None and item.date is not None and item.minutes is not None
        entry = EntryInput(
            person=item.person,
            date=item.date,
            minutes=item.minutes,
            ticket=ticket,
            role=item.role,
            billable=item.billable,
            note=item.note,
            import_ref=item.reference,
        )
        inputs.append((item, entry))
    return inputs


def _field_errors(item: _Parsed, errors: dict[str, str]) -> list[RowError]:
    return [
        RowError(item.row.number, item.columns.get(name, ""), message)
        for name, message in errors.items()
    ]


def _plan(
    *,
    records: Records,
    fmt: str,
    engagement: Engagement,
    report: TimeImportReport,
    progress: Progress | None,
) -> list[tuple[_Parsed, EntryInput]]:
    reader = _Reader(fmt=fmt, records=records, engagement=engagement)
    parsed = []
    total = len(records.rows)
    for done, (number, cells) in enumerate(records.rows, start=1):
        parsed.append(reader.read(number, cells))
        progress_report(progress, "read", done, total)
    stored = set(
        TimeEntry.objects.filter(
            engagement=engagement, import_ref__in=[item.reference for item in parsed]
        ).values_list("import_ref", flat=True)
    )
    fresh = []
    for item in parsed:
        if item.reference in stored:
            report.unchanged.append(item.row.number)
        else:
            fresh.append(item)
    inputs = _inputs(engagement=engagement, parsed=fresh)
    _entries, refused = time_entries_check(
        engagement=engagement, rows=[entry for _item, entry in inputs]
    )
    for index, errors in refused.items():
        fresh_item = inputs[index][0]
        fresh_item.row.errors.extend(_field_errors(fresh_item, errors))
    for item in fresh:
        report.errors.extend(item.row.errors)
    report.errors.sort(key=lambda error: error.row)
    progress_report(progress, "validated", total, total)
    return [pair for index, pair in enumerate(inputs) if index not in refused]


def _write(
    *,
    inputs: list[tuple[_Parsed, EntryInput]],
    engagement: Engagement,
    actor: User,
    report: TimeImportReport,
    progress: Progress | None,
) -> None:
    total = len(inputs)
    try:
        with transaction.atomic():
            for start in range(0, total, WRITE_CHUNK):
                chunk = inputs[start : start + WRITE_CHUNK]
                try:
                    created = time_entry_create_many(
                        actor=actor, engagement=engagement, rows=[entry for _i, entry in chunk]
                    )
                except TimeRowsRefused as refused:
                    # Someone logged time meanwhile: the rows now over a rule are reported.
                    for index, errors in refused.rows.items():
                        report.errors.extend(_field_errors(chunk[index][0], errors))
                    raise
                report.created += len(created)
                progress_report(progress, "written", start + len(chunk), total)
    except TimeRowsRefused:
        report.created = 0
    except IntegrityError:
        # The same rows were imported meanwhile (their references are unique): nothing here.
        report.created = 0
        report.errors.append(
            RowError(
                inputs[0][0].row.number,
                "",
                _("This file was being imported at the same time; nothing was imported."),
            )
        )


def time_import(
    *,
    actor: User,
    engagement: Engagement,
    data: bytes,
    fmt: str | None = None,
    dry_run: bool = False,
    max_rows: int | None = None,
    progress: Progress | None = None,
) -> TimeImportReport:
    """Check every row of a Toggl, Harvest or Clockify CSV export and, unless ``dry_run`` or
    any row is bad, create its new entries in one transaction (all or nothing); rows already
    imported are reported unchanged. ImportRefused when the file itself cannot be read."""
    records = read_records(data)
    fmt = format_of(records, fmt)
    check_size(records, max_rows, command="import_time")
    report = TimeImportReport(
        format=fmt,
        encoding=records.encoding,
        delimiter=records.delimiter,
        dry_run=dry_run,
        total_rows=len(records.rows),
    )
    inputs = _plan(
        records=records, fmt=fmt, engagement=engagement, report=report, progress=progress
    )
    report.ready = len(inputs)
    report.ready_minutes = sum(entry.minutes for _item, entry in inputs)
    if dry_run or report.errors:
        return report
    _write(inputs=inputs, engagement=engagement, actor=actor, report=report, progress=progress)
    return report
