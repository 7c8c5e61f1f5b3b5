"""Amounts of money as the active language writes them (``€1,234.50``, ``1 234,50 €``)."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency
from django.utils import translation


def active_locale() -> str:
    """The Babel locale of the language active for this request (English outside one)."""
    return translation.to_locale(translation.get_language() or "en")


def money_text(amount: Decimal | str | None, currency: str) -> str:
    """An amount in the currency (ISO 4217) in the active language; a dash when missing."""
    if amount is None or amount == "":
        return "—"
    return format_currency(Decimal(amount), currency, locale=active_locale())
