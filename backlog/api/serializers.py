"""Input and output serializers of the backlog: tickets, their analysis and QA, comments,
stakeholder scores, history and sprints.

Inputs only parse and type; backlog.services enforces the rules. Every object an input names
(a sprint, an assignee) is looked up inside the engagement of the URL, so another engagement's
object is refused with the same field error as one that does not exist. Nothing here saves a row.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from backlog.markdown import render_markdown
from backlog.models import (
    Confidence,
    FoundBy,
    InitiativeDecision,
    Kind,
    Origin,
    RiskLevel,
    ScoringModel,
    Severity,
    Sprint,
    Status,
    Ticket,
)
from backlog.scoring import Quadrant
from backlog.services.fields import LABEL_MAX_LENGTH, LABELS_PER_TICKET_MAX
from collab.api.serializers import RefuseUnchangeableFields, StrictInputSerializer
from collab.models import User
from roles.api.serializers import PersonBriefOutputSerializer
from roles.models import Role
from roles.selectors import engagement_members


# Decimals are exact strings everywhere in the API (docs/api.md), in and out.
@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$", "readOnly": True}
)
class DecimalTextField(serializers.Field):
    """An exact decimal written out as a string (never in exponent notation); null stays null."""

    def __init__(self, *, places: int | None = None, **kwargs: Any) -> None:
        self.places = places
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str | None:
        if value is None:
            return None
        value = Decimal(value)
        if self.places is not None:
            value = value.quantize(Decimal(1).scaleb(-self.places))
        return format(value, "f")


def _ticket_url(serializer: serializers.Serializer, ticket: Ticket, name: str) -> str:
    return reverse(
        name,
        kwargs={"slug": serializer.context["engagement"].slug, "key": ticket.key},
        request=serializer.context.get("request"),
    )


# --- Input fields scoped to the engagement ---------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class EngagementSprintField(serializers.PrimaryKeyRelatedField):
    """A sprint of the engagement of the URL, by id."""

    default_error_messages = {
        "does_not_exist": _("No sprint of this engagement has the id {pk_value}."),
    }

    def get_queryset(self):
        return Sprint.objects.filter(engagement=self.context["engagement"])


@extend_schema_field(OpenApiTypes.EMAIL)
class EngagementMemberField(serializers.SlugRelatedField):
    """A person holding a role in force on the engagement of the URL, by email address."""

    default_error_messages = {
        "does_not_exist": _("This person holds no role on this engagement."),
        "invalid": _("Enter the email address of a person."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="email", **kwargs)

    def get_queryset(self):
        return engagement_members(engagement=self.context["engagement"])

    def to_internal_value(self, data: Any) -> User:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data.strip().lower())


# --- Tickets: output --------------------------------------------------------------------------


class SprintBriefOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TicketListOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    url = serializers.SerializerMethodField()
    title = serializers.CharField(help_text=_("Plain text: escape it when you put it in HTML."))
    kind = serializers.ChoiceField(choices=Kind.choices)
    origin = serializers.ChoiceField(choices=Origin.choices)
    status = serializers.ChoiceField(choices=Status.choices)
    reporter = PersonBriefOutputSerializer()
    assignee = PersonBriefOutputSerializer(allow_null=True)
    responsible_role = serializers.ChoiceField(choices=Role.choices, allow_blank=True)
    unrouted = serializers.BooleanField()
    sprint = SprintBriefOutputSerializer(allow_null=True)
    deadline = serializers.DateField(allow_null=True)
    labels = serializers.SerializerMethodField()
    manual_rank = serializers.IntegerField(allow_null=True, help_text=_("The pinned rank."))
    score = DecimalTextField(allow_null=True)
    annual_value = DecimalTextField(places=2, allow_null=True)
    quadrant = serializers.ChoiceField(choices=Quadrant.choices, allow_null=True)
    needs_alignment = serializers.BooleanField()
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, ticket: Ticket) -> str:
        return _ticket_url(self, ticket, "api-ticket-detail")

    def get_labels(self, ticket: Ticket) -> list[str]:
        return sorted(label.name for label in ticket.labels.all())


_KEY_SENTINEL = "KEY-0"
_CENTS = Decimal("0.01")


def _decimal_text(value: Decimal | None, places: Decimal | None = None) -> str | None:
    if value is None:
        return None
    return format(value.quantize(places) if places is not None else value, "f")


def _person(email: str | None, display_name: str | None) -> dict[str, Any] | None:
    if email is None:
        return None
    return {"email": email, "display_name": display_name}


def _moment_text() -> Callable[[datetime.datetime], str]:
    # DRF's DateTimeField output (ISO 8601 in the current time zone, "Z" for UTC) without its
    # per-call settings lookups: 200 of them on a page of the list.
    zone = timezone.get_current_timezone()

    def text(value: datetime.datetime) -> str:
        written = value.astimezone(zone).isoformat()
        return written[:-6] + "Z" if written.endswith("+00:00") else written

    return text


def ticket_list_data(
    rows: list[dict[str, Any]],
    *,
    engagement: Any,
    request: Any,
) -> list[dict[str, Any]]:
    """``TicketListOutputSerializer(tickets, many=True).data`` built from the plain values of
    ``backlog.selectors.ticket_list_values`` (with each ticket's ``label_names``), without
    model instances nor DRF's per-field machinery (the list's hot path: they cost more than
    the query once the ranking was stored). The serializer stays the documented schema; a
    test holds both outputs equal."""
    sample = reverse(
        "api-ticket-detail",
        kwargs={"slug": engagement.slug, "key": _KEY_SENTINEL},
        request=request,
    )
    head, tail = sample.rsplit(_KEY_SENTINEL, 1)
    moment = _moment_text()
    prefix = engagement.key_prefix
    data = []
    for row in rows:
        key = f"{prefix}-{row['number']}"
        sprint_id, deadline = row["sprint_id"], row["deadline"]
        data.append(
            {
                "key": key,
                "url": f"{head}{key}{tail}",
                "title": row["title"],
                "kind": row["kind"],
                "origin": row["origin"],
                "status": row["status"],
                "reporter": _person(row["reporter__email"], row["reporter__display_name"]),
                "assignee": _person(row["assignee__email"], row["assignee__display_name"]),
                "responsible_role": row["responsible_role"],
                "unrouted": row["unrouted"],
                "sprint": None
                if sprint_id is None
                else {"id": sprint_id, "name": row["sprint__name"]},
                "deadline": None if deadline is None else deadline.isoformat(),
                "labels": row["label_names"],
                "manual_rank": row["manual_rank"],
                "score": _decimal_text(row["score"]),
                "annual_value": _decimal_text(row["annual_value"], _CENTS),
                "quadrant": row["quadrant"],
                "needs_alignment": row["needs_alignment"],
                "version": row["version"],
                "created_at": moment(row["created_at"]),
                "updated_at": moment(row["updated_at"]),
            }
        )
    return data


class ScoreTermOutputSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = DecimalTextField(allow_null=True)


class ScoreBreakdownOutputSerializer(serializers.Serializer):
    model = serializers.ChoiceField(choices=ScoringModel.choices)
    score = DecimalTextField(allow_null=True)
    annual_value = DecimalTextField(places=2, allow_null=True)
    cost = DecimalTextField(places=2, allow_null=True)
    roi = DecimalTextField(
        allow_null=True, help_text=_("(annual value - cost) / cost: 1.5 means 150 %.")
    )
    payback_months = DecimalTextField(allow_null=True)
    currency = serializers.CharField()
    effort_days = DecimalTextField(allow_null=True)
    confidence_factor = DecimalTextField()
    strategic_alignment = DecimalTextField()
    strategic_multiplier = DecimalTextField(allow_null=True)
    value_points = DecimalTextField(allow_null=True)
    cost_of_delay = DecimalTextField(allow_null=True)
    reach = serializers.IntegerField(allow_null=True)
    impact = DecimalTextField(allow_null=True)
    quadrant = serializers.ChoiceField(choices=Quadrant.choices, allow_null=True)
    terms = ScoreTermOutputSerializer(many=True)


class AlignmentBriefOutputSerializer(serializers.Serializer):
    objective = serializers.IntegerField(source="objective_id")
    objective_title = serializers.CharField(source="objective.title")
    level = serializers.CharField()
    updated_at = serializers.DateTimeField()


class CriterionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    order = serializers.IntegerField()
    text = serializers.CharField()
    given = serializers.CharField()
    when = serializers.CharField()
    then = serializers.CharField()
    author = PersonBriefOutputSerializer()
    created_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, criterion) -> str:
        return reverse(
            "api-criterion-detail",
            kwargs={
                "slug": self.context["engagement"].slug,
                "key": self.context["ticket"].key,
                "pk": criterion.pk,
            },
            request=self.context.get("request"),
        )


class SuccessMetricOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    target = serializers.CharField()
    author = PersonBriefOutputSerializer()


class ImpactAnalysisOutputSerializer(serializers.Serializer):
    affected_areas = serializers.CharField()
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices)
    author = PersonBriefOutputSerializer()
    updated_at = serializers.DateTimeField()


class TicketLinksOutputSerializer(serializers.Serializer):
    transition = serializers.URLField()
    pin = serializers.URLField()
    criteria = serializers.URLField()
    qa_verdicts = serializers.URLField()
    comments = serializers.URLField()
    attachments = serializers.URLField()
    stakeholder_scores = serializers.URLField()
    history = serializers.URLField()
    acceptance = serializers.URLField()
    initiative_answer = serializers.URLField()
    qa_exception = serializers.URLField()


LINK_ROUTES = {
    "transition": "api-ticket-transition",
    "pin": "api-ticket-pin",
    "criteria": "api-criterion-list",
    "qa_verdicts": "api-qa-verdict-list",
    "comments": "api-comment-list",
    "attachments": "api-attachment-list",
    "stakeholder_scores": "api-stakeholder-score-list",
    "history": "api-ticket-history",
    "acceptance": "api-ticket-acceptance",
    "initiative_answer": "api-initiative-answer",
    "qa_exception": "api-qa-exception",
}


class TicketDetailOutputSerializer(TicketListOutputSerializer):
    """A ticket with its description rendered, its score explained and its analysis."""

    description = serializers.CharField(help_text=_("Markdown, as written."))
    description_html = serializers.SerializerMethodField(
        help_text=_("The description rendered and sanitized: safe to insert in a page.")
    )
    external_ref = serializers.CharField()
    steps_to_reproduce = serializers.CharField()
    expected_behaviour = serializers.CharField()
    actual_behaviour = serializers.CharField()
    environment = serializers.CharField()
    severity = serializers.ChoiceField(choices=Severity.choices, allow_blank=True)
    found_by = serializers.ChoiceField(choices=FoundBy.choices, allow_blank=True)
    annual_revenue_gain = DecimalTextField(places=2, allow_null=True)
    annual_cost_savings = DecimalTextField(places=2, allow_null=True)
    hours_saved_per_month = DecimalTextField(places=2, allow_null=True)
    effort_days = DecimalTextField(places=2, allow_null=True)
    confidence = serializers.ChoiceField(choices=Confidence.choices)
    time_criticality = serializers.IntegerField(allow_null=True)
    risk_reduction = serializers.IntegerField(allow_null=True)
    reach = serializers.IntegerField(allow_null=True)
    strategic_alignment = DecimalTextField(places=2)
    breakdown = serializers.SerializerMethodField()
    alignments = serializers.SerializerMethodField()
    criteria = serializers.SerializerMethodField()
    success_metrics = SuccessMetricOutputSerializer(many=True, source="success_metrics.all")
    impact_analysis = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    def get_description_html(self, ticket: Ticket) -> str:
        return str(render_markdown(ticket.description))

    @extend_schema_field(ScoreBreakdownOutputSerializer)
    def get_breakdown(self, ticket: Ticket) -> dict:
        return ScoreBreakdownOutputSerializer(self.context["breakdown"]).data

    @extend_schema_field(AlignmentBriefOutputSerializer(many=True))
    def get_alignments(self, ticket: Ticket) -> list[dict]:
        return AlignmentBriefOutputSerializer(ticket.alignments.all(), many=True).data

    @extend_schema_field(CriterionOutputSerializer(many=True))
    def get_criteria(self, ticket: Ticket) -> list[dict]:
        context = {**self.context, "ticket": ticket}
        return CriterionOutputSerializer(ticket.criteria.all(), many=True, context=context).data

    @extend_schema_field(ImpactAnalysisOutputSerializer(allow_null=True))
    def get_impact_analysis(self, ticket: Ticket) -> dict | None:
        analysis = getattr(ticket, "impact_analysis", None)
        return ImpactAnalysisOutputSerializer(analysis).data if analysis else None

    @extend_schema_field(TicketLinksOutputSerializer)
    def get_links(self, ticket: Ticket) -> dict[str, str]:
        return {name: _ticket_url(self, ticket, route) for name, route in LINK_ROUTES.items()}

    def to_representation(self, ticket: Ticket) -> dict:
        data = super().to_representation(ticket)
        # The list reads the score and quadrant from the ranking query; one ticket reads them
        # from its breakdown (the same formulas).
        data["score"] = data["breakdown"]["score"]
        data["annual_value"] = data["breakdown"]["annual_value"]
        data["quadrant"] = data["breakdown"]["quadrant"]
        return data


# --- Tickets: input ---------------------------------------------------------------------------


class TicketUpdateInputSerializer(RefuseUnchangeableFields):
    """Description fields need the right to file tickets; value figures the right to edit
    value. The status moves through ``transition/`` and the pinned rank through ``pin/``."""

    unchangeable_fields = (
        "key",
        "number",
        "status",
        "manual_rank",
        "reporter",
        "version",
        "engagement",
        "strategic_alignment",
        "needs_alignment",
        "unrouted",
        "responsible_role",
    )

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(allow_blank=True, required=False)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    origin = serializers.ChoiceField(choices=Origin.choices, required=False)
    deadline = serializers.DateField(required=False, allow_null=True)
    assignee = EngagementMemberField(
        required=False, allow_null=True, help_text=_("Email address of a member.")
    )
    sprint = EngagementSprintField(required=False, allow_null=True)
    labels = serializers.ListField(
        child=serializers.CharField(max_length=LABEL_MAX_LENGTH),
        required=False,
        max_length=LABELS_PER_TICKET_MAX,
        help_text=_("Label names."),
    )
    external_ref = serializers.CharField(max_length=100, allow_blank=True, required=False)
    steps_to_reproduce = serializers.CharField(allow_blank=True, required=False)
    expected_behaviour = serializers.CharField(allow_blank=True, required=False)
    actual_behaviour = serializers.CharField(allow_blank=True, required=False)
    environment = serializers.CharField(max_length=200, allow_blank=True, required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, allow_blank=True, required=False)
    found_by = serializers.ChoiceField(choices=FoundBy.choices, allow_blank=True, required=False)
    annual_revenue_gain = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    annual_cost_savings = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    hours_saved_per_month = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True
    )
    effort_days = serializers.DecimalField(
        max_digits=8, decimal_places=2, required=False, allow_null=True, help_text=_("Person-days.")
    )
    confidence = serializers.ChoiceField(choices=Confidence.choices, required=False)
    time_criticality = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("1 to 10.")
    )
    risk_reduction = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("1 to 10.")
    )
    reach = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("People or orders per month (RICE).")
    )


class TicketCreateInputSerializer(TicketUpdateInputSerializer):
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Kind.choices)


class TicketTransitionInputSerializer(StrictInputSerializer):
    to = serializers.ChoiceField(choices=Status.choices)
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class TicketPinInputSerializer(StrictInputSerializer):
    rank = serializers.IntegerField(
        min_value=1, allow_null=True, help_text=_("1 is the top; null unpins.")
    )


class TicketAcceptanceInputSerializer(StrictInputSerializer):
    accepted = serializers.BooleanField()
    reason = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        help_text=_("Required when not accepted: the ticket goes back to in progress."),
    )


class TicketAcceptanceOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    decision = serializers.CharField()
    reason = serializers.CharField()
    person = PersonBriefOutputSerializer()
    decided_at = serializers.DateTimeField()
    ticket_status = serializers.ChoiceField(choices=Status.choices, source="ticket.status")


class InitiativeAnswerInputSerializer(StrictInputSerializer):
    decision = serializers.ChoiceField(choices=InitiativeDecision.choices)
    reason = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        help_text=_("Required when the initiative is declined."),
    )


class InitiativeAnswerOutputSerializer(serializers.Serializer):
    """The client's answer to an agency initiative, as the ticket now holds it."""

    key = serializers.CharField()
    origin = serializers.ChoiceField(choices=Origin.choices)
    decision = serializers.ChoiceField(
        choices=InitiativeDecision.choices, source="initiative_decision"
    )
    decided_by = PersonBriefOutputSerializer(source="initiative_decided_by")
    decided_at = serializers.DateTimeField(source="initiative_decided_at")


