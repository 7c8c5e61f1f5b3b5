"""Amounts of money as the active language writes them (``€1,234.50``, ``1 234,50 €``)."""

from __future__ import annotations

import functools
from decimal import Decimal

from babel import Locale
from babel.numbers import NumberPattern, format_currency, parse_pattern
from django.utils import translation


@functools.cache
def _locale(name: str) -> Locale:
    return Locale.parse(name)


def active_locale() -> Locale:
    """The Babel locale of the language active for this request (English outside one), parsed
    once per language: a page formats hundreds of numbers."""
    return _locale(translation.to_locale(translation.get_language() or "en"))


@functools.cache
def number_pattern(text: str) -> NumberPattern:
    """A Babel number pattern (``#,##0.##``), parsed once rather than at each number."""
    return parse_pattern(text)


def money_text(amount: Decimal | str | None, currency: str) -> str:
    """An amount in the currency (ISO 4217) in the active language; a dash when missing."""
    if amount is None or amount == "":
        return "—"
    return format_currency(Decimal(amount), currency, locale=active_locale())
