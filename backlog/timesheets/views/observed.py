"""Observed roles: where the team's hours and actions went, beside the roles assigned."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from backlog.timesheets import services
from backlog.timesheets.observed import OBSERVED_SHARE, observed_roles, observed_window
from backlog.timesheets.views.common import engagement_allowed, page_context
from roles import policy
from roles.coverage import role_coverage
from roles.policy import Action


@login_required
def observed_roles_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The last four weeks per person: roles assigned, hours and actions per role, the roles
    observed; the client's people count approved billable time only."""
    engagement = engagement_allowed(request, slug)
    sees_all = policy.can(request.user, Action.VIEW_ALL_TIME, engagement)
    start, end = observed_window(services.person_today(request.user))
    observed = observed_roles(engagements=[engagement], start=start, end=end, sees_all=sees_all)
    if request.GET.get("part") == "summary":
        # The team page's card, loaded by htmx (the team page lives in roles, below time).
        return render(
            request,
            "timesheets/_observed_summary.html",
            page_context(request, engagement, observed=observed[engagement.pk]),
        )
    return render(
        request,
        "timesheets/observed.html",
        page_context(
            request,
            engagement,
            observed=observed[engagement.pk],
            assigned=role_coverage(engagements=[engagement], on=end)[engagement.pk],
            sees_all=sees_all,
            threshold=OBSERVED_SHARE,
        ),
    )
