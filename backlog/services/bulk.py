"""Writes of many tickets at once, chosen on the backlog page: each ticket goes through the same
service (and so the same rules, guards and history) as when it is changed on its own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from backlog.models import Sprint, Ticket
from backlog.services.common import StaleVersion, TransitionRefused
from backlog.services.tickets import ticket_transition, ticket_update
from collab.models import Engagement, User


@dataclass(frozen=True)
class BulkResult:
    """What a bulk change did: the keys of the tickets it changed, and for each ticket it
    refused, the reasons (translated, for people)."""

    changed: list[str] = field(default_factory=list)
    refused: dict[str, list[str]] = field(default_factory=dict)


def _messages(error: ValidationError) -> list[str]:
    return list(dict.fromkeys(error.messages))


def _check_engagement(engagement: Engagement, tickets: Sequence[Ticket]) -> None:
    if any(ticket.engagement_id != engagement.pk for ticket in tickets):
        raise ValidationError({"tickets": _("This belongs to another engagement.")})


@transaction.atomic
def tickets_bulk_transition(
    *, actor: User, engagement: Engagement, tickets: Sequence[Ticket], to_status: str
) -> BulkResult:
    """Move each ticket to ``to_status`` through ``ticket_transition``: the tickets its guards
    allow move (each with its history), those they refuse stay exactly as they were and are
    returned with the guards' reasons."""
    _check_engagement(engagement, tickets)
    result = BulkResult()
    for ticket in tickets:
        if ticket.status == to_status:
            continue
        try:
            # A savepoint per ticket: a refusal undoes only that ticket's step.
            with transaction.atomic():
                ticket_transition(actor=actor, ticket=ticket, to_status=to_status)
        except TransitionRefused as refusal:
            result.refused[ticket.key] = list(refusal.reasons)
        except StaleVersion as stale:
            result.refused[ticket.key] = [str(stale)]
        else:
            result.changed.append(ticket.key)
    return result


@transaction.atomic
def tickets_bulk_update(
    *,
    actor: User,
    engagement: Engagement,
    tickets: Sequence[Ticket],
    assignee: User | None = None,
    sprint: Sprint | None = None,
    label: str | None = None,
    fields: Sequence[str],
) -> BulkResult:
    """Give every ticket the same assignee, sprint (None clears them) or one more label,
    through ``ticket_update`` (the assignee must be a member in force, the sprint one of the
    engagement's; history as for one ticket). All or nothing: the first ticket refused
    raises its ValidationError and no ticket changes."""
    _check_engagement(engagement, tickets)
    unknown = set(fields) - {"assignee", "sprint", "labels"}
    if unknown or not fields:
        raise ValidationError(_("This field cannot be changed here."))
    result = BulkResult()
    for ticket in tickets:
        data: dict[str, object] = {}
        if "assignee" in fields and ticket.assignee_id != (assignee.pk if assignee else None):
            data["assignee"] = assignee
        if "sprint" in fields and ticket.sprint_id != (sprint.pk if sprint else None):
            data["sprint"] = sprint
        if "labels" in fields and label:
            names = [existing.name for existing in ticket.labels.all()]
            if label.strip() not in names:
                data["labels"] = [*names, label]
        if not data:
            continue
        try:
            ticket_update(actor=actor, ticket=ticket, data=data)
        except ValidationError as error:
            raise ValidationError(
                [f"{ticket.key}: {message}" for message in _messages(error)]
            ) from None
        result.changed.append(ticket.key)
    return result
