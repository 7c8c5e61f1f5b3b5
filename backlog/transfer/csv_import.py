"""Importing tickets from Tandem's own CSV (the export's columns) or from a Jira CSV export.

The rules, in the order they apply:

- the file is decoded and split as ``csv_reading`` says (UTF-8 or Windows-1252; comma,
  semicolon or tab), its format is the one asked for or recognised from its header;
- *every* row is validated before anything is written, and every problem is reported with its
  spreadsheet row number (the header is row 1), its column and the reason;
- a row whose reference was already imported into this engagement (the Jira ``Issue key``, or
  Tandem's ``external_ref``, else its ``key``) is skipped and reported as *unchanged*: importing
  the same file twice creates no duplicates and changes nothing; a Tandem ``key`` naming a
  ticket of this engagement is unchanged too;
- the import is all or nothing: one transaction, and one bad row means nothing is written;
- every ticket is filed through ``ticket_create_many`` (the rules of ``ticket_create``: key,
  routing, history, labels), ``WRITE_CHUNK`` rows per call, with the reporter matched by email
  among the engagement's members, else the importing person.

Only this engagement's rows are read or written: members, sprints, references and keys are all
looked up within it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from backlog.models import Confidence, FoundBy, Kind, Origin, Severity, Sprint, Status, Ticket
from backlog.selectors import parse_key
from backlog.services import (
    DUPLICATE_EXTERNAL_REF,
    TicketRowsRefused,
    label_name_clean,
    ticket_create_many,
    ticket_fields_validate,
)
from backlog.transfer import jira
from backlog.transfer.csv_export import FORMULA_TRIGGERS
from backlog.transfer.csv_reading import (
    CellError,
    ImportRefused,
    Records,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_integer,
    read_records,
)
from collab.models import Engagement, User
from roles.models import RoleAssignment

TANDEM = "tandem"
JIRA = "jira"
FORMATS = (TANDEM, JIRA)
PROGRESS_EVERY = 500
# Rows filed per call of ticket_create_many (a constant number of queries each), all in the
# import's one transaction; the progress of the writing is reported after each.
WRITE_CHUNK = PROGRESS_EVERY
TANDEM_REQUIRED_COLUMNS = ("title", "kind")

Progress = Callable[[str, int, int], None]

__all__ = ["FORMATS", "JIRA", "TANDEM", "ImportRefused", "ImportReport", "tickets_import"]


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class ImportReport:
    """What an import found (dry run) or did: rows ready or created, rows unchanged (their
    reference was already imported), and every bad row."""

    format: str
    encoding: str
    delimiter: str
    dry_run: bool
    total_rows: int = 0
    ready: int = 0
    created: list[str] = field(default_factory=list)
    unchanged: list[tuple[int, str]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class _Planned:
    row: int
    reference: str
    fields: dict[str, Any]


class _Rollback(Exception):
    pass


class _Lookups:
    """Everything rows are matched against, read once per import and only in the engagement."""

    def __init__(self, engagement: Engagement) -> None:
        members = User.objects.filter(
            pk__in=RoleAssignment.objects.active().filter(engagement=engagement).values("person_id")
        )
        self.by_email = {person.email.lower(): person for person in members}
        names: dict[str, list[User]] = {}
        for person in members:
            names.setdefault(person.display_name.strip().lower(), []).append(person)
        self.by_name = {name: people[0] for name, people in names.items() if len(people) == 1}
        self.sprints = {
            sprint.name.lower(): sprint for sprint in Sprint.objects.filter(engagement=engagement)
        }
        tickets = Ticket.objects.filter(engagement=engagement)
        self.references = set(
            tickets.exclude(external_ref="").values_list("external_ref", flat=True)
        )
        self.numbers = set(tickets.values_list("number", flat=True))

    def person(self, text: str) -> User | None:
        value = text.strip().lower()
        return self.by_email.get(value) or self.by_name.get(value) if value else None


def _choice(text: str, choices: type, mapping: dict[str, str] | None = None) -> str:
    """A choice by its code or its English name, any case (``In progress`` → in_progress)."""
    value = text.strip().lower()
    if mapping is not None:
        if value in mapping:
            return mapping[value]
        known = ", ".join(sorted(mapping))
        raise CellError(
            _("“%(value)s” is not known; use one of: %(known)s.") % {"value": text, "known": known}
        )
    code = value.replace(" ", "_").replace("-", "_")
    if code in choices.values:
        return code
    raise CellError(
        _("“%(value)s” is not one of: %(known)s.")
        % {"value": text, "known": ", ".join(choices.values)}
    )


class _Row:
    """One row's cells by column name (case-insensitive), and the errors found in it."""

    def __init__(
        self, number: int, columns: dict[str, list[int]], cells: list[str], neutralised: bool
    ) -> None:
        self.number = number
        self.columns = columns
        self.cells = cells
        self.neutralised = neutralised
        self.errors: list[RowError] = []
        self.origin_of: dict[str, str] = {}
        self.failed: set[str] = set()

    def all(self, column: str) -> list[str]:
        values = []
        for index in self.columns.get(column.lower(), []):
            value = self.cells[index] if index < len(self.cells) else ""
            if self.neutralised and value[:1] == "'" and value[1:2] in FORMULA_TRIGGERS:
                value = value[1:]
            values.append(value)
        return values

    def get(self, column: str) -> str:
        values = self.all(column)
        return values[0] if values else ""

    def error(self, column: str, reason: str) -> None:
        self.errors.append(RowError(self.number, column, reason))

    def read(
        self, fields: dict[str, Any], name: str, column: str, parse: Callable[[str], Any]
    ) -> None:
        text = self.get(column)
        try:
            value = parse(text)
        except CellError as error:
            self.error(column, str(error))
            self.failed.add(name)
            return
        self.origin_of[name] = column
        if value is not None and value != "":
            fields[name] = value


