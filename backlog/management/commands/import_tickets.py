"""``manage.py import_tickets --engagement SLUG --file F [--format tandem|jira] [--dry-run]
[--as EMAIL]``: import tickets from Tandem's CSV or a Jira CSV export (rules in
``backlog.transfer.csv_import``), printing progress every 500 rows. Every bad row is listed and
nothing is written when there is one."""

from __future__ import annotations

from backlog.management.csv_import_command import CsvImportCommand
from backlog.transfer.csv_import import FORMATS, ImportReport, tickets_import


class Command(CsvImportCommand):
    help = "Import tickets from a Tandem or Jira CSV file (all or nothing)."
    formats = FORMATS
    actor_help = (
        "The importing person (reporter of unmatched rows); default: an agency admin of the "
        "engagement."
    )
    run_import = staticmethod(tickets_import)

    def report_details(self, report: ImportReport) -> list[str]:
        lines = [
            f"row {row}: {reference} already imported, unchanged"
            for row, reference in report.unchanged
        ]
        for item in report.triaged:
            reasons = " ".join(item.reasons)
            lines.append(
                f"row {item.row}: {item.reference} lands in triage, not {item.status}: {reasons}"
            )
        for points in report.story_points_not_numbers:
            lines.append(
                f"row {points.row}: {points.reference} story points “{points.value}” "
                f"({points.column}) are not a number: imported without them"
            )
        if report.story_points_numbers:
            lines.append(
                f"{report.story_points_numbers} rows hold story points, not imported "
                "(Tandem estimates effort in person-days)"
            )
        return lines

    def dry_run_summary(self, report: ImportReport) -> str:
        return (
            f"Dry run: {report.ready} tickets ready to import, "
            f"{len(report.unchanged)} unchanged; nothing written."
        )

    def done_summary(self, report: ImportReport) -> str:
        span = f" ({report.created[0]} to {report.created[-1]})" if report.created else ""
        return f"{len(report.created)} tickets imported{span}, {len(report.unchanged)} unchanged."
