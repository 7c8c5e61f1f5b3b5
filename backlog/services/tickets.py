"""Writes of tickets: filing (key and routing), edits under optimistic locking, value figures,
pinned rank, workflow steps, client acceptance, stakeholder scores, comments."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from backlog import workflow
from backlog.models import (
    ClientAcceptance,
    Comment,
    Kind,
    Label,
    Sprint,
    StakeholderScore,
    Status,
    Ticket,
    TicketCounter,
    TicketHistory,
)
from backlog.selectors import responsibility_routing_get, scoring_settings_get
from backlog.services.common import (
    StaleVersion,
    TicketRowsRefused,
    TransitionRefused,
    check_member,
    check_same_engagement,
    history_add,
    history_entry,
    members_in_force,
    require_client,
    roles_held,
    versioned_save,
)
from backlog.services.unrouted import unrouted_tickets_notify_on_commit
from collab.models import Engagement, User
from roles.models import Role, RoleAssignment
from roles.policy import Action, require

VALUE_FIELDS = (
    "annual_revenue_gain",
    "annual_cost_savings",
    "hours_saved_per_month",
    "effort_days",
    "confidence",
    "time_criticality",
    "risk_reduction",
    "reach",
)
TICKET_EDITABLE_FIELDS = (
    "title",
    "description",
    "kind",
    "origin",
    "deadline",
    "assignee",
    "sprint",
    "labels",
    "external_ref",
    "steps_to_reproduce",
    "expected_behaviour",
    "actual_behaviour",
    "environment",
    "severity",
    "found_by",
)
# Imports bring the status and the creation time of the tool they come from.
TICKET_CREATE_FIELDS = (*TICKET_EDITABLE_FIELDS, *VALUE_FIELDS, "status", "created_at", "reporter")
TRACKED_FIELDS = frozenset({"status", "assignee", "sprint", "manual_rank", *VALUE_FIELDS})
# Checked against the engagement by the services rather than by the model's validation.
_REFERENCE_FIELDS = ("engagement", "reporter", "assignee", "sprint")
LABEL_MAX_LENGTH = 50
# The code of the error on a row whose external reference another ticket already has.
DUPLICATE_EXTERNAL_REF = "duplicate_external_ref"
# Rows per INSERT when tickets, their labels and history entries are bulk-created.
BULK_BATCH_SIZE = 1000


def ticket_numbers_reserve(*, engagement: Engagement, count: int) -> int:
    """Reserve the engagement's next ``count`` ticket numbers under a lock on its counter row and
    return the first (call inside the transaction that creates the tickets: the lock is held
    until it ends, and the unique constraint backs every key)."""
    TicketCounter.objects.bulk_create(
        [TicketCounter(engagement=engagement, last_number=0)], ignore_conflicts=True
    )
    counter = TicketCounter.objects.select_for_update().get(engagement=engagement)
    first = counter.last_number + 1
    counter.last_number += count
    counter.save(update_fields=["last_number"])
    return first


def ticket_number_allocate(*, engagement: Engagement) -> int:
    """The next ticket number of the engagement, under a lock on its counter row (call inside
    the transaction that creates the ticket; the unique constraint backs it)."""
    return ticket_numbers_reserve(engagement=engagement, count=1)


def responsible_role_for(*, engagement: Engagement, kind: str) -> Role:
    """The role answering for a kind of ticket: the engagement's policy, else the default."""
    return responsibility_routing_get(engagement=engagement)[kind]


def _holders_of(engagement: Engagement, roles: Collection[str]) -> dict[str, User]:
    # Per role, the active person with the largest allocation, then the earliest start.
    holders: dict[str, User] = {}
    assignments = (
        RoleAssignment.objects.active()
        .filter(engagement=engagement, role__in=roles, person__is_active=True)
        .select_related("person")
        .order_by("-allocation_percent", "start_date", "pk")
    )
    for assignment in assignments:
        holders.setdefault(assignment.role, assignment.person)
    return holders


def _routing(
    *, engagement: Engagement, kinds: Collection[str]
) -> dict[str, tuple[Role, User | None]]:
    """For each kind, the role responsible for it (the engagement's policy, else the default)
    and the person a new ticket of that kind goes to: the active holder of that role with the
    largest allocation, then the earliest start; None when nobody holds it (the ticket is then
    unrouted). Two queries for any number of kinds."""
    kinds = {kind for kind in kinds if kind in Kind.values}
    if not kinds:
        return {}
    routing = responsibility_routing_get(engagement=engagement)
    roles = {kind: routing[kind] for kind in kinds}
    holders = _holders_of(engagement, set(roles.values()))
    return {kind: (role, holders.get(role)) for kind, role in roles.items()}


