"""Agency initiatives answered by the client: a client person (the director or a stakeholder)
accepts or declines an agency proposal explicitly; only that answer counts in the proactivity
indicator, never the agency moving the ticket along its workflow."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backlog.models import InitiativeDecision, Origin, Ticket
from backlog.services.common import history_add, require_client
from collab.models import User


@transaction.atomic
def initiative_answer(*, actor: User, ticket: Ticket, decision: str, reason: str = "") -> Ticket:
    """A client person accepts or declines an agency initiative (a decline says why); a later
    answer replaces the earlier one, and each is kept in the ticket's history."""
    require_client(actor=actor, engagement=ticket.engagement)
    if decision not in InitiativeDecision.values:
        raise ValidationError({"decision": _("Accept or decline the initiative.")})
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if locked.origin != Origin.AGENCY_INITIATIVE:
        raise ValidationError(
            {"decision": _("Only an agency initiative is accepted or declined by the client.")}
        )
    if decision == InitiativeDecision.DECLINED and not reason.strip():
        raise ValidationError({"reason": _("Say why the initiative is declined.")})
    before = locked.initiative_decision
    now = timezone.now()
    Ticket.objects.filter(pk=locked.pk).update(
        initiative_decision=decision, initiative_decided_by=actor, initiative_decided_at=now
    )
    history_add(
        ticket=locked,
        actor=actor,
        field="initiative_decision",
        before=before,
        after=decision,
        note=reason.strip(),
    )
    ticket.initiative_decision, ticket.initiative_decided_by, ticket.initiative_decided_at = (
        decision,
        actor,
        now,
    )
    return ticket
