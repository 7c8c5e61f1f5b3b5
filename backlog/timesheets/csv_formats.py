"""The three time trackers' CSV exports as Tandem reads them: their detailed exports' column
names (Toggl, Harvest, Clockify), how each is recognised from its header row, and how their
cells read (days, durations, billable, roles). The import's rules are in ``csv_import``."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from backlog.transfer.csv_reading import CellError, ImportRefused, Records, parse_decimal
from roles.models import Role

TOGGL = "toggl"
HARVEST = "harvest"
CLOCKIFY = "clockify"
FORMATS = (TOGGL, HARVEST, CLOCKIFY)
KEY_IN_TEXT = re.compile(r"\b([A-Z][A-Z0-9]{1,9})-([1-9][0-9]{0,9})\b")
_YES = {"yes", "true", "1", "y", "oui", "billable"}
_NO = {"no", "false", "0", "n", "non", "non-billable", "not billable"}


@dataclass(frozen=True)
class Columns:
    """Where a tool writes each thing (lower-case header names); the first present wins."""

    person: tuple[str, ...]
    date: str
    durations: tuple[str, ...]
    notes: tuple[str, ...]
    billable: str
    roles: tuple[str, ...] = ("role", "roles")
    # Where a ticket key is looked for after the notes.
    ticket_places: tuple[str, ...] = ("task", "project")


COLUMNS = {
    TOGGL: Columns(
        person=("email",),
        date="start date",
        durations=("duration",),
        notes=("description",),
        billable="billable",
    ),
    HARVEST: Columns(
        person=("first name", "last name"),
        date="date",
        durations=("hours",),
        notes=("notes",),
        billable="billable?",
    ),
    CLOCKIFY: Columns(
        person=("email",),
        date="start date",
        durations=("duration (decimal)", "duration (h)"),
        notes=("description",),
        billable="billable",
    ),
}


def detect_format(headers: list[str]) -> str:
    """Clockify (its ``Duration (h)``), Harvest (``Hours`` and ``First Name``) or Toggl
    (``Email``, ``Start date``, ``Duration``), from the header; else refused."""
    names = {header.strip().lower() for header in headers}
    if "start date" in names and names & {"duration (h)", "duration (decimal)"}:
        return CLOCKIFY
    if {"date", "hours", "first name", "last name"} <= names:
        return HARVEST
    if {"email", "start date", "duration"} <= names:
        return TOGGL
    raise ImportRefused(
        _(
            "Tandem does not recognise these columns. Import a detailed time export of Toggl "
            "(Email, Start date, Duration...), Harvest (Date, Hours, First Name, Last Name...) "
            "or Clockify (Email, Start Date, Duration (h)...)."
        )
    )


def _check_columns(records: Records, fmt: str) -> None:
    names = {header.strip().lower() for header in records.headers}
    spec = COLUMNS[fmt]
    missing = [name for name in (*spec.person, spec.date) if name not in names]
    if not names & set(spec.durations):
        missing.append(spec.durations[0])
    if missing:
        raise ImportRefused(
            _("The file has no column %(columns)s (separator found: “%(delimiter)s”).")
            % {
                "columns": ", ".join(f"“{column}”" for column in missing),
                "delimiter": {"\t": "tab"}.get(records.delimiter, records.delimiter),
            }
        )


def format_of(records: Records, fmt: str | None) -> str:
    if fmt is None:
        fmt = detect_format(records.headers)
    elif fmt not in FORMATS:
        raise ImportRefused(_("Unknown format “%(format)s”.") % {"format": fmt})
    _check_columns(records, fmt)
    return fmt


def parse_day(text: str) -> datetime.date:
    """``2026-03-12``, or month first as the three tools write it by default (``3/12/2026``)."""
    value = text.strip()
    for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise CellError(_("“%(value)s” is not a date (for example 2026-03-12).") % {"value": text})


def parse_minutes(text: str) -> int:
    """``01:30:00`` or ``1:30`` (hours, minutes, seconds), or decimal hours (``1.5``, ``1,5``),
    to the nearest minute."""
    value = text.strip()
    error = CellError(
        _("“%(value)s” is not a duration (for example 01:30:00 or 1.5).") % {"value": text}
    )
    if not value:
        raise error
    if ":" in value:
        parts = value.split(":")
        if len(parts) not in (2, 3) or not all(part.isdigit() for part in parts):
            raise error
        seconds = int(parts[0]) * 3600 + int(parts[1]) * 60 + (int(parts[2]) if parts[2:] else 0)
        return round(seconds / 60)
    try:
        number = parse_decimal(value)
    except CellError:
        raise error from None
    if number is None:
        raise error
    return int((number * 60).to_integral_value())


def parse_billable(text: str) -> bool:
    """Yes or No (an empty cell is billable, as a new entry is)."""
    value = text.strip().lower()
    if not value or value in _YES:
        return True
    if value in _NO:
        return False
    raise CellError(_("“%(value)s” is neither Yes nor No.") % {"value": text})


def role_of(text: str) -> str | None:
    """A role by its code or its English or French name; None when it is not one."""
    value = text.strip().lower()
    for role in Role:
        if value in (role.value, str(role.label).lower(), role.value.replace("_", " ")):
            return role.value
    return None
