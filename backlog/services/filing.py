"""Filing tickets, one or a batch: the next keys, routing, labels, external references."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.backends.utils import format_number
from django.utils import timezone
from django.utils.translation import gettext as _

from backlog.models import (
    Kind,
    Label,
    Origin,
    ScoringSettings,
    Sprint,
    Ticket,
    TicketCounter,
    TicketHistory,
)
from backlog.scoring import Medians, quadrant_of, stored_ranking
from backlog.services.attachments import Upload, attachments_add
from backlog.services.common import TicketRowsRefused, history_entry, members_in_force
from backlog.services.events import tickets_created_emit
from backlog.services.fields import (
    TICKET_CREATE_FIELDS,
    check_references,
    label_choices,
    labels_resolve,
    refuse_unknown_fields,
    ticket_fields_validate,
)
from backlog.services.ranking import medians_follow, ranking_basis_lock
from backlog.services.routing import kind_routing
from backlog.services.unrouted import unrouted_tickets_notify_on_commit
from collab.models import Engagement, User
from roles.models import Role, RoleAssignment

# The code of the error on a row whose external reference another ticket already has.
DUPLICATE_EXTERNAL_REF = "duplicate_external_ref"
# Rows per INSERT when tickets, their labels and history entries are bulk-created.
BULK_BATCH_SIZE = 1000


def ticket_numbers_reserve(*, engagement: Engagement, count: int) -> int:
    """Reserve the engagement's next ``count`` ticket numbers and return the first: one upsert
    of its counter row (created on first use), which locks the row until the transaction ends
    (call inside the transaction that creates the tickets; the unique constraint backs every
    key)."""
    quote = connection.ops.quote_name
    table = quote(TicketCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (engagement_id, last_number) VALUES (%s, %s) "  # noqa: S608
            "ON CONFLICT (engagement_id) DO UPDATE "
            f"SET last_number = {table}.last_number + EXCLUDED.last_number "
            "RETURNING last_number",
            [engagement.pk, count],
        )
        (last,) = cursor.fetchone()
    return int(last) - count + 1


def ticket_number_allocate(*, engagement: Engagement) -> int:
    """The next ticket number of the engagement, under a lock on its counter row (call inside
    the transaction that creates the ticket; the unique constraint backs it)."""
    return ticket_numbers_reserve(engagement=engagement, count=1)


@dataclass(frozen=True)
class _FilingFacts:
    """What filing a batch of tickets checks its rows against, read once for the batch."""

    on_record: set[int]  # reporters (other than the actor) who hold or held a role
    in_force: set[int]  # assignees who hold a role in force
    sprints: set[int]  # the sprints named that still exist
    routing: dict[str, tuple[Role, User | None]]

    @classmethod
    def read(
        cls, *, actor: User, engagement: Engagement, rows: Sequence[dict[str, Any]]
    ) -> _FilingFacts:
        reporters = {
            row["reporter"].pk
            for row in rows
            if isinstance(row.get("reporter"), User) and row["reporter"] is not actor
        }
        assignees = [row["assignee"] for row in rows if isinstance(row.get("assignee"), User)]
        sprints = {row["sprint"].pk for row in rows if isinstance(row.get("sprint"), Sprint)}
        return cls(
            on_record=set(
                RoleAssignment.objects.filter(
                    engagement=engagement, person_id__in=reporters
                ).values_list("person_id", flat=True)
            )
            if reporters
            else set(),
            in_force=members_in_force(engagement=engagement, people=assignees),
            sprints=set(Sprint.objects.filter(pk__in=sprints).values_list("pk", flat=True))
            if sprints
            else set(),
            routing=kind_routing(
                engagement=engagement,
                kinds=[kind for row in rows if isinstance(kind := row.get("kind"), str)],
            ),
        )


@dataclass(frozen=True)
class _Filing:
    ticket: Ticket
    labels: list[Label | str]
    status_since: datetime | None = None


def _filing(
    *, actor: User, engagement: Engagement, row: dict[str, Any], facts: _FilingFacts, now: datetime
) -> _Filing:
    """One row checked, in ticket_create's order of rules (the first broken one is raised),
    into an unsaved ticket with its routing and its labels; no query."""
    fields = dict(row)
    refuse_unknown_fields(fields, TICKET_CREATE_FIELDS)
    labels = fields.pop("labels", None) or []
    status_since = fields.pop("status_since", None)
    reporter = fields.pop("reporter", None) or actor
    if reporter is not actor and reporter.pk not in facts.on_record:
        raise ValidationError({"reporter": _("This person holds no role on this engagement.")})
    check_references(engagement, fields, in_force=facts.in_force)
    sprint = fields.get("sprint")
    if sprint is not None and sprint.pk not in facts.sprints:
        raise ValidationError({"sprint": _("This sprint no longer exists.")}, code="invalid")
    kind = fields.get("kind")
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Choose a kind of ticket.")})
    if kind == Kind.BUG and fields.get("origin") == Origin.AGENCY_INITIATIVE:
        raise ValidationError(
            {
                "origin": _(
                    "A bug is never an agency initiative: choose client request as its origin."
                )
            }
        )
    role, holder = facts.routing[kind]
    fields.setdefault("assignee", holder)
    fields.setdefault("created_at", now)
    ticket = Ticket(
        engagement=engagement,
        reporter=reporter,
        responsible_role=role,
        unrouted=holder is None,
        updated_at=now,
        number=1,
        **fields,
    )
    ticket_fields_validate(ticket)
    return _Filing(ticket, label_choices(engagement, labels), status_since)


def _check_external_refs(engagement: Engagement, filings: list[_Filing]) -> None:
    # Under the counter's lock: every filing of the engagement waits for it, so a reference
    # another filing wrote meanwhile is seen here.
    refs = [filing.ticket.external_ref for filing in filings]
    taken = (
        set(
            Ticket.objects.filter(
                engagement=engagement, external_ref__in={ref for ref in refs if ref}
            ).values_list("external_ref", flat=True)
        )
        if any(refs)
        else set()
    )
    errors = {}
    for index, ref in enumerate(refs):
        if ref and ref in taken:
            errors[index] = ValidationError(
                {
                    "external_ref": ValidationError(
                        _("Another ticket of this engagement has this external reference."),
                        code=DUPLICATE_EXTERNAL_REF,
                    )
                }
            )
        taken.add(ref)
    if errors:
        raise TicketRowsRefused(errors)


def _unrouted_entry(*, actor: User, ticket: Ticket) -> TicketHistory:
    role = Role(ticket.responsible_role)
    return history_entry(
        ticket=ticket,
        actor=actor,
        field="routing",
        before="",
        after="unrouted",
        note=_("Nobody holds the role %(role)s on this engagement; the project manager routes it.")
        % {"role": role.label},
    )


@dataclass(frozen=True)
class Filed:
    """Tickets just filed, with what their detail shows besides their rows: each one's labels
    (in the tickets' order), and the settings and medians they were ranked against."""

    tickets: list[Ticket]
    labels: list[list[Label]]
    settings: ScoringSettings
    medians: Medians


@transaction.atomic
def ticket_create_many(
    *, actor: User, engagement: Engagement, rows: Sequence[dict[str, Any]]
) -> list[Ticket]:
    """File tickets, one per row of ``ticket_create``'s fields, under exactly its rules, all or
    nothing (TicketRowsRefused naming every bad row, nothing written), in a number of queries
    that does not grow with the rows: the counter is locked once for consecutive keys in the
    rows' order; routing, members, sprints and labels are read once; tickets, their labels and
    the unrouted history entries are bulk-created."""
    if not rows:
        return []
    return _tickets_file(actor=actor, engagement=engagement, rows=rows).tickets


def _tickets_file(*, actor: User, engagement: Engagement, rows: Sequence[dict[str, Any]]) -> Filed:
    # ticket_create_many's work (rows given), for callers already in their own transaction.
    facts = _FilingFacts.read(actor=actor, engagement=engagement, rows=rows)
    now = timezone.now()
    filings: list[_Filing] = []
    errors: dict[int, ValidationError] = {}
    for index, row in enumerate(rows):
        try:
            filings.append(
                _filing(actor=actor, engagement=engagement, row=row, facts=facts, now=now)
            )
        except ValidationError as error:
            errors[index] = error
    if errors:
        raise TicketRowsRefused(errors)
    first = ticket_numbers_reserve(engagement=engagement, count=len(filings))
    _check_external_refs(engagement, filings)
    labels = labels_resolve(engagement, [filing.labels for filing in filings])
    tickets = [filing.ticket for filing in filings]
    for offset, ticket in enumerate(tickets):
        ticket.number = first + offset
    # Ranked before they are inserted, under the medians row's lock, by the formulas the
    # stored ranking is verified against (backlog.scoring.stored_ranking).
    basis = ranking_basis_lock(engagement=engagement)
    for ticket in tickets:
        ticket.annual_value, ticket.score, ticket.quadrant = stored_ranking(
            ticket, engagement, basis.settings, basis.medians
        )
    _tickets_insert(
        actor=actor,
        tickets=tickets,
        labels=labels,
        since=[filing.status_since for filing in filings],
    )
    for ticket in tickets:
        _as_stored(ticket)
    medians = basis.medians
    # A ticket without an effort is outside the set whose medians place the quadrants.
    if any(ticket.effort_days is not None for ticket in tickets):
        medians = medians_follow(engagement_id=engagement.pk, old=medians).medians
        for ticket in tickets:
            # What medians_follow wrote for the rows whose quadrant the move changed.
            ticket.quadrant = quadrant_of(ticket.annual_value, ticket.effort_days, medians)
    tickets_created_emit(engagement=engagement, tickets=tickets)
    unrouted_tickets_notify_on_commit(engagement=engagement, tickets=tickets)
    return Filed(tickets=tickets, labels=labels, settings=basis.settings, medians=medians)


_DECIMALS = [
    field for field in Ticket._meta.concrete_fields if isinstance(field, models.DecimalField)
]


def _as_stored(ticket: Ticket) -> None:
    # Each decimal as the row holds it: what Django sent for the column (its places, within
    # its digits), so that the ticket answered is the one a re-read would give.
    for field in _DECIMALS:
        value = getattr(ticket, field.attname)
        stored = (
            None
            if value is None
            else format_number(Decimal(value), field.max_digits, field.decimal_places)
        )
        if stored is not None:
            setattr(ticket, field.attname, Decimal(stored))


def _status_entry(*, actor: User, ticket: Ticket, since: datetime) -> TicketHistory:
    entry = history_entry(
        ticket=ticket,
        actor=actor,
        field="status",
        before="",
        after=ticket.status,
        note=_("Imported with this status."),
    )
    entry.at = since
    return entry


# The history entry that keeps who stated a ticket's value figures when filing it, and which.
VALUE_STATED = "value_stated"
_STATED_FIGURES = (
    "annual_revenue_gain",
    "annual_cost_savings",
    "hours_saved_per_month",
    "effort_days",
    "time_criticality",
    "risk_reduction",
    "reach",
)


def _figure_text(name: str, value: Any) -> str:
    # Decimals with their column's places (3 → 3.00), as the database and the history keep them.
    field = Ticket._meta.get_field(name)
    if isinstance(field, models.DecimalField):
        return str(Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places)))
    return str(value)


