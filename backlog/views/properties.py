"""The ticket page's properties, each edited in place with htmx: kind, origin, assignee, sprint,
deadline and labels by whoever files tickets, the value figures by whoever edits them.

A property answers three ways from one URL: shown (GET), its small form (GET ``?edit=1``), saved
(POST). A saved property comes back shown, with a toast; a refused one comes back as its form
with the reason and what was typed (422 invalid, 409 changed by someone else meanwhile)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from backlog import selectors, services
from backlog.forms import PROPERTY_FIELDS, TicketPropertyForm, ValueForm
from backlog.models import Ticket
from backlog.views.common import engagement_allowed, ticket_or_404
from collab.forms import add_service_errors
from collab.models import Engagement
from roles import policy
from roles.policy import Action

STALE_MESSAGE = gettext_lazy(
    "Someone else changed this ticket since you opened it. Nothing was saved: the page now "
    "shows their version."
)
STALE_PROPERTY_MESSAGE = gettext_lazy(
    "Someone else changed this ticket since you opened it. Nothing was saved; what you typed "
    "is kept: save again to replace their change."
)
VALUE = "value"
PROPERTY_LABELS = {
    "kind": gettext_lazy("Kind"),
    "origin": gettext_lazy("Origin"),
    "assignee": gettext_lazy("Assignee"),
    "sprint": gettext_lazy("Sprint"),
    "deadline": gettext_lazy("Deadline"),
    "labels": gettext_lazy("Labels"),
    VALUE: gettext_lazy("Business value"),
}


def value_context(ticket: Ticket) -> dict[str, Any]:
    """The score's breakdown and the rank the ticket holds, for the value block."""
    breakdown = selectors.ticket_breakdown(ticket=ticket)
    return {
        "breakdown": breakdown,
        "rank": selectors.ticket_rank(ticket=ticket, score=breakdown.score),
    }


def _form(
    name: str, engagement: Engagement, ticket: Ticket, data: QueryDict | None = None
) -> TicketPropertyForm | ValueForm:
    if name == VALUE:
        return ValueForm(data, initial=ValueForm.initial_from(ticket))
    return TicketPropertyForm(
        data,
        initial=TicketPropertyForm.initial_from(ticket, name),
        engagement=engagement,
        name=name,
    )


def _render(
    request: HttpRequest,
    engagement: Engagement,
    ticket: Ticket,
    name: str,
    form: TicketPropertyForm | ValueForm | None,
    *,
    status: int = 200,
) -> HttpResponse:
    actions = policy.actions_of(request.user, engagement)
    context: dict[str, Any] = {
        "engagement": engagement,
        "actions": actions,
        "ticket": ticket,
        "name": name,
        "label": PROPERTY_LABELS[name],
        "prop_form": form,
        "prop_field": form[name] if form is not None and name != VALUE else None,
    }
    if name == VALUE:
        context.update(value_context(ticket))
        return render(request, "backlog/_value.html", context, status=status)
    context["labels"] = list(ticket.labels.all())
    return render(request, "backlog/_property.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def ticket_property(request: HttpRequest, slug: str, key: str, name: str) -> HttpResponse:
    """One property of the ticket page: shown, its form, or saved under the optimistic lock."""
    if name not in (*PROPERTY_FIELDS, VALUE):
        raise Http404("No such property.")
    engagement = engagement_allowed(request, slug, Action.VIEW)
    ticket = ticket_or_404(engagement, key)
    editing = request.method == "POST" or "edit" in request.GET
    if editing:
        policy.require(
            request.user, Action.EDIT_VALUE if name == VALUE else Action.FILE_TICKETS, engagement
        )
    if request.method == "GET":
        form = _form(name, engagement, ticket) if editing else None
        return _render(request, engagement, ticket, name, form)
    form = _form(name, engagement, ticket, request.POST)
    status = 422
    if form.is_valid():
        write = services.ticket_value_update if name == VALUE else services.ticket_update
        try:
            write(
                actor=request.user,
                ticket=ticket,
                data=form.service_data(),
                expected_version=form.cleaned_data["version"],
            )
        except services.StaleVersion:
            # What was typed stays, now against the stored version: saving again is a choice.
            current = ticket_or_404(engagement, key)
            typed = request.POST.copy()
            typed["version"] = str(current.version)
            form = _form(name, engagement, current, typed)
            form.is_valid()
            form.add_error(None, str(STALE_PROPERTY_MESSAGE))
            return _render(request, engagement, current, name, form, status=409)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            saved = ticket_or_404(engagement, key)
            response = _render(request, engagement, saved, name, None)
            message = _("%(property)s of %(key)s saved.") % {
                "property": PROPERTY_LABELS[name],
                "key": saved.key,
            }
            response["HX-Trigger"] = json.dumps({"toast": {"message": message, "tone": "success"}})
            return response
    return _render(request, engagement, ticket, name, form, status=status)
