"""The analysis and the verdicts on a ticket: acceptance criteria, success metrics, impact
analysis (business analyst, project manager), QA verdicts (tester), the client's acceptance and
stakeholder scores (client people)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backlog import selectors, services
from backlog.forms import (
    AcceptanceForm,
    CriterionForm,
    CriterionUpdateForm,
    ImpactAnalysisForm,
    InitiativeAnswerForm,
    QAExceptionForm,
    QAVerdictForm,
    StakeholderScoreForm,
    SuccessMetricForm,
)
from backlog.models import AcceptanceCriterion, ClientAcceptance, Ticket
from backlog.views.common import ANALYSTS, engagement_allowed, require_roles, ticket_or_404
from backlog.views.common import ticket_url as _ticket_url
from backlog.views.ticket import render_detail
from collab.common.lookup import found_or_404
from collab.forms import add_service_errors
from roles.models import CLIENT_ROLES, Role
from roles.policy import Action, actions_of


def _criterion_or_404(ticket: Ticket, pk: int) -> AcceptanceCriterion:
    return found_or_404(selectors.criterion_get(ticket=ticket, pk=pk), "acceptance criterion")


def _submit(
    request: HttpRequest,
    *,
    engagement,
    ticket: Ticket,
    form,
    form_name: str,
    write: Callable[[], object],
    message: str,
    anchor: str,
) -> HttpResponse:
    """The shape every form of the ticket page shares: a valid form goes to its service; the
    service's refusal is shown beside the fields; success redirects to the ticket's section."""
    if form.is_valid():
        try:
            write()
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, message)
            return redirect(_ticket_url(ticket, anchor))
    return render_detail(request, engagement, ticket.key, **{form_name: form})


@login_required
@require_POST
def criterion_add(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    engagement = engagement_allowed(request, slug, Action.VIEW)
    require_roles(request, engagement, ANALYSTS)
    ticket = ticket_or_404(engagement, key)
    form = CriterionForm(request.POST)
    return _submit(
        request,
        engagement=engagement,
        ticket=ticket,
        form=form,
        form_name="criterion_form",
        write=lambda: services.criterion_add(
            actor=request.user, ticket=ticket, **form.cleaned_data
        ),
        message=_("Acceptance criterion added."),
        anchor="criteria",
    )


@login_required
@require_http_methods(["GET", "POST"])
def criterion_update(request: HttpRequest, slug: str, key: str, pk: int) -> HttpResponse:
    engagement = engagement_allowed(request, slug, Action.VIEW)
    require_roles(request, engagement, ANALYSTS)
    ticket = ticket_or_404(engagement, key)
    criterion = _criterion_or_404(ticket, pk)
    if request.method == "POST":
        form = CriterionUpdateForm(request.POST)
        if form.is_valid():
            try:
                services.criterion_update(
                    actor=request.user, criterion=criterion, data=form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Acceptance criterion saved."))
                return redirect(_ticket_url(ticket, "criteria"))
    else:
        form = CriterionUpdateForm(
            initial={
                name: getattr(criterion, name)
                for name in ("order", "text", "given", "when", "then")
            }
        )
    return render(
        request,
        "backlog/criterion_form.html",
        {
            "engagement": engagement,
            "actions": actions_of(request.user, engagement),
            "ticket": ticket,
            "criterion": criterion,
            "form": form,
        },
    )


@login_required
@require_POST
def criterion_delete(request: HttpRequest, slug: str, key: str, pk: int) -> HttpResponse:
    engagement = engagement_allowed(request, slug, Action.VIEW)
    require_roles(request, engagement, ANALYSTS)
    ticket = ticket_or_404(engagement, key)
    criterion = _criterion_or_404(ticket, pk)
    try:
        services.criterion_delete(actor=request.user, criterion=criterion)
    except ValidationError as error:
        return render_detail(request, engagement, key, status=409, reasons=error.messages)
    messages.success(request, _("Acceptance criterion deleted."))
    return redirect(_ticket_url(ticket, "criteria"))


@login_required
@require_POST
def metric_add(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    engagement = engagement_allowed(request, slug, Action.VIEW)
    require_roles(request, engagement, ANALYSTS)
    ticket = ticket_or_404(engagement, key)
    form = SuccessMetricForm(request.POST)
    return _submit(
        request,
        engagement=engagement,
        ticket=ticket,
        form=form,
        form_name="metric_form",
        write=lambda: services.success_metric_add(
            actor=request.user, ticket=ticket, **form.cleaned_data
        ),
        message=_("Success metric added."),
        anchor="analysis",
    )


@login_required
@require_POST
def impact_analysis(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    engagement = engagement_allowed(request, slug, Action.VIEW)
    require_roles(request, engagement, ANALYSTS)
    ticket = ticket_or_404(engagement, key)
    form = ImpactAnalysisForm(request.POST)
    return _submit(
        request,
        engagement=engagement,
        ticket=ticket,
        form=form,
        form_name="impact_form",
        write=lambda: services.impact_analysis_set(
            actor=request.user, ticket=ticket, **form.cleaned_data
        ),
        message=_("Impact analysis saved."),
        anchor="analysis",
    )


@login_required
@require_POST
def qa_verdict_add(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """A tester's verdict, per criterion and overall, on a ticket in QA."""
    engagement = engagement_allowed(request, slug, Action.RECORD_QA)
    ticket = ticket_or_404(engagement, key)
    form = QAVerdictForm(request.POST, criteria=list(selectors.criterion_list(ticket=ticket)))
    return _submit(
        request,
        engagement=engagement,
        ticket=ticket,
        form=form,
        form_name="qa_form",
        write=lambda: services.qa_verdict_record(
            actor=request.user,
            ticket=ticket,
            passed=form.cleaned_data["passed"],
            notes=form.cleaned_data["notes"],
            results=form.results(),
        ),
        message=_("QA verdict recorded."),
        anchor="qa",
    )


