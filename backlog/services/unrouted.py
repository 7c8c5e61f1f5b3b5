"""Unrouted tickets reach the project manager's inbox once their filing commits."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.urls import reverse

from backlog.models import Ticket
from collab.models import Engagement
from collab.rhythm.notify import tickets_unrouted_notify
from roles.models import Role
from roles.selectors import people_holding


def unrouted_tickets_notify(*, engagement: Engagement, tickets: Sequence[Ticket]) -> int:
    """One inbox entry per project manager in force for the unrouted tickets just filed (two
    queries whatever their number); nobody to tell when no project manager is assigned."""
    managers = list(people_holding(engagement=engagement, roles=[Role.PROJECT_MANAGER]))
    rows = [
        (
            ticket.key,
            ticket.title,
            reverse("backlog:ticket-detail", args=[engagement.slug, ticket.key]),
        )
        for ticket in tickets
    ]
    return tickets_unrouted_notify(engagement_id=engagement.pk, people=managers, tickets=rows)


def unrouted_tickets_notify_on_commit(*, engagement: Engagement, tickets: Sequence[Ticket]) -> None:
    """Schedule the notice after the filing commits (nothing is told about a rolled-back
    filing); a failure there is logged, never undoes the filing."""
    unrouted = [ticket for ticket in tickets if ticket.unrouted]
    if unrouted:
        transaction.on_commit(
            lambda: unrouted_tickets_notify(engagement=engagement, tickets=unrouted), robust=True
        )
