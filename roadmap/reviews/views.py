"""The review pages: list, review (pack, decisions, session, sign-off), snapshots, the diff of
two snapshots (and its printable version) and value realisation."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backlog import services as backlog_services
from backlog.forms import InitiativeAnswerForm
from backlog.models import InitiativeDecision, Ticket
from backlog.selectors import ticket_get
from collab.common.lookup import found_or_404
from collab.forms import add_service_errors
from collab.models import Engagement
from roadmap.dashboard.charts import Chart, Series
from roadmap.reviews import selectors, services
from roadmap.reviews.access import (
    REALISATION_RECORDERS,
    REVIEW_EDITORS,
    SESSION_RUNNERS,
    holds,
    require_held,
)
from roadmap.reviews.diff import SnapshotDiff, snapshot_diff
from roadmap.reviews.forms import DecisionForm, RealisationForm
from roadmap.reviews.models import Review, ReviewSnapshot, ReviewState
from roadmap.reviews.pack import pack_for_viewer
from roadmap.reviews.selectors import QuarterAccuracy
from roles import policy
from roles.models import CLIENT_ROLES
from roles.policy import Action


def _engagement(request: HttpRequest, slug: str) -> Engagement:
    engagement = policy.engagement_for(request.user, slug=slug)
    policy.require(request.user, Action.VIEW, engagement)
    return engagement


def _review_or_404(engagement: Engagement, pk: int) -> Review:
    return found_or_404(selectors.review_get(engagement=engagement, pk=pk), "review")


@login_required
@require_GET
def review_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The engagement's reviews, latest first; overdue ones flagged."""
    engagement = _engagement(request, slug)
    overdue = list(selectors.review_overdue(engagement=engagement))
    return render(
        request,
        "roadmap/reviews/review_list.html",
        {
            "engagement": engagement,
            "actions": policy.actions_of(request.user, engagement),
            "reviews": selectors.review_list(engagement=engagement),
            "overdue": overdue,
            "overdue_ids": {review.pk for review in overdue},
        },
    )


def _initiative_rows(
    review: Review, *, bound: tuple[str, InitiativeAnswerForm] | None = None
) -> list[dict[str, Any]]:
    """The initiatives awaiting the client's answer, each with its answer form (the one just
    refused keeps what was typed and its errors)."""
    return [
        {
            "ticket": ticket,
            "form": bound[1] if bound and bound[0] == ticket.key else InitiativeAnswerForm(),
        }
        for ticket in selectors.initiatives_awaiting_answer(review=review)
    ]


def _render_review(
    request: HttpRequest,
    engagement: Engagement,
    review: Review,
    *,
    form: DecisionForm | None = None,
    errors: Sequence[object] | None = None,
    status: int = 200,
    initiative_form: tuple[str, InitiativeAnswerForm] | None = None,
) -> HttpResponse:
    # One read of the person's roles answers every "may they" of the page.
    roles = policy.roles_of(request.user, engagement)
    editor = bool(roles & REVIEW_EDITORS)
    actions = policy.actions_of(request.user, engagement)
    sees_costs = policy.realised_cost_visible(actions)
    return render(
        request,
        "roadmap/reviews/review_detail.html",
        {
            "engagement": engagement,
            "actions": actions,
            "review": review,
            "pack": pack_for_viewer(review.pack, sees_costs=sees_costs) if review.pack else None,
            "sees_costs": sees_costs,
            "decisions": selectors.decision_list(review=review),
            "overdue": selectors.is_overdue(review),
            "can_start": review.state == ReviewState.PREPARING and bool(roles & SESSION_RUNNERS),
            "can_refresh": review.state == ReviewState.PREPARING and editor,
            "decision_form": (form or DecisionForm())
            if review.state == ReviewState.IN_SESSION and editor
            else None,
            "sign_off_refusals": selectors.review_sign_off_refusals(
                review=review, actor=request.user
            )
            if review.state != ReviewState.SIGNED_OFF
            else [],
            "errors": errors or [],
            "initiatives": _initiative_rows(review, bound=initiative_form),
            "can_answer_initiatives": bool(roles & CLIENT_ROLES),
        },
        status=status,
    )


