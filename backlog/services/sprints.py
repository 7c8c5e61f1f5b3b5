"""Writes of sprints and of the engagement's scoring settings."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from backlog.models import ScoringSettings, Sprint
from backlog.selectors import scoring_settings_get
from collab.models import Engagement, User

SPRINT_EDITABLE_FIELDS = ("name", "start", "end", "goal")
SCORING_EDITABLE_FIELDS = (
    "model",
    "strategic_weight",
    "wsjf_value_per_point",
    "rice_impact_unit",
    "impact_analysis_threshold_days",
    "requires_client_acceptance",
    "qa_required",
)


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


@transaction.atomic
def scoring_settings_update(*, engagement: Engagement, data: dict[str, Any]) -> ScoringSettings:
    """Choose the engagement's scoring model, its weights and its workflow rules (the settings
    row is created on the first change)."""
    unknown = set(data) - set(SCORING_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    settings = scoring_settings_get(engagement=engagement)
    for name, value in data.items():
        setattr(settings, name, value)
    settings.full_clean(exclude=["engagement"])
    settings.save()
    return settings
