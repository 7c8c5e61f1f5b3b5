"""A meeting's agenda items: added, edited and removed while the meeting is scheduled."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from collab.forms import add_service_errors
from collab.rhythm import backlog_bridge, selectors, services
from collab.rhythm.agenda import ensure_editable
from collab.rhythm.forms import AgendaItemForm, AgendaItemUpdateForm
from collab.rhythm.models import Meeting
from collab.rhythm.notify import meeting_label
from collab.rhythm.views.common import (
    CONFLICT,
    agenda_item_or_404,
    engagement_viewable,
    meeting_or_404,
    reasons_of,
    roles_and_actions,
)
from collab.rhythm.views.meeting_page import after_change, render_meeting
from roles.rhythm import MEETING_EDITORS, engagement_members, require_meeting_role


@login_required
@require_POST
def agenda_item_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = engagement_viewable(request, slug)
    require_meeting_role(request.user, engagement, MEETING_EDITORS)
    meeting = meeting_or_404(engagement, pk)
    detail = selectors.meeting_detail(engagement=engagement, pk=pk)
    form = AgendaItemForm(
        request.POST,
        people=engagement_members(engagement=engagement),
        sections=detail.sections if detail else [],
    )
    if not form.is_valid():
        return render_meeting(request, engagement, pk, status=400, item_form=form)
    try:
        services.agenda_item_add(meeting=meeting, **form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return render_meeting(
            request, engagement, pk, status=CONFLICT, item_form=form, reasons=reasons_of(error)
        )
    return after_change(request, engagement, meeting, "agenda")


@login_required
@require_http_methods(["GET", "POST"])
def agenda_item_update(request: HttpRequest, slug: str, pk: int, item_pk: int) -> HttpResponse:
    engagement = engagement_viewable(request, slug)
    require_meeting_role(request.user, engagement, MEETING_EDITORS)
    meeting = meeting_or_404(engagement, pk)
    item = agenda_item_or_404(meeting, item_pk)
    try:
        ensure_editable(meeting)
    except ValidationError as error:
        return render_meeting(request, engagement, pk, status=CONFLICT, reasons=reasons_of(error))
    people = list(engagement_members(engagement=engagement))
    if request.method == "POST":
        form = AgendaItemUpdateForm(request.POST, people=people)
        if form.is_valid():
            try:
                services.agenda_item_update(item=item, data=form.cleaned_data)
            except ValidationError as error:
                return render_meeting(
                    request, engagement, pk, status=CONFLICT, reasons=reasons_of(error)
                )
            return after_change(request, engagement, meeting, f"item-{item.pk}")
    else:
        form = AgendaItemUpdateForm(
            people=people,
            initial={
                "title": item.title,
                "duration_minutes": item.duration_minutes,
                "presenter": item.presenter_id,
            },
        )
    context = {
        "engagement": engagement,
        "actions": roles_and_actions(request, engagement)[1],
        "meeting": meeting,
        "label": meeting_label(meeting),
        "item": item,
        "form": form,
    }
    if request.htmx:
        response = render(request, "rhythm/_agenda_item_form.html", context)
        # An invalid edit goes back into the item it edits, not over the whole agenda.
        return reswap(retarget(response, f"#item-{item.pk}"), "innerHTML")
    return render(
        request, "rhythm/agenda_item_form.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def agenda_item_delete(request: HttpRequest, slug: str, pk: int, item_pk: int) -> HttpResponse:
    engagement = engagement_viewable(request, slug)
    require_meeting_role(request.user, engagement, MEETING_EDITORS)
    meeting = meeting_or_404(engagement, pk)
    item = agenda_item_or_404(meeting, item_pk)
    try:
        services.agenda_item_delete(item=item)
    except ValidationError as error:
        return render_meeting(request, engagement, pk, status=CONFLICT, reasons=reasons_of(error))
    return after_change(request, engagement, meeting, "agenda")


@login_required
@require_POST
def agenda_refresh(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Prepare a weekly sync's agenda again now, instead of waiting for the hourly run."""
    engagement = engagement_viewable(request, slug)
    require_meeting_role(request.user, engagement, MEETING_EDITORS)
    meeting = meeting_or_404(engagement, pk)
    if meeting.kind != Meeting.Kind.WEEKLY_SYNC:
        return render_meeting(
            request,
            engagement,
            pk,
            status=CONFLICT,
            reasons=[_("Only a weekly sync's agenda is prepared from the backlog.")],
        )
    try:
        backlog_bridge.agenda_prepare(meeting=meeting)
    except ValidationError as error:
        return render_meeting(request, engagement, pk, status=CONFLICT, reasons=reasons_of(error))
    return after_change(request, engagement, meeting, "agenda")
