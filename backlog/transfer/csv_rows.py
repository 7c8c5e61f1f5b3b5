"""One row of an imported CSV read into a ticket's fields (Tandem's or Jira's columns)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from backlog.models import Confidence, FoundBy, Kind, Origin, Severity, Sprint, Status, Ticket
from backlog.services import label_name_clean, ticket_fields_validate
from backlog.transfer import jira
from backlog.transfer.csv_export import FORMULA_TRIGGERS
from backlog.transfer.csv_reading import (
    CellError,
    Records,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_integer,
)
from collab.models import Engagement, User
from roles.models import RoleAssignment


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str


class Lookups:
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


class Row:
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


def tandem_fields(row: Row, lookups: Lookups) -> tuple[dict[str, Any], str]:
    """A row of Tandem's own export: its fields, and its reference (``external_ref``, else
    ``key``)."""
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


def jira_fields(row: Row, lookups: Lookups) -> tuple[dict[str, Any], str]:
    """A row of a Jira export: its fields, and its reference (the ``Issue key``)."""
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
    row.read(fields, "resolved_at", jira.RESOLVED, parse_datetime)
    fields["labels"] = [label.strip() for label in row.all(jira.LABELS) if label.strip()]
    row.origin_of["labels"] = jira.LABELS
    _people(row, fields, lookups, reporter=jira.REPORTER, assignee=jira.ASSIGNEE)
    reference = row.get(jira.ISSUE_KEY).strip()
    row.origin_of["external_ref"] = jira.ISSUE_KEY
    if not reference:
        row.error(jira.ISSUE_KEY, _("This cell must not be empty."))
    return fields, reference


def jira_story_points(row: Row) -> tuple[str, str, bool] | None:
    """The row's story points (column, value as written, whether it is a number), or None when
    no story-point column holds a value."""
    for column in jira.STORY_POINTS:
        for value in row.all(column):
            if value.strip():
                try:
                    parse_decimal(value)
                except CellError:
                    return column, value.strip(), False
                return column, value.strip(), True
    return None


def _people(
    row: Row, fields: dict[str, Any], lookups: Lookups, *, reporter: str, assignee: str
) -> None:
    # An unknown reporter is the importing person; an unknown assignee leaves routing to decide.
    person = lookups.person(row.get(reporter))
    if person is not None:
        fields["reporter"] = person
    person = lookups.person(row.get(assignee))
    if person is not None:
        fields["assignee"] = person
        row.origin_of["assignee"] = assignee


def check_model(row: Row, fields: dict[str, Any], engagement: Engagement, actor: User) -> None:
    """The ticket's own field rules and the labels' (as the service applies them), without a
    query; the references were matched within the engagement already."""
    values = {
        name: value for name, value in fields.items() if name not in ("labels", "resolved_at")
    }
    ticket = Ticket(engagement=engagement, number=1, **{"reporter": actor, **values})
    try:
        ticket_fields_validate(ticket)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            if name in row.failed:
                continue  # already reported as a cell that cannot be read
            for message in messages:
                row.error(row.origin_of.get(name, name), message)
    if fields.get("kind") == Kind.BUG and fields.get("origin") == Origin.AGENCY_INITIATIVE:
        row.error(
            row.origin_of.get("origin", "origin"),
            _("A bug is never an agency initiative: choose client request as its origin."),
        )
    for label in fields.get("labels", []):
        try:
            label_name_clean(label)
        except ValidationError as error:
            for message in error.messages:
                row.error(row.origin_of["labels"], message)


def columns_of(records: Records) -> dict[str, list[int]]:
    """Each column name, in lower case, with the indexes of the cells under it (Jira repeats
    some, such as Labels)."""
    columns: dict[str, list[int]] = {}
    for index, header in enumerate(records.headers):
        columns.setdefault(header.strip().lower(), []).append(index)
    return columns
