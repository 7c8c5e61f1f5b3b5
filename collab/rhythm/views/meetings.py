"""Meetings: the list and scheduling, the meeting page, answers, moves, cancelling, minutes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collab.forms import add_service_errors
from collab.rhythm import selectors, services
from collab.rhythm.forms import MarkHeldForm, MeetingCreateForm, MeetingMoveForm, RespondForm
from collab.rhythm.notify import meeting_label
from collab.rhythm.views.common import (
    CONFLICT,
    engagement_viewable,
    meeting_or_404,
    meeting_url,
    reasons_of,
    roles_and_actions,
)
from collab.rhythm.views.meeting_page import render_meeting
from roles.rhythm import (
    MEETING_SCHEDULERS,
    engagement_members,
    meeting_closers,
    meeting_held,
    require_meeting_role,
)

PAST_MEETINGS_SHOWN = 25


@login_required
@require_http_methods(["GET", "POST"])
def meeting_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Upcoming and past meetings; PMs and agency admins schedule ad-hoc ones here."""
    engagement = engagement_viewable(request, slug)
    roles, actions = roles_and_actions(request, engagement)
    can_schedule = bool(roles & MEETING_SCHEDULERS)
    form = None
    if request.method == "POST":
        require_meeting_role(request.user, engagement, MEETING_SCHEDULERS)
    if can_schedule:
        members = list(engagement_members(engagement=engagement))
        form = MeetingCreateForm(request.POST or None, members=members)
        if request.method == "POST" and form.is_valid():
            try:
                meeting = services.meeting_create(
                    engagement=engagement,
                    organizer=request.user,
                    title=form.cleaned_data["title"],
                    starts_at=form.cleaned_data["starts_at"],
                    ends_at=form.cleaned_data["ends_at"],
                    place=form.cleaned_data["place"],
                    video_url=form.cleaned_data["video_url"],
                    attendees=form.attendees(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Meeting scheduled; the attendees are invited."))
                return redirect(meeting_url(engagement, meeting))
    return render(
        request,
        "rhythm/meeting_list.html",
        {
            "engagement": engagement,
            "actions": actions,
            "upcoming": list(selectors.meeting_list(engagement=engagement, upcoming=True)),
            "past": list(
                selectors.meeting_list(engagement=engagement, upcoming=False)[:PAST_MEETINGS_SHOWN]
            ),
            "form": form,
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_GET
def meeting_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = engagement_viewable(request, slug)
    return render_meeting(request, engagement, pk)


@login_required
@require_POST
def meeting_respond(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The viewer answers the invitation (accepted, tentative, declined)."""
    engagement = engagement_viewable(request, slug)
    meeting = meeting_or_404(engagement, pk)
    form = RespondForm(request.POST)
    if not form.is_valid():
        return render_meeting(request, engagement, pk, status=400, respond_form=form)
    try:
        services.attendee_respond(
            meeting=meeting, person=request.user, response=form.cleaned_data["response"]
        )
    except ValidationError as error:
        return render_meeting(request, engagement, pk, status=CONFLICT, reasons=reasons_of(error))
    messages.success(request, _("Your answer is saved."))
    return redirect(meeting_url(engagement, meeting, "attendees"))


@login_required
@require_POST
def meeting_mark_held(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Record attendance and mark the meeting held: it freezes, open items carry over and the
    minutes are emailed to the attendees once."""
    engagement = engagement_viewable(request, slug)
    meeting = meeting_or_404(engagement, pk)
    require_meeting_role(request.user, engagement, meeting_closers(meeting.kind))
    people = [attendee.person for attendee in selectors.attendee_list(meeting=meeting)]
    form = MarkHeldForm(request.POST, people=people)
    if not form.is_valid():
        return render_meeting(request, engagement, pk, status=400, held_form=form)
    try:
        meeting_held(meeting=meeting, attended=form.cleaned_data["attended"])
    except ValidationError as error:
        return render_meeting(request, engagement, pk, status=CONFLICT, reasons=reasons_of(error))
    messages.success(request, _("Meeting marked held; the minutes are emailed to the attendees."))
    return redirect(meeting_url(engagement, meeting))


@login_required
@require_POST
def meeting_cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Cancel this occurrence; the series goes on."""
    engagement = engagement_viewable(request, slug)
    require_meeting_role(request.user, engagement, MEETING_SCHEDULERS)
    meeting = meeting_or_404(engagement, pk)
    try:
        services.meeting_cancel(meeting=meeting)
    except ValidationError as error:
        return render_meeting(request, engagement, pk, status=CONFLICT, reasons=reasons_of(error))
    messages.success(request, _("Meeting cancelled; the attendees are told."))
    return redirect(meeting_url(engagement, meeting))


@login_required
@require_POST
def meeting_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Move this occurrence; the other occurrences of the series stay."""
    engagement = engagement_viewable(request, slug)
    require_meeting_role(request.user, engagement, MEETING_SCHEDULERS)
    meeting = meeting_or_404(engagement, pk)
    form = MeetingMoveForm(request.POST)
    if not form.is_valid():
        return render_meeting(request, engagement, pk, status=400, move_form=form)
    try:
        services.meeting_move(meeting=meeting, **form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return render_meeting(
            request, engagement, pk, status=CONFLICT, move_form=form, reasons=reasons_of(error)
        )
    messages.success(request, _("Meeting moved; the attendees get the new time."))
    return redirect(meeting_url(engagement, meeting))


@login_required
@require_GET
def meeting_minutes(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The printable minutes: decisions, action items, attendance, notes."""
    engagement = engagement_viewable(request, slug)
    meeting = meeting_or_404(engagement, pk)
    starts = timezone.localtime(meeting.starts_at)
    return render(
        request,
        "rhythm/minutes_print.html",
        {
            "meeting": meeting,
            "label": meeting_label(meeting),
            "when": starts,
            "time_zone": timezone.get_current_timezone_name(),
            "minutes": selectors.minutes_get(meeting=meeting),
        },
    )
