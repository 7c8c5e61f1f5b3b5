"""The rhythm's pages: meetings, the meeting page (agenda, outcomes, notes, attendance), the
decision log, action items, the inbox, notification settings and the private calendar feed.

Views are wiring: they authorise at the top through ``roles.policy`` (another engagement's
meeting answers 404, a forbidden action 403) and the meeting role table of ``roles.rhythm``,
parse a form, call one rhythm selector or service, and render or redirect. A service's refusal
(a meeting held, hence frozen; stale notes) answers 409 with its reason on the page; htmx
requests get the agenda fragment back, with the reason in it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from collab.forms import add_service_errors
from collab.models import Engagement, User
from collab.rhythm import backlog_bridge, selectors, services
from collab.rhythm.agenda import ensure_editable
from collab.rhythm.forms import (
    AgendaItemForm,
    AgendaItemUpdateForm,
    MarkHeldForm,
    MeetingCreateForm,
    MeetingMoveForm,
    NotesForm,
    OutcomeForm,
    PreferencesForm,
    RespondForm,
)
from collab.rhythm.models import ActionItem, AgendaItem, Meeting
from collab.rhythm.notify import meeting_label
from roles import policy
from roles.policy import Action
from roles.rhythm import (
    MEETING_CLOSERS,
    MEETING_EDITORS,
    MEETING_SCHEDULERS,
    engagement_members,
    require_meeting_role,
)

PAST_MEETINGS_SHOWN = 25
PAGE_SIZE = 50
CONFLICT = 409


def _engagement(request: HttpRequest, slug: str) -> Engagement:
    """The engagement of the URL (404 when it is not the viewer's), which they may view."""
    engagement = policy.engagement_for(request.user, slug=slug)
    policy.require(request.user, Action.VIEW, engagement)
    return engagement


def _meeting(engagement: Engagement, pk: int) -> Meeting:
    meeting = selectors.meeting_get(engagement=engagement, pk=pk)
    if meeting is None:
        raise Http404("No meeting found.")
    return meeting


def _agenda_item(meeting: Meeting, pk: int) -> AgendaItem:
    item = selectors.agenda_item_get(meeting=meeting, pk=pk)
    if item is None:
        raise Http404("No agenda item found.")
    return item


def _action_item(engagement: Engagement, pk: int) -> ActionItem:
    item = selectors.action_item_get(engagement=engagement, pk=pk)
    if item is None:
        raise Http404("No action item found.")
    return item


def _roles_and_actions(request: HttpRequest, engagement: Engagement) -> tuple[frozenset, frozenset]:
    roles = policy.roles_of(request.user, engagement)
    return roles, policy.action_values(roles)


def _safe_next(request: HttpRequest, fallback: str) -> str:
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def _meeting_url(engagement: Engagement, meeting: Meeting, anchor: str = "") -> str:
    url = reverse("rhythm:meeting-detail", args=[engagement.slug, meeting.pk])
    return f"{url}#{anchor}" if anchor else url


# --- Meetings -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def meeting_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Upcoming and past meetings; PMs and agency admins schedule ad-hoc ones here."""
    engagement = _engagement(request, slug)
    roles, actions = _roles_and_actions(request, engagement)
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
                return redirect(_meeting_url(engagement, meeting))
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


def _meeting_context(
    request: HttpRequest, engagement: Engagement, pk: int, **overrides: Any
) -> dict[str, Any]:
    """Everything the meeting page and its agenda fragment show, in a fixed number of
    queries whatever the number of attendees, items and outcomes."""
    detail = selectors.meeting_detail(engagement=engagement, pk=pk)
    if detail is None:
        raise Http404("No meeting found.")
    meeting = detail.meeting
    roles, actions = _roles_and_actions(request, engagement)
    scheduled = meeting.status == Meeting.Status.SCHEDULED
    can_edit = scheduled and bool(roles & MEETING_EDITORS)
    can_close = scheduled and bool(roles & MEETING_CLOSERS)
    can_schedule = scheduled and bool(roles & MEETING_SCHEDULERS)
    people = [attendee.person for attendee in detail.attendees]
    members = list(engagement_members(engagement=engagement)) if can_edit else []
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
    mine = next((a for a in detail.attendees if a.person_id == request.user.pk), None)
    notes = detail.notes
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
        "notes": notes,
        "mine": mine,
        "can_edit": can_edit,
        "can_close": can_close and meeting.starts_at <= timezone.now(),
        "can_schedule": can_schedule,
        "can_file": Action.FILE_TICKETS.value in actions and bool(roles & MEETING_EDITORS),
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
        "reasons": [],
    }
    context.update(overrides)
    return context


