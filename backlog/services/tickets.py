"""Writes of a filed ticket: edits under optimistic locking, value figures, pinned rank,
workflow steps, client acceptance, stakeholder scores, comments."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import F, Max, Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from backlog import workflow
from backlog.models import (
    CLOSED_STATUSES,
    ClientAcceptance,
    Comment,
    StakeholderScore,
    Status,
    Ticket,
    TicketHistory,
)
from backlog.selectors import scoring_settings_get
from backlog.services.attachments import Upload, attachments_add
from backlog.services.common import (
    StaleVersion,
    TransitionRefused,
    history_add,
    require_client,
    versioned_save,
)
from backlog.services.events import ticket_status_changed_emit
from backlog.services.fields import (
    TEXT_DIFF_FIELDS,
    TICKET_EDITABLE_FIELDS,
    TRACKED_FIELDS,
    VALUE_FIELDS,
    check_references,
    labels_for,
    refuse_unknown_fields,
)
from backlog.services.ranking import medians_refresh, tickets_rescore
from backlog.services.ranking_jobs import ranking_job_request, rescore_in_request_max
from collab.models import Engagement, User
from roles.policy import Action, require, roles_of


def _shown(field: Any, value: Any) -> Any:
    # Decimals in the history carry the column's places (100 → 100.00), as the database does.
    if isinstance(field, models.DecimalField) and value is not None:
        return Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places))
    return value


# The ticket fields its stored ranking (annual value, score, quadrant) is computed from.
RANKING_INPUTS = frozenset({*VALUE_FIELDS, "strategic_alignment"})


def _apply(
    *,
    actor: User,
    ticket: Ticket,
    data: dict[str, Any],
    expected_version: int | None,
) -> Ticket:
    labels = data.pop("labels", None)
    changes = []
    for name, raw in data.items():
        field = Ticket._meta.get_field(name)
        try:
            # Only concrete fields convert (a reverse relation is a relation as well).
            value = (
                raw
                if field.is_relation or not isinstance(field, models.Field)
                else field.to_python(raw)
            )
        except ValidationError as error:
            raise ValidationError({name: error.messages}) from None
        before = getattr(ticket, name)
        if before != value:
            setattr(ticket, name, value)
            changes.append((name, _shown(field, before), _shown(field, value)))
    if not changes and labels is None:
        return ticket
    ticket.full_clean(exclude=["engagement", "reporter", "assignee", "sprint"])
    version = ticket.version if expected_version is None else expected_version
    versioned_save(
        ticket=ticket, fields=[name for name, _b, _a in changes], expected_version=version
    )
    if labels is not None:
        _labels_set(actor=actor, ticket=ticket, labels=labels)
    if RANKING_INPUTS.intersection(name for name, _b, _a in changes):
        tickets_rescore(engagement=ticket.engagement, tickets=[ticket.pk])
    for name, before, after in changes:
        if name in TRACKED_FIELDS:
            history_add(
                ticket=ticket,
                actor=actor,
                field=name,
                before=before,
                after=after,
                note=text_diff(before, after) if name in TEXT_DIFF_FIELDS else "",
            )
    return ticket


def _labels_set(*, actor: User, ticket: Ticket, labels: list[Any]) -> None:
    before = sorted(label.name for label in ticket.labels.all())
    chosen = labels_for(ticket.engagement, labels)
    after = sorted(label.name for label in chosen)
    ticket.labels.set(chosen)
    if before != after:
        history_add(
            ticket=ticket,
            actor=actor,
            field="labels",
            before=", ".join(before),
            after=", ".join(after),
        )


def text_diff(before: Any, after: Any) -> str:
    """The lines of a long text removed (- ) and added (+ ), in order, for its history."""
    lines = difflib.ndiff(str(before or "").splitlines(), str(after or "").splitlines())
    return "\n".join(line for line in lines if line[:1] in "-+")


@transaction.atomic
def ticket_update(
    *, actor: User, ticket: Ticket, data: dict[str, Any], expected_version: int | None = None
) -> Ticket:
    """Edit a ticket's description fields, assignee or sprint, only if nobody changed it since
    ``expected_version`` (StaleVersion otherwise, nothing written)."""
    data = dict(data)
    refuse_unknown_fields(data, TICKET_EDITABLE_FIELDS)
    check_references(ticket.engagement, data)
    return _apply(actor=actor, ticket=ticket, data=data, expected_version=expected_version)


@transaction.atomic
def ticket_value_update(
    *, actor: User, ticket: Ticket, data: dict[str, Any], expected_version: int | None = None
) -> Ticket:
    """Change value figures (each change in the history), under the same optimistic lock."""
    data = dict(data)
    refuse_unknown_fields(data, VALUE_FIELDS)
    return _apply(actor=actor, ticket=ticket, data=data, expected_version=expected_version)


def _ranking_lock(*, engagement_id: int) -> None:
    """Lock the engagement's ranking (its row, FOR NO KEY UPDATE: filing tickets is not held up)
    before reading its pins: two pins at once then renumber one after the other, even when no
    ticket is pinned yet (locking the pinned tickets alone leaves nothing to lock). Always taken
    before any ticket's lock, like the ticket counter, so that the order is the same everywhere."""
    list(
        Engagement.objects.select_for_update(no_key=True)
        .filter(pk=engagement_id)
        .values_list("pk", flat=True)
    )