def _text(value: str) -> str:
    return value.strip()


# Tandem's own columns read back (computed and bookkeeping columns are ignored).
_TANDEM_TEXT = (
    "title",
    "description",
    "steps_to_reproduce",
    "expected_behaviour",
    "actual_behaviour",
    "environment",
)
_TANDEM_DECIMALS = (
    "annual_revenue_gain",
    "annual_cost_savings",
    "hours_saved_per_month",
    "effort_days",
)
_TANDEM_INTEGERS = ("time_criticality", "risk_reduction", "reach")
_TANDEM_CHOICES = (
    ("kind", Kind),
    ("origin", Origin),
    ("status", Status),
    ("severity", Severity),
    ("found_by", FoundBy),
    ("confidence", Confidence),
)


def _tandem_fields(row: _Row, lookups: _Lookups) -> tuple[dict[str, Any], str]:
    fields: dict[str, Any] = {}
    for name in _TANDEM_TEXT:
        row.read(fields, name, name, _text)
    for name, choices in _TANDEM_CHOICES:
        row.read(
            fields, name, name, lambda text, c=choices: _choice(text, c) if text.strip() else None
        )
    for name in _TANDEM_DECIMALS:
        row.read(fields, name, name, parse_decimal)
    for name in _TANDEM_INTEGERS:
        row.read(fields, name, name, parse_integer)
    row.read(fields, "deadline", "deadline", parse_date)
    row.read(fields, "created_at", "created_at", parse_datetime)
    labels = [label.strip() for label in row.get("labels").split(",")]
    fields["labels"] = [label for label in labels if label]
    row.origin_of["labels"] = "labels"
    sprint_name = row.get("sprint").strip()
    if sprint_name:
        sprint = lookups.sprints.get(sprint_name.lower())
        if sprint is None:
            row.error(
                "sprint",
                _("No sprint of this engagement is named “%(name)s”.") % {"name": sprint_name},
            )
        else:
            fields["sprint"] = sprint
    _people(row, fields, lookups, reporter="reporter", assignee="assignee")
    reference = row.get("external_ref").strip() or row.get("key").strip()
    row.origin_of["external_ref"] = "external_ref" if row.get("external_ref").strip() else "key"
    return fields, reference


