"""What meetings record: outcomes (decisions, information, follow-ups), notes, decision log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from collab.rhythm import selectors, services
from collab.rhythm.forms import NotesForm, OutcomeForm
from collab.rhythm.views.common import (
    CONFLICT,
    PAGE_SIZE,
    agenda_item_or_404,
    engagement_viewable,
    form_reasons,
    meeting_or_404,
    meeting_url,
    reasons_of,
    roles_and_actions,
)
from collab.rhythm.views.meeting_page import after_change, render_meeting
from roles.rhythm import MEETING_EDITORS, engagement_members, require_meeting_role


@login_required
@require_POST
def outcome_record(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A decision, an information or a follow-up (an action item) on an item or the meeting."""
    engagement = engagement_viewable(request, slug)
    require_meeting_role(request.user, engagement, MEETING_EDITORS)
    meeting = meeting_or_404(engagement, pk)
    prefix = request.POST.get("prefix", "meeting")
    if prefix != "meeting" and not prefix.startswith("item-"):
        prefix = "meeting"
    form = OutcomeForm(
        request.POST, people=engagement_members(engagement=engagement), prefix=prefix
    )
    if not form.is_valid():
        return render_meeting(request, engagement, pk, status=400, reasons=form_reasons(form))
    data = form.cleaned_data
    item = agenda_item_or_404(meeting, data["agenda_item"]) if data["agenda_item"] else None
    try:
        services.outcome_record(
            meeting=meeting,
            actor=request.user,
            kind=data["kind"],
            text=data["text"],
            agenda_item=item,
            owner=data["owner"],
            due_date=data["due_date"],
        )
    except ValidationError as error:
        return render_meeting(request, engagement, pk, status=CONFLICT, reasons=reasons_of(error))
    return after_change(request, engagement, meeting, f"item-{item.pk}" if item else "outcomes")


@login_required
@require_POST
def meeting_notes(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Save the Markdown notes; the version the editor loaded guards against lost updates."""
    engagement = engagement_viewable(request, slug)
    require_meeting_role(request.user, engagement, MEETING_EDITORS)
    meeting = meeting_or_404(engagement, pk)
    form = NotesForm(request.POST)
    if not form.is_valid():
        return render_meeting(request, engagement, pk, status=400, notes_form=form)
    try:
        services.meeting_notes_save(
            meeting=meeting,
            actor=request.user,
            body=form.cleaned_data["body"],
            version=form.cleaned_data["version"] or None,
        )
    except services.StaleNotes as error:
        # Keep the draft; the next save, made knowingly, replaces the newer version.
        current = selectors.meeting_detail(engagement=engagement, pk=pk)
        version = current.notes.version if current and current.notes else 0
        draft = NotesForm(initial={"body": form.cleaned_data["body"], "version": version})
        return render_meeting(
            request, engagement, pk, status=CONFLICT, notes_form=draft, reasons=reasons_of(error)
        )
    except ValidationError as error:
        return render_meeting(request, engagement, pk, status=CONFLICT, reasons=reasons_of(error))
    messages.success(request, _("Notes saved."))
    return redirect(meeting_url(engagement, meeting, "notes"))


@login_required
@require_GET
def decision_log(request: HttpRequest, slug: str) -> HttpResponse:
    """Every decision of the engagement with its meeting, latest meeting first."""
    engagement = engagement_viewable(request, slug)
    page = Paginator(selectors.decision_log(engagement=engagement), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "rhythm/decision_log.html",
        {
            "engagement": engagement,
            "actions": roles_and_actions(request, engagement)[1],
            "page": page,
        },
    )
