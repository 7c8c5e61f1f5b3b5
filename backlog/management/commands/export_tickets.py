"""``manage.py export_tickets --engagement SLUG [--output FILE] [filters]``: the backlog as CSV,
the same file as the dashboard's download (UTF-8 with a byte order mark, formula cells
neutralised), written row by row."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import QueryDict

from backlog.transfer.csv_export import export_lines
from collab.models import Engagement

LIST_FILTERS = ("status", "kind")
SINGLE_FILTERS = ("origin", "sprint", "quadrant", "needs_alignment", "unrouted", "q", "ordering")


class Command(BaseCommand):
    help = "Export an engagement's backlog (filtered like the backlog page) as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--engagement", required=True, metavar="SLUG")
        parser.add_argument("--output", metavar="FILE", help="Write here (default: stdout).")
        for name in LIST_FILTERS:
            parser.add_argument(f"--{name}", action="append", default=[], help="Repeatable.")
        for name in SINGLE_FILTERS:
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name)

    def handle(self, *args: Any, **options: Any) -> None:
        engagement = Engagement.objects.filter(slug=options["engagement"]).first()
        if engagement is None:
            raise CommandError(f"No engagement has the slug “{options['engagement']}”.")
        filters = QueryDict(mutable=True)
        for name in LIST_FILTERS:
            filters.setlist(name, options[name])
        for name in SINGLE_FILTERS:
            if options[name] is not None:
                filters[name] = options[name]
        try:
            lines = export_lines(engagement=engagement, filters=filters)
        except ValidationError as error:
            raise CommandError(f"Invalid filters: {error.messages}") from None
        if options["output"]:
            rows = 0
            with open(options["output"], "w", encoding="utf-8", newline="") as output:
                for line in lines:
                    output.write(line)
                    rows += 1
            self.stderr.write(f"{rows - 1} tickets written to {options['output']}")
        else:
            for line in lines:
                self.stdout.write(line, ending="")
