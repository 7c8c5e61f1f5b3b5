"""The form of the backlog settings page: scoring model, weights, workflow rules and the routing
of new tickets. It only parses: backlog.services.settings holds the rules, and its field errors
are shown beside their field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from backlog.models import Kind, ScoringModel, ScoringSettings
from backlog.selectors import DEFAULT_RESPONSIBILITY, SCORING_SETTING_FIELDS, BacklogSettings
from backlog.services import ROUTABLE_ROLES
from roles.models import Role

# One sentence per model, with the formula of backlog.scoring.
MODEL_EXPLANATIONS = {
    ScoringModel.VALUE_PER_EFFORT: _(
        "Annual value x confidence x (1 + strategic weight x strategic alignment) / effort in "
        "person-days: the most value for each day of work, more for what serves the client's "
        "objectives."
    ),
    ScoringModel.WSJF: _(
        "Cost of delay / job size, where the cost of delay is the business-value points "
        "(annual value / the value per point, at most 10) + time criticality + risk reduction "
        "and the job size is the effort: urgent and risky work rises."
    ),
    ScoringModel.RICE: _(
        "Reach x impact x confidence / effort, where the impact is 3, 2, 1, 0.5 or 0.25 by bands "
        "of annual value (10, 5, 1 and 0.1 impact units): work that reaches many people rises."
    ),
}
WEIGHT_FIELDS = ("strategic_weight", "wsjf_value_per_point", "rice_impact_unit")
WORKFLOW_FIELDS = (
    "impact_analysis_threshold_days",
    "requires_client_acceptance",
    "qa_required",
    "separation_of_duties",
)
ROUTING_PREFIX = "routing_"


class BacklogSettingsForm(forms.Form):
    """Every setting at once, with the fingerprint of the settings it was read from (so that a
    save never overwrites a change made meanwhile); ``read_only`` disables every field."""

    fingerprint = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, read_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(
            fields_for_model(
                ScoringSettings,
                fields=SCORING_SETTING_FIELDS,
                widgets={"model": forms.RadioSelect},
            )
        )
        role_choices = [(role.value, role.label) for role in ROUTABLE_ROLES]
        for kind in Kind:
            self.fields[ROUTING_PREFIX + kind.value] = forms.ChoiceField(
                label=kind.label, choices=role_choices
            )
        if read_only:
            for field in self.fields.values():
                field.disabled = True

    @staticmethod
    def initial_from(settings: BacklogSettings) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(settings.scoring, name) for name in SCORING_SETTING_FIELDS
        }
        initial["fingerprint"] = settings.fingerprint
        for kind, role in settings.routing.items():
            initial[ROUTING_PREFIX + kind] = role
        return initial

    def model_choices(self) -> list[tuple[Any, str]]:
        """Each radio button of the scoring model with the sentence that explains it."""
        return [
            (radio, MODEL_EXPLANATIONS[ScoringModel(radio.data["value"])])
            for radio in self["model"]
        ]

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in WEIGHT_FIELDS]

    def workflow_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in WORKFLOW_FIELDS]

    def routing_rows(self) -> list[tuple[forms.BoundField, str]]:
        """Each kind's role field beside the role Tandem would choose by default."""
        return [
            (self[ROUTING_PREFIX + kind.value], Role(DEFAULT_RESPONSIBILITY[kind]).label)
            for kind in Kind
        ]

    def scoring_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in SCORING_SETTING_FIELDS}

    def routing_data(self) -> dict[str, str]:
        return {kind: self.cleaned_data[ROUTING_PREFIX + kind] for kind in Kind.values}
