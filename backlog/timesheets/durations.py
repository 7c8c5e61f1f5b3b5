"""Durations as people type them (``1h30``, ``90m``, ``1.5``, ``1,5``, ``1:30``) and as Tandem
writes them back (``1h30``)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_HOURS_MINUTES = re.compile(r"^(?:(\d{1,2})\s*h)?\s*(?:(\d{1,4})\s*(?:m|min|mn)?)?$")
_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)$")
_DECIMAL_HOURS = re.compile(r"^\d{1,2}(?:[.,]\d{1,2})?\s*h?$")
_MINUTES = re.compile(r"^(\d{1,4})\s*(?:m|min|mn)$")


def duration_parse(text: str) -> int | None:
    """Minutes from what a person typed; None for an empty field. A bare number is hours
    (``2`` is two hours, ``1.5`` or ``1,5`` an hour and a half); ``90m`` is minutes; ``1h30``
    and ``1:30`` are hours and minutes. Anything else is refused with an example."""
    value = (text or "").strip().lower().replace(" ", "")
    if not value:
        return None
    minutes: int | None = None
    if match := _MINUTES.match(value):
        minutes = int(match.group(1))
    elif match := _CLOCK.match(value):
        minutes = int(match.group(1)) * 60 + int(match.group(2))
    elif _DECIMAL_HOURS.match(value):
        try:
            hours = Decimal(value.rstrip("h").replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            hours = None
        if hours is not None:
            minutes = int((hours * 60).to_integral_value())
    elif "h" in value and (match := _HOURS_MINUTES.match(value)):
        minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    if minutes is None:
        raise ValidationError(
            _("“%(value)s” is not a duration: write 1h30, 90m or 1.5 (hours)."),
            code="invalid_duration",
            params={"value": text.strip()[:20]},
        )
    return minutes


def duration_format(minutes: int | None) -> str:
    """``1h30``, ``2h``, ``45m``; an empty string for nothing."""
    if not minutes:
        return ""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h{rest:02d}" if rest else f"{hours}h"
