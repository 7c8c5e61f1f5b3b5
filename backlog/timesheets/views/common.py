"""What the time pages share: the engagement reached through the policy, the page context,
the week asked for, a toast on an htmx answer."""

from __future__ import annotations

import datetime
import json

from django.http import HttpRequest, HttpResponse

from backlog.timesheets import services
from backlog.timesheets.models import week_start
from collab.models import Engagement, User
from roles import policy
from roles.policy import Action


def engagement_allowed(request: HttpRequest, slug: str, action: Action = Action.VIEW) -> Engagement:
    engagement = policy.engagement_for(request.user, slug=slug)
    policy.require(request.user, action, engagement)
    return engagement


def page_context(request: HttpRequest, engagement: Engagement, **extra: object) -> dict:
    return {
        "engagement": engagement,
        "actions": policy.actions_of(request.user, engagement),
        **extra,
    }


def week_of(request: HttpRequest, person: User) -> datetime.date:
    raw = request.GET.get("week") or request.POST.get("week") or ""
    try:
        return week_start(datetime.date.fromisoformat(raw))
    except ValueError:
        return week_start(services.person_today(person))


def with_toast(response: HttpResponse, message: str, tone: str = "success") -> HttpResponse:
    response["HX-Trigger"] = json.dumps({"toast": {"message": message, "tone": tone}})
    return response
