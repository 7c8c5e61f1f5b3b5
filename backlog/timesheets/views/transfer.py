"""Time as CSV: the invoicing sheet's download (filtered like the list of entries), and the
import of a Toggl, Harvest or Clockify export in two steps (a dry run listing every bad row,
then a confirmation that imports it all or nothing), as the backlog's import does: files of up
to ``MAX_WEB_ROWS`` rows in the request, larger ones through ``manage.py import_time``, which
prints its progress every 500 rows."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from backlog.timesheets.csv_export import timesheet_export_lines
from backlog.timesheets.csv_import import (
    CLOCKIFY,
    HARVEST,
    TOGGL,
    ImportRefused,
    TimeImportReport,
    time_import,
)
from backlog.timesheets.views.common import engagement_allowed, page_context
from backlog.transfer.pending import (
    pending_import_discard,
    pending_import_open,
    pending_import_save,
)
from backlog.transfer_views import MAX_WEB_ROWS, ImportUploadForm
from collab.models import Engagement
from roles import policy
from roles.policy import Action


class TimeImportForm(ImportUploadForm):
    """The backlog's upload form (size limit, help) with the time trackers as formats."""

    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        required=False,
        choices=[
            ("", gettext_lazy("Recognise it from the columns")),
            (TOGGL, gettext_lazy("Toggl detailed export")),
            (HARVEST, gettext_lazy("Harvest detailed time report")),
            (CLOCKIFY, gettext_lazy("Clockify detailed report")),
        ],
    )


@login_required
@require_GET
def time_export(request: HttpRequest, slug: str) -> HttpResponse:
    """The time the viewer may see, filtered by the list's query parameters (person, from,
    to, month...), as a CSV download streamed from the database."""
    engagement = engagement_allowed(request, slug)
    sees_all = policy.can(request.user, Action.VIEW_ALL_TIME, engagement)
    try:
        lines = timesheet_export_lines(
            engagement=engagement, sees_all=sees_all, filters=request.GET
        )
    except ValidationError:
        return HttpResponseBadRequest(
            _("These filters are not valid; change them on the list of entries and export again."),
            content_type="text/plain; charset=utf-8",
        )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    filename = f"{engagement.key_prefix.lower()}-time-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def time_import_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload an export and see its dry run (every bad row, or how many entries are ready); a
    confirmation then imports it."""
    engagement = engagement_allowed(request, slug, Action.IMPORT_TIME)
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request, engagement)
    form = TimeImportForm(request.POST or None, request.FILES or None)
    report: TimeImportReport | None = None
    token = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        try:
            report = time_import(
                actor=request.user,
                engagement=engagement,
                data=data,
                fmt=form.cleaned_data["format"] or None,
                dry_run=True,
                max_rows=MAX_WEB_ROWS,
            )
        except ImportRefused as refusal:
            form.add_error("file", refusal.message)
        else:
            if report.ok and report.ready:
                token = pending_import_save(
                    data=data,
                    engagement_id=engagement.pk,
                    person_id=request.user.pk,
                    fmt=report.format,
                )
    return _page(request, engagement, form=form, report=report, token=token)


def _page(
    request: HttpRequest,
    engagement: Engagement,
    *,
    form: TimeImportForm,
    report: TimeImportReport | None,
    token: str = "",
) -> HttpResponse:
    return render(
        request,
        "timesheets/import.html",
        page_context(
            request,
            engagement,
            form=form,
            report=report,
            token=token,
            max_rows=number_format(MAX_WEB_ROWS, force_grouping=True),
        ),
        status=400 if form.errors else 200,
    )


def _confirm(request: HttpRequest, engagement: Engagement) -> HttpResponse:
    pending = pending_import_open(
        token=request.POST["token"], engagement_id=engagement.pk, person_id=request.user.pk
    )
    if pending is None:
        messages.error(
            request, _("This import has expired or is not yours: upload the file again.")
        )
        return redirect("timesheets:import", slug=engagement.slug)
    try:
        report = time_import(
            actor=request.user,
            engagement=engagement,
            data=pending.data,
            fmt=pending.fmt,
            max_rows=MAX_WEB_ROWS,
        )
    except ImportRefused as refusal:
        pending_import_discard(pending)
        messages.error(request, refusal.message)
        return redirect("timesheets:import", slug=engagement.slug)
    pending_import_discard(pending)
    if not report.ok:
        # Time was logged since the dry run: show why; nothing was written.
        return _page(request, engagement, form=TimeImportForm(), report=report)
    messages.success(request, _imported_message(report))
    return redirect("timesheets:import", slug=engagement.slug)


def _imported_message(report: TimeImportReport) -> str:
    text = ngettext(
        "%(count)s time entry imported.", "%(count)s time entries imported.", report.created
    ) % {"count": report.created}
    if report.unchanged:
        text += " " + ngettext(
            "%(count)s row was already imported and is unchanged.",
            "%(count)s rows were already imported and are unchanged.",
            len(report.unchanged),
        ) % {"count": len(report.unchanged)}
    return text