def _render_meeting(
    request: HttpRequest,
    engagement: Engagement,
    pk: int,
    *,
    status: int = 200,
    **overrides: Any,
) -> HttpResponse:
    context = _meeting_context(request, engagement, pk, **overrides)
    if request.htmx:
        # htmx swaps only successful answers: the reason travels in a 200 fragment.
        return render(request, "rhythm/_agenda.html", context)
    return render(request, "rhythm/meeting_detail.html", context, status=status)


def _done(request: HttpRequest, engagement: Engagement, meeting: Meeting, anchor: str) -> Any:
    if request.htmx:
        return render(
            request, "rhythm/_agenda.html", _meeting_context(request, engagement, meeting.pk)
        )
    return redirect(_meeting_url(engagement, meeting, anchor))


def _reasons(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


@login_required
@require_GET
def meeting_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = _engagement(request, slug)
    return _render_meeting(request, engagement, pk)


@login_required
@require_POST
def meeting_respond(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The viewer answers the invitation (accepted, tentative, declined)."""
    engagement = _engagement(request, slug)
    meeting = _meeting(engagement, pk)
    form = RespondForm(request.POST)
    if not form.is_valid():
        return _render_meeting(request, engagement, pk, status=400, respond_form=form)
    try:
        services.attendee_respond(
            meeting=meeting, person=request.user, response=form.cleaned_data["response"]
        )
    except ValidationError as error:
        return _render_meeting(request, engagement, pk, status=CONFLICT, reasons=_reasons(error))
    messages.success(request, _("Your answer is saved."))
    return redirect(_meeting_url(engagement, meeting, "attendees"))


@login_required
@require_POST
def agenda_item_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = _engagement(request, slug)
    require_meeting_role(request.user, engagement, MEETING_EDITORS)
    meeting = _meeting(engagement, pk)
    detail = selectors.meeting_detail(engagement=engagement, pk=pk)
    form = AgendaItemForm(
        request.POST,
        people=engagement_members(engagement=engagement),
        sections=detail.sections if detail else [],
    )
    if not form.is_valid():
        return _render_meeting(request, engagement, pk, status=400, item_form=form)
    try:
        services.agenda_item_add(meeting=meeting, **form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_meeting(
            request, engagement, pk, status=CONFLICT, item_form=form, reasons=_reasons(error)
        )
    return _done(request, engagement, meeting, "agenda")


@login_required
@require_http_methods(["GET", "POST"])
def agenda_item_update(request: HttpRequest, slug: str, pk: int, item_pk: int) -> HttpResponse:
    engagement = _engagement(request, slug)
    require_meeting_role(request.user, engagement, MEETING_EDITORS)
    meeting = _meeting(engagement, pk)
    item = _agenda_item(meeting, item_pk)
    try:
        ensure_editable(meeting)
    except ValidationError as error:
        return _render_meeting(request, engagement, pk, status=CONFLICT, reasons=_reasons(error))
    people = list(engagement_members(engagement=engagement))
    if request.method == "POST":
        form = AgendaItemUpdateForm(request.POST, people=people)
        if form.is_valid():
            try:
                services.agenda_item_update(item=item, data=form.cleaned_data)
            except ValidationError as error:
                return _render_meeting(
                    request, engagement, pk, status=CONFLICT, reasons=_reasons(error)
                )
            return _done(request, engagement, meeting, f"item-{item.pk}")
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
        "actions": _roles_and_actions(request, engagement)[1],
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
    engagement = _engagement(request, slug)
    require_meeting_role(request.user, engagement, MEETING_EDITORS)
    meeting = _meeting(engagement, pk)
    item = _agenda_item(meeting, item_pk)
    try:
        services.agenda_item_delete(item=item)
    except ValidationError as error:
        return _render_meeting(request, engagement, pk, status=CONFLICT, reasons=_reasons(error))
    return _done(request, engagement, meeting, "agenda")


@login_required
@require_POST
def outcome_record(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A decision, an information or a follow-up (an action item) on an item or the meeting."""
    engagement = _engagement(request, slug)
    require_meeting_role(request.user, engagement, MEETING_EDITORS)
    meeting = _meeting(engagement, pk)
    prefix = request.POST.get("prefix", "meeting")
    if prefix != "meeting" and not prefix.startswith("item-"):
        prefix = "meeting"
    form = OutcomeForm(
        request.POST, people=engagement_members(engagement=engagement), prefix=prefix
    )
    if not form.is_valid():
        return _render_meeting(request, engagement, pk, status=400, reasons=_form_reasons(form))
    data = form.cleaned_data
    item = _agenda_item(meeting, data["agenda_item"]) if data["agenda_item"] else None
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
        return _render_meeting(request, engagement, pk, status=CONFLICT, reasons=_reasons(error))
    return _done(request, engagement, meeting, f"item-{item.pk}" if item else "outcomes")


def _form_reasons(form: Any) -> list[str]:
    return [
        f"{form.fields[name].label}: {message}" if name in form.fields else str(message)
        for name, errors in form.errors.items()
        for message in errors
    ]


@login_required
@require_POST
def meeting_notes(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Save the Markdown notes; the version the editor loaded guards against lost updates."""
    engagement = _engagement(request, slug)
    require_meeting_role(request.user, engagement, MEETING_EDITORS)
    meeting = _meeting(engagement, pk)
    form = NotesForm(request.POST)
    if not form.is_valid():
        return _render_meeting(request, engagement, pk, status=400, notes_form=form)
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
        return _render_meeting(
            request, engagement, pk, status=CONFLICT, notes_form=draft, reasons=_reasons(error)
        )
    except ValidationError as error:
        return _render_meeting(request, engagement, pk, status=CONFLICT, reasons=_reasons(error))
    messages.success(request, _("Notes saved."))
    return redirect(_meeting_url(engagement, meeting, "notes"))


@login_required
@require_POST
def meeting_mark_held(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Record attendance and mark the meeting held: it freezes, open items carry over and the
    minutes are emailed to the attendees once."""
    engagement = _engagement(request, slug)
    require_meeting_role(request.user, engagement, MEETING_CLOSERS)
    meeting = _meeting(engagement, pk)
    people = [attendee.person for attendee in selectors.attendee_list(meeting=meeting)]
    form = MarkHeldForm(request.POST, people=people)
    if not form.is_valid():
        return _render_meeting(request, engagement, pk, status=400, held_form=form)
    try:
        services.meeting_mark_held(meeting=meeting, attended=form.cleaned_data["attended"])
    except ValidationError as error:
        return _render_meeting(request, engagement, pk, status=CONFLICT, reasons=_reasons(error))
    messages.success(request, _("Meeting marked held; the minutes are emailed to the attendees."))
    return redirect(_meeting_url(engagement, meeting))


@login_required
@require_POST
def meeting_cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Cancel this occurrence; the series goes on."""
    engagement = _engagement(request, slug)
    require_meeting_role(request.user, engagement, MEETING_SCHEDULERS)
    meeting = _meeting(engagement, pk)
    try:
        services.meeting_cancel(meeting=meeting)
    except ValidationError as error:
        return _render_meeting(request, engagement, pk, status=CONFLICT, reasons=_reasons(error))
    messages.success(request, _("Meeting cancelled; the attendees are told."))
    return redirect(_meeting_url(engagement, meeting))


@login_required
@require_POST
def meeting_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Move this occurrence; the other occurrences of the series stay."""
    engagement = _engagement(request, slug)
    require_meeting_role(request.user, engagement, MEETING_SCHEDULERS)
    meeting = _meeting(engagement, pk)
    form = MeetingMoveForm(request.POST)
    if not form.is_valid():
        return _render_meeting(request, engagement, pk, status=400, move_form=form)
    try:
        services.meeting_move(meeting=meeting, **form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_meeting(
            request, engagement, pk, status=CONFLICT, move_form=form, reasons=_reasons(error)
        )
    messages.success(request, _("Meeting moved; the attendees get the new time."))
    return redirect(_meeting_url(engagement, meeting))


@login_required
@require_POST
def action_item_to_ticket(request: HttpRequest, slug: str, pk: int, item_pk: int) -> HttpResponse:
    """One click from a meeting's action item to a backlog ticket."""
    engagement = _engagement(request, slug)
    require_meeting_role(request.user, engagement, MEETING_EDITORS)
    policy.require(request.user, Action.FILE_TICKETS, engagement)
    meeting = _meeting(engagement, pk)
    item = _action_item(engagement, item_pk)
    if item.meeting_id != meeting.pk:
        raise Http404("No action item found.")
    try:
        item = backlog_bridge.action_item_to_ticket(actor=request.user, item=item)
    except ValidationError as error:
        return _render_meeting(request, engagement, pk, status=CONFLICT, reasons=_reasons(error))
    messages.success(request, _("%(key)s filed from the action item.") % {"key": item.ticket_key})
    return redirect(_meeting_url(engagement, meeting, "action-items"))


@login_required
@require_GET
def meeting_minutes(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The printable minutes: decisions, action items, attendance, notes."""
    engagement = _engagement(request, slug)
    meeting = _meeting(engagement, pk)
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


# --- Decisions and action items ---------------------------------------------------------------


@login_required
@require_GET
def decision_log(request: HttpRequest, slug: str) -> HttpResponse:
    """Every decision of the engagement with its meeting, latest meeting first."""
    engagement = _engagement(request, slug)
    page = Paginator(selectors.decision_log(engagement=engagement), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "rhythm/decision_log.html",
        {
            "engagement": engagement,
            "actions": _roles_and_actions(request, engagement)[1],
            "page": page,
        },
    )


@login_required
@require_GET
def action_item_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Open action items, overdue ones flagged; ``?mine=1`` shows only the viewer's."""
    engagement = _engagement(request, slug)
    roles, actions = _roles_and_actions(request, engagement)
    mine = request.GET.get("mine") == "1"
    items = selectors.action_item_list(
        engagement=engagement,
        status=ActionItem.Status.OPEN,
        owner=request.user if mine else None,
    )
    return render(
        request,
        "rhythm/action_items.html",
        {
            "engagement": engagement,
            "actions": actions,
            "items": list(items),
            "today": timezone.localdate(),
            "mine": mine,
            "is_editor": bool(roles & MEETING_EDITORS),
        },
    )


@login_required
@require_POST
def action_item_done(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Mark an action item done (or open again): its owner, agency staff or the director."""
    engagement = _engagement(request, slug)
    item = _action_item(engagement, pk)
    if item.owner_id != request.user.pk:
        require_meeting_role(request.user, engagement, MEETING_EDITORS)
    done = request.POST.get("done", "1") != "0"
    services.action_item_complete(item=item, done=done)
    messages.success(
        request,
        (_("“%(title)s” is done.") if done else _("“%(title)s” is open again."))
        % {"title": item.title},
    )
    return redirect(_safe_next(request, reverse("rhythm:action-items", args=[engagement.slug])))


# --- The person's inbox, settings and calendar feed -------------------------------------------


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notification_list(person=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "rhythm/inbox.html", {"page": page})


@login_required
@require_POST
def inbox_read(request: HttpRequest, pk: int) -> HttpResponse:
    if not services.notification_mark_read(person=request.user, notification_id=pk):
        raise Http404("No notification found.")
    return redirect(_safe_next(request, reverse("rhythm:inbox")))


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(person=request.user)
    messages.success(request, _("%(count)d notifications marked read.") % {"count": count})
    return redirect("rhythm:inbox")


def _feed_url(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("rhythm:calendar-feed", args=[token]))


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Reminder opt-out, immediate notices or the daily digest, the private calendar feed."""
    person: User = request.user
    current = selectors.preferences_get(person=person)
    form = PreferencesForm(
        request.POST or None,
        initial={
            "reminder_opt_out": current.reminder_opt_out,
            "notification_mode": current.notification_mode,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.person_preferences_update(person=person, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("rhythm:preferences")
    return render(
        request,
        "rhythm/preferences.html",
        {
            "form": form,
            "feed_url": _feed_url(request, current.calendar_token)
            if current.calendar_token
            else "",
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def calendar_token_regenerate(request: HttpRequest) -> HttpResponse:
    """A new private feed address; the old one answers 404 from now on."""
    services.calendar_token_regenerate(person=request.user)
    messages.success(request, _("Your calendar link is new: the previous link no longer works."))
    return redirect(reverse("rhythm:preferences") + "#calendar")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private .ics feed: public, since the token in its address is the secret."""
    content = selectors.calendar_feed_for_token(token)
    if content is None:
        raise Http404("No calendar found.")
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="tandem.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