def stated_figures(ticket: Ticket) -> dict[str, str]:
    """The value figures a ticket was filed with, as text (confidence with them), or nothing."""
    figures = {
        name: _figure_text(name, getattr(ticket, name))
        for name in _STATED_FIGURES
        if getattr(ticket, name) is not None
    }
    if figures:
        figures["confidence"] = ticket.confidence
    return figures


def _value_entry(ticket: Ticket) -> TicketHistory | None:
    figures = stated_figures(ticket)
    if not figures:
        return None
    # Whoever files the request states its value: the reporter, a client stakeholder included.
    return history_entry(
        ticket=ticket,
        actor=ticket.reporter,
        field=VALUE_STATED,
        before="",
        after=json.dumps(figures, sort_keys=True),
        note="",
    )


def _tickets_insert(
    *,
    actor: User,
    tickets: list[Ticket],
    labels: list[list[Label]],
    since: list[datetime | None],
) -> None:
    """The numbered tickets, their labels, their unrouted history entries and, for a ticket
    filed with the time it reached its status, that move, bulk-created."""
    Ticket.objects.bulk_create(tickets, batch_size=BULK_BATCH_SIZE)
    through = Ticket.labels.through
    through.objects.bulk_create(
        [
            through(ticket_id=ticket.pk, label_id=label.pk)
            for ticket, ticket_labels in zip(tickets, labels, strict=True)
            for label in ticket_labels
        ],
        batch_size=BULK_BATCH_SIZE,
    )
    stated = [_value_entry(ticket) for ticket in tickets]
    TicketHistory.objects.bulk_create(
        [_unrouted_entry(actor=actor, ticket=ticket) for ticket in tickets if ticket.unrouted]
        + [entry for entry in stated if entry is not None]
        + [
            _status_entry(actor=actor, ticket=ticket, since=moment)
            for ticket, moment in zip(tickets, since, strict=True)
            if moment is not None
        ],
        batch_size=BULK_BATCH_SIZE,
    )