def _pins_in_order(*, engagement_id: int, leaving: Ticket) -> list[Ticket]:
    """The engagement's other pinned open tickets in rank order, locked (in primary-key order,
    so that two directors pinning at once renumber one after the other, never deadlocked)."""
    locked = list(
        Ticket.objects.select_for_update()
        .filter(engagement_id=engagement_id, manual_rank__isnull=False)
        .exclude(status__in=CLOSED_STATUSES)
        .exclude(pk=leaving.pk)
        .order_by("pk")
    )
    return sorted(locked, key=lambda pinned: (pinned.manual_rank or 0, pinned.number))


def _pins_renumber(*, actor: User | None, order: list[Ticket | None]) -> None:
    """Give each pinned ticket its place in ``order`` (None marks the one being pinned, written
    by the caller); each ticket that moves gets its own history entry and version."""
    for position, pinned in enumerate(order, start=1):
        if pinned is None or pinned.manual_rank == position:
            continue
        before = pinned.manual_rank
        pinned.manual_rank = position
        versioned_save(ticket=pinned, fields=["manual_rank"], expected_version=pinned.version)
        history_add(ticket=pinned, actor=actor, field="manual_rank", before=before, after=position)


@transaction.atomic
def ticket_pin_rank(
    *, actor: User, ticket: Ticket, rank: int | None, expected_version: int | None = None
) -> Ticket:
    """Pin (or unpin with None) a ticket's rank; only who approves priorities (the director).

    The pinned ranks of an engagement's open tickets always read 1, 2, 3…, without ties or
    gaps: pinning at a taken rank moves that ticket and those below it down one place, a rank
    past the last pin becomes the next free one, and unpinning closes the gap."""
    require(actor, Action.APPROVE_PRIORITIES, ticket.engagement)
    _ranking_lock(engagement_id=ticket.engagement_id)
    if rank is not None and rank < 1:
        raise ValidationError({"manual_rank": _("A pinned rank starts at 1.")})
    if rank is not None and ticket.status in CLOSED_STATUSES:
        raise ValidationError(
            {"manual_rank": _("A done or rejected ticket has left the ranking: reopen it first.")}
        )
    others = _pins_in_order(engagement_id=ticket.engagement_id, leaving=ticket)
    order: list[Ticket | None] = list(others)
    if rank is not None:
        rank = min(rank, len(others) + 1)
        order.insert(rank - 1, None)
    # The ticket itself first: a stale version refuses the whole pin before anyone moves.
    pinned = _apply(
        actor=actor, ticket=ticket, data={"manual_rank": rank}, expected_version=expected_version
    )
    _pins_renumber(actor=actor, order=order)
    return pinned


ALIGNMENT_FRESH = "fresh_alignment"


