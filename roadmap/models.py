"""The client's strategic objectives and how each ticket serves them."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backlog.models import Ticket
from collab.models import Engagement


class ObjectiveStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ACHIEVED = "achieved", _("Achieved")
    ABANDONED = "abandoned", _("Abandoned")


class StrategicObjective(models.Model):
    """A long-term objective of the client that tickets should serve, weighted for the score."""

    engagement = models.ForeignKey(
        Engagement,
        verbose_name=_("engagement"),
        on_delete=models.CASCADE,
        related_name="strategic_objectives",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    horizon = models.CharField(
        _("horizon"), max_length=50, blank=True, help_text=_("For example 2027 or Q4 2026.")
    )
    weight = models.DecimalField(
        _("weight"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    kpi = models.CharField(
        _("KPI"), max_length=200, blank=True, help_text=_("For example: B2B online orders.")
    )
    target = models.CharField(
        _("target"), max_length=200, blank=True, help_text=_("For example: +15 % by 2027.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ObjectiveStatus.choices, default=ObjectiveStatus.ACTIVE
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("strategic objective")
        verbose_name_plural = _("strategic objectives")
        ordering = ["engagement", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="objective_weight_positive"),
            models.UniqueConstraint(
                fields=["engagement", "title"], name="objective_title_unique_per_engagement"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AlignmentLevel(models.TextChoices):
    NONE = "none", _("None")
    SUPPORTS = "supports", _("Supports")
    KEY = "key", _("Key")


# How much an alignment level counts in a ticket's strategic alignment (x objective weight).
LEVEL_FACTORS: dict[str, Decimal] = {
    AlignmentLevel.NONE: Decimal("0"),
    AlignmentLevel.SUPPORTS: Decimal("1"),
    AlignmentLevel.KEY: Decimal("2"),
}


class TicketAlignment(models.Model):
    """How much a ticket serves one objective; their weighted sum is stored on the ticket."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="alignments")
    objective = models.ForeignKey(
        StrategicObjective, on_delete=models.CASCADE, related_name="alignments"
    )
    level = models.CharField(_("alignment"), max_length=8, choices=AlignmentLevel.choices)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ticket alignment")
        verbose_name_plural = _("ticket alignments")
        ordering = ["ticket", "objective__position", "objective_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "objective"], name="alignment_one_per_ticket_objective"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.objective_id}: {self.level}"


class RoadmapSettings(models.Model):
    """Per-engagement roadmap settings, created on first use."""

    engagement = models.OneToOneField(
        Engagement, on_delete=models.CASCADE, related_name="roadmap_settings"
    )
    capacity_days_per_quarter = models.DecimalField(
        _("agency capacity (person-days per quarter)"),
        max_digits=8,
        decimal_places=1,
        default=Decimal("120"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    value_realisation_weeks = models.PositiveSmallIntegerField(
        _("weeks before asking for realised value"),
        default=8,
        validators=[MinValueValidator(1)],
    )

    class Meta:
        verbose_name = _("roadmap settings")
        verbose_name_plural = _("roadmap settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity_days_per_quarter__gte=0), name="roadmap_capacity_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.engagement}"


class Lane(models.TextChoices):
    NOW = "now", _("Now")
    NEXT = "next", _("Next")
    LATER = "later", _("Later")


class RoadmapItemStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DELIVERED = "delivered", _("Delivered")
    DROPPED = "dropped", _("Dropped")


quarter_validator = RegexValidator(
    r"^\d{4}-Q[1-4]$", _("Write a quarter as YEAR-Qn, for example 2027-Q1.")
)


class RoadmapItem(models.Model):
    """A piece of the roadmap: placed in a quarter (``2027-Q1``) or a lane (now, next, later);
    its expected value and effort are summed from its tickets."""

    engagement = models.ForeignKey(
        Engagement, verbose_name=_("engagement"), on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    objectives = models.ManyToManyField(
        StrategicObjective, verbose_name=_("objectives"), related_name="roadmap_items", blank=True
    )
    tickets = models.ManyToManyField(
        Ticket, verbose_name=_("tickets"), related_name="roadmap_items", blank=True
    )
    quarter = models.CharField(
        _("quarter"), max_length=7, blank=True, validators=[quarter_validator]
    )
    lane = models.CharField(_("lane"), max_length=5, choices=Lane.choices, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=RoadmapItemStatus.choices,
        default=RoadmapItemStatus.PLANNED,
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("roadmap item")
        verbose_name_plural = _("roadmap items")
        ordering = ["engagement", "quarter", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(quarter="") | ~Q(lane=""), name="roadmap_item_quarter_or_lane"
            ),
        ]
        indexes = [models.Index(fields=["engagement", "quarter"])]

    def __str__(self) -> str:
        return self.title


from roadmap.reviews.models import *  # noqa: E402, F403
