"""The team's week and one person's week, which the project manager approves or returns."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backlog.timesheets import selectors, services
from backlog.timesheets.forms import ReturnForm
from backlog.timesheets.views.common import engagement_allowed, page_context, week_of
from collab.common.lookup import found_or_404
from collab.forms import add_service_errors
from collab.models import Engagement, User
from roles import policy
from roles.policy import Action


@login_required
def team_week(request: HttpRequest, slug: str) -> HttpResponse:
    """Who logged what on the engagement this week, and the project manager's decisions."""
    engagement = engagement_allowed(request, slug, Action.VIEW_ALL_TIME)
    monday = week_of(request, request.user)
    people = selectors.team_week(engagement=engagement, week_of=monday)
    return render(
        request,
        "timesheets/team.html",
        page_context(
            request,
            engagement,
            people=people,
            monday=monday,
            previous=monday - datetime.timedelta(days=7),
            next=monday + datetime.timedelta(days=7),
            total=sum(person.minutes for person in people),
        ),
    )


def _member_or_404(engagement: Engagement, person_id: int) -> User:
    return found_or_404(
        selectors.engagement_member_get(engagement=engagement, person_id=person_id), "person"
    )


def _person_week_page(
    request: HttpRequest,
    engagement: Engagement,
    person: User,
    monday: datetime.date,
    *,
    return_form: ReturnForm | None = None,
    status: int = 200,
) -> HttpResponse:
    week = selectors.timesheet_week(engagement=engagement, person=person, week_of=monday)
    entries = list(
        selectors.time_entry_list(engagement=engagement, sees_all=True).filter(
            person=person, date__gte=monday, date__lte=monday + datetime.timedelta(days=6)
        )
    )
    return render(
        request,
        "timesheets/person_week.html",
        page_context(
            request,
            engagement,
            person=person,
            week=week,
            entries=entries,
            return_form=return_form or ReturnForm(),
            can_approve=policy.can(request.user, Action.APPROVE_TIME, engagement),
        ),
        status=status,
    )


@login_required
def person_week(request: HttpRequest, slug: str, person_id: int) -> HttpResponse:
    """One person's week on the engagement, entry by entry, to approve or return."""
    engagement = engagement_allowed(request, slug, Action.VIEW_ALL_TIME)
    person = _member_or_404(engagement, person_id)
    return _person_week_page(request, engagement, person, week_of(request, request.user))


def _person_week_url(engagement: Engagement, person: User, monday: datetime.date) -> str:
    url = reverse("timesheets:person-week", args=[engagement.slug, person.pk])
    return f"{url}?week={monday.isoformat()}"


@login_required
@require_POST
def person_week_approve(request: HttpRequest, slug: str, person_id: int) -> HttpResponse:
    """The project manager approves the week: its entries lock."""
    engagement = engagement_allowed(request, slug, Action.APPROVE_TIME)
    person = _member_or_404(engagement, person_id)
    monday = week_of(request, request.user)
    try:
        services.timesheet_week_approve(
            actor=request.user, engagement=engagement, person=person, week_of=monday
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(person)s's week approved: its time is locked.")
            % {"person": person.display_name or person.email},
        )
    return redirect(_person_week_url(engagement, person, monday))


@login_required
@require_POST
def person_week_return(request: HttpRequest, slug: str, person_id: int) -> HttpResponse:
    """The project manager returns the week with a reason; the person is told."""
    engagement = engagement_allowed(request, slug, Action.APPROVE_TIME)
    person = _member_or_404(engagement, person_id)
    monday = week_of(request, request.user)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.timesheet_week_return(
                actor=request.user,
                engagement=engagement,
                person=person,
                week_of=monday,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(person)s's week returned; they were told why.")
                % {"person": person.display_name or person.email},
            )
            return redirect(_person_week_url(engagement, person, monday))
    return _person_week_page(request, engagement, person, monday, return_form=form, status=422)
