"""Writes of attachments: files added to a ticket or a comment, and removed.

Every file is checked from its bytes before anything is stored (backlog/uploads.py): a refusal
stores nothing and writes nothing. The files are written through Django's storage API (a folder
or an S3-compatible bucket); a row that cannot be written takes its stored files away with it,
and a removed attachment's file goes once the removal is committed (a rolled-back removal keeps
its file).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from backlog.models import Attachment, Comment, Ticket
from backlog.services.common import history_add
from backlog.uploads import CheckedUpload, upload_check
from collab.models import User
from roles.policy import can_remove_attachment

if TYPE_CHECKING:
    from roles.policy import Principal

HISTORY_FIELD = "attachment"


class Upload(Protocol):
    """A file as Django hands it over (an ``UploadedFile``): bytes, a name and a size."""

    name: str | None
    size: int | None

    def seek(self, offset: int, whence: int = 0) -> int: ...

    def read(self, size: int = -1) -> bytes: ...


def uploads_check(*, uploads: Sequence[Upload]) -> list[CheckedUpload]:
    """Check every file of an upload before any is stored: how many, then each one's size and
    kind (a ValidationError naming every refused file, nothing stored)."""
    if len(uploads) > settings.ATTACHMENTS_PER_UPLOAD:
        raise ValidationError(
            _("Send at most %(count)d files at once.") % {"count": settings.ATTACHMENTS_PER_UPLOAD},
            code="too_many",
        )
    checked, errors = [], []
    for upload in uploads:
        try:
            checked.append(
                upload_check(
                    file=_stream(upload), name=upload.name or "", size=int(upload.size or 0)
                )
            )
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors, code="refused")
    return checked


def _stream(upload: Upload) -> IO[bytes]:
    return upload  # type: ignore[return-value]  # an UploadedFile is a binary file object


def attachments_add(
    *,
    actor: User,
    ticket: Ticket,
    uploads: Sequence[Upload],
    comment: Comment | None = None,
) -> list[Attachment]:
    """Attach files to a ticket (or to one of its comments, by the comment's author), each
    recorded in the ticket's history; all or none (ValidationError naming each refusal)."""
    if comment is not None and (comment.ticket_id != ticket.pk):
        raise ValidationError(
            {"comment": _("This comment belongs to another ticket.")}, code="foreign_comment"
        )
    if comment is not None and comment.author_id != actor.pk:
        raise PermissionDenied(_("Only the author of a comment attaches files to it."))
    if not uploads:
        raise ValidationError({"file": _("Choose a file to attach.")}, code="required")
    checked = uploads_check(uploads=uploads)
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            for upload, facts in zip(uploads, checked, strict=True):
                attachment = Attachment(
                    engagement_id=ticket.engagement_id,
                    ticket=ticket,
                    comment=comment,
                    uploaded_by=actor,
                    original_name=facts.name,
                    content_type=facts.content_type,
                    size=facts.size,
                    width=facts.width,
                    height=facts.height,
                )
                upload.seek(0)
                # The storage writes the bytes under a fresh uuid (attachment_path).
                attachment.file.save(facts.name, _stream(upload), save=False)  # type: ignore[arg-type]
                stored.append(attachment)
                attachment.save(force_insert=True)
                history_add(
                    ticket=ticket, actor=actor, field=HISTORY_FIELD, before="", after=facts.name
                )
    except BaseException:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return stored


def _file_delete(storage_name: str, attachment: Attachment) -> None:
    attachment.file.storage.delete(storage_name)


@transaction.atomic
def attachment_delete(*, actor: User, principal: Principal, attachment: Attachment) -> None:
    """Remove an attachment: by its uploader or whoever may remove anyone's (the project
    manager), PermissionDenied otherwise. The history keeps its name; the file goes once the
    removal is committed."""
    if not can_remove_attachment(
        principal, attachment.ticket.engagement, uploaded_by_id=attachment.uploaded_by_id
    ):
        raise PermissionDenied(
            _("Only the person who attached this file, or the project manager, can remove it.")
        )
    name = str(attachment.file.name)
    history_add(
        ticket=attachment.ticket,
        actor=actor,
        field=HISTORY_FIELD,
        before=attachment.original_name,
        after="",
    )
    attachment.delete()
    # robust: a storage outage after the commit is logged, never turned into an error page for
    # a removal that happened.
    transaction.on_commit(functools.partial(_file_delete, name, attachment), robust=True)
