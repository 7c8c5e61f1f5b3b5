"""Reading an uploaded CSV file whatever spreadsheet wrote it: UTF-8 (with or without a byte
order mark) or Windows-1252, separated by commas, semicolons (French Excel) or tabs. Anything
else is refused with a message that says what to do."""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

DELIMITERS = (",", ";", "\t")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


class ImportRefused(Exception):
    """The whole file is refused (not CSV, unknown encoding or columns, too large)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Records:
    """The header and the data rows of a file; ``rows`` are (spreadsheet row number, cells)
    with the header on row 1; blank rows are left out but keep their numbers."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]
    delimiter: str
    encoding: str


def decode(data: bytes) -> tuple[str, str]:
    """The text of the file and the encoding it was read with: UTF-8 (a byte order mark
    allowed), else Windows-1252; ImportRefused for empty, binary or UTF-16 files."""
    if not data.strip():
        raise ImportRefused(_("The file is empty."))
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ImportRefused(
            _(
                "This is an Excel workbook, not a CSV file. In Excel, choose File, Save as, "
                "CSV UTF-8 (or CSV), then import that file."
            )
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRefused(
            _("This file is in UTF-16 (Unicode text). Save it as CSV UTF-8 and import it again.")
        )
    if b"\x00" in data:
        raise ImportRefused(_("This file is binary, not a CSV text file."))
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("cp1252"), "windows-1252"
        except UnicodeDecodeError:
            raise ImportRefused(
                _(
                    "The file's characters are neither UTF-8 nor Windows-1252. Save it as CSV "
                    "UTF-8 and import it again."
                )
            ) from None
    if _CONTROL.search(text):
        raise ImportRefused(_("This file holds control characters: it is not a CSV text file."))
    return text, encoding


def sniff_delimiter(text: str) -> str:
    """The separator of the header line: the most frequent of comma, semicolon and tab."""
    header = text.split("\n", 1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def read_records(data: bytes) -> Records:
    """Decode the file, find its separator and split it into a header and rows."""
    text, encoding = decode(data)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    try:
        headers = [cell.strip() for cell in next(reader, [])]
        for number, cells in enumerate(reader, start=2):
            if any(cell.strip() for cell in cells):
                rows.append((number, cells))
    except csv.Error as error:
        raise ImportRefused(
            _("The file is not valid CSV near line %(line)s: %(error)s")
            % {"line": reader.line_num, "error": error}
        ) from None
    if not any(headers):
        raise ImportRefused(_("The first line of the file must name the columns."))
    return Records(headers=headers, rows=rows, delimiter=delimiter, encoding=encoding)


def check_size(records: Records, max_rows: int | None, *, command: str) -> None:
    """Refuse a file of more than ``max_rows`` rows (the web import's limit), naming the
    management ``command`` that imports any size."""
    if max_rows is not None and len(records.rows) > max_rows:
        raise ImportRefused(
            _(
                "This file has %(count)s rows; the web import takes at most %(max)s. Split it, "
                "or ask an administrator to run manage.py %(command)s."
            )
            % {
                "count": number_format(len(records.rows), force_grouping=True),
                "max": number_format(max_rows, force_grouping=True),
                "command": command,
            }
        )


class CellError(ValueError):
    """A cell that cannot be read; the message is for people."""


def parse_decimal(text: str) -> Decimal | None:
    """``1234.5``, ``1 234,50`` (French), ``1,234.50`` (English), with an optional currency
    sign; empty → None."""
    value = _SPACES.sub("", text).strip("€$£")
    if not value:
        return None
    if "," in value and "." in value:
        thousands = "," if value.rfind(",") < value.rfind(".") else "."
        value = value.replace(thousands, "")
    value = value.replace(",", ".")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise CellError(_("“%(value)s” is not a number.") % {"value": text}) from None
    if not number.is_finite():
        raise CellError(_("“%(value)s” is not a number.") % {"value": text})
    return number


def parse_integer(text: str) -> int | None:
    """A whole number; empty → None."""
    number = parse_decimal(text)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": text})
    return int(number)


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d/%b/%y", "%d/%b/%Y", "%d.%m.%Y")
DATETIME_FORMATS = (
    "%d/%b/%y %I:%M %p",
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%y %H:%M",
    "%d/%b/%Y %H:%M",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%y %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%d.%m.%Y %H:%M",
)


def parse_datetime(text: str) -> datetime.datetime | None:
    """ISO 8601, Jira's ``12/Mar/24 10:15 AM`` or day-first ``12/03/2024 10:15``; a date alone
    means midnight; without a zone, the current time zone (the importing person's)."""
    value = text.strip()
    if not value:
        return None
    parsed = None
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        for pattern in DATETIME_FORMATS + DATE_FORMATS:
            try:
                parsed = datetime.datetime.strptime(value, pattern)
                break
            except ValueError:
                continue
    if parsed is None:
        raise CellError(
            _("“%(value)s” is not a date and time (for example 2026-03-12 10:15).")
            % {"value": text}
        )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def parse_date(text: str) -> datetime.date | None:
    """``2026-03-12``, ``12/03/2026`` (day first) or ``12/Mar/26``; empty → None."""
    value = text.strip()
    if not value:
        return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    try:
        return parse_datetime(value).date()  # type: ignore[union-attr]
    except CellError:
        raise CellError(
            _("“%(value)s” is not a date (for example 2026-03-12).") % {"value": text}
        ) from None
