"""A ticket's activity: comments and the history of its changes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backlog.models.tickets import Ticket
from collab.models import Engagement


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
