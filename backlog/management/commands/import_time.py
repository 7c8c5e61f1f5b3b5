"""``manage.py import_time --engagement SLUG --file F [--format toggl|harvest|clockify]
[--dry-run] [--as EMAIL]``: import time from a Toggl, Harvest or Clockify CSV export (rules in
``backlog.timesheets.csv_import``) with no limit of rows, printing progress every 500 rows as
``import_tickets`` does. Every bad row is listed and nothing is written when there is one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backlog.timesheets.csv_import import FORMATS, ImportRefused, time_import
from collab.models import Engagement, User
from roles.models import Role, RoleAssignment


class Command(BaseCommand):
    help = "Import time from a Toggl, Harvest or Clockify CSV export (all or nothing)."

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
            help="The importing person (recorded in each entry's history); default: an agency "
            "admin of the engagement.",
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
            report = time_import(
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
        if report.unchanged:
            self.stdout.write(f"{len(report.unchanged)} rows already imported, unchanged")
        if report.errors:
            for error in report.errors:
                self.stderr.write(f"row {error.row}, column {error.column}: {error.reason}")
            raise CommandError(f"{len(report.errors)} problems: nothing was imported.")
        if report.dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Dry run: {report.ready} entries ready to import ({report.ready_hours} h); "
                    "nothing written."
                )
            )
            return
        self.stdout.write(self.style.SUCCESS(f"{report.created} time entries imported."))

    def _actor(self, engagement: Engagement, email: str | None) -> User:
        members = RoleAssignment.objects.active().filter(engagement=engagement)
        if email:
            person = User.objects.filter(
                email__iexact=email,
                pk__in=members.filter(role__in=[Role.PROJECT_MANAGER, Role.AGENCY_ADMIN]).values(
                    "person_id"
                ),
            ).first()
            if person is None:
                raise CommandError(
                    f"{email} is neither project manager nor agency admin of {engagement.slug}."
                )
            return person
        admin = members.filter(role=Role.AGENCY_ADMIN).select_related("person").first()
        if admin is None:
            raise CommandError(f"{engagement.slug} has no agency admin: say who imports with --as.")
        return admin.person

    def _progress(self, stage: str, done: int, total: int) -> None:
        self.stdout.write(f"{stage} {done}/{total}")