def ticket_create(
    *, actor: User, engagement: Engagement, uploads: Sequence[Upload] = (), **fields: Any
) -> Ticket:
    """File a ticket (see ``ticket_file``) and answer it."""
    return ticket_file(actor=actor, engagement=engagement, uploads=uploads, **fields).tickets[0]


@transaction.atomic
def ticket_file(
    *, actor: User, engagement: Engagement, uploads: Sequence[Upload] = (), **fields: Any
) -> Filed:
    """File a ticket: the next key of the engagement, routed to the person holding the role
    responsible for its kind (flagged unrouted, with a history entry, when nobody does); the
    reporter (the actor by default) holds a role on the engagement, the assignee one in force,
    the sprint and labels are the engagement's, the external reference is not taken yet. Files
    given (a bug's screenshots) are attached with it: a refused file (``files``) files nothing.
    Answers the ticket with what its detail shows besides (``Filed``)."""
    try:
        # Already atomic: one savepoint, not two.
        filed = _tickets_file(actor=actor, engagement=engagement, rows=[fields])
    except TicketRowsRefused as refused:
        raise refused.rows[0] from None
    ticket = filed.tickets[0]
    if uploads:
        try:
            attachments_add(actor=actor, ticket=ticket, uploads=uploads)
        except ValidationError as error:
            raise ValidationError({"files": error.messages}) from None
    return filed
