"""How an engagement ranks and routes its backlog: scoring settings, responsibility policies."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backlog.models.tickets import ZERO, Kind
from collab.models import Engagement
from roles.models import Role


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
        _("client acceptance before done"),
        default=True,
        help_text=_("Features and improvements are done only once a client person accepted them."),
    )
    qa_required = models.BooleanField(
        _("QA verdict required before done"),
        default=True,
        help_text=_("Applies when the engagement has someone holding the tester role."),
    )
    separation_of_duties = models.BooleanField(
        _("separation of duties"),
        default=True,
        help_text=_(
            "The QA verdict is given by someone other than the ticket's assignee and the "
            "authors of its acceptance criteria."
        ),
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


class BacklogMedians(models.Model):
    """The lower medians of annual value and effort over an engagement's open tickets having
    both, which the quadrants are computed against; refreshed by backlog.services.ranking
    whenever they can change (its row is also the lock that orders those refreshes)."""

    engagement = models.OneToOneField(
        Engagement, on_delete=models.CASCADE, primary_key=True, related_name="backlog_medians"
    )
    annual_value = models.DecimalField(
        _("median annual value"), max_digits=24, decimal_places=4, null=True, blank=True
    )
    effort_days = models.DecimalField(
        _("median effort (person-days)"), max_digits=8, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("backlog medians")
        verbose_name_plural = _("backlog medians")

    def __str__(self) -> str:
        return f"{self.engagement}: {self.annual_value} / {self.effort_days}"


class BacklogFacet(models.Model):
    """How many of an engagement's tickets share one combination of the columns the backlog
    page counts its filter options over (``backlog.selectors.FACET_COLUMNS``), so that the page
    reads a few hundred counts instead of grouping every ticket.

    Kept by the database itself on PostgreSQL: statement triggers on the ticket table add what
    an INSERT, UPDATE or DELETE changed (migration 0007), whichever code path wrote the rows,
    set-based updates included. No foreign key constraints: deleting tickets (an engagement's
    included) is what empties these rows, and deleting a person or a sprint moves its tickets'
    counts through the same triggers; a combination whose count falls to zero is deleted.
    ``manage.py ranking_verify`` compares them with a fresh count."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    status = models.CharField(max_length=12)
    kind = models.CharField(max_length=20)
    origin = models.CharField(max_length=20)
    quadrant = models.CharField(max_length=10, null=True)  # noqa: DJ001 - as on the ticket
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    sprint = models.ForeignKey(
        "backlog.Sprint",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    needs_alignment = models.BooleanField()
    tickets = models.IntegerField()

    class Meta:
        verbose_name = _("backlog facet count")
        verbose_name_plural = _("backlog facet counts")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "engagement",
                    "status",
                    "kind",
                    "origin",
                    "quadrant",
                    "assignee",
                    "sprint",
                    "needs_alignment",
                ],
                name="backlog_facet_one_row_per_combination",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.engagement_id}: {self.tickets}"


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


class SettingsChange(models.Model):
    """One change of an engagement's scoring settings: who, when, each setting before → after.
    A change that moves every ticket's score is one entry here, at the engagement's level, not
    one per ticket."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="settings_changes"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changes = models.JSONField(
        _("changes"), help_text=_("Each setting changed: [name, before, after].")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("settings change")
        verbose_name_plural = _("settings changes")
        ordering = ["engagement", "-at", "-pk"]
        indexes = [models.Index(fields=["engagement", "at"], name="settings_change_engagement_at")]

    def __str__(self) -> str:
        return f"{self.engagement}: {', '.join(str(change[0]) for change in self.changes)}"


class RankingJob(models.Model):
    """The recomputation of an engagement's whole stored ranking when it is too big for the
    request (``settings.RESCORE_IN_REQUEST_MAX_TICKETS``): one row per engagement, reused by
    every request. ``generation`` counts the requests (a change while the job runs restarts it
    on the latest settings), ``attempt`` the claims (only the worker holding the latest one
    writes), ``last_pk`` the chunks done (a claim after a killed worker resumes there)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("waiting to start")
        RUNNING = "running", _("recomputing")
        DONE = "done", _("finished")

    engagement = models.OneToOneField(
        Engagement, on_delete=models.CASCADE, primary_key=True, related_name="ranking_job"
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices)
    generation = models.PositiveIntegerField(_("generation"), default=1)
    prepared_generation = models.PositiveIntegerField(_("prepared generation"), default=0)
    attempt = models.PositiveIntegerField(_("attempt"), default=0)
    total = models.PositiveIntegerField(_("tickets to recompute"), default=0)
    done = models.PositiveIntegerField(_("tickets recomputed"), default=0)
    last_pk = models.BigIntegerField(_("last ticket recomputed"), default=0)
    requested_at = models.DateTimeField(_("requested at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("ranking job")
        verbose_name_plural = _("ranking jobs")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["queued", "running", "done"]),
                name="ranking_job_state_valid",
            ),
        ]
        indexes = [
            # The sweep's claim: the few unfinished jobs, never the finished ones.
            models.Index(
                fields=["state"],
                name="ranking_job_unfinished",
                condition=~models.Q(state="done"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.engagement}: {self.state} {self.done}/{self.total}"
