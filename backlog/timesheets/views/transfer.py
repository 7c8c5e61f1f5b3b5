"""Time as CSV: the invoicing sheet's download (filtered like the list of entries), and the
import of a Toggl, Harvest or Clockify export in two steps (a dry run listing every bad row,
then a confirmation that imports it all or nothing), as the backlog's import does: files of up
to ``MAX_WEB_ROWS`` rows in the request, larger ones through ``manage.py import_time``, which
prints its progress every 500 rows."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from backlog.timesheets.csv_export import timesheet_export_lines
from backlog.timesheets.csv_import import (
    CLOCKIFY,
    HARVEST,
    TOGGL,
    TimeImportReport,
    time_import,
)
from backlog.timesheets.views.common import engagement_allowed, page_context
from backlog.transfer_views import (
    MAX_WEB_ROWS,
    ImportUploadForm,
    csv_download,
    import_confirm,
    import_dry_run,
)
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
    return csv_download(
        engagement,
        "time",
        lambda: timesheet_export_lines(
            engagement=engagement, sees_all=sees_all, filters=request.GET
        ),
        invalid=_(
            "These filters are not valid; change them on the list of entries and export again."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def time_import_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload an export and see its dry run (every bad row, or how many entries are ready); a
    confirmation then imports it."""
    engagement = engagement_allowed(request, slug, Action.IMPORT_TIME)
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request, engagement)
    form = TimeImportForm(request.POST or None, request.FILES or None)
    report, token = import_dry_run(request, engagement, form, time_import)
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
    # When time was logged since the dry run, the page shows why; nothing was written.
    return import_confirm(
        request,
        engagement,
        run=time_import,
        page="timesheets:import",
        refused=lambda report: _page(request, engagement, form=TimeImportForm(), report=report),
        imported=_imported_message,
    )


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
