"""The one place where the collaboration core asks the backlog to re-rank: the client's hourly
cost enters every ticket's annual value, so changing it re-scores the engagement's backlog in
the same transaction (or, above ``RESCORE_IN_REQUEST_MAX_TICKETS`` tickets, in a job after it).

The core must not import the backlog at import time (the backlog sits above it), so the import
is inside the function, as DESIGN.md allows for "a small, named service function"; the
import-linter contract ignores exactly this import.
"""

from __future__ import annotations

from collab.models import Engagement

# The engagement fields that the backlog's stored ranking is computed from.
RANKING_FIELDS = frozenset({"client_hourly_cost"})


def engagement_ranking_inputs_changed(*, engagement: Engagement) -> None:
    """Recompute the stored ranking of the engagement's tickets (one set-based statement), in
    the caller's transaction, or in a job after its commit when the engagement is too big."""
    from backlog.services.ranking_jobs import engagement_rescore_or_queue

    engagement_rescore_or_queue(engagement=engagement)
