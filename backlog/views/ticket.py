"""The ticket pages: quick logging, the ticket page, editing, value figures with the live score
preview, workflow steps and comments."""

from __future__ import annotations

import copy
import datetime
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_decimal
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import DecimalField
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from backlog import selectors, services, workflow
from backlog.forms import (
    BUG_FIELDS,
    AcceptanceForm,
    CommentForm,
    CriterionForm,
    ImpactAnalysisForm,
    InitiativeAnswerForm,
    QAExceptionForm,
    QAVerdictForm,
    StakeholderScoreForm,
    SuccessMetricForm,
    TicketCreateForm,
    TicketUpdateForm,
    TransitionForm,
    ValueForm,
)
from backlog.models import (
    Attachment,
    ClientAcceptance,
    Comment,
    InitiativeDecision,
    Kind,
    Origin,
    Status,
    Ticket,
    TicketHistory,
)
from backlog.scoring import FIGURES_BY_MODEL
from backlog.services.fields import TEXT_DIFF_FIELDS
from backlog.views.attachments import add_upload_errors, attachment_form, attachments_context
from backlog.views.common import ANALYSTS, engagement_allowed, ticket_or_404, ticket_url
from backlog.views.properties import STALE_MESSAGE
from backlog.views.sprints import render_board, render_card
from collab.common.money import active_locale, money_text, number_pattern
from collab.forms import add_service_errors
from collab.models import Engagement
from roles import policy
from roles.models import CLIENT_ROLES, Role
from roles.policy import Action, actions_of

MAIN_FIELDS = ("title", "description", "kind", "assignee", "sprint", "deadline", "labels")
EVENT_LABELS = {
    "routing": gettext_lazy("Routing"),
    "qa_exception": gettext_lazy("Exception to the separation of duties"),
    "value_stated": gettext_lazy("Value stated when filed"),
    "criterion": gettext_lazy("Acceptance criterion"),
    "criterion_order": gettext_lazy("Order of an acceptance criterion"),
    "labels": gettext_lazy("Labels"),
    "acceptance": gettext_lazy("Client acceptance"),
    "attachment": gettext_lazy("Attachment"),
}
EVENT_VALUES = {
    "unrouted": gettext_lazy("Unrouted: nobody holds the responsible role"),
    **dict(InitiativeDecision.choices),
    **dict(ClientAcceptance.Decision.choices),
}


@dataclass(frozen=True)
class HistoryRow:
    entry: TicketHistory
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class ActivityEntry:
    """One line of the ticket's activity: a comment or a recorded change."""

    at: datetime.datetime
    comment: Comment | None = None
    change: HistoryRow | None = None
    attachments: tuple[Attachment, ...] = ()


def activity(
    comments: list[Comment], history: list[HistoryRow], attachments: list[Attachment] | None = None
) -> list[ActivityEntry]:
    """Comments (with their files) and changes in one timeline, oldest first (the comment box
    comes last)."""
    by_comment: dict[int, list[Attachment]] = {}
    for attachment in attachments or []:
        if attachment.comment_id is not None:
            by_comment.setdefault(attachment.comment_id, []).append(attachment)
    entries = [
        ActivityEntry(
            at=comment.created_at,
            comment=comment,
            attachments=tuple(by_comment.get(comment.pk, ())),
        )
        for comment in comments
    ]
    entries += [ActivityEntry(at=row.entry.at, change=row) for row in history]
    return sorted(entries, key=lambda entry: entry.at)


@dataclass(frozen=True)
class TransitionChoice:
    status: str
    label: str
    needs_reason: bool


