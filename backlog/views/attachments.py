"""Attachments on the ticket page: files added (dropped or chosen, htmx or a plain form), one
removed, and a file served to the people of its engagement only.

A file is never served from a public address: every request goes through the engagement's
policy (404 for anyone else), and the answer is built so that no browser runs what it holds
(``attachment_response``).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from backlog import selectors, services
from backlog.attachment_forms import AttachmentForm
from backlog.models import Attachment, Ticket
from backlog.uploads import accepted_summary
from backlog.views.common import engagement_allowed, ticket_or_404, ticket_url
from collab.common.lookup import found_or_404
from collab.forms import add_service_errors
from collab.models import Engagement
from roles import policy
from roles.policy import Action

FORM_PREFIX = "attach"
# What a file's answer tells the browser: run nothing (no script, no plugin, no form, a sandbox
# of its own origin), guess no type, and be read by this site's pages only.
FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "same-origin",
    # A file never changes under its address (a new upload is a new attachment): the reader's
    # own browser may keep it for an hour, no shared cache ever.
    "Cache-Control": "private, max-age=3600",
}


def attachment_response(attachment: Attachment) -> FileResponse:
    """The file's bytes with the type read from them: raster images inline (the ticket page
    shows them), anything else as a download; never sniffed, never run."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The attachment's file is missing from the storage.") from None
    response = FileResponse(
        handle,
        as_attachment=not attachment.is_image,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["Content-Length"] = str(attachment.size)
    for header, value in FILE_HEADERS.items():
        response[header] = value
    return response


def attachment_form(data: Any = None, files: Any = None) -> AttachmentForm:
    return AttachmentForm(data, files, prefix=FORM_PREFIX)


def add_upload_errors(form: Any, error: ValidationError, field: str = "files") -> None:
    """A refused file's reasons beside the file field; other errors as the service names them."""
    if hasattr(error, "error_dict"):
        add_service_errors(form, error)
    else:
        form.add_error(field, error)


def attachments_context(
    request: HttpRequest, engagement: Engagement, ticket: Ticket, attachments: list[Attachment]
) -> dict[str, Any]:
    """What the attachments card shows: the files, who may remove which, the form."""
    roles = policy.roles_of(request.user, engagement)
    actions = policy.action_values(roles)
    return {
        "attachments": attachments,
        "images": [attachment for attachment in attachments if attachment.is_image],
        "documents": [attachment for attachment in attachments if not attachment.is_image],
        "may_remove_any": Action.REMOVE_ATTACHMENTS.value in actions,
        "may_attach": Action.FILE_TICKETS.value in actions,
        "accepted_kinds": accepted_summary(),
    }


def render_attachments(
    request: HttpRequest,
    engagement: Engagement,
    ticket: Ticket,
    *,
    form: AttachmentForm | None = None,
    status: int = 200,
    toast: str = "",
    removed_id: int | None = None,
) -> HttpResponse:
    """The attachments card alone (htmx), with a toast when something changed."""
    attachments = list(selectors.attachment_list(ticket=ticket))
    context = {
        "engagement": engagement,
        "ticket": ticket,
        "attachment_form": form or attachment_form(),
        # The removed file leaves its comment too (an out-of-band swap).
        "removed_id": removed_id,
        **attachments_context(request, engagement, ticket, attachments),
    }
    response = render(request, "backlog/_ticket_attachments.html", context, status=status)
    if toast:
        response["HX-Trigger"] = json.dumps({"toast": {"message": toast, "tone": "success"}})
    return response


@login_required
@require_POST
def attachment_add(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """Attach the files chosen or dropped on the ticket page: all are checked from their bytes
    before any is stored; a refusal (422 for htmx) names each refused file and stores none."""
    # The ticket page's module imports this one: read it when a plain form comes back.
    from backlog.views.ticket import render_detail

    engagement = engagement_allowed(request, slug, Action.FILE_TICKETS)
    ticket = ticket_or_404(engagement, key)
    form = attachment_form(request.POST, request.FILES)
    if form.is_valid():
        try:
            added = services.attachments_add(
                actor=request.user, ticket=ticket, uploads=form.cleaned_data["files"]
            )
        except ValidationError as error:
            add_upload_errors(form, error)
        else:
            message = ngettext(
                "%(count)d file attached to %(key)s.",
                "%(count)d files attached to %(key)s.",
                len(added),
            ) % {"count": len(added), "key": ticket.key}
            if request.htmx:
                return render_attachments(request, engagement, ticket, toast=message)
            messages.success(request, message)
            return redirect(ticket_url(ticket, "attachments"))
    if request.htmx:
        return render_attachments(request, engagement, ticket, form=form, status=422)
    return render_detail(request, engagement, key, status=422, attachment_form=form)


@login_required
@require_POST
def attachment_delete(request: HttpRequest, slug: str, key: str, pk: int) -> HttpResponse:
    """Remove an attachment: its uploader or the project manager (403 for anyone else)."""
    engagement = engagement_allowed(request, slug, Action.VIEW)
    ticket = ticket_or_404(engagement, key)
    attachment = found_or_404(selectors.attachment_get(ticket=ticket, pk=pk), "attachment")
    removed_id = attachment.pk
    services.attachment_delete(actor=request.user, principal=request.user, attachment=attachment)
    message = _("“%(name)s” removed from %(key)s.") % {
        "name": attachment.original_name,
        "key": ticket.key,
    }
    if request.htmx:
        return render_attachments(request, engagement, ticket, toast=message, removed_id=removed_id)
    messages.success(request, message)
    return redirect(ticket_url(ticket, "attachments"))


@login_required
@require_http_methods(["GET", "HEAD"])
def attachment_file(request: HttpRequest, slug: str, key: str, pk: int) -> HttpResponse:
    """One file, to the people of its engagement only (404 for anyone else)."""
    engagement = engagement_allowed(request, slug, Action.VIEW)
    ticket = ticket_or_404(engagement, key)
    attachment = found_or_404(selectors.attachment_get(ticket=ticket, pk=pk), "attachment")
    return attachment_response(attachment)
