"""Template helpers of the review pages: labels for the codes stored in packs and snapshots, and
the engagement page's review section."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.formats import number_format

from backlog.models import Status
from backlog.scoring import Quadrant
from collab.models import Engagement
from roadmap.models import Lane, ObjectiveStatus, RoadmapItemStatus
from roadmap.reviews import selectors
from roles.models import Role

register = template.Library()


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "—")


@register.filter
def ticket_status(value: str) -> str:
    return _label(Status, value)


@register.filter
def item_status(value: str) -> str:
    return _label(RoadmapItemStatus, value)


@register.filter
def objective_status(value: str) -> str:
    return _label(ObjectiveStatus, value)


@register.filter
def quadrant(value: str | None) -> str:
    return _label(Quadrant, value) if value else "—"


@register.filter
def role_label(value: str) -> str:
    return _label(Role, value)


@register.filter
def place(value: str) -> str:
    """A quarter as written (2027-Q1), a lane by its name."""
    return _label(Lane, value) if value in Lane.values else value


@register.filter
def amount(value: Any, places: int = 2) -> str:
    """A decimal (or its text) with the reader's separators; a dash when missing."""
    if value in (None, ""):
        return "—"
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)


@register.filter
def iso_datetime(value: str | None) -> dt.datetime | None:
    """An ISO-8601 text stored in a pack or snapshot, as a datetime (for the date filter)."""
    return dt.datetime.fromisoformat(value) if value else None


@register.inclusion_tag("roadmap/reviews/_engagement_section.html")
def review_section(engagement: Engagement) -> dict[str, Any]:
    """The engagement page's section: overdue reviews, and estimated against realised value."""
    return {
        "engagement": engagement,
        "overdue": list(selectors.review_overdue(engagement=engagement)),
        "accuracy": selectors.realisation_accuracy(engagement=engagement),
    }