def _shown(field_name: str, value: str) -> str:
    if not value:
        return ""
    if field_name == "value_stated":
        return "; ".join(f"{label}: {shown}" for label, shown in stated_rows(json.loads(value)))
    if field_name in EVENT_LABELS:
        return str(EVENT_VALUES.get(value, value))
    try:
        field = Ticket._meta.get_field(field_name)
    except FieldDoesNotExist:
        return str(EVENT_VALUES.get(value, value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return _figure(field, value)


# Figures in money: written with the engagement's currency where it is known.
MONEY_FIGURES = frozenset({"annual_revenue_gain", "annual_cost_savings"})


def _figure(field: Any, value: str, currency: str = "") -> str:
    """A stored number as the reader's language writes it (35000.00 → 35,000 or 35 000; with
    the currency, €35,000.00); anything else as it is."""
    if not isinstance(field, DecimalField):
        return value
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    if currency and field.name in MONEY_FIGURES:
        return money_text(number, currency)
    return format_decimal(number, format=number_pattern("#,##0.##"), locale=active_locale())


def stated_rows(figures: dict[str, str], currency: str = "") -> list[tuple[str, str]]:
    """Each stated figure with its field's name, choices in the reader's language and numbers
    written its way (amounts in ``currency`` when given)."""
    rows = []
    for name, value in figures.items():
        field = Ticket._meta.get_field(name)
        label = str(field.verbose_name)
        if field.choices:
            shown = str(dict(field.flatchoices).get(value, value))
        else:
            shown = _figure(field, value, currency)
        rows.append((label[:1].upper() + label[1:], shown))
    return rows


def history_rows(entries: list[TicketHistory]) -> list[HistoryRow]:
    """The history with field names and choice values in the reader's language."""
    rows = []
    for entry in entries:
        if entry.field in EVENT_LABELS:
            label = str(EVENT_LABELS[entry.field])
        else:
            try:
                label = str(Ticket._meta.get_field(entry.field).verbose_name)
            except FieldDoesNotExist:
                label = entry.field
        before, after = _shown(entry.field, entry.before), _shown(entry.field, entry.after)
        if entry.field in TEXT_DIFF_FIELDS:
            # The whole texts are kept; the row shows their start and the note the lines changed.
            before, after = Truncator(before).chars(60), Truncator(after).chars(60)
        rows.append(
            HistoryRow(entry=entry, field=label[:1].upper() + label[1:], before=before, after=after)
        )
    return rows


def transition_choices(status: str, roles: frozenset[Role]) -> list[TransitionChoice]:
    return [
        TransitionChoice(
            status=target.value,
            label=str(target.label),
            needs_reason=(Status(status), target) in workflow.REASON_REQUIRED,
        )
        for target in workflow.allowed_targets(status, roles)
    ]


def render_detail(
    request: HttpRequest,
    engagement: Engagement,
    key: str,
    *,
    status: int = 200,
    reasons: list[str] | None = None,
    **forms: Any,
) -> HttpResponse:
    """The ticket page; a refused or invalid write passes its bound form or its reasons."""
    detail = selectors.ticket_detail(engagement=engagement, key=key)
    if detail is None:
        raise Http404("No ticket found.")
    ticket = detail.ticket
    roles = policy.roles_of(request.user, engagement)
    actions = frozenset(action.value for action in policy.actions_for_roles(roles))
    criteria = list(ticket.criteria.all())
    is_analyst = bool(roles & ANALYSTS)
    is_client = bool(roles & CLIENT_ROLES)
    in_qa = ticket.status == Status.QA
    my_score = next(
        (row for row in ticket.stakeholder_scores.all() if row.person_id == request.user.pk), None
    )
    analysis = getattr(ticket, "impact_analysis", None)
    qa_exception = selectors.qa_exception_get(ticket=ticket)
    statement = selectors.value_statement_get(ticket=ticket)
    defaults: dict[str, Any] = {
        "value_form": ValueForm(initial=ValueForm.initial_from(ticket))
        if Action.EDIT_VALUE.value in actions
        else None,
        "criterion_form": CriterionForm() if is_analyst else None,
        "metric_form": SuccessMetricForm() if is_analyst else None,
        "impact_form": ImpactAnalysisForm(
            initial={"affected_areas": analysis.affected_areas, "risk_level": analysis.risk_level}
            if analysis
            else None
        )
        if is_analyst
        else None,
        "qa_form": QAVerdictForm(criteria=criteria) if Role.TESTER in roles and in_qa else None,
        "acceptance_form": AcceptanceForm() if is_client and in_qa else None,
        "initiative_form": InitiativeAnswerForm()
        if is_client and ticket.origin == Origin.AGENCY_INITIATIVE
        else None,
        "qa_exception_form": QAExceptionForm(engagement=engagement)
        if Role.DIRECTOR in roles
        and not ticket.is_closed
        and detail.settings.separation_of_duties
        and qa_exception is None
        else None,
        "score_form": StakeholderScoreForm(
            initial={"score": my_score.score, "comment": my_score.comment} if my_score else None
        )
        if is_client
        else None,
        "comment_form": CommentForm(),
        "attachment_form": attachment_form(),
    }
    defaults.update(forms)
    value_form = defaults["value_form"]
    criterion_text = {criterion.pk: criterion for criterion in criteria}
    comments = list(ticket.comments.all())
    attachments = list(selectors.attachment_list(ticket=ticket))
    history = history_rows(list(selectors.ticket_history_list(ticket=ticket)))
    context = {
        "engagement": engagement,
        "actions": actions,
        "ticket": ticket,
        "breakdown": detail.breakdown,
        "settings": detail.settings,
        "criteria": criteria,
        "criterion_by_id": criterion_text,
        "metrics": list(ticket.success_metrics.all()),
        "analysis": analysis,
        "verdicts": list(ticket.qa_verdicts.all()),
        "qa_exception": qa_exception,
        "value_statement": statement,
        "stated_figures": (
            stated_rows(statement.figures, engagement.currency) if statement else []
        ),
        "comments": comments,
        "scores": list(ticket.stakeholder_scores.all()),
        "labels": list(ticket.labels.all()),
        "history": history,
        "activity": activity(comments, history, attachments),
        **attachments_context(request, engagement, ticket, attachments),
        "rank": selectors.ticket_rank(ticket=ticket, score=detail.breakdown.score),
        "transitions": transition_choices(ticket.status, roles),
        "reasons": reasons or [],
        "value_form_open": value_form if value_form is not None and value_form.is_bound else None,
        "is_analyst": is_analyst,
        **defaults,
    }
    return render(request, "backlog/ticket_detail.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def ticket_detail(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    engagement = engagement_allowed(request, slug, Action.VIEW)
    return render_detail(request, engagement, key)


def _created_message(ticket: Ticket) -> str:
    if ticket.unrouted:
        return _(
            "%(key)s filed. Nobody holds the role %(role)s on this engagement: the ticket is "
            "flagged unrouted and the project manager will route it."
        ) % {"key": ticket.key, "role": Role(ticket.responsible_role).label}
    return _("%(key)s filed and routed to %(person)s (%(role)s).") % {
        "key": ticket.key,
        "person": ticket.assignee,
        "role": Role(ticket.responsible_role).label,
    }


@login_required
@require_http_methods(["GET", "POST"])
def ticket_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Quick logging: title and kind are enough; a bug brings its reproduction template and a
    feature or improvement asks its author for the value figures the scoring model needs. From
    the backlog's dialog (htmx) a filed ticket answers 204 with a toast and an event that
    refreshes the list; an invalid form comes back (422) with what was typed."""
    engagement = engagement_allowed(request, slug, Action.FILE_TICKETS)
    client_side = bool(policy.roles_of(request.user, engagement) & CLIENT_ROLES)
    settings = selectors.scoring_settings_get(engagement=engagement)
    # The dialog of the backlog page names its fields apart from the page's own.
    auto_id = "new-%s" if request.htmx else "id_%s"
    options = {
        "client_side": client_side,
        "figures": FIGURES_BY_MODEL[settings.model],
        "auto_id": auto_id,
    }
    status = 200
    if request.method == "POST":
        form = TicketCreateForm(request.POST, request.FILES, **options)
        if form.is_valid():
            try:
                ticket = services.ticket_create(
                    actor=request.user, engagement=engagement, **form.service_data()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                message = _created_message(ticket)
                if request.htmx:
                    response = HttpResponse(status=204)
                    response["HX-Trigger"] = json.dumps(
                        {
                            "toast": {
                                "message": message,
                                "tone": "warning" if ticket.unrouted else "success",
                            },
                            "ticketCreated": {"key": ticket.key, "url": ticket_url(ticket)},
                        }
                    )
                    return response
                if ticket.unrouted:
                    messages.warning(request, message)
                else:
                    messages.success(request, message)
                return redirect(ticket_url(ticket))
        status = 422 if request.htmx else 200
    else:
        kind = request.GET.get("kind")
        # Agency staff choose the origin themselves: no default that would count an initiative.
        form = TicketCreateForm(
            initial={"kind": kind if kind in Kind.values else Kind.FEATURE}, **options
        )
    kind_value = form["kind"].value() or ""
    context = {
        "engagement": engagement,
        "actions": actions_of(request.user, engagement),
        "form": form,
        "create_form": form,
        "bug_fields": [form[name] for name in BUG_FIELDS],
        "is_bug": kind_value == Kind.BUG,
        "value_fields": [form[name] for name in form.figures],
        "asks_value": kind_value in workflow.VALUE_KINDS,
        "breakdown": _filing_breakdown(engagement, form),
        "settings": settings,
    }
    if request.htmx:
        return render(request, "backlog/_ticket_create_form.html", context, status=status)
    return render(request, "backlog/ticket_create.html", context, status=status)


def _filing_breakdown(engagement: Engagement, form: TicketCreateForm) -> Any:
    """The score a ticket would get with the figures typed so far (nothing saved)."""
    preview = Ticket(engagement=engagement, kind=Kind.FEATURE)
    if form.is_bound:
        for name in form.figures:
            value = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
            if value not in (None, ""):
                setattr(preview, name, value)
    return selectors.ticket_breakdown(ticket=preview)


@login_required
@require_POST
def ticket_create_score_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """While a ticket is being filed: the score its typed value figures would give, under the
    engagement's model, computed without saving (htmx)."""
    engagement = engagement_allowed(request, slug, Action.FILE_TICKETS)
    settings = selectors.scoring_settings_get(engagement=engagement)
    form = TicketCreateForm(
        request.POST, client_side=True, figures=FIGURES_BY_MODEL[settings.model]
    )
    valid = form.is_valid()
    invalid_figures = any(name in form.errors for name in form.figures)
    return render(
        request,
        "backlog/_breakdown.html",
        {
            "engagement": engagement,
            "breakdown": _filing_breakdown(engagement, form),
            "preview": True,
            "preview_invalid": invalid_figures and not valid,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def ticket_update(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """Edit a ticket under optimistic locking: a version older than the stored one is refused
    and the other person's change is kept."""
    engagement = engagement_allowed(request, slug, Action.FILE_TICKETS)
    ticket = ticket_or_404(engagement, key)
    status = 200
    stale = None
    if request.method == "POST":
        form = TicketUpdateForm(request.POST, engagement=engagement)
        if form.is_valid():
            try:
                services.ticket_update(
                    actor=request.user,
                    ticket=ticket,
                    data=form.service_data(),
                    expected_version=form.cleaned_data["version"],
                )
            except services.StaleVersion:
                stale = form.cleaned_data
                ticket = ticket_or_404(engagement, key)
                form = TicketUpdateForm(
                    initial=TicketUpdateForm.initial_from(ticket), engagement=engagement
                )
                status = 409
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(key)s saved.") % {"key": ticket.key})
                return redirect(ticket_url(ticket))
    else:
        form = TicketUpdateForm(
            initial=TicketUpdateForm.initial_from(ticket), engagement=engagement
        )
    return render(
        request,
        "backlog/ticket_form.html",
        {
            "engagement": engagement,
            "actions": actions_of(request.user, engagement),
            "ticket": ticket,
            "form": form,
            "main_fields": [form[name] for name in MAIN_FIELDS],
            "bug_fields": [form[name] for name in BUG_FIELDS],
            "stale": stale,
            "stale_message": STALE_MESSAGE if stale is not None else "",
        },
        status=status,
    )


@login_required
@require_POST
def ticket_value_update(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """Save the value figures (each change in the history), under the optimistic lock."""
    engagement = engagement_allowed(request, slug, Action.EDIT_VALUE)
    ticket = ticket_or_404(engagement, key)
    form = ValueForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_value_update(
                actor=request.user,
                ticket=ticket,
                data=form.service_data(),
                expected_version=form.cleaned_data["version"],
            )
        except services.StaleVersion:
            return render_detail(request, engagement, key, status=409, reasons=[STALE_MESSAGE])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Value figures of %(key)s saved.") % {"key": ticket.key})
            return redirect(ticket_url(ticket, "value"))
    return render_detail(request, engagement, key, value_form=form)


@login_required
@require_POST
def ticket_score_preview(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """The "why this rank" breakdown for the figures being typed, computed without saving."""
    engagement = engagement_allowed(request, slug, Action.EDIT_VALUE)
    ticket = ticket_or_404(engagement, key)
    form = ValueForm(request.POST)
    preview = copy.copy(ticket)
    valid = form.is_valid()
    if valid:
        for name, value in form.service_data().items():
            setattr(preview, name, value)
    breakdown = selectors.ticket_breakdown(ticket=preview)
    return render(
        request,
        "backlog/_breakdown.html",
        {
            "engagement": engagement,
            "breakdown": breakdown,
            "rank": selectors.ticket_rank(ticket=preview, score=breakdown.score),
            "figures": preview,
            "preview": True,
            "preview_invalid": not valid,
        },
    )


@login_required
@require_POST
def ticket_transition(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """One workflow step. A refusal answers 409 with the guard's reasons and changes nothing:
    on the ticket page for a form, in place of the board card for htmx."""
    engagement = engagement_allowed(request, slug, Action.VIEW)
    ticket = ticket_or_404(engagement, key)
    form = TransitionForm(request.POST)
    reasons: list[str] = []
    if not form.is_valid():
        reasons = [_("Choose the status to move the ticket to.")]
    else:
        try:
            services.ticket_transition(
                actor=request.user,
                ticket=ticket,
                to_status=form.cleaned_data["to_status"],
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except services.TransitionRefused as refusal:
            reasons = refusal.reasons
        except services.StaleVersion:
            reasons = [str(STALE_MESSAGE)]
    if reasons:
        if request.htmx:
            return render_card(request, engagement, ticket_or_404(engagement, key), reasons)
        return render_detail(request, engagement, key, status=409, reasons=reasons)
    message = _("%(key)s moved to %(status)s.") % {
        "key": ticket.key,
        "status": Status(ticket.status).label,
    }
    if request.htmx and ticket.sprint_id is not None:
        response = render_board(request, engagement, ticket.sprint, message=message)
        return reswap(retarget(response, "#board"), "outerHTML")
    if request.htmx:
        return render_card(request, engagement, ticket, [], message=message)
    messages.success(request, message)
    return redirect(ticket_url(ticket, "workflow"))


@login_required
@require_POST
def comment_add(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    engagement = engagement_allowed(request, slug, Action.VIEW)
    ticket = ticket_or_404(engagement, key)
    form = CommentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.comment_add(
                actor=request.user,
                ticket=ticket,
                body=form.cleaned_data["body"],
                uploads=form.cleaned_data["files"],
            )
        except ValidationError as error:
            add_upload_errors(form, error)
        else:
            messages.success(request, _("Comment added."))
            return redirect(ticket_url(ticket, "comments"))
    return render_detail(request, engagement, key, comment_form=form)