def _jira_fields(row: _Row, lookups: _Lookups) -> tuple[dict[str, Any], str]:
    fields: dict[str, Any] = {}
    row.read(fields, "title", jira.SUMMARY, _text)
    row.read(fields, "description", jira.DESCRIPTION, _text)
    row.read(fields, "environment", jira.ENVIRONMENT, _text)
    if not row.get(jira.ISSUE_TYPE).strip():
        row.error(jira.ISSUE_TYPE, _("This cell must not be empty."))
        row.failed.add("kind")
    else:
        row.read(fields, "kind", jira.ISSUE_TYPE, lambda t: _choice(t, Kind, jira.JIRA_ISSUE_TYPES))
    row.read(
        fields,
        "status",
        jira.STATUS,
        lambda t: _choice(t, Status, jira.JIRA_STATUSES) if t.strip() else None,
    )
    severity: dict[str, Any] = {}
    row.read(
        severity,
        "severity",
        jira.PRIORITY,
        lambda t: _choice(t, Severity, jira.JIRA_PRIORITIES) if t.strip() else None,
    )
    if fields.get("kind") == Kind.BUG and "severity" in severity:
        fields["severity"] = severity["severity"]
    row.read(fields, "created_at", jira.CREATED, parse_datetime)
    row.read(fields, "deadline", jira.DUE_DATE, parse_date)
    fields["labels"] = [label.strip() for label in row.all(jira.LABELS) if label.strip()]
    row.origin_of["labels"] = jira.LABELS
    _people(row, fields, lookups, reporter=jira.REPORTER, assignee=jira.ASSIGNEE)
    reference = row.get(jira.ISSUE_KEY).strip()
    row.origin_of["external_ref"] = jira.ISSUE_KEY
    if not reference:
        row.error(jira.ISSUE_KEY, _("This cell must not be empty."))
    return fields, reference


def _people(
    row: _Row, fields: dict[str, Any], lookups: _Lookups, *, reporter: str, assignee: str
) -> None:
    # An unknown reporter is the importing person; an unknown assignee leaves routing to decide.
    person = lookups.person(row.get(reporter))
    if person is not None:
        fields["reporter"] = person
    person = lookups.person(row.get(assignee))
    if person is not None:
        fields["assignee"] = person
        row.origin_of["assignee"] = assignee


def _check_model(row: _Row, fields: dict[str, Any], engagement: Engagement, actor: User) -> None:
    """The ticket's own field rules and the labels' (as the service applies them), without a
    query; the references were matched within the engagement already."""
    values = {name: value for name, value in fields.items() if name != "labels"}
    ticket = Ticket(engagement=engagement, number=1, **{"reporter": actor, **values})
    try:
        ticket_fields_validate(ticket)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            if name in row.failed:
                continue  # already reported as a cell that cannot be read
            for message in messages:
                row.error(row.origin_of.get(name, name), message)
    for label in fields.get("labels", []):
        try:
            label_name_clean(label)
        except ValidationError as error:
            for message in error.messages:
                row.error(row.origin_of["labels"], message)


def _columns(records: Records) -> dict[str, list[int]]:
    columns: dict[str, list[int]] = {}
    for index, header in enumerate(records.headers):
        columns.setdefault(header.strip().lower(), []).append(index)
    return columns


def detect_format(headers: list[str]) -> str:
    """Jira when the header has Jira's columns, Tandem when it has Tandem's; else refused."""
    names = {header.strip().lower() for header in headers}
    if {"summary", "issue key"} & names:
        return JIRA
    if {"title", "kind"} <= names:
        return TANDEM
    raise ImportRefused(
        _(
            "Tandem does not recognise these columns. A Jira export has Summary, Issue key and "
            "Issue Type; Tandem's own export has title and kind."
        )
    )


def _check_columns(records: Records, fmt: str) -> None:
    names = {header.strip().lower() for header in records.headers}
    required = jira.REQUIRED_COLUMNS if fmt == JIRA else TANDEM_REQUIRED_COLUMNS
    missing = [column for column in required if column.lower() not in names]
    if missing:
        raise ImportRefused(
            _("The file has no column %(columns)s (separator found: “%(delimiter)s”).")
            % {
                "columns": ", ".join(f"“{column}”" for column in missing),
                "delimiter": {"\t": "tab"}.get(records.delimiter, records.delimiter),
            }
        )


