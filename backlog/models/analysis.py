"""Analysis and verdicts: stakeholder scores, criteria, metrics, impact, QA, acceptance."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backlog.models.tickets import Ticket
from collab.models import Engagement


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


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
    self_verified = models.BooleanField(
        _("self-verified"),
        default=False,
        help_text=_(
            "Given by the assignee or an author of the criteria, under the director's exception."
        ),
    )
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


class QAException(models.Model):
    """The director's exception to the separation of duties for one ticket: ``person`` (its
    assignee or an author of its criteria) may give its QA verdict, for the reason given."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="qa_exception")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tester"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("reason"))
    granted_at = models.DateTimeField(_("granted"), default=timezone.now)

    class Meta:
        verbose_name = _("QA exception")
        verbose_name_plural = _("QA exceptions")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="qa_exception_has_reason")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.person_id}"


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
