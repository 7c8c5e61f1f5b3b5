"""The backlog settings page: how the engagement ranks its backlog (scoring model, weights),
its workflow rules and which role receives each kind of new ticket. Every member reads it; the
director and the agency admin change it, and may first preview the ranking it would give."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backlog import selectors, services
from backlog.models import ScoringModel
from backlog.settings_forms import BacklogSettingsForm
from backlog.views.common import engagement_allowed
from collab.forms import add_service_errors
from collab.models import Engagement
from roles.policy import Action, actions_of, require


def _render(
    request: HttpRequest,
    engagement: Engagement,
    form: BacklogSettingsForm,
    *,
    actions: frozenset[str],
    status: int = 200,
    preview: selectors.RankingPreview | None = None,
) -> HttpResponse:
    return render(
        request,
        "backlog/settings.html",
        {
            "engagement": engagement,
            "actions": actions,
            "form": form,
            "can_configure": Action.CONFIGURE_BACKLOG.value in actions,
            "preview": preview,
            "ranking_job": selectors.ranking_job_running(engagement=engagement),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def backlog_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """Read by every member (fields disabled); saved by those who configure the backlog, all
    of it or nothing, never over a change someone else saved since the page was read."""
    engagement = engagement_allowed(request, slug, Action.VIEW)
    actions = actions_of(request.user, engagement)
    if request.method != "POST":
        current = selectors.backlog_settings_get(engagement=engagement)
        form = BacklogSettingsForm(
            initial=BacklogSettingsForm.initial_from(current),
            read_only=Action.CONFIGURE_BACKLOG.value not in actions,
        )
        return _render(request, engagement, form, actions=actions)
    require(request.user, Action.CONFIGURE_BACKLOG, engagement)
    form = BacklogSettingsForm(request.POST)
    if form.is_valid():
        try:
            saved = services.backlog_settings_update(
                engagement=engagement,
                scoring=form.scoring_data(),
                routing=form.routing_data(),
                expected_fingerprint=form.cleaned_data["fingerprint"] or None,
                actor=request.user,
            )
        except services.StaleSettings as stale:
            return _stale(request, engagement, str(stale), actions=actions)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Backlog settings saved: the backlog is ranked by %(model)s.")
                % {"model": ScoringModel(saved.scoring.model).label},
            )
            return redirect("backlog:ticket-list", slug=engagement.slug)
    return _render(request, engagement, form, actions=actions, status=400)


def _stale(
    request: HttpRequest, engagement: Engagement, message: str, *, actions: frozenset[str]
) -> HttpResponse:
    """The person's values again, now read against the settings saved meanwhile: saving once
    more is a deliberate choice to replace them."""
    data: Any = request.POST.copy()
    data["fingerprint"] = selectors.backlog_settings_get(engagement=engagement).fingerprint
    form = BacklogSettingsForm(data)
    form.is_valid()
    form.add_error(None, message)
    return _render(request, engagement, form, actions=actions, status=409)


@login_required
@require_POST
def backlog_settings_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The open backlog's top 10 today beside its top 10 under the settings being typed, with
    every move; nothing is saved. htmx gets the comparison alone, a plain form the whole page."""
    engagement = engagement_allowed(request, slug, Action.CONFIGURE_BACKLOG)
    form = BacklogSettingsForm(request.POST)
    preview = None
    if form.is_valid():
        try:
            proposed = services.scoring_settings_build(
                engagement=engagement, data=form.scoring_data()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            preview = selectors.ranking_preview(
                engagement=engagement,
                current=selectors.scoring_settings_get(engagement=engagement),
                proposed=proposed,
            )
    if request.htmx:
        return render(
            request,
            "backlog/_settings_preview.html",
            {"engagement": engagement, "form": form, "preview": preview},
        )
    actions = actions_of(request.user, engagement)
    return _render(
        request,
        engagement,
        form,
        actions=actions,
        preview=preview,
        status=200 if preview is not None else 400,
    )
