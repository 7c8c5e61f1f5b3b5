"""Action items: the engagement's open items, marking one done, filing one as a ticket."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from collab.rhythm import backlog_bridge, selectors, services
from collab.rhythm.forms import ActionItemTicketForm
from collab.rhythm.models import ActionItem
from collab.rhythm.views.common import (
    CONFLICT,
    action_item_or_404,
    engagement_viewable,
    form_reasons,
    meeting_or_404,
    meeting_url,
    reasons_of,
    roles_and_actions,
    safe_next,
)
from collab.rhythm.views.meeting_page import render_meeting
from roles import policy
from roles.policy import Action
from roles.rhythm import MEETING_EDITORS, require_meeting_role


@login_required
@require_POST
def action_item_to_ticket(request: HttpRequest, slug: str, pk: int, item_pk: int) -> HttpResponse:
    """A meeting's action item becomes a backlog ticket of the kind and origin chosen."""
    engagement = engagement_viewable(request, slug)
    require_meeting_role(request.user, engagement, MEETING_EDITORS)
    policy.require(request.user, Action.FILE_TICKETS, engagement)
    meeting = meeting_or_404(engagement, pk)
    item = action_item_or_404(engagement, item_pk)
    if item.meeting_id != meeting.pk:
        raise Http404("No action item found.")
    form = ActionItemTicketForm(
        request.POST,
        kinds=backlog_bridge.ticket_kind_choices(),
        origins=backlog_bridge.ticket_origin_choices(),
    )
    if not form.is_valid():
        return render_meeting(request, engagement, pk, status=400, reasons=form_reasons(form))
    try:
        item = backlog_bridge.action_item_to_ticket(
            actor=request.user, item=item, **form.cleaned_data
        )
    except ValidationError as error:
        return render_meeting(request, engagement, pk, status=CONFLICT, reasons=reasons_of(error))
    messages.success(request, _("%(key)s filed from the action item.") % {"key": item.ticket_key})
    return redirect(meeting_url(engagement, meeting, "action-items"))


@login_required
@require_GET
def action_item_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Open action items, overdue ones flagged; ``?mine=1`` shows only the viewer's."""
    engagement = engagement_viewable(request, slug)
    roles, actions = roles_and_actions(request, engagement)
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
    engagement = engagement_viewable(request, slug)
    item = action_item_or_404(engagement, pk)
    if item.owner_id != request.user.pk:
        require_meeting_role(request.user, engagement, MEETING_EDITORS)
    done = request.POST.get("done", "1") != "0"
    services.action_item_complete(item=item, done=done)
    messages.success(
        request,
        (_("“%(title)s” is done.") if done else _("“%(title)s” is open again."))
        % {"title": item.title},
    )
    return redirect(safe_next(request, reverse("rhythm:action-items", args=[engagement.slug])))