@transaction.atomic
def tickets_strategic_alignment_store(
    *, actor: User | None, engagement: Engagement, fresh: QuerySet[Ticket]
) -> int:
    """Store the weighted alignments the roadmap computed for many tickets of the engagement at
    once (``fresh``: tickets annotated with ``fresh_alignment``, after an objective's weight
    changed), with a history entry and a new version for each ticket that changed, then their
    ranking: a few statements whatever their number, never a loop; how many changed."""
    changed = fresh.filter(engagement=engagement).exclude(strategic_alignment=F(ALIGNMENT_FRESH))
    if not changed.exists():
        return 0
    now = timezone.now()
    quote = connection.ops.quote_name
    rows, params = (
        changed.values("pk", "engagement_id", "strategic_alignment", ALIGNMENT_FRESH)
        .order_by()
        .query.sql_with_params()
    )
    ticket_table = quote(Ticket._meta.db_table)
    text = "varchar" if connection.vendor == "postgresql" else "text"
    with connection.cursor() as cursor:
        # The history first: it reads the values being replaced.
        cursor.execute(
            f"INSERT INTO {quote(TicketHistory._meta.db_table)} "  # noqa: S608
            "(engagement_id, ticket_id, actor_id, field, before, after, note, at) "
            f"SELECT fresh.engagement_id, fresh.pk, %s, 'strategic_alignment', "
            f"CAST(fresh.strategic_alignment AS {text}), "
            f"CAST(fresh.{quote(ALIGNMENT_FRESH)} AS {text}), '', %s FROM ({rows}) AS fresh",
            [actor.pk if isinstance(actor, User) else None, now, *params],
        )
        cursor.execute(
            f"UPDATE {ticket_table} SET strategic_alignment = fresh.{quote(ALIGNMENT_FRESH)}, "  # noqa: S608
            f"version = {ticket_table}.version + 1, updated_at = %s "
            f"FROM ({rows}) AS fresh WHERE {ticket_table}.id = fresh.pk",
            [now, *params],
        )
        count = int(cursor.rowcount)
    if count > rescore_in_request_max():
        # Too many scores for the request: a job recomputes the engagement after the commit.
        ranking_job_request(engagement_id=engagement.pk, total=_ticket_count(engagement))
    else:
        tickets_rescore(engagement=engagement, tickets=fresh.filter(engagement=engagement))
    return count


def _ticket_count(engagement: Engagement) -> int:
    return Ticket.objects.filter(engagement=engagement).count()


@transaction.atomic
def ticket_strategic_alignment_set(*, actor: User | None, ticket: Ticket, value: Decimal) -> Ticket:
    """Store the weighted alignment computed by the roadmap (its history is a value change)."""
    locked = Ticket.objects.select_for_update().select_related("engagement").get(pk=ticket.pk)
    before = locked.strategic_alignment
    if before == value:
        return locked
    locked.strategic_alignment = value
    versioned_save(ticket=locked, fields=["strategic_alignment"], expected_version=locked.version)
    tickets_rescore(engagement=locked.engagement, tickets=[locked.pk])
    history_add(ticket=locked, actor=actor, field="strategic_alignment", before=before, after=value)
    ticket.strategic_alignment, ticket.version = value, locked.version
    return locked


def _move(
    *, actor: User | None, ticket: Ticket, to_status: str, version: int, note: str = ""
) -> Ticket:
    before = ticket.status
    ticket.status = to_status
    # A ticket leaving the open backlog gives up its pinned rank; the pins below move up.
    unpinned = to_status in CLOSED_STATUSES and ticket.manual_rank is not None
    pinned_before = ticket.manual_rank
    if unpinned:
        others = _pins_in_order(engagement_id=ticket.engagement_id, leaving=ticket)
        ticket.manual_rank = None
    fields = ["status", "manual_rank"] if unpinned else ["status"]
    versioned_save(ticket=ticket, fields=fields, expected_version=version)
    history_add(
        ticket=ticket, actor=actor, field="status", before=before, after=to_status, note=note
    )
    ticket_status_changed_emit(ticket=ticket, before=before, after=to_status, note=note)
    if unpinned:
        history_add(
            ticket=ticket, actor=actor, field="manual_rank", before=pinned_before, after=None
        )
        _pins_renumber(actor=actor, order=list(others))
    if (before in CLOSED_STATUSES) != (to_status in CLOSED_STATUSES):
        # The ticket left (or rejoined) the open backlog, whose medians place the quadrants.
        medians_refresh(engagement_id=ticket.engagement_id)
    return ticket


