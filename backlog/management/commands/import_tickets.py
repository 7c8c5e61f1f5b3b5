"""``manage.py import_tickets --engagement SLUG --file F [--format tandem|jira] [--dry-run]
[--as EMAIL]``: import tickets from Tandem's CSV or a Jira CSV export (rules in
``backlog.transfer.csv_import``), printing progress every 500 rows. Every bad row is listed and
nothing is written when there is one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backlog.transfer.csv_import import FORMATS, ImportRefused, tickets_import
from collab.models import Engagement, User
from roles.models import RoleAssignment


class Command(BaseCommand):
    help = "Import tickets from a Tandem or Jira CSV file (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--engagement", required=True, metavar="SLUG")
        parser.add_argument("--file", required=True, metavar="FILE")
        parser.add_argument(
            "--format", choices=FORMATS, help="Default: recognised from the header."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check every row, write none.")
        parser.add_argument(
            "--as",
            dest="actor",
            metavar="EMAIL",
            help="The importing person (reporter of unmatched rows); default: an agency admin "
            "of the engagement.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        engagement = Engagement.objects.filter(slug=options["engagement"]).first()
        if engagement is None:
            raise CommandError(f"No engagement has the slug “{options['engagement']}”.")
        actor = self._actor(engagement, options["actor"])
        try:
            data = Path(options["file"]).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error.strerror}") from None
        try:
            report = tickets_import(
                actor=actor,
                engagement=engagement,
                data=data,
                fmt=options["format"],
                dry_run=options["dry_run"],
                progress=self._progress,
            )
        except ImportRefused as refusal:
            raise CommandError(refusal.message) from None
        self.stdout.write(
            f"{report.total_rows} rows read as {report.format} ({report.encoding}, "
            f"separator {report.delimiter!r})"
        )
        for row, reference in report.unchanged:
            self.stdout.write(f"row {row}: {reference} already imported, unchanged")
        for item in report.triaged:
            reasons = " ".join(item.reasons)
            self.stdout.write(
                f"row {item.row}: {item.reference} lands in triage, not {item.status}: {reasons}"
            )
        for points in report.story_points_not_numbers:
            self.stdout.write(
                f"row {points.row}: {points.reference} story points “{points.value}” "
                f"({points.column}) are not a number: imported without them"
            )
        if report.story_points_numbers:
            self.stdout.write(
                f"{report.story_points_numbers} rows hold story points, not imported "
                "(Tandem estimates effort in person-days)"
            )
        if report.errors:
            for error in report.errors:
                self.stderr.write(f"row {error.row}, column {error.column}: {error.reason}")
            raise CommandError(f"{len(report.errors)} problems: nothing was imported.")
        if report.dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Dry run: {report.ready} tickets ready to import, "
                    f"{len(report.unchanged)} unchanged; nothing written."
                )
            )
            return
        span = f" ({report.created[0]} to {report.created[-1]})" if report.created else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(report.created)} tickets imported{span}, {len(report.unchanged)} unchanged."
            )
        )

    def _actor(self, engagement: Engagement, email: str | None) -> User:
        members = RoleAssignment.objects.active().filter(engagement=engagement)
        if email:
            person = User.objects.filter(
                email__iexact=email, pk__in=members.values("person_id")
            ).first()
            if person is None:
                raise CommandError(f"{email} holds no role on {engagement.slug}.")
            return person
        admin = members.filter(role="agency_admin").select_related("person").first()
        if admin is None:
            raise CommandError(f"{engagement.slug} has no agency admin: say who imports with --as.")
        return admin.person

    def _progress(self, stage: str, done: int, total: int) -> None:
        self.stdout.write(f"{stage} {done}/{total}")