def _plan(
    *,
    records: Records,
    fmt: str,
    engagement: Engagement,
    actor: User,
    report: ImportReport,
    progress: Progress | None,
) -> list[_Planned]:
    lookups = _Lookups(engagement)
    columns = _columns(records)
    seen: dict[str, int] = {}
    planned: list[_Planned] = []
    total = len(records.rows)
    for done, (number, cells) in enumerate(records.rows, start=1):
        row = _Row(number, columns, cells, neutralised=fmt == TANDEM)
        reader = _jira_fields if fmt == JIRA else _tandem_fields
        fields, reference = reader(row, lookups)
        column = row.origin_of.get("external_ref", "external_ref")
        own_key = parse_key(reference) if fmt == TANDEM and reference else None
        if reference and reference in seen:
            row.error(
                column,
                _("“%(ref)s” appears twice in the file (first on row %(row)s).")
                % {"ref": reference, "row": seen[reference]},
            )
        elif reference in lookups.references or (
            own_key is not None
            and own_key[0] == engagement.key_prefix
            and own_key[1] in lookups.numbers
        ):
            seen[reference] = number
            report.unchanged.append((number, reference))
            _progress(progress, "validated", done, total)
            continue
        if reference:
            seen.setdefault(reference, number)
            fields["external_ref"] = reference
        _check_model(row, fields, engagement, actor)
        if row.errors:
            report.errors.extend(row.errors)
        else:
            planned.append(_Planned(number, reference, fields))
        _progress(progress, "validated", done, total)
    return planned


def _progress(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
        progress(stage, done, total)


def _row_errors(item: _Planned, error: ValidationError) -> list[RowError]:
    errors = []
    for name, messages in error.error_dict.items():
        for message in messages:
            if message.code == DUPLICATE_EXTERNAL_REF:
                # Someone imported the same reference since the validation.
                reason = _("“%(ref)s” was imported meanwhile.") % {"ref": item.reference}
            else:
                reason = " ".join(message.messages)
            errors.append(RowError(item.row, name, reason))
    return errors


def _write(
    *,
    planned: list[_Planned],
    engagement: Engagement,
    actor: User,
    report: ImportReport,
    progress: Progress | None,
) -> None:
    total = len(planned)
    try:
        with transaction.atomic():
            for start in range(0, total, WRITE_CHUNK):
                chunk = planned[start : start + WRITE_CHUNK]
                try:
                    tickets = ticket_create_many(
                        actor=actor,
                        engagement=engagement,
                        rows=[dict(item.fields) for item in chunk],
                    )
                except TicketRowsRefused as refused:
                    for index, error in refused.rows.items():
                        report.errors.extend(_row_errors(chunk[index], error))
                    continue
                except IntegrityError:
                    # A concurrent edit of this engagement's tickets won a race the checks
                    # could not see (the chunk's rows are sound): refuse it all.
                    report.errors.append(
                        RowError(
                            chunk[0].row,
                            "",
                            _(
                                "The backlog changed while rows %(first)s to %(last)s were "
                                "written; nothing was imported. Import the file again."
                            )
                            % {"first": chunk[0].row, "last": chunk[-1].row},
                        )
                    )
                    continue
                report.created.extend(ticket.key for ticket in tickets)
                if progress is not None:
                    progress("written", start + len(chunk), total)
            if report.errors:
                raise _Rollback
    except _Rollback:
        report.created = []


def tickets_import(
    *,
    actor: User,
    engagement: Engagement,
    data: bytes,
    fmt: str | None = None,
    dry_run: bool = False,
    max_rows: int | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate every row of a Tandem or Jira CSV file and, unless ``dry_run`` or any row is
    bad, file its new tickets in one transaction (all or nothing); rows already imported are
    reported unchanged. ImportRefused when the file itself cannot be read."""
    records = read_records(data)
    if fmt is None:
        fmt = detect_format(records.headers)
    elif fmt not in FORMATS:
        raise ImportRefused(_("Unknown format “%(format)s”.") % {"format": fmt})
    _check_columns(records, fmt)
    if max_rows is not None and len(records.rows) > max_rows:
        raise ImportRefused(
            _(
                "This file has %(count)s rows; the web import takes at most %(max)s. Split it, "
                "or ask an administrator to run manage.py import_tickets."
            )
            % {
                "count": number_format(len(records.rows), force_grouping=True),
                "max": number_format(max_rows, force_grouping=True),
            }
        )
    report = ImportReport(
        format=fmt,
        encoding=records.encoding,
        delimiter=records.delimiter,
        dry_run=dry_run,
        total_rows=len(records.rows),
    )
    planned = _plan(
        records=records,
        fmt=fmt,
        engagement=engagement,
        actor=actor,
        report=report,
        progress=progress,
    )
    report.ready = len(planned)
    if dry_run or report.errors:
        return report
    _write(planned=planned, engagement=engagement, actor=actor, report=report, progress=progress)
    return report
