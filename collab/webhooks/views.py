"""The webhooks' pages: the list with its creation form, a webhook's page with its delivery
log, and the buttons (test ping, redeliver, enable or disable, new secret, delete).

Views are wiring: they authorise at the top through ``roles.policy`` (another engagement's
webhook answers 404; managing webhooks needs the action that manages API tokens, 403
otherwise), parse a form, call one webhooks selector or service, and render or redirect. A
secret is shown once, in the answer to the creation or rotation that made it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from collab.common.lookup import found_or_404
from collab.forms import add_service_errors
from collab.models import Engagement
from collab.webhooks import selectors, services
from collab.webhooks.delivery import DISABLE_AFTER, MAX_ATTEMPTS
from collab.webhooks.forms import WebhookActiveForm, WebhookForm
from collab.webhooks.models import Webhook, WebhookDelivery, WebhookDeliveryState
from roles import policy
from roles.policy import Action

PAGE_SIZE = 25


def _engagement(request: HttpRequest, slug: str) -> Engagement:
    """The engagement of the URL (404 when not the viewer's), whose integrations they manage
    (403 otherwise)."""
    engagement = policy.engagement_for(request.user, slug=slug)
    policy.require(request.user, Action.MANAGE_API_TOKENS, engagement)
    return engagement


def _webhook(engagement: Engagement, pk: int) -> Webhook:
    return found_or_404(selectors.webhook_get(engagement=engagement, pk=pk), "webhook")


def _delivery(webhook: Webhook, pk: int) -> WebhookDelivery:
    return found_or_404(selectors.webhook_delivery_get(webhook=webhook, pk=pk), "delivery")


def _detail_url(webhook: Webhook) -> str:
    return reverse("webhooks:webhook-detail", args=[webhook.engagement.slug, webhook.pk])


def _with_state_labels(webhooks: Iterable[Webhook]) -> list[Webhook]:
    """The webhooks, each with the name of its latest delivery's state in the active language."""
    rows = list(webhooks)
    for webhook in rows:
        state = getattr(webhook, "last_delivery_state", None)
        webhook.last_delivery_label = WebhookDeliveryState(state).label if state else ""
    return rows


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def webhook_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The engagement's webhooks and the form that adds one; a new webhook's secret appears
    once, in the answer to its creation."""
    engagement = _engagement(request, slug)
    issued = None
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.webhook_create(
                engagement=engagement, created_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form = WebhookForm()
    return render(
        request,
        "webhooks/webhook_list.html",
        {
            "engagement": engagement,
            "actions": policy.actions_of(request.user, engagement),
            "webhooks": _with_state_labels(selectors.webhook_list(engagement=engagement)),
            "form": form,
            "issued": issued,
        },
        status=400 if form.errors else 200,
    )


def _render_detail(
    request: HttpRequest,
    engagement: Engagement,
    webhook: Webhook,
    *,
    form: WebhookForm | None = None,
    secret: str = "",
    status: int = 200,
) -> HttpResponse:
    page = Paginator(selectors.webhook_delivery_list(webhook=webhook), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    if form is None:
        form = WebhookForm(
            initial={
                "target_url": webhook.target_url,
                "description": webhook.description,
                "events": webhook.events,
            }
        )
    context: dict[str, Any] = {
        "engagement": engagement,
        "actions": policy.actions_of(request.user, engagement),
        "webhook": webhook,
        "page": page,
        "form": form,
        "secret": secret,
        "max_attempts": MAX_ATTEMPTS,
        "disable_after": DISABLE_AFTER,
    }
    return render(request, "webhooks/webhook_detail.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def webhook_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A webhook, its settings (changed here) and its delivery log, newest first."""
    engagement = _engagement(request, slug)
    webhook = _webhook(engagement, pk)
    if request.method == "GET":
        return _render_detail(request, engagement, webhook)
    form = WebhookForm(request.POST)
    if form.is_valid():
        try:
            services.webhook_update(webhook=webhook, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Webhook saved."))
            return redirect(_detail_url(webhook))
    return _render_detail(request, engagement, _webhook(engagement, pk), form=form, status=400)


@login_required
@require_POST
def webhook_ping(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = _engagement(request, slug)
    webhook = _webhook(engagement, pk)
    try:
        services.webhook_ping(webhook=webhook, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Test ping queued: it appears in the log below."))
    return redirect(_detail_url(webhook))


@login_required
@require_POST
def webhook_set_active(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = _engagement(request, slug)
    webhook = _webhook(engagement, pk)
    form = WebhookActiveForm(request.POST)
    if form.is_valid():
        active = form.cleaned_data["active"]
        services.webhook_set_active(webhook=webhook, active=active)
        messages.success(request, _("Webhook enabled.") if active else _("Webhook disabled."))
    else:
        messages.error(request, _("Choose to enable or disable the webhook."))
    return redirect(_detail_url(webhook))


@never_cache
@login_required
@require_POST
def webhook_secret_rotate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A new secret, shown once in this answer; the old one stops working at once."""
    engagement = _engagement(request, slug)
    webhook = services.webhook_secret_rotate(webhook=_webhook(engagement, pk))
    return _render_detail(
        request, engagement, _webhook(engagement, webhook.pk), secret=webhook.secret
    )


@login_required
@require_http_methods(["GET", "POST"])
def webhook_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Asks for confirmation, then deletes the webhook and its delivery log."""
    engagement = _engagement(request, slug)
    webhook = _webhook(engagement, pk)
    if request.method == "POST":
        services.webhook_delete(webhook=webhook)
        messages.success(request, _("Webhook to %(url)s deleted.") % {"url": webhook.target_url})
        return redirect("webhooks:webhook-list", slug=engagement.slug)
    return render(
        request,
        "webhooks/webhook_confirm_delete.html",
        {
            "engagement": engagement,
            "actions": policy.actions_of(request.user, engagement),
            "webhook": webhook,
        },
    )


@login_required
@require_POST
def delivery_redeliver(request: HttpRequest, slug: str, pk: int, item_pk: int) -> HttpResponse:
    engagement = _engagement(request, slug)
    webhook = _webhook(engagement, pk)
    delivery = _delivery(webhook, item_pk)
    try:
        services.webhook_delivery_redeliver(delivery=delivery)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Delivery queued to be sent again."))
    return redirect(_detail_url(webhook))
