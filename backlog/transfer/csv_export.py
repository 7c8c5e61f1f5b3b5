"""The backlog as CSV: every stored field and the computed annual value, cost, score and
quadrant, one ticket per row, streamed in chunks so that 10,000 tickets never sit in memory.

The file is UTF-8 with a byte order mark (Excel otherwise reads it as its local code page), and
every cell that a spreadsheet would run as a formula (beginning with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) is prefixed with a single quote (OWASP "CSV injection"). The import
of Tandem's own CSV removes that quote again.

The header names are stable identifiers (``title``, ``kind``...), not translated, so that a file
exported in French imports in English and back; choice columns hold codes (``in_progress``).
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from backlog.models import Label, Ticket
from backlog.selectors import ticket_list
from collab.models import Engagement

BOM = "\ufeff"
CENTS = Decimal("0.01")
CHUNK_SIZE = 500
FORMULA_TRIGGERS = ("=", "+", "-", "@", "|", "\t", "\r")


def neutralise(text: str) -> str:
    """A cell a spreadsheet cannot run: a leading formula character gets a single quote."""
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _email(person: Any) -> str:
    return person.email if person is not None else ""


def _annual_value(ticket: Ticket) -> Decimal | None:
    # Stored with 4 places (12 x hours x hourly cost can need them); money reads in cents.
    return None if ticket.annual_value is None else ticket.annual_value.quantize(CENTS)


def _cost(ticket: Ticket) -> Decimal | None:
    if ticket.effort_days is None:
        return None
    return (ticket.effort_days * ticket.engagement.agency_day_rate).quantize(CENTS)


def _field(name: str) -> Callable[[Ticket], Any]:
    return lambda ticket: getattr(ticket, name)


# (header, value of a ticket). The import reads the same headers (see ``csv_import``).
COLUMNS: tuple[tuple[str, Callable[[Ticket], Any]], ...] = (
    ("key", lambda t: t.key),
    ("title", _field("title")),
    ("kind", _field("kind")),
    ("origin", _field("origin")),
    ("status", _field("status")),
    ("description", _field("description")),
    ("reporter", lambda t: _email(t.reporter)),
    ("assignee", lambda t: _email(t.assignee)),
    ("responsible_role", _field("responsible_role")),
    ("sprint", lambda t: t.sprint.name if t.sprint else ""),
    ("deadline", _field("deadline")),
    ("labels", lambda t: ", ".join(label.name for label in t.labels.all())),
    ("external_ref", _field("external_ref")),
    ("pinned_rank", _field("manual_rank")),
    ("needs_alignment", _field("needs_alignment")),
    ("unrouted", _field("unrouted")),
    ("steps_to_reproduce", _field("steps_to_reproduce")),
    ("expected_behaviour", _field("expected_behaviour")),
    ("actual_behaviour", _field("actual_behaviour")),
    ("environment", _field("environment")),
    ("severity", _field("severity")),
    ("found_by", _field("found_by")),
    ("annual_revenue_gain", _field("annual_revenue_gain")),
    ("annual_cost_savings", _field("annual_cost_savings")),
    ("hours_saved_per_month", _field("hours_saved_per_month")),
    ("effort_days", _field("effort_days")),
    ("confidence", _field("confidence")),
    ("time_criticality", _field("time_criticality")),
    ("risk_reduction", _field("risk_reduction")),
    ("reach", _field("reach")),
    ("strategic_alignment", _field("strategic_alignment")),
    ("annual_value", _annual_value),
    ("cost", _cost),
    ("score", _field("score")),
    ("quadrant", _field("quadrant")),
    ("created_at", _field("created_at")),
    ("updated_at", _field("updated_at")),
)
HEADERS = tuple(header for header, _value in COLUMNS)


def export_queryset(
    *, engagement: Engagement, filters: dict[str, Any] | None = None
) -> QuerySet[Ticket]:
    """The engagement's backlog in its ranked order, filtered like the backlog page (a
    ValidationError for filters that do not validate), with everything a row needs."""
    return ticket_list(engagement=engagement, filters=filters).prefetch_related(
        Prefetch("labels", queryset=Label.objects.order_by("name"))
    )


def ticket_row(ticket: Ticket) -> list[str]:
    """One ticket as CSV cells, every one safe from formula injection."""
    return [neutralise(_text(value(ticket))) for _header, value in COLUMNS]


class _Line:
    """A file-like object whose ``write`` returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def rows_as_lines(headers: Iterable[str], rows: Iterable[list[str]]) -> Iterator[str]:
    """CSV text in lines: the byte order mark and the header, then one line per row (the
    rows' cells neutralised already). Shared by every CSV download (the backlog, time)."""
    writer = csv.writer(_Line())
    yield BOM + writer.writerow([neutralise(header) for header in headers])
    for row in rows:
        yield writer.writerow(row)


def csv_lines(tickets: Iterable[Ticket]) -> Iterator[str]:
    """The CSV text in lines: the byte order mark and the header, then one line per ticket."""
    return rows_as_lines(HEADERS, (ticket_row(ticket) for ticket in tickets))


def export_lines(*, engagement: Engagement, filters: dict[str, Any] | None = None) -> Iterator[str]:
    """The filtered backlog as CSV lines, read from the database ``CHUNK_SIZE`` rows at a time
    (the filters are checked before the first line)."""
    queryset = export_queryset(engagement=engagement, filters=filters)
    return csv_lines(queryset.iterator(chunk_size=CHUNK_SIZE))
