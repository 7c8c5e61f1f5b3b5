"""Files attached to a ticket or to one of its comments (screenshots first)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backlog.models.activity import Comment
from backlog.models.tickets import Ticket
from collab.models import Engagement


def attachment_path(instance: Attachment, filename: str) -> str:
    """Where the file is stored: a fresh uuid under its engagement's folder. The name people
    gave it is kept in ``original_name`` only, so that a stored path tells nothing."""
    return f"attachments/{instance.engagement_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file on a ticket (or on one of its comments), stored through Django's storage API.

    Its kind, size and pixels are what Tandem read from the bytes (backlog/uploads.py), never
    what the client claimed; it is served only through the attachment views, to the people of
    its engagement."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["ticket", "created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="attachment_ticket_time")]
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="attachment_not_empty"),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        """A raster image, shown inline (never SVG: it is refused on upload)."""
        return self.content_type in {"image/png", "image/jpeg", "image/gif", "image/webp"}
