"""The dashboard's CSV pages: download the filtered backlog, and import a Tandem or Jira file
in two steps (a dry run listing every bad row, then a confirmation that imports it all or
nothing). The web import takes files of up to ``MAX_WEB_ROWS`` rows, processed in the request:
the tickets are filed through ``ticket_create_many`` 500 at a time (the rules of
``ticket_create`` in about 20 queries per batch of any size). ``manage.py bench`` measures 5,000
Jira rows on PostgreSQL at under 2 s (a dry run under 0.5 s), well within the 30-second request
timeout of the production web server. Larger files go through ``manage.py import_tickets``, which
prints its progress every 500 rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

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

from backlog.transfer.csv_export import export_lines
from backlog.transfer.csv_import import JIRA, TANDEM, ImportRefused, ImportReport, tickets_import
from backlog.transfer.pending import (
    pending_import_discard,
    pending_import_open,
    pending_import_save,
)
from collab.models import Engagement
from roles import policy
from roles.policy import Action, actions_of

MAX_WEB_ROWS = 5000
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "UTF-8 or Windows-1252, separated by commas, semicolons or tabs; at most "
            "5,000 rows and 10 MB."
        ),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        required=False,
        choices=[
            ("", gettext_lazy("Recognise it from the columns")),
            (TANDEM, gettext_lazy("Tandem's own CSV (as exported)")),
            (JIRA, gettext_lazy("Jira CSV export")),
        ],
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


@login_required
@require_GET
def ticket_export(request: HttpRequest, slug: str) -> HttpResponse:
    """The backlog, filtered by the same query parameters as the backlog page, as a CSV
    download streamed from the database."""
    engagement = policy.engagement_for(request.user, slug=slug)
    policy.require(request.user, Action.VIEW, engagement)
    return csv_download(
        engagement,
        "backlog",
        lambda: export_lines(engagement=engagement, filters=request.GET),
        invalid=_("These filters are not valid; change them on the backlog page and export again."),
    )


def csv_download(
    engagement: Engagement, name: str, lines: Callable[[], Iterator[str]], *, invalid: str
) -> HttpResponse:
    """A CSV export streamed as ``<prefix>-<name>-<today>.csv``; ``invalid`` (plain text, 400)
    when ``lines`` refuses its filters."""
    try:
        streamed = lines()
    except ValidationError:
        return HttpResponseBadRequest(invalid, content_type="text/plain; charset=utf-8")
    response = StreamingHttpResponse(streamed, content_type="text/csv; charset=utf-8")
    filename = f"{engagement.key_prefix.lower()}-{name}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def ticket_import(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload a file and see its dry run (every bad row, or how many tickets are ready); a
    confirmation then imports it."""
    engagement = policy.engagement_for(request.user, slug=slug)
    policy.require(request.user, Action.FILE_TICKETS, engagement)
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request, engagement)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    report, token = import_dry_run(request, engagement, form, tickets_import)
    return _page(request, engagement, form=form, report=report, token=token)


def import_dry_run(
    request: HttpRequest, engagement: Engagement, form: forms.Form, run: Callable[..., Any]
) -> tuple[Any, str]:
    """The first step of an import page (the backlog's, the time's): the uploaded file's dry
    run by ``run`` (``tickets_import``, ``time_import``), and the token of the upload kept for
    the confirmation when every row is ready; a refused file is the form's error."""
    if request.method != "POST" or not form.is_valid():
        return None, ""
    data = form.cleaned_data["file"].read()
    try:
        report = run(
            actor=request.user,
            engagement=engagement,
            data=data,
            fmt=form.cleaned_data["format"] or None,
            dry_run=True,
            max_rows=MAX_WEB_ROWS,
        )
    except ImportRefused as refusal:
        form.add_error("file", refusal.message)
        return None, ""
    token = ""
    if report.ok and report.ready:
        token = pending_import_save(
            data=data, engagement_id=engagement.pk, person_id=request.user.pk, fmt=report.format
        )
    return report, token


def _page(
    request: HttpRequest,
    engagement: Engagement,
    *,
    form: ImportUploadForm,
    report: ImportReport | None,
    token: str = "",
) -> HttpResponse:
    return render(
        request,
        "backlog_transfer/import.html",
        {
            "engagement": engagement,
            "actions": actions_of(request.user, engagement),
            "form": form,
            "report": report,
            "token": token,
            "max_rows": number_format(MAX_WEB_ROWS, force_grouping=True),
        },
        status=400 if form.errors else 200,
    )


def _confirm(request: HttpRequest, engagement: Engagement) -> HttpResponse:
    # When the backlog changed since the dry run, the page shows why; nothing was written.
    return import_confirm(
        request,
        engagement,
        run=tickets_import,
        page="backlog_transfer:import",
        refused=lambda report: _page(request, engagement, form=ImportUploadForm(), report=report),
        imported=_imported_message,
    )


def import_confirm(
    request: HttpRequest,
    engagement: Engagement,
    *,
    run: Callable[..., Any],
    page: str,
    refused: Callable[[Any], HttpResponse],
    imported: Callable[[Any], str],
) -> HttpResponse:
    """The second step of an import page: import the upload kept by the dry run (its token,
    this person's and this engagement's only) with ``run``, then back to ``page`` (a URL name)
    with ``imported(report)``; when the data changed since the dry run, ``refused(report)``
    shows why (nothing was written). The kept upload is discarded either way."""
    pending = pending_import_open(
        token=request.POST["token"], engagement_id=engagement.pk, person_id=request.user.pk
    )
    if pending is None:
        messages.error(
            request, _("This import has expired or is not yours: upload the file again.")
        )
        return redirect(page, slug=engagement.slug)
    try:
        report = run(
            actor=request.user,
            engagement=engagement,
            data=pending.data,
            fmt=pending.fmt,
            max_rows=MAX_WEB_ROWS,
        )
    except ImportRefused as refusal:
        pending_import_discard(pending)
        messages.error(request, refusal.message)
        return redirect(page, slug=engagement.slug)
    pending_import_discard(pending)
    if not report.ok:
        return refused(report)
    messages.success(request, imported(report))
    return redirect(page, slug=engagement.slug)


def _imported_message(report: ImportReport) -> str:
    created = len(report.created)
    text = ngettext("%(count)s ticket imported.", "%(count)s tickets imported.", created) % {
        "count": created
    }
    if created:
        text += " " + _("Keys %(first)s to %(last)s.") % {
            "first": report.created[0],
            "last": report.created[-1],
        }
    if report.unchanged:
        text += " " + ngettext(
            "%(count)s row was already imported and is unchanged.",
            "%(count)s rows were already imported and are unchanged.",
            len(report.unchanged),
        ) % {"count": len(report.unchanged)}
    return text
