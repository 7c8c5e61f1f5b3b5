"""What ``import_tickets`` and ``import_time`` share: the arguments, reading the file, the
engagement and the importing person, progress every 500 rows, every bad row listed and nothing
written when there is one. Each command says which import it runs and what its report adds."""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backlog.transfer.csv_reading import ImportRefused
from collab.models import Engagement, User
from roles.models import Role, RoleAssignment


class CsvImportCommand(BaseCommand):
    """A CSV import from the command line; subclasses set the class attributes and write what
    their report adds (``report_details``) and its summaries."""

    formats: Collection[str] = ()
    actor_help = ""
    # The roles the importing person given with --as must hold (any role when empty).
    actor_roles: Collection[str] = ()
    # staticmethod(run): run(actor=, engagement=, data=, fmt=, dry_run=, progress=) -> report.
    run_import: Callable[..., Any]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--engagement", required=True, metavar="SLUG")
        parser.add_argument("--file", required=True, metavar="FILE")
        parser.add_argument(
            "--format", choices=self.formats, help="Default: recognised from the header."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check every row, write none.")
        parser.add_argument("--as", dest="actor", metavar="EMAIL", help=self.actor_help)

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
            report = self.run_import(
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
        for line in self.report_details(report):
            self.stdout.write(line)
        if report.errors:
            for error in report.errors:
                self.stderr.write(f"row {error.row}, column {error.column}: {error.reason}")
            raise CommandError(f"{len(report.errors)} problems: nothing was imported.")
        summary = self.dry_run_summary(report) if report.dry_run else self.done_summary(report)
        self.stdout.write(self.style.SUCCESS(summary))

    def report_details(self, report: Any) -> list[str]:
        """Lines about the rows the report singles out (before the errors)."""
        return []

    def dry_run_summary(self, report: Any) -> str:
        raise NotImplementedError

    def done_summary(self, report: Any) -> str:
        raise NotImplementedError

    def _actor(self, engagement: Engagement, email: str | None) -> User:
        members = RoleAssignment.objects.active().filter(engagement=engagement)
        if email:
            allowed = members.filter(role__in=self.actor_roles) if self.actor_roles else members
            person = User.objects.filter(
                email__iexact=email, pk__in=allowed.values("person_id")
            ).first()
            if person is None:
                raise CommandError(self.actor_refused(email, engagement))
            return person
        admin = members.filter(role=Role.AGENCY_ADMIN).select_related("person").first()
        if admin is None:
            raise CommandError(f"{engagement.slug} has no agency admin: say who imports with --as.")
        return admin.person

    def actor_refused(self, email: str, engagement: Engagement) -> str:
        return f"{email} holds no role on {engagement.slug}."

    def _progress(self, stage: str, done: int, total: int) -> None:
        self.stdout.write(f"{stage} {done}/{total}")