@transaction.atomic
def ticket_transition(
    *,
    actor: User,
    ticket: Ticket,
    to_status: str,
    expected_version: int | None = None,
    reason: str = "",
) -> Ticket:
    """Move a ticket one step of the workflow if the actor's role may take it and every guard
    passes (TransitionRefused with all the reasons otherwise); history and version follow."""
    version = ticket.version if expected_version is None else expected_version
    if to_status in CLOSED_STATUSES:
        # Closing may unpin the ticket and renumber the others: the ranking's lock comes first.
        _ranking_lock(engagement_id=ticket.engagement_id)
    locked = Ticket.objects.select_for_update().select_related("engagement").get(pk=ticket.pk)
    if locked.version != version:
        raise StaleVersion(locked, version)
    settings = scoring_settings_get(engagement=locked.engagement)
    roles = roles_of(actor, locked.engagement)
    facts = workflow.guard_facts(ticket=locked, to_status=to_status, settings=settings)
    reasons = workflow.refusal_reasons(
        ticket=locked, to_status=to_status, roles=roles, facts=facts, reason=reason
    )
    if reasons:
        raise TransitionRefused(reasons)
    _move(actor=actor, ticket=locked, to_status=to_status, version=version, note=reason.strip())
    ticket.status, ticket.version, ticket.updated_at = (
        locked.status,
        locked.version,
        locked.updated_at,
    )
    return ticket


def _acceptance(
    *, actor: User, ticket: Ticket, decision: str, reason: str
) -> tuple[Ticket, ClientAcceptance]:
    require_client(actor=actor, engagement=ticket.engagement)
    locked = Ticket.objects.select_for_update().select_related("engagement").get(pk=ticket.pk)
    if locked.status != Status.QA:
        raise TransitionRefused([_("The client accepts or rejects a ticket while it is in QA.")])
    acceptance = ClientAcceptance.objects.create(
        engagement_id=locked.engagement_id,
        ticket=locked,
        person=actor,
        decision=decision,
        reason=reason.strip(),
    )
    history_add(
        ticket=locked,
        actor=actor,
        field="acceptance",
        before="",
        after=decision,
        note=reason.strip(),
    )
    return locked, acceptance


@transaction.atomic
def ticket_accept(*, actor: User, ticket: Ticket) -> ClientAcceptance:
    """A client person accepts a ticket in QA: it may then be moved to done."""
    _locked, acceptance = _acceptance(
        actor=actor, ticket=ticket, decision=ClientAcceptance.Decision.ACCEPTED, reason=""
    )
    return acceptance


@transaction.atomic
def ticket_reject_acceptance(*, actor: User, ticket: Ticket, reason: str) -> ClientAcceptance:
    """A client person refuses a ticket in QA, saying why: it goes back to in progress."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the ticket is not accepted.")})
    locked, acceptance = _acceptance(
        actor=actor, ticket=ticket, decision=ClientAcceptance.Decision.REJECTED, reason=reason
    )
    _move(
        actor=actor,
        ticket=locked,
        to_status=Status.IN_PROGRESS,
        version=locked.version,
        note=reason.strip(),
    )
    ticket.status, ticket.version = locked.status, locked.version
    return acceptance


@transaction.atomic
def stakeholder_score_set(
    *, actor: User, ticket: Ticket, score: int, comment: str = ""
) -> StakeholderScore:
    """A client person gives (or changes) their own 1-5 value score; a spread of 2 or more
    between the scores flags the ticket as needing alignment."""
    require_client(actor=actor, engagement=ticket.engagement)
    row = StakeholderScore.objects.filter(ticket=ticket, person=actor).first() or StakeholderScore(
        engagement_id=ticket.engagement_id, ticket=ticket, person=actor
    )
    row.score, row.comment, row.updated_at = score, comment.strip(), timezone.now()
    row.full_clean(exclude=["engagement", "ticket", "person"])
    row.save()
    spread = StakeholderScore.objects.filter(ticket=ticket).aggregate(
        low=Min("score"), high=Max("score")
    )
    needs = spread["high"] - spread["low"] >= 2
    if needs != ticket.needs_alignment:
        Ticket.objects.filter(pk=ticket.pk).update(needs_alignment=needs)
        ticket.needs_alignment = needs
    return row


@transaction.atomic
def comment_add(
    *, actor: User, ticket: Ticket, body: str, uploads: Sequence[Upload] = ()
) -> Comment:
    """Add a Markdown comment (rendered sanitized wherever it is shown), with its files if any:
    a refused file refuses the comment too, and nothing is stored."""
    if not body.strip():
        raise ValidationError({"body": _("Write a comment.")})
    comment = Comment.objects.create(
        engagement_id=ticket.engagement_id, ticket=ticket, author=actor, body=body.strip()
    )
    if uploads:
        # Checked before anything is stored; a refusal rolls the comment back with it.
        attachments_add(actor=actor, ticket=ticket, uploads=uploads, comment=comment)
    return comment
