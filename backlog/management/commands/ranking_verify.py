"""``manage.py ranking_verify [--engagement SLUG] [--fix]``: check that every ticket's stored
annual value, score and quadrant, every engagement's stored medians, and the backlog facet
counts the database keeps (PostgreSQL), equal a fresh computation from the figures and
settings of today (after an upgrade, a restore, or a write
made outside the services). Exits with an error listing the first differences; ``--fix``
recomputes the engagements that differ (one set-based statement each). An engagement whose
ranking job is queued or running is reported as such and not verified: its scores are stale by
design until the job ends."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backlog.selectors import ranking_job_running
from backlog.services.ranking import engagement_rescore, facets_recount, ranking_drift
from collab.models import Engagement


class Command(BaseCommand):
    help = "Check that stored ticket scores equal a fresh computation (--fix: recompute)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--engagement", help="The slug of one engagement (all by default).")
        parser.add_argument(
            "--fix", action="store_true", help="Recompute the engagements that differ."
        )

    def handle(
        self, *args: Any, engagement: str | None = None, fix: bool = False, **options: Any
    ) -> None:
        engagements = Engagement.objects.order_by("pk")
        if engagement:
            engagements = engagements.filter(slug=engagement)
            if not engagements.exists():
                raise CommandError(f"No engagement has the slug {engagement!r}.")
        drifting = 0
        for one in engagements.iterator():
            job = ranking_job_running(engagement=one)
            if job is not None:
                # Its scores are being recomputed: stale until the job ends, not drifting.
                self.stdout.write(
                    f"{one.slug}: the ranking is being recomputed ({job.state}, {job.done} of "
                    f"{job.total} tickets); not verified."
                )
                continue
            drift = ranking_drift(engagement=one)
            if not drift:
                continue
            drifting += 1
            for item in drift:
                self.stdout.write(
                    f"{one.slug} {item.key}: stored {item.stored}, fresh {item.fresh}"
                )
            if fix:
                result = engagement_rescore(engagement=one)
                self.stdout.write(f"{one.slug}: {result.tickets} tickets recomputed")
                if any(item.key == "facets" for item in drift):
                    written = facets_recount(engagement=one)
                    self.stdout.write(f"{one.slug}: {written} facet counts recounted")
        if drifting and not fix:
            raise CommandError(
                f"{drifting} engagement(s) hold a stored ranking that differs from a fresh "
                "computation; run with --fix to recompute them."
            )
        self.stdout.write(
            f"{drifting} engagement(s) recomputed." if drifting else "Stored rankings are true."
        )
