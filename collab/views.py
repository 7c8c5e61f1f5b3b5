"""The dashboard of the collaboration core: engagements, a person's settings, the language."""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from collab import selectors, services
from collab.common.money import money_text
from collab.common.signin import signin_failures_forget
from collab.forms import (
    EngagementCreateForm,
    EngagementSettingsForm,
    LanguageForm,
    ProfileForm,
    add_service_errors,
    engagement_create_initial,
)
from collab.models import TIME_ZONE_CHOICES, Engagement, Weekday
from roles import policy
from roles.coverage import agency_work
from roles.engagements import engagement_open, engagement_settings_update
from roles.models import Role
from roles.policy import Action
from roles.selectors import role_assignment_list


def home(request: HttpRequest) -> HttpResponse:
    """Where people land (after logging in too): the client's people on the dashboard, an
    agency admin on the agency view (staffing is their work), other agency staff on the
    backlog of their main engagement filtered to their tickets; strangers on the login page."""
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    work = agency_work(request.user)
    if work is None:
        return redirect("dashboard:director-home")
    if work.admin:
        return redirect("dashboard:agency-view")
    backlog = reverse("backlog:ticket-list", args=[work.engagement.slug])
    return redirect(f"{backlog}?{urlencode({'assignee': request.user.pk})}")


@login_required
def engagement_list(request: HttpRequest) -> HttpResponse:
    engagements = selectors.engagement_list(visible=policy.engagements_visible_to(request.user))
    return render(
        request,
        "collab/engagement_list.html",
        {
            "engagements": engagements,
            "can_create": policy.can_create_engagements(request.user),
        },
    )


def _time_zone_names() -> list[str]:
    return [name for name, _label in TIME_ZONE_CHOICES]


@login_required
@require_http_methods(["GET", "POST"])
def engagement_create(request: HttpRequest) -> HttpResponse:
    if not policy.can_create_engagements(request.user):
        raise PermissionDenied(_("Only an agency admin may open an engagement."))
    if request.method == "POST":
        form = EngagementCreateForm(request.POST)
        if form.is_valid():
            try:
                engagement = engagement_open(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("Engagement “%(name)s” opened.") % {"name": engagement.name}
                )
                return redirect("collab:engagement-detail", slug=engagement.slug)
    else:
        form = EngagementCreateForm(initial=engagement_create_initial())
    return render(
        request,
        "collab/engagement_form.html",
        {"form": form, "engagement": None, "time_zones": _time_zone_names()},
    )


@dataclass(frozen=True)
class SyncCadence:
    """The weekly sync, in the engagement's zone and in the viewer's."""

    weekday: str
    time: datetime.time
    time_zone: str
    duration_minutes: int
    viewer_weekday: str
    viewer_time: datetime.time
    viewer_time_zone: str


def _sync_cadence(engagement: Engagement, viewer_zone: datetime.tzinfo) -> SyncCadence:
    # The next occurrence is converted, not the bare weekday and time: the offset between the
    # two zones depends on the date (daylight saving time starts on different days).
    sync_zone = zoneinfo.ZoneInfo(engagement.sync_time_zone)
    now = timezone.now().astimezone(sync_zone)
    day = now.date() + datetime.timedelta(days=(engagement.sync_weekday - now.weekday()) % 7)
    start = datetime.datetime.combine(day, engagement.sync_time, tzinfo=sync_zone)
    if start < now:
        start = datetime.datetime.combine(
            day + datetime.timedelta(days=7), engagement.sync_time, tzinfo=sync_zone
        )
    seen = start.astimezone(viewer_zone)
    return SyncCadence(
        weekday=Weekday(engagement.sync_weekday).label,
        time=engagement.sync_time,
        time_zone=engagement.sync_time_zone,
        duration_minutes=engagement.sync_duration_minutes,
        viewer_weekday=Weekday(seen.weekday()).label,
        viewer_time=seen.time(),
        viewer_time_zone=getattr(viewer_zone, "key", str(viewer_zone)),
    )


@dataclass(frozen=True)
class RoleHolders:
    role: str
    people: list[str]


def _team_summary(engagement: Engagement) -> list[RoleHolders]:
    holders: dict[str, list[str]] = {}
    for assignment in role_assignment_list(engagement=engagement).active():
        holders.setdefault(assignment.role, []).append(str(assignment.person))
    return [RoleHolders(role=role.label, people=holders.get(role, [])) for role in Role]


@login_required
def engagement_detail(request: HttpRequest, slug: str) -> HttpResponse:
    engagement = policy.engagement_for(request.user, slug=slug)
    policy.require(request.user, Action.VIEW, engagement)
    return render(
        request,
        "collab/engagement_detail.html",
        {
            "engagement": engagement,
            "hourly_cost": money_text(engagement.client_hourly_cost, engagement.currency),
            "day_rate": money_text(engagement.agency_day_rate, engagement.currency),
            "sync": _sync_cadence(engagement, timezone.get_current_timezone()),
            "team": _team_summary(engagement),
            "actions": policy.actions_of(request.user, engagement),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def engagement_update(request: HttpRequest, slug: str) -> HttpResponse:
    engagement = policy.engagement_for(request.user, slug=slug)
    policy.require(request.user, Action.MANAGE_TEAM, engagement)
    if request.method == "POST":
        form = EngagementSettingsForm(request.POST)
        if form.is_valid():
            try:
                engagement_settings_update(engagement=engagement, data=form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Engagement settings saved."))
                return redirect("collab:engagement-detail", slug=engagement.slug)
    else:
        form = EngagementSettingsForm(initial=EngagementSettingsForm.initial_from(engagement))
    return render(
        request,
        "collab/engagement_form.html",
        {
            "form": form,
            "engagement": engagement,
            "time_zones": _time_zone_names(),
            "actions": policy.actions_of(request.user, engagement),
        },
    )


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    person = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.person_update(person=person, data=form.cleaned_data)
            except ValidationError as error:
                person.refresh_from_db()
                add_service_errors(form, error)
            else:
                # The saved language wins over an earlier choice in the language switch.
                language = form.cleaned_data["language"]
                with translation.override(language):
                    messages.success(request, _("Your settings are saved."))
                response = redirect("collab:profile")
                _set_language_cookie(response, language)
                return response
    else:
        form = ProfileForm(
            initial={
                "display_name": person.display_name,
                "time_zone": person.time_zone,
                "language": person.language,
            }
        )
    return render(request, "collab/profile.html", {"form": form, "time_zones": _time_zone_names()})


def _safe_next(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("collab:home")


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Sets the language cookie and, for a signed-in person, saves it as their language."""
    form = LanguageForm(request.POST)
    next_url = _safe_next(request, request.POST.get("next", ""))
    response = HttpResponseRedirect(next_url)
    if not form.is_valid():
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.person_update(person=request.user, data={"language": language})
    _set_language_cookie(response, language)
    return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset page, answering 400 to a link that is invalid, used or expired, as the
    invitation links do, so that the refusal is visible to tools as well as people."""

    def render_to_response(self, context, **response_kwargs):
        if not context.get("validlink"):
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        # The lock-out page sends a paused person here: the new password opens sign-in again.
        signin_failures_forget(username=form.user.get_username())
        return response
