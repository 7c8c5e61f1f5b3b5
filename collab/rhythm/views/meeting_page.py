"""The meeting page and its agenda fragment: what they show, whole or as an htmx fragment."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from collab.models import Engagement, User
from collab.rhythm import backlog_bridge, selectors
from collab.rhythm.forms import (
    AgendaItemForm,
    MarkHeldForm,
    MeetingMoveForm,
    NotesForm,
    OutcomeForm,
    RespondForm,
)
from collab.rhythm.models import ActionItem, Attendee, Meeting
from collab.rhythm.notify import meeting_label
from collab.rhythm.selectors import MeetingDetail
from collab.rhythm.views.common import meeting_url, roles_and_actions
from roles.policy import Action
from roles.rhythm import (
    MEETING_EDITORS,
    MEETING_SCHEDULERS,
    engagement_members,
    meeting_closers,
)


def meeting_context(
    request: HttpRequest, engagement: Engagement, pk: int, **overrides: Any
) -> dict[str, Any]:
    """Everything the meeting page and its agenda fragment show, in a fixed number of
    queries whatever the number of attendees, items and outcomes."""
    detail = selectors.meeting_detail(engagement=engagement, pk=pk)
    if detail is None:
        raise Http404("No meeting found.")
    meeting = detail.meeting
    roles, actions = roles_and_actions(request, engagement)
    scheduled = meeting.status == Meeting.Status.SCHEDULED
    can_edit = scheduled and bool(roles & MEETING_EDITORS)
    can_close = scheduled and bool(roles & meeting_closers(meeting.kind))
    can_schedule = scheduled and bool(roles & MEETING_SCHEDULERS)
    members = list(engagement_members(engagement=engagement)) if can_edit else []
    _attach_follow_ups(detail, members=members, can_edit=can_edit)
    mine = next((a for a in detail.attendees if a.person_id == request.user.pk), None)
    context: dict[str, Any] = {
        "engagement": engagement,
        "actions": actions,
        "meeting": meeting,
        "label": meeting_label(meeting),
        "detail": detail,
        "attendees": detail.attendees,
        "accepted": sum(a.response == "accepted" for a in detail.attendees),
        "sections": detail.sections,
        "loose_outcomes": [o for o in detail.outcomes if o.agenda_item_id is None],
        "action_items": detail.action_items,
        "notes": detail.notes,
        "mine": mine,
        "can_edit": can_edit,
        "can_close": can_close and meeting.starts_at <= timezone.now(),
        "can_schedule": can_schedule,
        "can_file": Action.FILE_TICKETS.value in actions and bool(roles & MEETING_EDITORS),
        "ticket_kinds": backlog_bridge.ticket_kind_choices(),
        "ticket_origins": backlog_bridge.ticket_origin_choices(),
        **_forms(
            detail,
            mine=mine,
            members=members,
            can_edit=can_edit,
            can_close=can_close,
            can_schedule=can_schedule,
        ),
        "reasons": [],
    }
    context.update(overrides)
    return context


def _attach_follow_ups(detail: MeetingDetail, *, members: list[User], can_edit: bool) -> None:
    """Every outcome gets the action items it raised (``follow_ups``) and, when the agenda
    may be edited, every agenda item its own outcome form (``outcome_form``)."""
    follow_ups: dict[int, list[ActionItem]] = {}
    for action_item in detail.action_items:
        follow_ups.setdefault(action_item.outcome_id or 0, []).append(action_item)
    for outcome in detail.outcomes:
        outcome.follow_ups = follow_ups.get(outcome.pk, [])
    for section in detail.sections:
        for item in section.items.all():
            for outcome in item.outcomes.all():
                outcome.follow_ups = follow_ups.get(outcome.pk, [])
            if can_edit:
                item.outcome_form = OutcomeForm(
                    initial={"agenda_item": item.pk}, people=members, prefix=f"item-{item.pk}"
                )


def _forms(
    detail: MeetingDetail,
    *,
    mine: Attendee | None,
    members: list[User],
    can_edit: bool,
    can_close: bool,
    can_schedule: bool,
) -> dict[str, Any]:
    """The forms of the meeting page, each one only for who may use it (None otherwise)."""
    meeting, notes = detail.meeting, detail.notes
    people = [attendee.person for attendee in detail.attendees]
    return {
        "respond_form": RespondForm(initial={"response": mine.response}) if mine else None,
        "item_form": AgendaItemForm(people=members, sections=detail.sections) if can_edit else None,
        "outcome_form": OutcomeForm(people=members, prefix="meeting") if can_edit else None,
        "notes_form": NotesForm(
            initial={"body": notes.body if notes else "", "version": notes.version if notes else 0}
        )
        if can_edit
        else None,
        "held_form": MarkHeldForm(
            people=people,
            initial={"attended": [a.person_id for a in detail.attendees if a.attended]},
        )
        if can_close
        else None,
        "move_form": MeetingMoveForm(
            initial={
                "starts_at": meeting.starts_at,
                "ends_at": meeting.ends_at,
                "place": meeting.place,
                "video_url": meeting.video_url,
            }
        )
        if can_schedule
        else None,
    }


def render_meeting(
    request: HttpRequest,
    engagement: Engagement,
    pk: int,
    *,
    status: int = 200,
    **overrides: Any,
) -> HttpResponse:
    context = meeting_context(request, engagement, pk, **overrides)
    if request.htmx:
        # htmx swaps only successful answers: the reason travels in a 200 fragment.
        return render(request, "rhythm/_agenda.html", context)
    return render(request, "rhythm/meeting_detail.html", context, status=status)


def after_change(
    request: HttpRequest, engagement: Engagement, meeting: Meeting, anchor: str
) -> Any:
    if request.htmx:
        return render(
            request, "rhythm/_agenda.html", meeting_context(request, engagement, meeting.pk)
        )
    return redirect(meeting_url(engagement, meeting, anchor))
