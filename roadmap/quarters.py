"""Calendar quarter arithmetic: ``Quarter(2027, 1)`` is written ``2027-Q1``.

A quarter is a value: parse it from text, take the quarter of a date, add or subtract a number
of quarters (crossing year boundaries), compare it with another, and read its first and last day.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

_QUARTER_RE = re.compile(r"^\s*(\d{4})-[Qq]([1-4])\s*$")


@dataclass(frozen=True, order=True, slots=True)
class Quarter:
    """A calendar quarter; ordered by year then number."""

    year: int
    number: int

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 4:
            raise ValueError(_("A quarter number is between 1 and 4."))
        if not 1 <= self.year <= 9999:
            raise ValueError(_("A quarter's year is between 1 and 9999."))

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``"2027-Q1"`` → ``Quarter(2027, 1)``; raises ``ValueError`` on anything else."""
        match = _QUARTER_RE.match(text or "")
        if match is None:
            raise ValueError(_("Write a quarter as YEAR-Qn, for example 2027-Q1."))
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: datetime.date) -> Quarter:
        """The quarter a date (or datetime, taken as its calendar date) falls in."""
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def current(cls) -> Quarter:
        """Today's quarter in the active time zone."""
        return cls.of(timezone.localdate())

    def __str__(self) -> str:
        return f"{self.year:04d}-Q{self.number}"

    @property
    def index(self) -> int:
        """Quarters since year 0: makes arithmetic a plain integer operation."""
        return self.year * 4 + self.number - 1

    @classmethod
    def from_index(cls, index: int) -> Quarter:
        year, rest = divmod(index, 4)
        return cls(year, rest + 1)

    def __add__(self, other: int) -> Quarter:
        if not isinstance(other, int):
            return NotImplemented
        return Quarter.from_index(self.index + other)

    def __sub__(self, other: int) -> Quarter:
        if not isinstance(other, int):
            return NotImplemented
        return Quarter.from_index(self.index - other)

    def next(self) -> Quarter:
        return self + 1

    def previous(self) -> Quarter:
        return self - 1

    def quarters_until(self, other: Quarter) -> int:
        """How many quarters from this one to ``other`` (negative when ``other`` is earlier)."""
        return other.index - self.index

    @property
    def start(self) -> datetime.date:
        """The first day of the quarter."""
        return datetime.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> datetime.date:
        """The last day of the quarter."""
        if self.number == 4:
            return datetime.date(self.year, 12, 31)
        return (self + 1).start - datetime.timedelta(days=1)

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


def quarter_range(first: Quarter, last: Quarter) -> list[Quarter]:
    """Every quarter from ``first`` to ``last`` inclusive; empty when ``last`` is before."""
    return [Quarter.from_index(i) for i in range(first.index, last.index + 1)]


def iter_quarters(first: Quarter, count: int) -> Iterator[Quarter]:
    """``count`` consecutive quarters starting at ``first``."""
    for offset in range(count):
        yield first + offset


def window_fits(first: Quarter, count: int) -> bool:
    """Whether ``count`` quarters from ``first`` stay within the calendar (0001-Q1 to 9999-Q4)."""
    try:
        first + (count - 1)
    except ValueError:
        return False
    return True


def is_quarter(text: str) -> bool:
    """Whether ``text`` is a well-formed quarter such as ``2027-Q1``."""
    try:
        Quarter.parse(text)
    except ValueError:
        return False
    return True
