"""The Budget page: each budget's current period (burn, burn-down, forecast) and its past
periods; the project manager and the agency admin create, change and delete budgets.

The client's people (the director) read hours and per cent, and money only for a budget in
money (what the client pays); never the day rate nor the agency's cost of an hours budget."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backlog.timesheets import budgets as services
from backlog.timesheets import burn
from backlog.timesheets.forms import BudgetForm
from backlog.timesheets.models import Budget
from backlog.timesheets.views.common import engagement_allowed, page_context
from collab.common.lookup import found_or_404
from collab.forms import add_service_errors
from collab.models import Engagement
from roles import policy
from roles.policy import Action


@login_required
def budget_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Every budget of the engagement with its current period's burn-down and forecast."""
    engagement = engagement_allowed(request, slug, Action.VIEW_BUDGETS)
    views = burn.budget_views(engagement=engagement)
    return render(
        request,
        "timesheets/budgets.html",
        page_context(
            request,
            engagement,
            budgets=views,
            sees_costs=policy.can(request.user, Action.VIEW_ALL_TIME, engagement),
            can_manage=policy.can(request.user, Action.MANAGE_BUDGETS, engagement),
        ),
    )


def _form_page(
    request: HttpRequest,
    engagement: Engagement,
    form: BudgetForm,
    budget: Budget | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "timesheets/budget_form.html",
        page_context(request, engagement, form=form, budget=budget),
        status=status,
    )


def _budgets_url(engagement: Engagement) -> str:
    return reverse("timesheets:budgets", args=[engagement.slug])


@login_required
def budget_create(request: HttpRequest, slug: str) -> HttpResponse:
    """A new budget: a retainer (monthly, quarterly) or a fixed project budget."""
    engagement = engagement_allowed(request, slug, Action.MANAGE_BUDGETS)
    if request.method != "POST":
        return _form_page(request, engagement, BudgetForm(initial={"rollover": "none"}))
    form = BudgetForm(request.POST)
    if form.is_valid():
        try:
            budget = services.budget_create(engagement=engagement, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Budget “%(name)s” created.") % {"name": budget.name})
            return redirect(_budgets_url(engagement))
    return _form_page(request, engagement, form, status=422)


def _budget_or_404(engagement: Engagement, pk: int) -> Budget:
    return found_or_404(burn.budget_get(engagement=engagement, pk=pk), "budget")


@login_required
def budget_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Change a budget's name, amount, end or rollover rule."""
    engagement = engagement_allowed(request, slug, Action.MANAGE_BUDGETS)
    budget = _budget_or_404(engagement, pk)
    if request.method != "POST":
        initial = {name: getattr(budget, name) for name in services.CHANGEABLE}
        return _form_page(request, engagement, BudgetForm(initial=initial, editing=True), budget)
    form = BudgetForm(request.POST, editing=True)
    if form.is_valid():
        try:
            services.budget_update(budget=budget, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Budget “%(name)s” saved.") % {"name": budget.name})
            return redirect(_budgets_url(engagement))
    return _form_page(request, engagement, form, budget, status=422)


@login_required
@require_POST
def budget_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Delete a budget with its periods and alerts."""
    engagement = engagement_allowed(request, slug, Action.MANAGE_BUDGETS)
    budget = _budget_or_404(engagement, pk)
    services.budget_delete(budget=budget)
    messages.success(request, _("Budget “%(name)s” deleted.") % {"name": budget.name})
    return redirect(_budgets_url(engagement))
