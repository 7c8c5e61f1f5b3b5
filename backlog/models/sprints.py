"""Sprints: the time boxes of an engagement that tickets are planned into."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from collab.models import Engagement


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
