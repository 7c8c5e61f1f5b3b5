"""Template filters of the ranked backlog's rows: the icon of a kind or an origin and the tone
of a status or a quadrant badge (names of the design system's icons and colours)."""

from __future__ import annotations

from django import template

register = template.Library()

KIND_ICONS = {
    "feature": "sparkles",
    "improvement": "trending-up",
    "bug": "bug",
    "platform_upgrade": "stack-push",
    "security": "shield-lock",
    "question": "help-circle",
}
ORIGIN_ICONS = {"client_request": "building-store", "agency_initiative": "bulb"}
STATUS_TONES = {
    "new": "secondary",
    "triage": "azure",
    "analysis": "indigo",
    "ready": "cyan",
    "in_progress": "blue",
    "in_review": "purple",
    "qa": "orange",
    "done": "green",
    "on_hold": "secondary",
    "rejected": "red",
}
QUADRANT_TONES = {
    "quick_win": "green",
    "big_bet": "blue",
    "fill_in": "secondary",
    "money_pit": "red",
}


@register.filter
def kind_icon(kind: str) -> str:
    return KIND_ICONS.get(kind, "point")


@register.filter
def origin_icon(origin: str) -> str:
    return ORIGIN_ICONS.get(origin, "point")


@register.filter
def status_tone(status: str) -> str:
    return STATUS_TONES.get(status, "secondary")


@register.filter
def quadrant_tone(quadrant: str | None) -> str:
    return QUADRANT_TONES.get(quadrant or "", "secondary")
