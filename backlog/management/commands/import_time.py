"""``manage.py import_time --engagement SLUG --file F [--format toggl|harvest|clockify]
[--dry-run] [--as EMAIL]``: import time from a Toggl, Harvest or Clockify CSV export (rules in
``backlog.timesheets.csv_import``) with no limit of rows, printing progress every 500 rows as
``import_tickets`` does. Every bad row is listed and nothing is written when there is one."""

from __future__ import annotations

from backlog.management.csv_import_command import CsvImportCommand
from backlog.timesheets.csv_import import FORMATS, TimeImportReport, time_import
from collab.models import Engagement
from roles.models import Role


class Command(CsvImportCommand):
    help = "Import time from a Toggl, Harvest or Clockify CSV export (all or nothing)."
    formats = FORMATS
    actor_help = (
        "The importing person (recorded in each entry's history); default: an agency admin of "
        "the engagement."
    )
    actor_roles = (Role.PROJECT_MANAGER, Role.AGENCY_ADMIN)
    run_import = staticmethod(time_import)

    def report_details(self, report: TimeImportReport) -> list[str]:
        if report.unchanged:
            return [f"{len(report.unchanged)} rows already imported, unchanged"]
        return []

    def dry_run_summary(self, report: TimeImportReport) -> str:
        return (
            f"Dry run: {report.ready} entries ready to import ({report.ready_hours} h); "
            "nothing written."
        )

    def done_summary(self, report: TimeImportReport) -> str:
        return f"{report.created} time entries imported."

    def actor_refused(self, email: str, engagement: Engagement) -> str:
        return f"{email} is neither project manager nor agency admin of {engagement.slug}."