def ticket_fields_validate(ticket: Ticket) -> None:
    """A ticket's own field rules (required title, lengths, choices, ranges, decimal places),
    without a query. Its references (engagement, reporter, assignee, sprint) are checked
    against the engagement by the services; the table's check constraints repeat these field
    rules, and the database still enforces them."""
    ticket.full_clean(
        exclude=[*_REFERENCE_FIELDS, "number"], validate_unique=False, validate_constraints=False
    )


def label_name_clean(label: Any) -> str:
    """A label's name as stored: trimmed (empty means no label), at most 50 characters."""
    name = str(label).strip()
    if len(name) > LABEL_MAX_LENGTH:
        raise ValidationError({"labels": _("A label has at most 50 characters.")})
    return name


def _label_choices(engagement: Engagement, labels: Iterable[Any]) -> list[Label | str]:
    # Labels of this engagement, or names to find or create (checked, without a query).
    chosen: list[Label | str] = []
    for label in labels:
        if isinstance(label, Label):
            check_same_engagement(engagement=engagement, obj=label, field="labels")
            chosen.append(label)
        elif name := label_name_clean(label):
            chosen.append(name)
    return chosen


def _labels_resolve(
    engagement: Engagement, chosen: Sequence[list[Label | str]]
) -> list[list[Label]]:
    # Every name of every list found, or created, at once: one query, three when some are new.
    names = {item for items in chosen for item in items if isinstance(item, str)}
    found: dict[str, Label] = {}
    if names:
        found = {
            label.name: label
            for label in Label.objects.filter(engagement=engagement, name__in=names)
        }
        missing = names - set(found)
        if missing:
            Label.objects.bulk_create(
                [Label(engagement=engagement, name=name) for name in sorted(missing)],
                ignore_conflicts=True,
            )
            found.update(
                (label.name, label)
                for label in Label.objects.filter(engagement=engagement, name__in=missing)
            )
    result = []
    for items in chosen:
        labels = {}
        for item in items:
            label = found[item] if isinstance(item, str) else item
            labels.setdefault(label.pk, label)
        result.append(list(labels.values()))
    return result


def _labels(engagement: Engagement, labels: list[Any]) -> list[Label]:
    return _labels_resolve(engagement, [_label_choices(engagement, labels)])[0]


def _check_references(
    engagement: Engagement, data: dict[str, Any], in_force: Collection[int] | None = None
) -> None:
    if "sprint" in data:
        sprint = data["sprint"]
        if sprint is not None and not isinstance(sprint, Sprint):
            raise ValidationError({"sprint": _("Choose a sprint.")})
        check_same_engagement(engagement=engagement, obj=sprint, field="sprint")
    if "assignee" in data:
        check_member(
            engagement=engagement, person=data["assignee"], field="assignee", in_force=in_force
        )


def _unknown(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})


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
            routing=_routing(
                engagement=engagement,
                kinds=[row.get("kind") for row in rows if isinstance(row.get("kind"), str)],
            ),
        )


@dataclass(frozen=True)
class _Filing:
    ticket: Ticket
    labels: list[Label | str]


def _filing(
    *, actor: User, engagement: Engagement, row: dict[str, Any], facts: _FilingFacts, now: datetime
) -> _Filing:
    """One row checked, in ticket_create's order of rules (the first broken one is raised),
    into an unsaved ticket with its routing and its labels; no query."""
    fields = dict(row)
    _unknown(fields, TICKET_CREATE_FIELDS)
    labels = fields.pop("labels", None) or []
    reporter = fields.pop("reporter", None) or actor
    if reporter is not actor and reporter.pk not in facts.on_record:
        raise ValidationError({"reporter": _("This person holds no role on this engagement.")})
    _check_references(engagement, fields, in_force=facts.in_force)
    sprint = fields.get("sprint")
    if sprint is not None and sprint.pk not in facts.sprints:
        raise ValidationError({"sprint": _("This sprint no longer exists.")}, code="invalid")
    kind = fields.get("kind")
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Choose a kind of ticket.")})
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
    return _Filing(ticket, _label_choices(engagement, labels))


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
    labels = _labels_resolve(engagement, [filing.labels for filing in filings])
    tickets = [filing.ticket for filing in filings]
    for offset, ticket in enumerate(tickets):
        ticket.number = first + offset
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
    TicketHistory.objects.bulk_create(
        [_unrouted_entry(actor=actor, ticket=ticket) for ticket in tickets if ticket.unrouted],
        batch_size=BULK_BATCH_SIZE,
    )
    unrouted_tickets_notify_on_commit(engagement=engagement, tickets=tickets)
    return tickets