@login_required
@require_POST
def initiative_answer(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """A client person accepts or declines an agency initiative: only that answer counts."""
    engagement = engagement_allowed(request, slug, Action.VIEW)
    require_roles(request, engagement, CLIENT_ROLES)
    ticket = ticket_or_404(engagement, key)
    form = InitiativeAnswerForm(request.POST)
    return _submit(
        request,
        engagement=engagement,
        ticket=ticket,
        form=form,
        form_name="initiative_form",
        write=lambda: services.initiative_answer(
            actor=request.user,
            ticket=ticket,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        ),
        message=_("Your answer to %(key)s is saved.") % {"key": ticket.key},
        anchor="initiative",
    )


@login_required
@require_POST
def qa_exception_grant(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """The client's director lets the ticket's assignee or criteria author give its QA verdict,
    for this ticket only, saying why."""
    engagement = engagement_allowed(request, slug, Action.VIEW)
    require_roles(request, engagement, frozenset({Role.DIRECTOR}))
    ticket = ticket_or_404(engagement, key)
    form = QAExceptionForm(request.POST, engagement=engagement)
    return _submit(
        request,
        engagement=engagement,
        ticket=ticket,
        form=form,
        form_name="qa_exception_form",
        write=lambda: services.qa_exception_grant(
            actor=request.user,
            ticket=ticket,
            person=form.cleaned_data["person"],
            reason=form.cleaned_data["reason"],
        ),
        message=_("Exception granted for %(key)s.") % {"key": ticket.key},
        anchor="qa",
    )


@login_required
@require_POST
def ticket_acceptance(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """A client person accepts the ticket in QA, or rejects it with a reason (back to in
    progress)."""
    engagement = engagement_allowed(request, slug, Action.VIEW)
    ticket = ticket_or_404(engagement, key)
    form = AcceptanceForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == ClientAcceptance.Decision.ACCEPTED:
                services.ticket_accept(actor=request.user, ticket=ticket)
                message = _("You accepted %(key)s.") % {"key": ticket.key}
            else:
                services.ticket_reject_acceptance(
                    actor=request.user, ticket=ticket, reason=form.cleaned_data["reason"]
                )
                message = _("You rejected %(key)s; it is back in progress.") % {"key": ticket.key}
        except services.TransitionRefused as refusal:
            return render_detail(request, engagement, key, status=409, reasons=refusal.reasons)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, message)
            return redirect(_ticket_url(ticket, "acceptance"))
    return render_detail(request, engagement, key, acceptance_form=form)


@login_required
@require_POST
def stakeholder_score(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """A client person's own 1-5 value score; a spread of 2 or more flags the ticket."""
    engagement = engagement_allowed(request, slug, Action.VIEW)
    ticket = ticket_or_404(engagement, key)
    form = StakeholderScoreForm(request.POST)
    return _submit(
        request,
        engagement=engagement,
        ticket=ticket,
        form=form,
        form_name="score_form",
        write=lambda: services.stakeholder_score_set(
            actor=request.user, ticket=ticket, **form.cleaned_data
        ),
        message=_("Your score is saved."),
        anchor="scores",
    )
