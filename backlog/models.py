"""Tickets and what hangs off them: value figures, analysis, QA, comments, history, sprints.

Every table here carries a direct ``engagement`` foreign key (the tenant), even when it could be
reached through its ticket, so that every query can be scoped by engagement first.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collab.models import Engagement
from roles.models import Role

ZERO = Decimal("0")


class Kind(models.TextChoices):
    FEATURE = "feature", _("Feature")
    IMPROVEMENT = "improvement", _("Improvement")
    BUG = "bug", _("Bug")
    PLATFORM_UPGRADE = "platform_upgrade", _("Platform upgrade")
    SECURITY = "security", _("Security")
    QUESTION = "question", _("Question")


class Origin(models.TextChoices):
    CLIENT_REQUEST = "client_request", _("Client request")
    AGENCY_INITIATIVE = "agency_initiative", _("Agency initiative")


class Status(models.TextChoices):
    NEW = "new", _("New")
    TRIAGE = "triage", _("Triage")
    ANALYSIS = "analysis", _("Analysis")
    READY = "ready", _("Ready")
    IN_PROGRESS = "in_progress", _("In progress")
    IN_REVIEW = "in_review", _("In review")
    QA = "qa", _("QA")
    DONE = "done", _("Done")
    ON_HOLD = "on_hold", _("On hold")
    REJECTED = "rejected", _("Rejected")


CLOSED_STATUSES = frozenset({Status.DONE, Status.REJECTED})


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class FoundBy(models.TextChoices):
    CLIENT = "client", _("Client")
    AGENCY_QA = "agency_qa", _("Agency QA")
    MONITORING = "monitoring", _("Monitoring")


class Confidence(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Label(models.Model):
    """A tag of an engagement's tickets (for example "checkout", "SEO")."""

    engagement = models.ForeignKey(
        Engagement, verbose_name=_("engagement"), on_delete=models.CASCADE, related_name="labels"
    )
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "name"], name="label_unique_per_engagement"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Sprint(models.Model):
    """A time box of an engagement; tickets are planned into it through ``Ticket.sprint``."""

    engagement = models.ForeignKey(
        Engagement, verbose_name=_("engagement"), on_delete=models.CASCADE, related_name="sprints"
    )
    name = models.CharField(_("name"), max_length=100)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    goal = models.TextField(_("goal"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sprint")
        verbose_name_plural = _("sprints")
        ordering = ["-start", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=F("start")), name="sprint_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["engagement", "name"], name="sprint_name_unique_per_engagement"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TicketCounter(models.Model):
    """The last ticket number handed out in an engagement; bumped under a row lock."""

    engagement = models.OneToOneField(
        Engagement, on_delete=models.CASCADE, primary_key=True, related_name="ticket_counter"
    )
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("ticket counter")
        verbose_name_plural = _("ticket counters")

    def __str__(self) -> str:
        return f"{self.engagement}: {self.last_number}"


class Ticket(models.Model):
    """A request in an engagement's backlog, keyed ``PREFIX-number``.

    Strategic alignment: the alignment levels with the engagement's strategic objectives live in
    ``roadmap`` (which sits above ``backlog`` in the import order), so the ticket keeps their
    weighted sum in ``strategic_alignment`` — Σ over objectives of level factor (none 0,
    supports 1, key 2) x objective weight — kept current, in the same transaction, by the roadmap
    service that changes an alignment or an objective's weight. The score then reads only ticket
    and engagement columns and is computed in one SQL query (see ``backlog.scoring``).
    """

    engagement = models.ForeignKey(
        Engagement, verbose_name=_("engagement"), on_delete=models.CASCADE, related_name="tickets"
    )
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    origin = models.CharField(
        _("origin"), max_length=20, choices=Origin.choices, default=Origin.CLIENT_REQUEST
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        on_delete=models.PROTECT,
        related_name="reported_tickets",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    responsible_role = models.CharField(
        _("responsible role"), max_length=20, choices=Role.choices, blank=True
    )
    unrouted = models.BooleanField(
        _("unrouted"),
        default=False,
        help_text=_("Nobody held the responsible role when the ticket was filed."),
    )
    sprint = models.ForeignKey(
        Sprint,
        verbose_name=_("sprint"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    labels = models.ManyToManyField(Label, verbose_name=_("labels"), blank=True)
    external_ref = models.CharField(
        _("external reference"),
        max_length=100,
        blank=True,
        help_text=_("The key of the ticket in the tool it was imported from."),
    )
    manual_rank = models.PositiveIntegerField(
        _("pinned rank"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    needs_alignment = models.BooleanField(
        _("needs alignment"),
        default=False,
        help_text=_("Client stakeholders' scores differ by 2 or more."),
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    # Bug reports.
    steps_to_reproduce = models.TextField(_("steps to reproduce"), blank=True)
    expected_behaviour = models.TextField(_("expected behaviour"), blank=True)
    actual_behaviour = models.TextField(_("actual behaviour"), blank=True)
    environment = models.CharField(_("environment"), max_length=200, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    found_by = models.CharField(_("found by"), max_length=12, choices=FoundBy.choices, blank=True)

    # Business value.
    annual_revenue_gain = models.DecimalField(
        _("annual revenue gain"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    annual_cost_savings = models.DecimalField(
        _("annual cost savings"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    hours_saved_per_month = models.DecimalField(
        _("hours saved per month"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    effort_days = models.DecimalField(
        _("effort (person-days)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    confidence = models.CharField(
        _("confidence"), max_length=6, choices=Confidence.choices, default=Confidence.MEDIUM
    )
    time_criticality = models.PositiveSmallIntegerField(
        _("time criticality (1-10)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    risk_reduction = models.PositiveSmallIntegerField(
        _("risk reduction (1-10)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    reach = models.PositiveIntegerField(
        _("reach (people or orders per month)"),
        null=True,
        blank=True,
        help_text=_("Used by the RICE model."),
    )
    strategic_alignment = models.DecimalField(
        _("strategic alignment"),
        max_digits=10,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
        help_text=_("Σ level factor x objective weight over the engagement's objectives."),
    )

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["engagement", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "number"], name="ticket_number_unique_per_engagement"
            ),
            models.UniqueConstraint(
                fields=["engagement", "external_ref"],
                condition=~Q(external_ref=""),
                name="ticket_external_ref_unique_per_engagement",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="ticket_number_positive"),
            models.CheckConstraint(
                condition=Q(annual_revenue_gain__gte=0) | Q(annual_revenue_gain__isnull=True),
                name="ticket_revenue_gain_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(annual_cost_savings__gte=0) | Q(annual_cost_savings__isnull=True),
                name="ticket_cost_savings_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(hours_saved_per_month__gte=0) | Q(hours_saved_per_month__isnull=True),
                name="ticket_hours_saved_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(effort_days__gt=0) | Q(effort_days__isnull=True),
                name="ticket_effort_positive",
            ),
            models.CheckConstraint(
                condition=Q(time_criticality__gte=1, time_criticality__lte=10)
                | Q(time_criticality__isnull=True),
                name="ticket_time_criticality_range",
            ),
            models.CheckConstraint(
                condition=Q(risk_reduction__gte=1, risk_reduction__lte=10)
                | Q(risk_reduction__isnull=True),
                name="ticket_risk_reduction_range",
            ),
            models.CheckConstraint(
                condition=Q(manual_rank__gte=1) | Q(manual_rank__isnull=True),
                name="ticket_manual_rank_positive",
            ),
            models.CheckConstraint(
                condition=Q(strategic_alignment__gte=0), name="ticket_alignment_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["engagement", "status"], name="ticket_engagement_status"),
            models.Index(fields=["engagement", "manual_rank"], name="ticket_engagement_rank"),
            models.Index(fields=["engagement", "kind"], name="ticket_engagement_kind"),
            models.Index(fields=["engagement", "sprint"], name="ticket_engagement_sprint"),
            models.Index(fields=["engagement", "updated_at"], name="ticket_engagement_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    @property
    def key(self) -> str:
        return f"{self.engagement.key_prefix}-{self.number}"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class ScoringModel(models.TextChoices):
    VALUE_PER_EFFORT = "value_per_effort", _("Value per effort with strategic weight")
    WSJF = "wsjf", _("WSJF (cost of delay / job size)")
    RICE = "rice", _("RICE (reach x impact x confidence / effort)")


class ScoringSettings(models.Model):
    """How an engagement ranks its backlog; created on first change, defaults otherwise.

    The formulas that use these parameters are written out in ``backlog.scoring``.
    """

    engagement = models.OneToOneField(
        Engagement, on_delete=models.CASCADE, primary_key=True, related_name="scoring_settings"
    )
    model = models.CharField(
        _("scoring model"),
        max_length=20,
        choices=ScoringModel.choices,
        default=ScoringModel.VALUE_PER_EFFORT,
    )
    strategic_weight = models.DecimalField(
        _("strategic weight"),
        max_digits=6,
        decimal_places=3,
        default=Decimal("0.250"),
        validators=[MinValueValidator(ZERO)],
        help_text=_("Value per effort: value x (1 + strategic weight x strategic alignment)."),
    )
    wsjf_value_per_point = models.DecimalField(
        _("WSJF: annual value per business-value point"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("10000"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Business value points = annual value / this amount, at most 10."),
    )
    rice_impact_unit = models.DecimalField(
        _("RICE: impact unit (annual value)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("10000"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_(
            "Impact 3 from 10 units of annual value, 2 from 5, 1 from 1, 0.5 from 0.1, else 0.25."
        ),
    )
    impact_analysis_threshold_days = models.DecimalField(
        _("impact analysis above (person-days)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("5"),
        validators=[MinValueValidator(ZERO)],
    )
    requires_client_acceptance = models.BooleanField(
        _("client acceptance before done"), default=False
    )
    qa_required = models.BooleanField(
        _("QA verdict required before done"),
        default=True,
        help_text=_("Applies when the engagement has someone holding the tester role."),
    )

    class Meta:
        verbose_name = _("scoring settings")
        verbose_name_plural = _("scoring settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(strategic_weight__gte=0), name="scoring_strategic_weight_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(wsjf_value_per_point__gt=0), name="scoring_wsjf_unit_positive"
            ),
            models.CheckConstraint(
                condition=Q(rice_impact_unit__gt=0), name="scoring_rice_unit_positive"
            ),
            models.CheckConstraint(
                condition=Q(impact_analysis_threshold_days__gte=0),
                name="scoring_threshold_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.engagement}: {self.get_model_display()}"


class ResponsibilityPolicy(models.Model):
    """Which role answers for a kind of ticket in an engagement (defaults in
    ``backlog.services.DEFAULT_RESPONSIBILITY``)."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="responsibility_policies"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("responsibility policy")
        verbose_name_plural = _("responsibility policies")
        ordering = ["engagement", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "kind"], name="responsibility_unique_kind_per_engagement"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.get_role_display()}"


class StakeholderScore(models.Model):
    """A client person's own value score of a ticket, 1 to 5."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="stakeholder_scores")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stakeholder_scores"
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("stakeholder score")
        verbose_name_plural = _("stakeholder scores")
        ordering = ["ticket", "person"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "person"], name="stakeholder_score_one_per_person"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="stakeholder_score_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.score}"


class AcceptanceCriterion(models.Model):
    """One acceptance criterion of a ticket, in order; Given/When/Then are optional."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveIntegerField(_("order"))
    text = models.TextField(_("criterion"))
    given = models.TextField(_("given"), blank=True)
    when = models.TextField(_("when"), blank=True)
    then = models.TextField(_("then"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("acceptance criterion")
        verbose_name_plural = _("acceptance criteria")
        ordering = ["ticket", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class SuccessMetric(models.Model):
    """What to watch after release to know the ticket delivered its value."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="success_metrics")
    name = models.CharField(_("metric"), max_length=200)
    target = models.CharField(_("target"), max_length=200)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("success metric")
        verbose_name_plural = _("success metrics")
        ordering = ["ticket", "pk"]

    def __str__(self) -> str:
        return f"{self.name}: {self.target}"


class ImpactAnalysis(models.Model):
    """What else a ticket can break, written before a large change is ready."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="impact_analysis")
    affected_areas = models.TextField(_("affected areas"))
    risk_level = models.CharField(_("risk level"), max_length=6, choices=RiskLevel.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("impact analysis")
        verbose_name_plural = _("impact analyses")

    def __str__(self) -> str:
        return f"{self.get_risk_level_display()}: {self.affected_areas[:50]}"


class QAVerdict(models.Model):
    """A tester's verdict on a ticket, overall and per acceptance criterion."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="qa_verdicts")
    tester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tester"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    passed = models.BooleanField(_("passed"))
    notes = models.TextField(_("notes"), blank=True)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("QA verdict")
        verbose_name_plural = _("QA verdicts")
        ordering = ["ticket", "-recorded_at", "-pk"]
        indexes = [models.Index(fields=["ticket", "recorded_at"], name="qa_verdict_ticket_time")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {'pass' if self.passed else 'fail'}"


class QACriterionResult(models.Model):
    """Pass or fail of one acceptance criterion within a verdict."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    verdict = models.ForeignKey(QAVerdict, on_delete=models.CASCADE, related_name="results")
    criterion = models.ForeignKey(
        AcceptanceCriterion, on_delete=models.CASCADE, related_name="results"
    )
    passed = models.BooleanField(_("passed"))

    class Meta:
        verbose_name = _("QA criterion result")
        verbose_name_plural = _("QA criterion results")
        constraints = [
            models.UniqueConstraint(
                fields=["verdict", "criterion"], name="qa_result_one_per_criterion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {'pass' if self.passed else 'fail'}"


class ClientAcceptance(models.Model):
    """A client person's acceptance, or rejection with a reason, of a ticket in QA."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="acceptances")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)

    class Meta:
        verbose_name = _("client acceptance")
        verbose_name_plural = _("client acceptances")
        ordering = ["ticket", "-decided_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="accepted") | ~Q(reason=""),
                name="client_rejection_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.decision}"


class Comment(models.Model):
    """A Markdown comment on a ticket (rendered sanitized)."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"), help_text=_("Markdown."))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["ticket", "created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:50]


class TicketHistory(models.Model):
    """One change to a ticket: who, when, which field, before → after.

    ``field`` is a ticket field name, or an event: ``routing`` (the ticket found nobody holding
    its responsible role) or ``acceptance`` (a client decision).
    """

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="history")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    field = models.CharField(_("field"), max_length=40)
    before = models.TextField(_("before"), blank=True)
    after = models.TextField(_("after"), blank=True)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("ticket history entry")
        verbose_name_plural = _("ticket history")
        ordering = ["ticket", "at", "pk"]
        indexes = [
            models.Index(fields=["ticket", "field", "at"], name="ticket_history_field_time"),
            models.Index(fields=["engagement", "at"], name="ticket_history_engagement_at"),
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.before} → {self.after}"
