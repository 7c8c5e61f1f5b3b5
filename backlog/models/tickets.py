"""Tickets, their choices (kind, origin, status, severity, ...), labels and numbering."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backlog.models.sprints import Sprint
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


class InitiativeDecision(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted by the client")
    DECLINED = "declined", _("Declined by the client")


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


class Quadrant(models.TextChoices):
    QUICK_WIN = "quick_win", _("Quick win")
    BIG_BET = "big_bet", _("Big bet")
    FILL_IN = "fill_in", _("Fill-in")
    MONEY_PIT = "money_pit", _("Money pit")


# The ranked order as index keys that all sort ascending (pinned ranks first, then the score
# highest first, unscored last, then the number), so that a cursor is one row comparison the
# composite index answers. Templates without parameters: the index's DDL and the queries'
# ORDER BY render the very same expression, which the planner needs to match them.
UNPINNED_RANK = 2**31 - 1


class RankKey(Func):
    """COALESCE(manual_rank, 2147483647): pinned ranks first."""

    template = f"COALESCE(%(expressions)s, {UNPINNED_RANK})"
    output_field = models.PositiveIntegerField()

    def __init__(self) -> None:
        super().__init__(F("manual_rank"))


class ScoreKey(Func):
    """COALESCE(-score, 1): the highest score first and the unscored (NULL) after every scored
    ticket (scores are never negative)."""

    template = "COALESCE(-%(expressions)s, 1)"
    output_field = models.DecimalField(max_digits=40, decimal_places=6)

    def __init__(self) -> None:
        super().__init__(F("score"))


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

    # No index of its own: (engagement, number), unique, leads with it.
    engagement = models.ForeignKey(
        Engagement,
        verbose_name=_("engagement"),
        on_delete=models.CASCADE,
        related_name="tickets",
        db_index=False,
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
        db_index=False,  # a partial index (Meta): the assigned tickets only
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
        db_index=False,  # a partial index (Meta): the tickets in a sprint only
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

    # An agency initiative's answer, given explicitly by a client person (director or
    # stakeholder): only that counts as accepted or declined (docs/indicators.md).
    initiative_decision = models.CharField(
        _("client's answer to the initiative"),
        max_length=8,
        choices=InitiativeDecision.choices,
        blank=True,
    )
    initiative_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # a partial index (Meta): the answered initiatives only
    )
    initiative_decided_at = models.DateTimeField(_("answered"), null=True, blank=True)

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

    # The ranking, stored and kept true by backlog.services.ranking (see backlog.scoring for the
    # formulas): written in the transaction of every change to what they are computed from.
    annual_value = models.DecimalField(
        _("annual value"), max_digits=24, decimal_places=4, null=True, blank=True, editable=False
    )
    score = models.DecimalField(
        _("score"), max_digits=40, decimal_places=6, null=True, blank=True, editable=False
    )
    # NULL, not "": the quadrant is unknown (the API's null), as the SQL that computes it says.
    quadrant = models.CharField(  # noqa: DJ001
        _("quadrant"),
        max_length=10,
        choices=Quadrant.choices,
        null=True,
        blank=True,
        editable=False,
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
            models.CheckConstraint(
                condition=~Q(kind="bug", origin="agency_initiative"),
                name="ticket_bug_is_never_an_initiative",
                violation_error_code="bug_initiative",
                violation_error_message=_(
                    "A bug is never an agency initiative: choose client request as its origin."
                ),
            ),
            models.CheckConstraint(
                condition=Q(initiative_decision="") | Q(origin="agency_initiative"),
                name="ticket_only_initiatives_are_answered",
                violation_error_message=_(
                    "The client answered this agency initiative: it keeps its origin."
                ),
            ),
        ]
        # Every index is written again for each ticket whose score moves (the score is in the
        # ranked ones, so the update is never HOT): an engagement-wide recomputation pays for
        # each. Hence no index a leading one already serves (the engagement's, the kind's:
        # the ranked order filters them), and the sparse columns indexed where they are set.
        indexes = [
            models.Index(fields=["engagement", "status"], name="ticket_engagement_status"),
            models.Index(
                fields=["engagement", "manual_rank"],
                condition=Q(manual_rank__isnull=False),
                name="ticket_engagement_rank",
            ),
            models.Index(fields=["engagement", "updated_at"], name="ticket_engagement_updated"),
            models.Index(
                fields=["sprint"], condition=Q(sprint__isnull=False), name="ticket_sprint"
            ),
            models.Index(
                fields=["assignee"], condition=Q(assignee__isnull=False), name="ticket_assignee"
            ),
            models.Index(
                fields=["initiative_decided_by"],
                condition=Q(initiative_decided_by__isnull=False),
                name="ticket_initiative_decided_by",
            ),
            # The ranked backlog (and its cursor) read in index order, whatever its size.
            models.Index(F("engagement"), RankKey(), ScoreKey(), F("number"), name="ticket_ranked"),
            models.Index(F("engagement"), ScoreKey(), F("number"), name="ticket_scored"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    @property
    def key(self) -> str:
        return f"{self.engagement.key_prefix}-{self.number}"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES
