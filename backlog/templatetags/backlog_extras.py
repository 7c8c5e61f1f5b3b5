"""Template filters of the backlog pages: money in the engagement's currency, sanitized
Markdown, and labels of stored codes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal, format_percent
from django import template
from django.utils.safestring import SafeString

from backlog.markdown import render_markdown
from backlog.models import Status
from backlog.scoring import Quadrant
from collab.common.money import active_locale, money_text, number_pattern

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """An amount in the currency, written the way the active language writes it."""
    return money_text(amount, currency)


@register.filter
def decimal(value: Decimal | int | None, places: int = 2) -> str:
    """A number in the active language, with at most ``places`` decimals."""
    if value is None or value == "":
        return "—"
    pattern = "#,##0." + "#" * int(places) if int(places) else "#,##0"
    return format_decimal(Decimal(value), format=number_pattern(pattern), locale=active_locale())


@register.filter
def percent(ratio: Decimal | None) -> str:
    """A ratio as a whole percentage in the active language (2.5 → 250 %)."""
    if ratio is None or ratio == "":
        return "—"
    return format_percent(Decimal(ratio), format=number_pattern("#,##0 %"), locale=active_locale())


@register.filter
def markdown(source: str) -> SafeString:
    """Markdown rendered to sanitized HTML (see ``backlog.markdown``)."""
    return render_markdown(source)


@register.filter
def status_label(code: str) -> str:
    return Status(code).label if code in Status.values else code


@register.filter
def quadrant_label(code: str | None) -> str:
    return Quadrant(code).label if code in Quadrant.values else "—"


@register.filter
def get_item(mapping: dict, key: Any) -> Any:
    return mapping.get(key)
