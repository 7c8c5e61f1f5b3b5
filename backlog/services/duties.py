"""Separation of duties: the QA verdict on a ticket is not given by its assignee nor by an author
of its acceptance criteria (an engagement setting, on by default). When nobody else may give
it, only the client's director may grant a one-ticket exception, with a reason; the verdict
given under it is counted as self-verified."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from backlog.models import CLOSED_STATUSES, AcceptanceCriterion, QAException, Ticket
from backlog.selectors import scoring_settings_get
from backlog.services.common import history_add
from collab.models import User
from roles.models import Role, RoleAssignment
from roles.policy import roles_of

SEPARATION_OF_DUTIES = "separation_of_duties"


@dataclass(frozen=True)
class QAClearance:
    """Whether ``person`` may give the ticket's QA verdict: ``refusals`` (empty: may) and
    whether the verdict is self-verified under the director's exception."""

    refusals: list[str]
    self_verified: bool


def _conflicts(*, ticket: Ticket, person: User, authors: set[int]) -> list[str]:
    conflicts = []
    if ticket.assignee_id == person.pk:
        conflicts.append(_("You are assigned to this ticket."))
    if person.pk in authors:
        conflicts.append(_("You wrote acceptance criteria of this ticket."))
    return conflicts


def _other_testers(*, ticket: Ticket, excluded: set[int]) -> bool:
    return (
        RoleAssignment.objects.active()
        .filter(engagement_id=ticket.engagement_id, role=Role.TESTER)
        .exclude(person_id__in=excluded)
        .exists()
    )


def qa_clearance(*, ticket: Ticket, person: User) -> QAClearance:
    """Check the separation of duties for ``person`` giving the ticket's QA verdict: refused
    to its assignee and to the authors of its criteria, with the reason, and saying when
    nobody else holds the tester role (the missing role) so that only the director's
    exception is left."""
    if not scoring_settings_get(engagement=ticket.engagement).separation_of_duties:
        return QAClearance(refusals=[], self_verified=False)
    authors = set(
        AcceptanceCriterion.objects.filter(ticket=ticket).values_list("author_id", flat=True)
    )
    conflicts = _conflicts(ticket=ticket, person=person, authors=authors)
    if not conflicts:
        return QAClearance(refusals=[], self_verified=False)
    if QAException.objects.filter(ticket=ticket, person=person).exists():
        return QAClearance(refusals=[], self_verified=True)
    excluded = authors | ({ticket.assignee_id} if ticket.assignee_id else set())
    refusals = [
        *conflicts,
        _("Separation of duties: someone else gives the QA verdict of this ticket."),
    ]
    if not _other_testers(ticket=ticket, excluded=excluded):
        refusals.append(
            _(
                "Nobody else on this engagement may give it: the role %(role)s is missing "
                "(someone who is neither the assignee nor an author of the criteria). Give "
                "the role to someone else, or ask the client's director for an exception "
                "for this ticket."
            )
            % {"role": Role.TESTER.label}
        )
    return QAClearance(refusals=refusals, self_verified=False)


@transaction.atomic
def qa_exception_grant(*, actor: User, ticket: Ticket, person: User, reason: str) -> QAException:
    """The client's director (only) lets ``person``, who holds the tester role, give the QA
    verdict of this one ticket although they are its assignee or wrote its criteria; the reason
    is required and the exception is kept in the ticket's history."""
    if Role.DIRECTOR not in roles_of(actor, ticket.engagement):
        raise PermissionDenied(
            _("Only the client's director may grant an exception to the separation of duties.")
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Say why this ticket may be verified by its author.")})
    if Role.TESTER not in roles_of(person, ticket.engagement):
        raise ValidationError({"person": _("This person does not hold the tester role.")})
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if locked.status in CLOSED_STATUSES:
        raise ValidationError({"ticket": _("This ticket is closed.")})
    if QAException.objects.filter(ticket=locked).exists():
        raise ValidationError({"ticket": _("An exception was already granted for this ticket.")})
    exception = QAException.objects.create(
        engagement_id=locked.engagement_id,
        ticket=locked,
        person=person,
        granted_by=actor,
        reason=reason.strip(),
    )
    history_add(
        ticket=locked,
        actor=actor,
        field="qa_exception",
        before="",
        after=str(person),
        note=reason.strip(),
    )
    return exception
