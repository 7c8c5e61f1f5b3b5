"""Serializers of the engagement's backlog settings: scoring model, weights, workflow rules and
the routing of new tickets. Inputs only parse and type; backlog.services.settings holds the
rules. A field that is not a setting is refused rather than silently ignored."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from backlog.api.serializers import DecimalTextField
from backlog.models import Kind, RankingJob, ScoringModel
from backlog.services import ROUTABLE_ROLES
from roles.models import Role

# The roles that receive new tickets (the schema names this choice set AgencyRoleEnum).
AGENCY_ROLE_CHOICES = [(role.value, role.label) for role in ROUTABLE_ROLES]
_UNKNOWN = _("This is not a backlog setting.")


def _refuse_unknown(serializer: serializers.Serializer, data: Any, message: Any) -> None:
    if isinstance(data, dict):
        unknown = sorted(set(data) - set(serializer.fields))
        if unknown:
            raise serializers.ValidationError({name: [message] for name in unknown})


class RoutingOutputSerializer(serializers.Serializer):
    """For each kind of ticket, the role a new ticket of that kind goes to."""

    feature = serializers.ChoiceField(choices=Role.choices)
    improvement = serializers.ChoiceField(choices=Role.choices)
    bug = serializers.ChoiceField(choices=Role.choices)
    platform_upgrade = serializers.ChoiceField(choices=Role.choices)
    security = serializers.ChoiceField(choices=Role.choices)
    question = serializers.ChoiceField(choices=Role.choices)


class RoutingInputSerializer(serializers.Serializer):
    """The kinds whose role changes (the others keep theirs); only agency roles receive
    tickets."""

    feature = serializers.ChoiceField(choices=AGENCY_ROLE_CHOICES, required=False)
    improvement = serializers.ChoiceField(choices=AGENCY_ROLE_CHOICES, required=False)
    bug = serializers.ChoiceField(choices=AGENCY_ROLE_CHOICES, required=False)
    platform_upgrade = serializers.ChoiceField(choices=AGENCY_ROLE_CHOICES, required=False)
    security = serializers.ChoiceField(choices=AGENCY_ROLE_CHOICES, required=False)
    question = serializers.ChoiceField(choices=AGENCY_ROLE_CHOICES, required=False)

    def to_internal_value(self, data: Any) -> Any:
        _refuse_unknown(
            self,
            data,
            _("This is not a kind of ticket (%(kinds)s).") % {"kinds": ", ".join(Kind.values)},
        )
        return super().to_internal_value(data)


class BacklogSettingsOutputSerializer(serializers.Serializer):
    """How the engagement ranks its backlog, its workflow rules and the routing of new tickets."""

    scoring_model = serializers.ChoiceField(choices=ScoringModel.choices, source="scoring.model")
    strategic_weight = DecimalTextField(places=3, source="scoring.strategic_weight")
    wsjf_value_per_point = DecimalTextField(places=2, source="scoring.wsjf_value_per_point")
    rice_impact_unit = DecimalTextField(places=2, source="scoring.rice_impact_unit")
    impact_analysis_threshold_days = DecimalTextField(
        places=2, source="scoring.impact_analysis_threshold_days"
    )
    requires_client_acceptance = serializers.BooleanField(
        source="scoring.requires_client_acceptance"
    )
    qa_required = serializers.BooleanField(source="scoring.qa_required")
    separation_of_duties = serializers.BooleanField(source="scoring.separation_of_duties")
    routing = RoutingOutputSerializer()


class BacklogSettingsUpdateInputSerializer(serializers.Serializer):
    """Any of the settings; those not sent keep their value."""

    scoring_model = serializers.ChoiceField(choices=ScoringModel.choices, required=False)
    strategic_weight = serializers.DecimalField(
        max_digits=6,
        decimal_places=3,
        min_value=Decimal("0"),
        required=False,
        help_text=_("Value per effort: value x (1 + strategic weight x strategic alignment)."),
    )
    wsjf_value_per_point = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text=_("Business value points = annual value / this amount, at most 10."),
    )
    rice_impact_unit = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text=_(
            "Impact 3 from 10 units of annual value, 2 from 5, 1 from 1, 0.5 from 0.1, else 0.25."
        ),
    )
    impact_analysis_threshold_days = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=Decimal("0"), required=False
    )
    requires_client_acceptance = serializers.BooleanField(required=False)
    qa_required = serializers.BooleanField(required=False)
    separation_of_duties = serializers.BooleanField(required=False)
    routing = RoutingInputSerializer(required=False)

    def to_internal_value(self, data: Any) -> Any:
        _refuse_unknown(self, data, _UNKNOWN)
        return super().to_internal_value(data)

    def service_arguments(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The scoring half (as ``scoring_settings_update`` names it) and the routing half."""
        scoring = dict(self.validated_data)
        routing = scoring.pop("routing", {})
        if "scoring_model" in scoring:
            scoring["model"] = scoring.pop("scoring_model")
        return scoring, dict(routing)


RANKING_JOB_STATE_CHOICES = [
    ("idle", _("never needed")),
    *[(state.value, state.label) for state in RankingJob.State],
]


class RankingJobOutputSerializer(serializers.Serializer):
    """The recomputation of the engagement's stored ranking that a change of its scoring
    settings, hourly cost or an objective's weight started outside the request (above the
    threshold the server is configured with). ``idle``: none was ever needed; ``queued`` and
    ``running``: the ranked list still answers, with the scores before the change."""

    state = serializers.ChoiceField(choices=RANKING_JOB_STATE_CHOICES)
    total = serializers.IntegerField(min_value=0, help_text="Tickets to recompute.")
    done = serializers.IntegerField(min_value=0, help_text="Tickets recomputed so far.")
    requested_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(
        allow_blank=True, help_text="The last error met (the job is retried), or empty."
    )

    @staticmethod
    def of(job: RankingJob | None) -> dict[str, Any]:
        """The job's data (an engagement without one: ``idle``, nothing to do)."""
        if job is None:
            return {
                "state": "idle",
                "total": 0,
                "done": 0,
                "requested_at": None,
                "started_at": None,
                "finished_at": None,
                "error": "",
            }
        return RankingJobOutputSerializer(job).data