class QAExceptionInputSerializer(StrictInputSerializer):
    person = EngagementMemberField(
        help_text=_(
            "Email address of the member holding the tester role who may give this ticket's "
            "QA verdict although they are its assignee or wrote its criteria."
        )
    )
    reason = serializers.CharField(help_text=_("Why this ticket may be verified by its author."))


class QAExceptionOutputSerializer(serializers.Serializer):
    """The director's exception to the separation of duties for one ticket."""

    ticket = serializers.CharField(source="ticket.key")
    person = PersonBriefOutputSerializer()
    granted_by = PersonBriefOutputSerializer()
    reason = serializers.CharField()
    granted_at = serializers.DateTimeField()


# --- Analysis, QA, comments, scores, history ---------------------------------------------------


class CriterionCreateInputSerializer(StrictInputSerializer):
    text = serializers.CharField()
    given = serializers.CharField(allow_blank=True, required=False, default="")
    when = serializers.CharField(allow_blank=True, required=False, default="")
    then = serializers.CharField(allow_blank=True, required=False, default="")


class CriterionUpdateInputSerializer(RefuseUnchangeableFields):
    unchangeable_fields = ("author", "ticket")

    order = serializers.IntegerField(min_value=0, required=False)
    text = serializers.CharField(required=False)
    given = serializers.CharField(allow_blank=True, required=False)
    when = serializers.CharField(allow_blank=True, required=False)
    then = serializers.CharField(allow_blank=True, required=False)


