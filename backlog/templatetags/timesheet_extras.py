"""Template helpers of the time pages: durations written ``1h30``, a timesheet cell's value."""

from __future__ import annotations

from django import template

from backlog.timesheets.durations import duration_format

register = template.Library()


@register.filter
def duration(minutes: int | None) -> str:
    """``1h30`` for 90 minutes; ``0h`` for none (a total reads better than an empty cell)."""
    return duration_format(minutes) or "0h"


@register.simple_tag
def cell_name(row_key: str, index: int) -> str:
    return f"c-{row_key}-{index}"


@register.simple_tag
def cell_value(typed: dict, row_key: str, index: int, minutes: int) -> str:
    """What the cell shows: what was typed (a refused or unsaved value), else its total."""
    name = f"c-{row_key}-{index}"
    if name in typed:
        return typed[name]
    return duration_format(minutes)


@register.simple_tag
def cell_error(errors: dict, row_key: str, index: int) -> str:
    return errors.get(f"c-{row_key}-{index}", "")
