"""What the backlog services share: domain exceptions, the versioned save, history, checks."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from backlog.models import Ticket, TicketHistory
from collab.models import Engagement, User
from roles.models import CLIENT_ROLES, Role, RoleAssignment
from roles.policy import roles_of


class TransitionRefused(Exception):
    """A workflow step refused by its guards; ``reasons`` are translated, for people."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


class TicketRowsRefused(ValidationError):
    """Rows of a batch that break a rule: ``rows`` maps the index of each bad row (from 0, in
    the order given) to its ValidationError; nothing of the batch was written. Read as a plain
    ValidationError, it is the first bad row's."""

    def __init__(self, rows: dict[int, ValidationError]) -> None:
        self.rows = dict(sorted(rows.items()))
        super().__init__(next(iter(self.rows.values())))


class StaleVersion(Exception):
    """The ticket changed since the caller read it; nothing was written."""

    def __init__(self, ticket: Ticket, expected: int) -> None:
        super().__init__(_("The ticket was changed by someone else; reload it and try again."))
        self.ticket = ticket
        self.expected = expected


def history_value(value: Any) -> str:
    """How a value is written in the history: codes for choices, names for people."""
    if value is None:
        return ""
    return str(value)


def history_entry(
    *,
    ticket: Ticket,
    actor: User | None,
    field: str,
    before: Any,
    after: Any,
    note: str = "",
) -> TicketHistory:
    """One entry of a ticket's history, not yet saved (``history_add`` saves one; batches
    bulk-create them)."""
    return TicketHistory(
        engagement_id=ticket.engagement_id,
        ticket=ticket,
        actor=actor if isinstance(actor, User) else None,
        field=field,
        before=history_value(before),
        after=history_value(after),
        note=note,
    )


def history_add(
    *,
    ticket: Ticket,
    actor: User | None,
    field: str,
    before: Any,
    after: Any,
    note: str = "",
) -> TicketHistory:
    """Append one entry to a ticket's history."""
    entry = history_entry(
        ticket=ticket, actor=actor, field=field, before=before, after=after, note=note
    )
    entry.save(force_insert=True)
    return entry


def versioned_save(*, ticket: Ticket, fields: list[str], expected_version: int) -> None:
    """Write ``fields`` of ``ticket`` only if its version is still ``expected_version``
    (one conditional UPDATE); bump the version, or raise StaleVersion and write nothing."""
    now = timezone.now()
    values = {name: getattr(ticket, name) for name in fields}
    updated = Ticket.objects.filter(pk=ticket.pk, version=expected_version).update(
        **values, version=F("version") + 1, updated_at=now
    )
    if updated == 0:
        raise StaleVersion(ticket, expected_version)
    ticket.version = expected_version + 1
    ticket.updated_at = now


def members_in_force(*, engagement: Engagement, people: Iterable[User]) -> set[int]:
    """The pks of those among ``people`` who hold a role in force on the engagement (one query,
    none for nobody)."""
    pks = {person.pk for person in people}
    if not pks:
        return set()
    return set(
        RoleAssignment.objects.active()
        .filter(engagement=engagement, person_id__in=pks)
        .values_list("person_id", flat=True)
    )


def check_member(
    *,
    engagement: Engagement,
    person: User | None,
    field: str,
    in_force: Collection[int] | None = None,
) -> None:
    """Refuse a person who holds no role in force on the engagement, naming the field
    (``in_force``: the ``members_in_force`` read once for a batch; read here otherwise)."""
    if person is None:
        return
    if in_force is None:
        in_force = members_in_force(engagement=engagement, people=[person])
    if person.pk not in in_force:
        raise ValidationError(
            {field: _("This person holds no role on this engagement.")}, code="foreign_person"
        )


def check_same_engagement(*, engagement: Engagement, obj: Any, field: str) -> None:
    """Refuse an object of another engagement, naming the field."""
    if obj is not None and obj.engagement_id != engagement.pk:
        raise ValidationError(
            {field: _("This belongs to another engagement.")}, code="foreign_engagement"
        )


def require_client(*, actor: User, engagement: Engagement) -> None:
    """Refuse (403) unless the actor holds a client role (director or stakeholder) in force."""
    if not isinstance(actor, User) or not roles_of(actor, engagement) & CLIENT_ROLES:
        raise PermissionDenied(_("Only the client's director or stakeholders can do this."))


def require_tester(*, actor: User, engagement: Engagement) -> None:
    """Refuse (403) unless the actor holds the tester role in force."""
    if not isinstance(actor, User) or Role.TESTER not in roles_of(actor, engagement):
        raise PermissionDenied(_("Only someone holding the tester role records QA verdicts."))
