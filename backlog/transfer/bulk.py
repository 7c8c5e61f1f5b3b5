"""Many synthetic tickets at once, for the demo's ``--tickets N`` and for the benchmark.

They are filed through ``ticket_create_many``, ``BATCH_SIZE`` at a time in one transaction:
the rules of ``ticket_create`` (validation, consecutive keys under the counter's lock, routing
to the holder of the role responsible for their kind, else unrouted with its history entry) in
a number of queries per batch that does not grow with its size.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from backlog.models import Confidence, FoundBy, Kind, Origin, Severity, Status
from backlog.services import ticket_create_many, ticket_numbers_reserve
from collab.models import Engagement, User

BATCH_SIZE = 2000
SUBJECTS = (
    "checkout",
    "product page",
    "search",
    "cart",
    "customer account",
    "order history",
    "price lists",
    "stock display",
    "newsletter sign-up",
    "returns portal",
    "gift cards",
    "delivery options",
)
VERBS = ("Improve", "Speed up", "Simplify", "Redesign", "Fix", "Track", "Automate", "Translate")
KIND_WEIGHTS = (
    (Kind.FEATURE, 35),
    (Kind.IMPROVEMENT, 25),
    (Kind.BUG, 20),
    (Kind.PLATFORM_UPGRADE, 7),
    (Kind.SECURITY, 5),
    (Kind.QUESTION, 8),
)
STATUS_WEIGHTS = (
    (Status.NEW, 25),
    (Status.TRIAGE, 10),
    (Status.ANALYSIS, 10),
    (Status.READY, 15),
    (Status.IN_PROGRESS, 10),
    (Status.IN_REVIEW, 5),
    (Status.QA, 5),
    (Status.DONE, 15),
    (Status.ON_HOLD, 3),
    (Status.REJECTED, 2),
)


def _money(rng: random.Random, low: int, high: int) -> Decimal | None:
    return Decimal(rng.randrange(low, high, 500)) if rng.random() < 0.7 else None


def _row(rng: random.Random, number: int) -> dict[str, Any]:
    kind = rng.choices([k for k, _w in KIND_WEIGHTS], [w for _k, w in KIND_WEIGHTS])[0]
    status = rng.choices([s for s, _w in STATUS_WEIGHTS], [w for _s, w in STATUS_WEIGHTS])[0]
    created = timezone.now() - timedelta(days=rng.randrange(0, 720), minutes=rng.randrange(1440))
    is_bug = kind == Kind.BUG
    return {
        "title": f"{rng.choice(VERBS)} the {rng.choice(SUBJECTS)} ({number})",
        "description": "Generated ticket for scale runs.",
        "kind": kind,
        # A bug is never an agency initiative.
        "origin": Origin.AGENCY_INITIATIVE
        if rng.random() < 0.3 and not is_bug
        else Origin.CLIENT_REQUEST,
        "status": status,
        "severity": rng.choice(Severity.values) if is_bug else "",
        "found_by": rng.choice(FoundBy.values) if is_bug else "",
        "annual_revenue_gain": _money(rng, 0, 200_000),
        "annual_cost_savings": _money(rng, 0, 50_000),
        "hours_saved_per_month": Decimal(rng.randrange(0, 80)) if rng.random() < 0.4 else None,
        "effort_days": Decimal(rng.randrange(1, 80)) / 2 if rng.random() < 0.85 else None,
        "confidence": rng.choice(Confidence.values),
        "time_criticality": rng.randint(1, 10) if rng.random() < 0.5 else None,
        "risk_reduction": rng.randint(1, 10) if rng.random() < 0.3 else None,
        "reach": rng.randrange(10, 50_000) if rng.random() < 0.5 else None,
        "created_at": created,
    }


def tickets_bulk_generate(
    *,
    engagement: Engagement,
    reporter: User,
    count: int,
    seed: int = 0,
    write: Callable[[str], None] | None = None,
) -> int:
    """Add ``count`` generated tickets of every kind, status and origin to the engagement,
    numbered after its last ticket; returns how many were written."""
    if count <= 0:
        return 0
    rng = random.Random(f"{engagement.pk}-{seed}")  # noqa: S311 - synthetic data
    with transaction.atomic():
        # Lock the counter (reserving nothing) for the whole transaction: the batches' keys
        # then follow on from ``first``, and each title carries its ticket's number.
        first = ticket_numbers_reserve(engagement=engagement, count=0)
        written = 0
        while written < count:
            size = min(BATCH_SIZE, count - written)
            rows = [_row(rng, first + written + offset) for offset in range(size)]
            ticket_create_many(actor=reporter, engagement=engagement, rows=rows)
            written += size
            if write is not None:
                write(f"{engagement.key_prefix}: {written}/{count} generated tickets")
    return written
