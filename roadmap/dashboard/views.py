"""The dashboard pages: authorise through the policy, call one selector, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from backlog.models import FoundBy
from roadmap.dashboard import selectors
from roadmap.dashboard.charts import Chart, Series
from roles import policy
from roles.coverage import is_agency_staff
from roles.policy import Action


def _actions(request: HttpRequest, engagement) -> frozenset[str]:
    return frozenset(
        action.value
        for action in policy.actions_for_roles(policy.roles_of(request.user, engagement))
    )


@login_required
@require_GET
def director_home(request: HttpRequest) -> HttpResponse:
    """One card per engagement the person may see, with every health indicator."""
    home = selectors.director_home(
        person=request.user, visible=policy.engagements_visible_to(request.user)
    )
    return render(request, "dashboard/director_home.html", {"home": home})


def _pm_id(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
@require_GET
def agency_view(request: HttpRequest) -> HttpResponse:
    """Agency staff only: who holds which role where, overloads, engagements at risk."""
    if not is_agency_staff(request.user):
        raise PermissionDenied(_("The agency view is for people holding an agency role."))
    view = selectors.agency_view(
        person=request.user,
        visible=policy.engagements_visible_to(request.user),
        pm_id=_pm_id(request.GET.get("pm")),
    )
    return render(request, "dashboard/agency_view.html", {"view": view})


def _charts(overview: selectors.EngagementOverview, currency: str) -> dict[str, Chart]:
    labels = [point.label for point in overview.series]
    return {
        "delivered": Chart(
            categories=labels,
            currency=currency,
            series=[
                Series(
                    "delivered",
                    _("Annual value delivered"),
                    [point.delivered.annual_value for point in overview.series],
                )
            ],
        ),
        "proactivity": Chart(
            categories=labels,
            series=[
                Series(
                    "accepted",
                    _("Accepted"),
                    [point.proactivity.accepted for point in overview.series],
                ),
                Series(
                    "rejected",
                    _("Rejected"),
                    [point.proactivity.rejected for point in overview.series],
                ),
                Series(
                    "pending",
                    _("Not decided yet"),
                    [point.proactivity.pending for point in overview.series],
                ),
            ],
        ),
        "defects": Chart(
            categories=labels,
            series=[
                Series(
                    "client",
                    str(FoundBy.CLIENT.label),
                    [point.defects_client for point in overview.series],
                ),
                Series(
                    "agency_qa",
                    str(FoundBy.AGENCY_QA.label),
                    [point.defects_agency_qa for point in overview.series],
                ),
                Series(
                    "monitoring",
                    str(FoundBy.MONITORING.label),
                    [point.defects_monitoring for point in overview.series],
                ),
            ],
        ),
    }


@login_required
@require_GET
def engagement_overview(request: HttpRequest, slug: str) -> HttpResponse:
    """An engagement's indicators in detail, with two years of quarters as charts."""
    engagement = policy.engagement_for(request.user, slug=slug)
    policy.require(request.user, Action.VIEW, engagement)
    overview = selectors.engagement_overview(engagement=engagement)
    return render(
        request,
        "dashboard/engagement_overview.html",
        {
            "engagement": engagement,
            "actions": _actions(request, engagement),
            "overview": overview,
            "health": overview.health,
            "charts": _charts(overview, engagement.currency),
        },
    )
