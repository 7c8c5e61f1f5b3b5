"""Template helpers of the dashboard pages: sparklines' data and their words, compact money for
stat tiles, and the heat of an allocation in the agency matrix."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_compact_currency
from django import template

from collab.common.money import active_locale
from roadmap.dashboard import charts

register = template.Library()

# An allocation's heat in the agency matrix: 1 up to 25 %, 2 up to 50 %, 3 up to 75 %, 4 up to
# 100 %; above, "over".
HEAT_STEPS = (25, 50, 75, 100)


@register.filter
def sparkline(points: Any, currency: str = "") -> str:
    """The JSON a sparkline canvas carries (``data-sparkline``)."""
    return charts.sparkline_json(points, currency)


@register.filter
def trend(points: Any, currency: str = "") -> str:
    """A trend in words (the sparkline's text alternative)."""
    return charts.trend_text(points, currency)


@register.filter
def money_short(amount: Decimal | None, currency: str) -> str:
    """An amount rounded for a stat tile, as the active language writes it (``€12.3K``,
    ``12,3 k €``); the exact amount is in the tile's hint and in the overview."""
    if amount is None:
        return "—"
    return format_compact_currency(
        Decimal(amount), currency, locale=active_locale(), fraction_digits=1
    )


@register.filter
def heat(percent: int | None) -> str:
    """The heat class of an allocation percentage: ``heat-0`` … ``heat-4``, ``heat-over``."""
    if not percent:
        return "heat-0"
    for level, ceiling in enumerate(HEAT_STEPS, start=1):
        if percent <= ceiling:
            return f"heat-{level}"
    return "heat-over"
