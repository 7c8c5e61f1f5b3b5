"""The one place where the rhythm reads or writes the backlog.

The collaboration core must not import the backlog at import time (the backlog sits above it),
so each function here imports it inside its body, as DESIGN.md allows for "a small, named
service function": ``agenda_facts`` (what a sync's agenda is prepared from),
``tickets_waiting_for`` (the digest) and ``action_item_to_ticket`` (one click from an action
item to a ticket). The import-linter contract ignores exactly these imports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.models import Engagement, User
from collab.rhythm.agenda import (
    AgendaFacts,
    SprintFact,
    TicketFact,
    agenda_build,
    agenda_ticket_ids,
)
from collab.rhythm.ics import meeting_url
from collab.rhythm.models import ActionItem, AgendaItem, Meeting
from collab.rhythm.notify import meeting_label
from collab.rhythm.outcomes import action_item_link_ticket
from collab.rhythm.selectors import agenda_since

WAITING_LIMIT = 20


def _facts(tickets) -> list[TicketFact]:  # type: ignore[no-untyped-def]
    return [
        TicketFact(
            id=ticket.pk,
            key=ticket.key,
            title=ticket.title,
            status=ticket.status,
            assignee_id=ticket.assignee_id,
        )
        for ticket in tickets
    ]


def agenda_facts(
    engagement: Engagement, since: dt.datetime, *, ticket_ids: Iterable[int] = ()
) -> AgendaFacts:
    """What changed in the backlog since ``since``: tickets filed since then, tickets awaiting
    a client decision (in triage, or in QA waiting for the client's acceptance when the
    engagement asks for it), tickets flagged *needs alignment*, tickets that failed QA since
    then, blocked (on hold) tickets, the progress of the current sprint, and where the tickets
    ``ticket_ids`` (already on the agenda) stand now."""
    from backlog.models import (
        CLOSED_STATUSES,
        ClientAcceptance,
        Kind,
        QAVerdict,
        Status,
        Ticket,
    )
    from backlog.selectors import scoring_settings_get, sprint_list

    tickets = Ticket.objects.filter(engagement=engagement).select_related("engagement")
    open_tickets = tickets.exclude(status__in=CLOSED_STATUSES)
    awaiting = Q(status=Status.TRIAGE)
    if scoring_settings_get(engagement=engagement).requires_client_acceptance:
        accepted = ClientAcceptance.objects.filter(
            ticket=OuterRef("pk"), decision=ClientAcceptance.Decision.ACCEPTED
        )
        # The client accepts features and improvements (the workflow's guard before done).
        awaiting |= Q(status=Status.QA, kind__in=(Kind.FEATURE, Kind.IMPROVEMENT)) & ~Q(
            Exists(accepted)
        )
    failed_since = QAVerdict.objects.filter(
        ticket=OuterRef("pk"), passed=False, recorded_at__gte=since
    )
    today = timezone.localdate()
    sprint = (
        sprint_list(engagement=engagement)
        .filter(start__lte=today, end__gte=today)
        .annotate(
            total=Count("tickets"), done=Count("tickets", filter=Q(tickets__status=Status.DONE))
        )
        .first()
    )
    return AgendaFacts(
        new_tickets=_facts(tickets.filter(created_at__gte=since).order_by("number")),
        awaiting_decision=_facts(open_tickets.filter(awaiting).order_by("number")),
        needs_alignment=_facts(open_tickets.filter(needs_alignment=True).order_by("number")),
        qa_failures=_facts(tickets.filter(Exists(failed_since)).order_by("number")),
        blocked=_facts(tickets.filter(status=Status.ON_HOLD).order_by("number")),
        sprint=SprintFact(
            name=sprint.name, done=sprint.done, total=sprint.total, ends_on=sprint.end
        )
        if sprint is not None
        else None,
        current={fact.id: fact for fact in _facts(tickets.filter(pk__in=list(ticket_ids)))},
    )


def agenda_prepare(*, meeting: Meeting, now: dt.datetime | None = None) -> list[AgendaItem]:
    """Prepare (or prepare again, on demand) a meeting's agenda from what changed in the backlog
    since the last held sync; carried-over items show their ticket's current facts."""
    facts = agenda_facts(
        meeting.engagement,
        agenda_since(meeting=meeting),
        ticket_ids=agenda_ticket_ids(meeting=meeting),
    )
    return agenda_build(meeting=meeting, facts=facts, now=now)


def tickets_waiting_for(person: User) -> list[TicketFact]:
    """Open tickets assigned to the person, in every engagement, most recently changed first
    (at most 20): what the digest says is waiting for them."""
    from backlog.models import CLOSED_STATUSES, Ticket

    tickets = (
        Ticket.objects.filter(assignee=person)
        .exclude(status__in=CLOSED_STATUSES)
        .select_related("engagement")
        .order_by("-updated_at", "pk")[:WAITING_LIMIT]
    )
    return _facts(tickets)


def ticket_kind_choices() -> list[tuple[str, str]]:
    """The kinds of ticket an action item may become, as (value, label) in the active
    language."""
    from backlog.models import Kind

    return [(value, str(label)) for value, label in Kind.choices]


def ticket_origin_choices() -> list[tuple[str, str]]:
    """Where a ticket comes from (a client request, an agency initiative)."""
    from backlog.models import Origin

    return [(value, str(label)) for value, label in Origin.choices]


def _ticket_description(item: ActionItem) -> str:
    lines = []
    if item.meeting is not None:
        lines.append(
            _("From an action item of the meeting “%(meeting)s” of %(date)s: %(url)s")
            % {
                "meeting": meeting_label(item.meeting),
                "date": item.meeting.starts_at.date().isoformat(),
                "url": f"{meeting_url(item.meeting)}#action-items",
            }
        )
    if item.outcome is not None:
        lines.append(
            _("Decided there: %(decision)s") % {"decision": item.outcome.text}
            if item.outcome.kind == "decision"
            else _("Agreed there: %(text)s") % {"text": item.outcome.text}
        )
    return "\n\n".join(lines)


@transaction.atomic
def action_item_to_ticket(*, actor: User, item: ActionItem, kind: str, origin: str) -> ActionItem:
    """Turn an action item into a backlog ticket of its engagement, of the kind and origin the
    person chose, filed by ``actor`` and assigned to the item's owner (routed like any ticket
    when the owner no longer holds a role there), its description linking back to the meeting
    and the decision; remember its key on the action item; refused when it already is one."""
    from backlog.services import ticket_create

    item = (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("engagement", "meeting__engagement", "outcome", "owner")
        .get(pk=item.pk)
    )
    if item.ticket_id is not None:
        return action_item_link_ticket(
            item=item, ticket_key=item.ticket_key, ticket_id=item.ticket_id
        )
    fields = {
        "title": item.title,
        "kind": kind,
        "origin": origin,
        "description": _ticket_description(item),
    }
    try:
        with transaction.atomic():
            ticket = ticket_create(
                actor=actor, engagement=item.engagement, assignee=item.owner, **fields
            )
    except ValidationError as error:
        if "assignee" not in getattr(error, "error_dict", {}):
            raise
        ticket = ticket_create(actor=actor, engagement=item.engagement, **fields)
    return action_item_link_ticket(item=item, ticket_key=ticket.key, ticket_id=ticket.pk)
