"""Roadmap reviews: one per roadmap-review meeting, its pack, decisions, frozen snapshot, and the
value actually realised by done tickets.

Registered in the ``roadmap`` app (``roadmap/models.py`` imports this module at its end).
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backlog.models import Ticket
from collab.models import Engagement
from collab.rhythm.models import Meeting

__all__ = ["Review", "ReviewDecision", "ReviewSnapshot", "ReviewState", "ValueRealisation"]


class ReviewState(models.TextChoices):
    PREPARING = "preparing", _("Preparing")
    IN_SESSION = "in_session", _("In session")
    SIGNED_OFF = "signed_off", _("Signed off")


class Review(models.Model):
    """The roadmap review held in one roadmap-review meeting; it covers the period from the
    previous review to this one and moves preparing → in session → signed off."""

    engagement = models.ForeignKey(
        Engagement, verbose_name=_("engagement"), on_delete=models.CASCADE, related_name="+"
    )
    # RESTRICT: a meeting with a review is not deleted alone (the engagement's deletion may).
    meeting = models.OneToOneField(
        Meeting, verbose_name=_("meeting"), on_delete=models.RESTRICT, related_name="review"
    )
    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(_("period end"))
    state = models.CharField(
        _("state"), max_length=10, choices=ReviewState.choices, default=ReviewState.PREPARING
    )
    pack = models.JSONField(_("preparation pack"), encoder=DjangoJSONEncoder, default=dict)
    pack_built_at = models.DateTimeField(_("pack built"), null=True, blank=True)
    session_started_at = models.DateTimeField(_("session started"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed off by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    signed_off_at = models.DateTimeField(_("signed off"), null=True, blank=True)
    overdue_reminded_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("roadmap review")
        verbose_name_plural = _("roadmap reviews")
        ordering = ["engagement", "-period_end", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")),
                name="review_period_ends_after_start",
            ),
            models.CheckConstraint(
                condition=(
                    Q(state="signed_off", signed_off_at__isnull=False)
                    | (~Q(state="signed_off") & Q(signed_off_at__isnull=True))
                ),
                name="review_signed_off_has_time",
            ),
        ]
        indexes = [models.Index(fields=["engagement", "state"], name="review_engagement_state")]

    def __str__(self) -> str:
        return f"{self.engagement_id}: {self.period_end:%Y-%m-%d} ({self.state})"


class ReviewDecision(models.Model):
    """A decision taken during a review session, optionally about one ticket."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("decision"))
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")
        ordering = ["review", "created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class ReviewSnapshot(models.Model):
    """What a signed-off review agreed, frozen: the ranked backlog, the roadmap by quarter and
    the objectives as JSON (format in docs/roadmap.md). Written once at sign-off; no service
    changes it, and on PostgreSQL a trigger refuses any UPDATE or DELETE of a frozen row."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    review = models.OneToOneField(Review, on_delete=models.RESTRICT, related_name="snapshot")
    data = models.JSONField(encoder=DjangoJSONEncoder)
    taken_at = models.DateTimeField(_("taken"))
    frozen = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("review snapshot")
        verbose_name_plural = _("review snapshots")
        ordering = ["engagement", "-taken_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(frozen=True), name="snapshot_frozen")]

    def __str__(self) -> str:
        return f"{self.engagement_id}: {self.taken_at:%Y-%m-%d}"


class ValueRealisation(models.Model):
    """What a done ticket was expected to earn per year (its annual value when it was done) and,
    once the director records it, what it actually earns; asked once, a set time after done."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    ticket = models.OneToOneField(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="realisation"
    )
    done_at = models.DateTimeField(_("done"))
    estimated_annual_value = models.DecimalField(
        _("estimated annual value"), max_digits=16, decimal_places=2
    )
    requested_at = models.DateTimeField(_("asked"), null=True, blank=True)
    realised_annual_value = models.DecimalField(
        _("realised annual value"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("value realisation")
        verbose_name_plural = _("value realisations")
        ordering = ["engagement", "-done_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(realised_annual_value__gte=0) | Q(realised_annual_value__isnull=True),
                name="realised_value_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["requested_at", "done_at"], name="realisation_requested_done")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.estimated_annual_value} → {self.realised_annual_value}"
