"""The backlog's webhook events: what an integration learns when tickets are filed or move.

The payloads are plain dicts (``collab.webhooks`` serialises them); they name the ticket by its
key and link to its page, and carry no personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.urls import reverse

from backlog.models import Ticket
from collab.models import Engagement
from collab.webhooks.models import WebhookEvent
from collab.webhooks.services import webhook_event_emit, webhook_events_emit


def ticket_webhook_data(ticket: Ticket, engagement: Engagement) -> dict[str, Any]:
    """The ticket as an event's ``data`` describes it (its key from the engagement given, so
    that a batch never reads each ticket's engagement)."""
    key = f"{engagement.key_prefix}-{ticket.number}"
    path = reverse("backlog:ticket-detail", args=[engagement.slug, key])
    return {
        "key": key,
        "title": ticket.title,
        "kind": ticket.kind,
        "origin": ticket.origin,
        "status": ticket.status,
        "url": settings.SITE_URL + path,
    }


def tickets_created_emit(*, engagement: Engagement, tickets: Sequence[Ticket]) -> int:
    """One ``ticket.created`` event per ticket just filed, written with the filing (a constant
    number of queries whatever the number of tickets). The payloads are a generator: an import
    into an engagement without webhooks builds none of them."""
    return webhook_events_emit(
        engagement=engagement,
        events=(
            (
                WebhookEvent.TICKET_CREATED,
                {**ticket_webhook_data(ticket, engagement), "created_at": ticket.created_at},
            )
            for ticket in tickets
        ),
    )


def ticket_status_changed_emit(*, ticket: Ticket, before: str, after: str, note: str = "") -> int:
    """A ``ticket.status_changed`` event, written with the move."""
    data = ticket_webhook_data(ticket, ticket.engagement)
    data.update(status_before=before, status_after=after, note=note, changed_at=ticket.updated_at)
    return webhook_event_emit(
        engagement=ticket.engagement, event=WebhookEvent.TICKET_STATUS_CHANGED, data=data
    )