class QAResultSerializer(StrictInputSerializer):
    criterion = serializers.IntegerField(help_text=_("Id of one of this ticket's criteria."))
    passed = serializers.BooleanField()


class QAVerdictInputSerializer(StrictInputSerializer):
    passed = serializers.BooleanField()
    notes = serializers.CharField(allow_blank=True, required=False, default="")
    results = QAResultSerializer(many=True, required=False, default=list)

    def validate_results(self, results: list[dict]) -> list[dict]:
        ids = [result["criterion"] for result in results]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError(_("Give each criterion one result."))
        return results


class QAVerdictOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tester = PersonBriefOutputSerializer()
    passed = serializers.BooleanField()
    notes = serializers.CharField()
    recorded_at = serializers.DateTimeField()
    results = serializers.SerializerMethodField()

    @extend_schema_field(QAResultSerializer(many=True))
    def get_results(self, verdict) -> list[dict]:
        return [
            {"criterion": result.criterion_id, "passed": result.passed}
            for result in sorted(verdict.results.all(), key=lambda result: result.criterion_id)
        ]


class CommentInputSerializer(StrictInputSerializer):
    body = serializers.CharField(help_text=_("Markdown."))


class CommentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = PersonBriefOutputSerializer()
    body = serializers.CharField(help_text=_("Markdown, as written."))
    body_html = serializers.SerializerMethodField(
        help_text=_("The comment rendered and sanitized: safe to insert in a page.")
    )
    created_at = serializers.DateTimeField()

    def get_body_html(self, comment) -> str:
        return str(render_markdown(comment.body))


