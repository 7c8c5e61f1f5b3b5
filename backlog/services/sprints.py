"""Writes of sprints."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from backlog.models import Sprint
from collab.models import Engagement, User

SPRINT_EDITABLE_FIELDS = ("name", "start", "end", "goal")


def _save_sprint(sprint: Sprint) -> Sprint:
    sprint.full_clean(exclude=["engagement"])
    try:
        with transaction.atomic():
            sprint.save()
    except IntegrityError:
        raise ValidationError({"name": _("A sprint of this engagement has this name.")}) from None
    return sprint


@transaction.atomic
def sprint_create(
    *,
    actor: User,
    engagement: Engagement,
    name: str,
    start: datetime.date,
    end: datetime.date,
    goal: str = "",
) -> Sprint:
    """Open a sprint; it ends on or after the day it starts; names are unique per engagement."""
    sprint = Sprint(engagement=engagement, name=name.strip(), start=start, end=end, goal=goal)
    return _save_sprint(sprint)


@transaction.atomic
def sprint_update(*, actor: User, sprint: Sprint, data: dict[str, Any]) -> Sprint:
    """Rename a sprint, move its dates or change its goal."""
    unknown = set(data) - set(SPRINT_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    for name, value in data.items():
        setattr(sprint, name, value)
    return _save_sprint(sprint)
