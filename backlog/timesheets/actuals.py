"""Actual against estimate: a ticket's approved time against its effort estimate, and on a
done ticket the realised cost and return on investment next to the estimated ones.

Rules (docs/time.md, "Actual against estimate"):

- the actual is the ticket's **approved billable** time: what the client is charged, what the
  budgets burn, and all the client's people ever see of time;
- realised cost = that time in person-days (``WORKING_DAY_HOURS`` hours a day) at the
  engagement's agency day rate, to the cent, by ``backlog.scoring.effort_cost``, the function
  that prices the estimate (effort days at the day rate);
- realised ROI = (annual value - realised cost) / realised cost, by ``backlog.scoring.roi_of``,
  the estimated ROI's formula; the annual value is the ticket's as estimated (the review pack
  uses the realised annual value once the director has recorded it).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from backlog.models import Status, Ticket
from backlog.scoring import effort_cost, roi_of
from backlog.timesheets.budgets import CENT
from backlog.timesheets.models import WORKING_DAY_HOURS
from collab.models import Engagement

MINUTES_A_DAY = WORKING_DAY_HOURS * 60


def realised_cost(minutes: int, engagement: Engagement) -> Decimal:
    """Approved minutes as person-days at the engagement's day rate, to the cent."""
    days = Decimal(minutes) / Decimal(MINUTES_A_DAY)
    return effort_cost(days, engagement).quantize(CENT, ROUND_HALF_UP)


def estimate_of(
    effort_days: Decimal | None, engagement: Engagement
) -> tuple[int | None, Decimal | None]:
    """An effort estimate in minutes and its cost at the day rate; (None, None) without one."""
    if not effort_days:
        return None, None
    return int(Decimal(effort_days) * MINUTES_A_DAY), effort_cost(effort_days, engagement)


def estimate_ratio(minutes: int, estimate_minutes: int | None) -> Decimal | None:
    """Actual / estimate, to 2 places; None without an estimate."""
    if not estimate_minutes:
        return None
    return (Decimal(minutes) / Decimal(estimate_minutes)).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class TicketActuals:
    """A done ticket's approved billable time and what it cost, against the estimate."""

    currency: str
    minutes: int
    estimate_minutes: int | None
    ratio: Decimal | None
    annual_value: Decimal | None
    estimated_cost: Decimal | None
    realised_cost: Decimal
    estimated_roi: Decimal | None
    realised_roi: Decimal | None


def ticket_actuals(
    *, ticket: Ticket, engagement: Engagement, approved_minutes: int
) -> TicketActuals | None:
    """The actuals of a done ticket from its approved billable minutes; None until done."""
    if ticket.status != Status.DONE:
        return None
    estimate_minutes, estimated_cost = estimate_of(ticket.effort_days, engagement)
    cost = realised_cost(approved_minutes, engagement)
    annual_value = ticket.annual_value
    return TicketActuals(
        currency=engagement.currency,
        minutes=approved_minutes,
        estimate_minutes=estimate_minutes,
        ratio=estimate_ratio(approved_minutes, estimate_minutes),
        annual_value=annual_value,
        estimated_cost=estimated_cost,
        realised_cost=cost,
        estimated_roi=roi_of(annual_value, estimated_cost),
        realised_roi=roi_of(annual_value, cost),
    )
