"""Value delivered over a period: the one rule the review pack and the snapshot diff share.

A ticket counts when it was done within ``[start, end)`` (its last move to done), with its
annual value as estimated; a ticket without a value counts 0 in the total. The pack reads the
rows from the database, the diff from the later snapshot's backlog: the same rule, so the two
give the same figure for the same period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class DeliveredTicket:
    key: str
    title: str
    done_at: dt.datetime
    annual_value: Decimal | None


@dataclass(frozen=True)
class ValueDelivered:
    tickets: list[DeliveredTicket] = field(default_factory=list)
    total: Decimal = Decimal("0")


def _key_order(key: str) -> tuple[str, int]:
    prefix, _dash, number = key.rpartition("-")
    return prefix, int(number) if number.isdigit() else 0


def value_delivered_between(
    rows: Iterable[DeliveredTicket], *, start: dt.datetime, end: dt.datetime
) -> ValueDelivered:
    """The tickets done in ``[start, end)``, earliest first, and the sum of their annual
    values (a missing value counts 0)."""
    tickets = sorted(
        (row for row in rows if start <= row.done_at < end),
        key=lambda row: (row.done_at, _key_order(row.key)),
    )
    total = sum((row.annual_value or Decimal(0) for row in tickets), Decimal(0))
    return ValueDelivered(tickets=tickets, total=total)
