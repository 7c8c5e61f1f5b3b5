"""The list of entries (what the client may see of it) and one entry with its history."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backlog.selectors import ticket_get
from backlog.timesheets import selectors, services
from backlog.timesheets.durations import duration_format
from backlog.timesheets.filters import TimeEntryFilter
from backlog.timesheets.forms import EntryForm
from backlog.timesheets.models import TimeEntry, TimeEntryChange, week_start
from backlog.timesheets.views.common import engagement_allowed, page_context
from collab.common.lookup import found_or_404
from collab.forms import add_service_errors
from collab.models import Engagement
from roles import policy
from roles.models import Role
from roles.policy import Action

PAGE_SIZE = 50


@login_required
def entry_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The engagement's time, filtered; the client's people see approved billable time only,
    without internal notes."""
    engagement = engagement_allowed(request, slug)
    sees_all = policy.can(request.user, Action.VIEW_ALL_TIME, engagement)
    entries = selectors.time_entry_list(engagement=engagement, sees_all=sees_all)
    filterset = TimeEntryFilter(request.GET or None, queryset=entries, engagement=engagement)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "timesheets/entry_list.html",
        page_context(
            request,
            engagement,
            filter=filterset,
            page=page,
            sees_all=sees_all,
            query=query.urlencode(),
        ),
    )


def _entry_or_404(request: HttpRequest, engagement: Engagement, pk: int) -> tuple[TimeEntry, bool]:
    sees_all = policy.can(request.user, Action.VIEW_ALL_TIME, engagement)
    entry = found_or_404(
        selectors.time_entry_get(engagement=engagement, pk=pk, sees_all=sees_all), "time entry"
    )
    return entry, sees_all


def _entry_form(entry: TimeEntry, data: object = None) -> EntryForm:
    roles = services.roles_held(person=entry.person, engagement=entry.engagement, day=entry.date)
    if entry.role not in roles:
        roles = [entry.role, *roles]
    initial = {
        "date": entry.date,
        "minutes": entry.minutes,
        "ticket": entry.ticket.key if entry.ticket else "",
        "role": entry.role,
        "billable": entry.billable,
        "note": entry.note,
        "note_internal": entry.note_internal,
    }
    return EntryForm(data, initial=initial, roles=roles)


def _may_change(request: HttpRequest, engagement: Engagement, entry: TimeEntry) -> bool:
    return entry.person_id == request.user.pk and policy.can(
        request.user, Action.LOG_TIME, engagement
    )


def _shown(name: str, value: Any) -> str:
    """A value of the history as a person reads it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if name == "minutes":
        return duration_format(value)
    if name == "role":
        return str(Role(value).label) if value in Role.values else str(value)
    if name == "date":
        return formats.date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    return str(value)


def _label(name: str) -> str:
    extra = {"approved": _("Approved"), "reason": _("Reason"), "minutes": _("Duration")}
    if name in extra:
        return str(extra[name])
    return str(TimeEntry._meta.get_field(name).verbose_name).capitalize()


def _change_lines(change: TimeEntryChange) -> list[tuple[str, str, str]]:
    """(what, before, after) for each field a change touched."""
    names = list(dict.fromkeys([*change.before, *change.after]))
    return [
        (_label(name), _shown(name, change.before.get(name)), _shown(name, change.after.get(name)))
        for name in names
        if change.before.get(name) != change.after.get(name)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def entry_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One entry, its history (for the agency), and its edit form for its own person while
    its week is not approved."""
    engagement = engagement_allowed(request, slug)
    entry, sees_all = _entry_or_404(request, engagement, pk)
    may_change = _may_change(request, engagement, entry)
    form = _entry_form(entry) if may_change and not entry.is_approved else None
    status = 200
    if request.method == "POST":
        if not may_change:
            policy.require(request.user, Action.LOG_TIME, engagement)
            raise Http404("No time entry found.")
        form = _entry_form(entry, request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            key = data.pop("ticket").strip()
            ticket = None
            if key:
                ticket = ticket_get(engagement=engagement, key=key.upper())
                if ticket is None:
                    form.add_error(
                        "ticket", _("No ticket %(key)s on this engagement.") % {"key": key}
                    )
            if form.is_valid():
                try:
                    services.time_entry_update(
                        actor=request.user, entry=entry, data={**data, "ticket": ticket}
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                except services.TimeLocked as error:
                    form.add_error(None, error.message)
                else:
                    messages.success(request, _("Time entry saved."))
                    return redirect("timesheets:entry-detail", engagement.slug, entry.pk)
        status = 422
    changes = (
        [
            (change, _change_lines(change))
            for change in selectors.time_entry_changes(engagement=engagement, entry_ref=entry.pk)
        ]
        if sees_all
        else []
    )
    return render(
        request,
        "timesheets/entry_detail.html",
        page_context(
            request,
            engagement,
            entry=entry,
            sees_all=sees_all,
            form=form,
            may_change=may_change,
            changes=changes,
        ),
        status=status,
    )


@login_required
@require_POST
def entry_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Delete one's own entry while its week is not approved."""
    engagement = engagement_allowed(request, slug, Action.LOG_TIME)
    entry, _sees_all = _entry_or_404(request, engagement, pk)
    if entry.person_id != request.user.pk:
        raise Http404("No time entry found.")
    try:
        services.time_entry_delete(actor=request.user, entry=entry)
    except services.TimeLocked as error:
        messages.error(request, error.message)
        return redirect("timesheets:entry-detail", engagement.slug, entry.pk)
    messages.success(request, _("Time entry deleted."))
    url = reverse("timesheets:timesheet", args=[engagement.slug])
    return redirect(f"{url}?week={week_start(entry.date).isoformat()}")