class StakeholderScoreInputSerializer(StrictInputSerializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(allow_blank=True, required=False, default="")


class StakeholderScoreOutputSerializer(serializers.Serializer):
    person = PersonBriefOutputSerializer()
    score = serializers.IntegerField()
    comment = serializers.CharField()
    updated_at = serializers.DateTimeField()


class HistoryEntryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    field = serializers.CharField()
    before = serializers.CharField()
    after = serializers.CharField()
    note = serializers.CharField()
    actor = PersonBriefOutputSerializer(allow_null=True)
    at = serializers.DateTimeField()


# --- Sprints ----------------------------------------------------------------------------------


class SprintOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    name = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    goal = serializers.CharField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, sprint: Sprint) -> str:
        return reverse(
            "api-sprint-detail",
            kwargs={"slug": self.context["engagement"].slug, "pk": sprint.pk},
            request=self.context.get("request"),
        )


class SprintUpdateInputSerializer(RefuseUnchangeableFields):
    unchangeable_fields = ("engagement",)

    name = serializers.CharField(max_length=100, required=False)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    goal = serializers.CharField(allow_blank=True, required=False)


class SprintCreateInputSerializer(SprintUpdateInputSerializer):
    name = serializers.CharField(max_length=100)
    start = serializers.DateField()
    end = serializers.DateField()
    goal = serializers.CharField(allow_blank=True, required=False, default="")
