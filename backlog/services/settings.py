"""Writes of the engagement's backlog settings: how it ranks its tickets (scoring model and
weights), its workflow rules, and which role answers for each kind of new ticket."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from backlog.models import Kind, ResponsibilityPolicy, ScoringSettings, SettingsChange
from backlog.selectors import (
    SCORING_SETTING_FIELDS,
    BacklogSettings,
    backlog_settings_get,
    responsibility_routing_get,
    scoring_settings_get,
)
from backlog.services.ranking_jobs import engagement_rescore_or_queue
from collab.models import Engagement, User
from roles.models import AGENCY_ROLES, Role

# The settings the scores are computed from (the others are workflow rules).
SCORE_SETTINGS = ("model", "strategic_weight", "wsjf_value_per_point", "rice_impact_unit")
# New tickets go to someone of the agency: the client side files them, the agency works them.
ROUTABLE_ROLES = tuple(role for role in Role if role in AGENCY_ROLES)


class StaleSettings(Exception):
    """The settings changed since the caller read them; nothing was written."""

    def __init__(self) -> None:
        super().__init__(
            _("The settings were changed by someone else meanwhile; reload them and try again.")
        )


def scoring_settings_build(*, engagement: Engagement, data: Mapping[str, Any]) -> ScoringSettings:
    """The engagement's scoring settings with ``data`` applied and validated, but not saved
    (what a preview ranks by): a field error for a bad value or a field that cannot change."""
    unknown = set(data) - set(SCORING_SETTING_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    settings = scoring_settings_get(engagement=engagement)
    for name, value in data.items():
        setattr(settings, name, value)
    # The table's check constraints repeat the fields' validators (and still guard the save):
    # checking them here would cost a query each.
    settings.full_clean(exclude=["engagement"], validate_unique=False, validate_constraints=False)
    return settings


@transaction.atomic
def scoring_settings_update(
    *, engagement: Engagement, data: Mapping[str, Any], actor: User | None = None
) -> ScoringSettings:
    """Choose the engagement's scoring model, its weights and its workflow rules (the settings
    row is created on the first change); nothing is written when a value is refused. A change
    is one entry of the engagement's settings history, however many scores it moves (the
    stored scores are recomputed by one set-based statement, never one entry per ticket)."""
    before = scoring_settings_get(engagement=engagement)
    previous = {name: _text(getattr(before, name)) for name in SCORING_SETTING_FIELDS}
    settings = scoring_settings_build(engagement=engagement, data=data)
    settings.save()
    changes = [
        [name, previous[name], _text(getattr(settings, name))]
        for name in SCORING_SETTING_FIELDS
        if previous[name] != _text(getattr(settings, name))
    ]
    if changes:
        SettingsChange.objects.create(engagement=engagement, actor=actor, changes=changes)
    if any(getattr(before, name) != getattr(settings, name) for name in SCORE_SETTINGS):
        # Every score of the engagement moves: one set-based recomputation in this request, or
        # a job with progress above RESCORE_IN_REQUEST_MAX_TICKETS (docs/architecture.md).
        engagement_rescore_or_queue(engagement=engagement, settings=settings)
    return settings


def _text(value: Any) -> str:
    # 0.250 read back and 0.25 just typed are the same setting.
    if isinstance(value, Decimal):
        return str(value.normalize())
    return str(value)


def _routing_errors(routing: Mapping[str, Any]) -> list[str]:
    errors = []
    for kind, role in routing.items():
        if kind not in Kind.values:
            errors.append(
                _("%(kind)s: this is not a kind of ticket (%(kinds)s).")
                % {"kind": kind, "kinds": ", ".join(Kind.values)}
            )
        elif role not in ROUTABLE_ROLES:
            errors.append(
                _("%(kind)s: %(role)s is not a role of the agency; choose one of %(roles)s.")
                % {"kind": kind, "role": role, "roles": ", ".join(ROUTABLE_ROLES)}
            )
    return errors


@transaction.atomic
def responsibility_policy_update(
    *, engagement: Engagement, routing: Mapping[str, Any]
) -> dict[str, Role]:
    """Choose which agency role answers for each kind of ticket given (the others keep theirs)
    and return the engagement's routing. An unknown kind or a role that is not the agency's is
    an error of ``routing`` naming the kind, and nothing is written."""
    errors = _routing_errors(routing)
    if errors:
        raise ValidationError({"routing": errors})
    if routing:
        ResponsibilityPolicy.objects.bulk_create(
            [
                ResponsibilityPolicy(engagement=engagement, kind=kind, role=role)
                for kind, role in routing.items()
            ],
            update_conflicts=True,
            unique_fields=["engagement", "kind"],
            update_fields=["role"],
        )
    return responsibility_routing_get(engagement=engagement)


@transaction.atomic
def backlog_settings_update(
    *,
    engagement: Engagement,
    scoring: Mapping[str, Any],
    routing: Mapping[str, Any],
    expected_fingerprint: str | None = None,
    actor: User | None = None,
) -> BacklogSettings:
    """Change the scoring settings and the routing together or not at all, reporting every
    field error of both at once. With ``expected_fingerprint`` (read from
    ``BacklogSettings.fingerprint``), refuse with StaleSettings when any setting changed since:
    the engagement's row stays locked until the end, so two saves take turns."""
    list(Engagement.objects.select_for_update().filter(pk=engagement.pk).values_list("pk"))
    if (
        expected_fingerprint is not None
        and backlog_settings_get(engagement=engagement).fingerprint != expected_fingerprint
    ):
        raise StaleSettings()
    errors: dict[str, Any] = {}
    if scoring:
        try:
            scoring_settings_update(engagement=engagement, data=scoring, actor=actor)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    try:
        responsibility_policy_update(engagement=engagement, routing=routing)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    return backlog_settings_get(engagement=engagement)
