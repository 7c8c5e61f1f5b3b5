"""Search: the command palette's results (an htmx fragment) and the search page (the same
results, for a search typed into the top bar without JavaScript or shared as a link)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET

from collab.models import Engagement
from roadmap.search import selectors
from roles import policy
from roles.policy import Action


@dataclass(frozen=True)
class Command:
    """A page to go to or an action to run, offered by the palette."""

    label: str
    icon: str
    url: str
    hint: str = ""


# The pages of an engagement the palette can jump to: (label, icon, URL name, required action).
ENGAGEMENT_PAGES = (
    (_("Overview"), "layout-dashboard", "collab:engagement-detail", None),
    (_("Health"), "heartbeat", "dashboard:engagement-overview", None),
    (_("Backlog"), "list-details", "backlog:ticket-list", None),
    (_("Priority matrix"), "grid-dots", "backlog:matrix", None),
    (pgettext_lazy("navigation", "Board"), "layout-kanban", "backlog:sprint-list", None),
    (_("My timesheet"), "clock-hour-4", "timesheets:timesheet", Action.LOG_TIME),
    (_("Time entries"), "clock", "timesheets:entry-list", None),
    (_("Observed roles"), "users-group", "timesheets:observed-roles", None),
    (_("Roadmap"), "map-2", "roadmap:board", None),
    (_("Objectives"), "target-arrow", "roadmap:objective-list", None),
    (_("Meetings"), "calendar-event", "rhythm:meeting-list", None),
    (_("Decisions"), "gavel", "rhythm:decision-log", None),
    (_("Reviews"), "presentation-analytics", "reviews:review-list", None),
    (_("Team"), "users", "roles:team", None),
    (_("Scoring and workflow"), "adjustments", "backlog:settings", None),
    (_("Engagement settings"), "settings", "collab:engagement-update", Action.MANAGE_TEAM),
    (_("API tokens"), "key", "roles:api-tokens", Action.MANAGE_API_TOKENS),
    (_("Webhooks"), "webhook", "webhooks:webhook-list", Action.MANAGE_API_TOKENS),
)


def _matches(label: str, words: list[str]) -> bool:
    text = label.lower()
    return all(word in text for word in words)


def _commands(request: HttpRequest, current: Engagement | None, words: list[str]) -> list[Command]:
    """The actions and pages whose name matches the query: the current engagement's first."""
    commands: list[Command] = []
    if current is not None:
        granted = policy.actions_for_roles(policy.roles_of(request.user, current))
        if Action.FILE_TICKETS in granted:
            log = Command(
                label=str(_("Log a ticket")),
                icon="plus",
                url=reverse("backlog:ticket-create", args=[current.slug]),
                hint=current.name,
            )
            if not words or _matches(log.label, words):
                commands.append(log)
        for label, icon, url_name, required in ENGAGEMENT_PAGES:
            if required is not None and required not in granted:
                continue
            if words and _matches(str(label), words):
                commands.append(
                    Command(
                        label=str(_("Go to %(page)s") % {"page": label}),
                        icon=icon,
                        url=reverse(url_name, args=[current.slug]),
                        hint=current.name,
                    )
                )
    general = (
        (_("Dashboard"), "home", reverse("dashboard:director-home")),
        (_("Engagements"), "briefcase", reverse("collab:engagement-list")),
        (_("Inbox"), "inbox", reverse("rhythm:inbox")),
        (_("Notifications"), "bell-cog", reverse("rhythm:preferences")),
        (_("Profile and time zone"), "user-cog", reverse("collab:profile")),
    )
    for label, icon, url in general:
        if words and _matches(str(label), words):
            go_to = str(_("Go to %(page)s") % {"page": label})
            commands.append(Command(label=go_to, icon=icon, url=url))
    return commands[:8]


def _context(request: HttpRequest, limit: int) -> dict:
    query = request.GET.get("q", "")
    visible = policy.engagements_visible_to(request.user)
    slug = request.GET.get("engagement", "")
    # The current engagement only if the person may see it: a foreign slug is ignored.
    current = visible.filter(slug=slug).first() if slug else None
    words = selectors.search_words(query)
    results = selectors.search(visible=visible, query=query, limit=limit)
    engagements = [e for e in visible.order_by("name") if words and _matches(e.name, words)][:5]
    return {
        "query": results.query,
        "results": results,
        "commands": _commands(request, current, words),
        "engagements_found": engagements,
        "current_engagement": current,
    }


@login_required
@require_GET
def palette(request: HttpRequest) -> HttpResponse:
    """The palette's results for what was typed (an HTML fragment)."""
    return render(request, "search/_results.html", _context(request, limit=6))


@login_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    """The search page: the same results, more of each kind."""
    return render(request, "search/page.html", _context(request, limit=25))
