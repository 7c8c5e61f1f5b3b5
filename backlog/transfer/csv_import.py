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
  among the engagement's members, else the importing person;
- a Jira row's story points are never imported (``jira``): the report counts the numbers and
  names every value that is not one.

Only this engagement's rows are read or written: members, sprints, references and keys are all
looked up within it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from backlog import workflow
from backlog.models import Status, Ticket
from backlog.selectors import parse_key, scoring_settings_get
from backlog.services import DUPLICATE_EXTERNAL_REF, TicketRowsRefused, ticket_create_many
from backlog.transfer import jira
from backlog.transfer.csv_reading import ImportRefused, Records, check_size, read_records
from backlog.transfer.csv_rows import (
    Lookups,
    Row,
    RowError,
    check_model,
    columns_of,
    jira_fields,
    jira_story_points,
    tandem_fields,
)
from collab.models import Engagement, User
from roles.models import Role, RoleAssignment

TANDEM = "tandem"
JIRA = "jira"
FORMATS = (TANDEM, JIRA)
PROGRESS_EVERY = 500
# Rows filed per call of ticket_create_many (a constant number of queries each), all in the
# import's one transaction; the progress of the writing is reported after each.
WRITE_CHUNK = PROGRESS_EVERY
TANDEM_REQUIRED_COLUMNS = ("title", "kind")
# Row fields that are not the ticket's own columns.
_NOT_TICKET_FIELDS = frozenset({"labels", "resolved_at", "status_since", "reporter"})

Progress = Callable[[str, int, int], None]

__all__ = [
    "FORMATS",
    "JIRA",
    "TANDEM",
    "ImportRefused",
    "ImportReport",
    "StoryPoints",
    "Triaged",
    "tickets_import",
]


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
    triaged: list[Triaged] = field(default_factory=list)
    # Jira story points, never imported: how many rows hold a number, and each other value.
    story_points_numbers: int = 0
    story_points_not_numbers: list[StoryPoints] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class StoryPoints:
    """A Jira row whose story points are not a number: the ticket is imported without them."""

    row: int
    reference: str
    column: str
    value: str


@dataclass(frozen=True)
class Triaged:
    """A row whose status Tandem's guards refuse: it lands in triage, and this says why."""

    row: int
    reference: str
    status: str
    reasons: list[str]

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)


@dataclass(frozen=True)
class _Planned:
    row: int
    reference: str
    fields: dict[str, Any]


class _Rollback(Exception):
    pass


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
    lookups = Lookups(engagement)
    facts = _import_facts(engagement)
    columns = columns_of(records)
    seen: dict[str, int] = {}
    planned: list[_Planned] = []
    total = len(records.rows)
    for done, (number, cells) in enumerate(records.rows, start=1):
        row = Row(number, columns, cells, neutralised=fmt == TANDEM)
        reader = jira_fields if fmt == JIRA else tandem_fields
        fields, reference = reader(row, lookups)
        column = row.origin_of.get("external_ref", "external_ref")
        if reference and reference in seen:
            row.error(
                column,
                _("“%(ref)s” appears twice in the file (first on row %(row)s).")
                % {"ref": reference, "row": seen[reference]},
            )
        elif _already_imported(reference, fmt=fmt, engagement=engagement, lookups=lookups):
            seen[reference] = number
            report.unchanged.append((number, reference))
            progress_report(progress, "validated", done, total)
            continue
        if reference:
            seen.setdefault(reference, number)
            fields["external_ref"] = reference
        check_model(row, fields, engagement, actor)
        if row.errors:
            report.errors.extend(row.errors)
        else:
            _guard_status(fields, engagement=engagement, facts=facts, number=number, report=report)
            if fmt == JIRA:
                _note_story_points(row, reference, report)
            planned.append(_Planned(number, reference, fields))
        progress_report(progress, "validated", done, total)
    return planned


def _note_story_points(row: Row, reference: str, report: ImportReport) -> None:
    """Story points are not imported (effort is in person-days): count the numbers, and name
    each value that is not one, so that the dry run shows what is left behind."""
    points = jira_story_points(row)
    if points is None:
        return
    column, value, is_number = points
    if is_number:
        report.story_points_numbers += 1
    else:
        report.story_points_not_numbers.append(StoryPoints(row.number, reference, column, value))


def _import_facts(engagement: Engagement) -> workflow.GuardFacts:
    """What Tandem's guards know of a ticket that does not exist yet: no criterion, no impact
    analysis, no QA verdict, no client acceptance; whether the engagement has a tester."""
    return workflow.GuardFacts(
        settings=scoring_settings_get(engagement=engagement),
        has_tester=RoleAssignment.objects.active()
        .filter(engagement=engagement, role=Role.TESTER)
        .exists(),
    )


def _guard_status(
    fields: dict[str, Any],
    *,
    engagement: Engagement,
    facts: workflow.GuardFacts,
    number: int,
    report: ImportReport,
) -> None:
    """Keep the row's status only when Tandem's guards allow a ticket there; otherwise it
    lands in triage and the report says which row and why. A done ticket kept done keeps the
    time it was resolved (the history's move to done, which dates its delivery)."""
    status = fields.get("status", Status.NEW)
    values = {name: value for name, value in fields.items() if name not in _NOT_TICKET_FIELDS}
    reasons = workflow.state_reasons(
        ticket=Ticket(engagement=engagement, **values), status=status, facts=facts
    )
    resolved = fields.pop("resolved_at", None)
    if reasons:
        fields["status"] = Status.TRIAGE
        report.triaged.append(Triaged(number, fields.get("external_ref", ""), status, reasons))
    elif status == Status.DONE:
        fields["status_since"] = resolved or fields.get("created_at")


def _already_imported(
    reference: str, *, fmt: str, engagement: Engagement, lookups: Lookups
) -> bool:
    """The reference was imported into this engagement already, or (in Tandem's own file) is
    the key of one of its tickets."""
    own_key = parse_key(reference) if fmt == TANDEM and reference else None
    return reference in lookups.references or (
        own_key is not None
        and own_key[0] == engagement.key_prefix
        and own_key[1] in lookups.numbers
    )


def progress_report(progress: Progress | None, stage: str, done: int, total: int) -> None:
    """Tell the caller how far a stage is, every ``PROGRESS_EVERY`` rows and at the end."""
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
                    report.errors.append(_race_lost(chunk))
                    continue
                report.created.extend(ticket.key for ticket in tickets)
                if progress is not None:
                    progress("written", start + len(chunk), total)
            if report.errors:
                raise _Rollback
    except _Rollback:
        report.created = []


def _race_lost(chunk: list[_Planned]) -> RowError:
    return RowError(
        chunk[0].row,
        "",
        _(
            "The backlog changed while rows %(first)s to %(last)s were "
            "written; nothing was imported. Import the file again."
        )
        % {"first": chunk[0].row, "last": chunk[-1].row},
    )


def _format_of(records: Records, fmt: str | None) -> str:
    """The format asked for, else the one the header shows; refused when its columns are
    missing."""
    if fmt is None:
        fmt = detect_format(records.headers)
    elif fmt not in FORMATS:
        raise ImportRefused(_("Unknown format “%(format)s”.") % {"format": fmt})
    _check_columns(records, fmt)
    return fmt


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
    fmt = _format_of(records, fmt)
    check_size(records, max_rows, command="import_tickets")
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