@login_required
@require_GET
def review_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A review: its pack, decisions, session and sign-off (with why it is refused)."""
    engagement = _engagement(request, slug)
    return _render_review(request, engagement, _review_or_404(engagement, pk))


@login_required
@require_POST
def review_refresh(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = _engagement(request, slug)
    review = _review_or_404(engagement, pk)
    require_held(request.user, engagement, REVIEW_EDITORS)
    try:
        services.review_pack_refresh(review=review)
    except ValidationError as error:
        return _render_review(request, engagement, review, errors=error.messages, status=409)
    messages.success(request, _("Preparation pack refreshed."))
    return redirect("reviews:review-detail", slug=engagement.slug, pk=review.pk)


@login_required
@require_POST
def review_start(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = _engagement(request, slug)
    review = _review_or_404(engagement, pk)
    require_held(request.user, engagement, SESSION_RUNNERS)
    try:
        services.review_start(actor=request.user, review=review)
    except ValidationError as error:
        return _render_review(request, engagement, review, errors=error.messages, status=409)
    messages.success(request, _("The review session has started."))
    return redirect("reviews:review-detail", slug=engagement.slug, pk=review.pk)


@login_required
@require_POST
def decision_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = _engagement(request, slug)
    review = _review_or_404(engagement, pk)
    require_held(request.user, engagement, REVIEW_EDITORS)
    form = DecisionForm(request.POST)
    if form.is_valid():
        key = form.cleaned_data["ticket"].strip()
        ticket = ticket_get(engagement=engagement, key=key) if key else None
        if key and ticket is None:
            form.add_error("ticket", _("No ticket with this key in this engagement."))
        else:
            try:
                services.review_decision_add(
                    actor=request.user, review=review, text=form.cleaned_data["text"], ticket=ticket
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Decision recorded."))
                return redirect("reviews:review-detail", slug=engagement.slug, pk=review.pk)
    return _render_review(request, engagement, review, form=form, status=400)


@login_required
@require_POST
def review_sign_off(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = _engagement(request, slug)
    review = _review_or_404(engagement, pk)
    policy.require(request.user, Action.SIGN_OFF_REVIEWS, engagement)
    try:
        services.review_sign_off(actor=request.user, review=review)
    except services.SignOffRefused as refused:
        return _render_review(request, engagement, review, errors=refused.refusals, status=409)
    messages.success(request, _("Review signed off: its snapshot is frozen."))
    return redirect("reviews:snapshot-detail", slug=engagement.slug, pk=review.pk)


def _initiative_row(
    request: HttpRequest,
    engagement: Engagement,
    review: Review,
    ticket: Ticket,
    form: InitiativeAnswerForm | None,
    *,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "roadmap/reviews/_initiative_row.html",
        {
            "engagement": engagement,
            "review": review,
            "row": {"ticket": ticket, "form": form},
            "can_answer_initiatives": True,
        },
        status=status,
    )


@login_required
@require_POST
def initiative_answer(request: HttpRequest, slug: str, pk: int, key: str) -> HttpResponse:
    """A client person accepts or declines an agency initiative from the review pack, through
    the same service as the ticket page; the agency's own answer is refused (403)."""
    engagement = _engagement(request, slug)
    review = _review_or_404(engagement, pk)
    require_held(request.user, engagement, CLIENT_ROLES)
    ticket = found_or_404(ticket_get(engagement=engagement, key=key), "ticket")
    form = InitiativeAnswerForm(request.POST)
    if form.is_valid():
        try:
            backlog_services.initiative_answer(
                actor=request.user,
                ticket=ticket,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if form.cleaned_data["decision"] == InitiativeDecision.ACCEPTED:
                message = _("You accepted %(key)s.") % {"key": ticket.key}
            else:
                message = _("You declined %(key)s.") % {"key": ticket.key}
            if request.htmx:
                response = _initiative_row(request, engagement, review, ticket, None)
                response["HX-Trigger"] = json.dumps(
                    {"toast": {"message": message, "tone": "success"}}
                )
                return response
            messages.success(request, message)
            url = reverse("reviews:review-detail", args=[engagement.slug, review.pk])
            return redirect(f"{url}#initiatives")
    if request.htmx:
        return _initiative_row(request, engagement, review, ticket, form, status=400)
    return _render_review(
        request, engagement, review, initiative_form=(ticket.key, form), status=400
    )


@login_required
@require_GET
def snapshot_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The history of signed-off snapshots, latest first."""
    engagement = _engagement(request, slug)
    return render(
        request,
        "roadmap/reviews/snapshot_list.html",
        {
            "engagement": engagement,
            "actions": policy.actions_of(request.user, engagement),
            "snapshots": selectors.snapshot_list(engagement=engagement),
        },
    )


def _snapshot_or_404(review: Review) -> ReviewSnapshot:
    return found_or_404(selectors.snapshot_of(review=review), "snapshot")


@login_required
@require_http_methods(["GET", "POST"])
def snapshot_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A frozen snapshot; any attempt to change it (POST) is refused with the reason (409)."""
    engagement = _engagement(request, slug)
    review = _review_or_404(engagement, pk)
    snapshot = _snapshot_or_404(review)
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.snapshot_change(snapshot=snapshot, changes=request.POST.dict())
        except ValidationError as error:
            errors = error.messages
    return render(
        request,
        "roadmap/reviews/snapshot_detail.html",
        {
            "engagement": engagement,
            "actions": policy.actions_of(request.user, engagement),
            "review": review,
            "snapshot": snapshot,
            "data": snapshot.data,
            "errors": errors,
        },
        status=409 if errors else 200,
    )


def _diff_context(request: HttpRequest, slug: str, pk: int) -> dict:
    engagement = _engagement(request, slug)
    review = _review_or_404(engagement, pk)
    after = _snapshot_or_404(review)
    against = request.GET.get("against", "")
    if against:
        if not against.isdigit():
            raise Http404("No such review.")
        before = _snapshot_or_404(_review_or_404(engagement, int(against)))
    else:
        before = selectors.snapshot_before(snapshot=after)
    diff: SnapshotDiff | None = None
    if before is not None:
        diff = snapshot_diff(before.data, after.data)
    return {
        "engagement": engagement,
        "actions": policy.actions_of(request.user, engagement),
        "review": review,
        "after": after,
        "before": before,
        "diff": diff,
        "currency": engagement.currency,
        "snapshots": selectors.snapshot_list(engagement=engagement),
    }


@login_required
@require_GET
def diff(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """What changed between this review's snapshot and another (by default the previous)."""
    return render(request, "roadmap/reviews/diff.html", _diff_context(request, slug, pk))


@login_required
@require_GET
def diff_print(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The same difference, laid out for printing (no navigation)."""
    return render(request, "roadmap/reviews/diff_print.html", _diff_context(request, slug, pk))


def _accuracy_chart(rows: list[QuarterAccuracy], currency: str) -> Chart:
    return Chart(
        categories=[row.quarter for row in rows],
        series=[
            Series("estimated", _("Estimated"), [row.estimated for row in rows]),
            Series("realised", _("Realised"), [row.realised for row in rows]),
        ],
        currency=currency,
        grouped=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def value_realisation(request: HttpRequest, slug: str) -> HttpResponse:
    """Estimated against realised value of done tickets, the accuracy per quarter, and the
    form the director (or the consultant) records a realised value with."""
    engagement = _engagement(request, slug)
    can_record = holds(request.user, engagement, REALISATION_RECORDERS)
    accuracy = selectors.realisation_accuracy(engagement=engagement)
    form = None
    if request.method == "POST":
        require_held(request.user, engagement, REALISATION_RECORDERS)
        form = RealisationForm(request.POST)
        if form.is_valid():
            realisation = selectors.value_realisation_get(
                engagement=engagement, pk=form.cleaned_data["realisation"]
            )
            if realisation is None:
                raise Http404("No such realisation.")
            try:
                services.value_realisation_record(
                    actor=request.user,
                    realisation=realisation,
                    realised_annual_value=form.cleaned_data["realised_annual_value"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Realised value recorded."))
                return redirect("reviews:value-realisation", slug=engagement.slug)
    return render(
        request,
        "roadmap/reviews/value_realisation.html",
        {
            "engagement": engagement,
            "actions": policy.actions_of(request.user, engagement),
            "realisations": selectors.value_realisation_list(engagement=engagement),
            "accuracy": accuracy,
            "accuracy_chart": _accuracy_chart(accuracy, engagement.currency),
            "can_record": can_record,
            "form": form,
        },
        status=400 if form is not None and form.errors else 200,
    )
