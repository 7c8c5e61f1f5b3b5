"""The timesheet as CSV, the agency's invoicing sheet: one time entry per row (date, person,
role, ticket, hours and minutes, billable, approved, note), filtered like the list of entries
(period, person, ticket...), streamed from the database ``CHUNK_SIZE`` rows at a time.

It is written like the backlog's export (``backlog.transfer.csv_export``): UTF-8 with a byte
order mark, commas, every cell neutralised against formula injection. Unlike the backlog's, the
headers and the yes/no cells read in the downloading person's language: this file is read by
people (an invoice's annex), not imported back. Hours are decimal with a dot (``1.50``).

The client's people get what the list of entries shows them (``client_visible``): approved
billable time, no internal note, and no column of the agency's bookkeeping.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from backlog.timesheets.filters import TimeEntryFilter
from backlog.timesheets.models import TimeEntry
from backlog.timesheets.selectors import time_entry_list
from backlog.transfer.csv_export import CHUNK_SIZE, neutralise, rows_as_lines
from collab.models import Engagement
from roles.models import Role

HUNDREDTHS = Decimal("0.01")


def _headers(*, sees_all: bool) -> list[str]:
    headers = [
        _("Date"),
        _("Person"),
        _("Email"),
        _("Role"),
        _("Ticket"),
        _("Ticket title"),
        _("Hours"),
        pgettext("duration", "Minutes"),
        _("Billable"),
        _("Approved"),
        _("Note"),
    ]
    if sees_all:
        headers.append(_("Internal note"))
    return headers


def hours(minutes: int) -> Decimal:
    """Minutes as decimal hours, to the hundredth (90 → 1.50)."""
    return (Decimal(minutes) / 60).quantize(HUNDREDTHS)


class _Labels:
    """The words of the cells, translated once when the export starts (the lines are written
    after the view has returned)."""

    def __init__(self) -> None:
        self.yes, self.no = _("Yes"), _("No")
        self.roles = {role.value: str(role.label) for role in Role}

    def flag(self, value: bool) -> str:
        return self.yes if value else self.no


def entry_row(entry: TimeEntry, *, sees_all: bool, labels: _Labels) -> list[str]:
    """One entry as CSV cells, every one safe from formula injection; an internal note is
    left out for the client's people."""
    ticket = entry.ticket
    note = entry.note if sees_all or not entry.note_internal else ""
    cells: list[Any] = [
        entry.date.isoformat(),
        entry.person.display_name or entry.person.email,
        entry.person.email,
        labels.roles.get(entry.role, entry.role),
        ticket.key if ticket else "",
        ticket.title if ticket else "",
        hours(entry.minutes),
        entry.minutes,
        labels.flag(entry.billable),
        labels.flag(entry.approved_at is not None),
        note,
    ]
    if sees_all:
        cells.append(labels.flag(entry.note_internal))
    return [neutralise(str(cell)) for cell in cells]


def timesheet_export_lines(
    *, engagement: Engagement, sees_all: bool, filters: Mapping[str, Any]
) -> Iterator[str]:
    """The engagement's time the viewer may see, filtered like the list of entries (person,
    from, to, month, ticket, approved, billable), oldest day first, as CSV lines; a
    ValidationError for filters that do not validate, before the first line."""
    entries = time_entry_list(engagement=engagement, sees_all=sees_all)
    filterset = TimeEntryFilter(filters or None, queryset=entries, engagement=engagement)
    if filterset.is_bound and not filterset.is_valid():
        raise ValidationError(filterset.errors.as_data())
    queryset = filterset.qs.order_by("date", "person__display_name", "pk")
    headers, labels = _headers(sees_all=sees_all), _Labels()
    rows = (
        entry_row(entry, sees_all=sees_all, labels=labels)
        for entry in queryset.iterator(chunk_size=CHUNK_SIZE)
    )
    return rows_as_lines(headers, rows)
