"""What the rhythm pages share: the engagement and its objects or 404, redirects, reasons."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from collab.models import Engagement
from collab.rhythm import selectors
from collab.rhythm.models import ActionItem, AgendaItem, Meeting
from roles import policy
from roles.policy import Action

PAGE_SIZE = 50
CONFLICT = 409


def engagement_viewable(request: HttpRequest, slug: str) -> Engagement:
    """The engagement of the URL (404 when it is not the viewer's), which they may view."""
    engagement = policy.engagement_for(request.user, slug=slug)
    policy.require(request.user, Action.VIEW, engagement)
    return engagement


def meeting_or_404(engagement: Engagement, pk: int) -> Meeting:
    meeting = selectors.meeting_get(engagement=engagement, pk=pk)
    if meeting is None:
        raise Http404("No meeting found.")
    return meeting


def agenda_item_or_404(meeting: Meeting, pk: int) -> AgendaItem:
    item = selectors.agenda_item_get(meeting=meeting, pk=pk)
    if item is None:
        raise Http404("No agenda item found.")
    return item


def action_item_or_404(engagement: Engagement, pk: int) -> ActionItem:
    item = selectors.action_item_get(engagement=engagement, pk=pk)
    if item is None:
        raise Http404("No action item found.")
    return item


def roles_and_actions(request: HttpRequest, engagement: Engagement) -> tuple[frozenset, frozenset]:
    roles = policy.roles_of(request.user, engagement)
    return roles, policy.action_values(roles)


def safe_next(request: HttpRequest, fallback: str) -> str:
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def meeting_url(engagement: Engagement, meeting: Meeting, anchor: str = "") -> str:
    url = reverse("rhythm:meeting-detail", args=[engagement.slug, meeting.pk])
    return f"{url}#{anchor}" if anchor else url


def reasons_of(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


def form_reasons(form: Any) -> list[str]:
    return [
        f"{form.fields[name].label}: {message}" if name in form.fields else str(message)
        for name, errors in form.errors.items()
        for message in errors
    ]
