"""``manage.py check --database default`` also verifies the stored ranking (a database check:
it runs only when asked for, never at every start)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.database)
def stored_ranking_check(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    """One error per engagement whose stored ranking differs from a fresh computation (none
    while migrations are pending: ``migrate`` runs the database checks before migrating; none
    for an engagement whose ranking job is queued or running)."""
    if not databases or "default" not in databases:
        return []
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections["default"])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return []
    from backlog.models import RankingJob
    from backlog.services.ranking import ranking_drift
    from collab.models import Engagement

    errors: list[CheckMessage] = []
    # An engagement whose ranking job is under way holds stale scores by design (the backlog
    # page says so): it is verified once the job is done.
    recomputing = RankingJob.objects.exclude(state=RankingJob.State.DONE).values("pk")
    for engagement in Engagement.objects.exclude(pk__in=recomputing).order_by("pk").iterator():
        drift = ranking_drift(engagement=engagement, limit=1)
        if drift:
            errors.append(
                Error(
                    f"The stored ranking of {engagement.slug} differs from a fresh computation "
                    f"(first: {drift[0].key}).",
                    hint="Run manage.py ranking_verify --fix.",
                    id="backlog.E001",
                )
            )
    return errors