def ticket_create(*, actor: User, engagement: Engagement, **fields: Any) -> Ticket:
    """File a ticket: the next key of the engagement, routed to the person holding the role
    responsible for its kind (flagged unrouted, with a history entry, when nobody does); the
    reporter (the actor by default) holds a role on the engagement, the assignee one in force,
    the sprint and labels are the engagement's, the external reference is not taken yet."""
    try:
        return ticket_create_many(actor=actor, engagement=engagement, rows=[fields])[0]
    except TicketRowsRefused as refused:
        raise refused.rows[0] from None


def _shown(field: Any, value: Any) -> Any:
    # Decimals in the history carry the column's places (100 → 100.00), as the database does.
    if isinstance(field, models.DecimalField) and value is not None:
        return Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places))
    return value


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
            value = raw if field.is_relation else field.to_python(raw)
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
        ticket.labels.set(_labels(ticket.engagement, labels))
    for name, before, after in changes:
        if name in TRACKED_FIELDS:
            history_add(ticket=ticket, actor=actor, field=name, before=before, after=after)
    return ticket


@transaction.atomic
def ticket_update(
    *, actor: User, ticket: Ticket, data: dict[str, Any], expected_version: int | None = None
) -> Ticket:
    """Edit a ticket's description fields, assignee or sprint, only if nobody changed it since
    ``expected_version`` (StaleVersion otherwise, nothing written)."""
    data = dict(data)
    _unknown(data, TICKET_EDITABLE_FIELDS)
    _check_references(ticket.engagement, data)
    return _apply(actor=actor, ticket=ticket, data=data, expected_version=expected_version)


@transaction.atomic
def ticket_value_update(
    *, actor: User, ticket: Ticket, data: dict[str, Any], expected_version: int | None = None
) -> Ticket:
    """Change value figures (each change in the history), under the same optimistic lock."""
    data = dict(data)
    _unknown(data, VALUE_FIELDS)
    return _apply(actor=actor, ticket=ticket, data=data, expected_version=expected_version)


@transaction.atomic
def ticket_pin_rank(
    *, actor: User, ticket: Ticket, rank: int | None, expected_version: int | None = None
) -> Ticket:
    """Pin (or unpin with None) a ticket's rank; only who approves priorities (the director)."""
    require(actor, Action.APPROVE_PRIORITIES, ticket.engagement)
    if rank is not None and rank < 1:
        raise ValidationError({"manual_rank": _("A pinned rank starts at 1.")})
    return _apply(
        actor=actor, ticket=ticket, data={"manual_rank": rank}, expected_version=expected_version
    )


@transaction.atomic
def ticket_strategic_alignment_set(*, actor: User | None, ticket: Ticket, value: Decimal) -> Ticket:
    """Store the weighted alignment computed by the roadmap (its history is a value change)."""
    locked = Ticket.objects.select_for_update().select_related("engagement").get(pk=ticket.pk)
    before = locked.strategic_alignment
    if before == value:
        return locked
    locked.strategic_alignment = value
    versioned_save(ticket=locked, fields=["strategic_alignment"], expected_version=locked.version)
    history_add(ticket=locked, actor=actor, field="strategic_alignment", before=before, after=value)
    ticket.strategic_alignment, ticket.version = value, locked.version
    return locked


def _move(
    *, actor: User | None, ticket: Ticket, to_status: str, version: int, note: str = ""
) -> Ticket:
    before = ticket.status
    ticket.status = to_status
    versioned_save(ticket=ticket, fields=["status"], expected_version=version)
    history_add(
        ticket=ticket, actor=actor, field="status", before=before, after=to_status, note=note
    )
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
    locked = Ticket.objects.select_for_update().select_related("engagement").get(pk=ticket.pk)
    if locked.version != version:
        raise StaleVersion(locked, version)
    settings = scoring_settings_get(engagement=locked.engagement)
    roles = roles_held(actor, locked.engagement) if isinstance(actor, User) else frozenset()
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
def comment_add(*, actor: User, ticket: Ticket, body: str) -> Comment:
    """Add a Markdown comment (rendered sanitized wherever it is shown)."""
    if not body.strip():
        raise ValidationError({"body": _("Write a comment.")})
    return Comment.objects.create(
        engagement_id=ticket.engagement_id, ticket=ticket, author=actor, body=body.strip()
    )
