"""Routing: the role answering for each kind of ticket, and who holds it in an engagement."""

from __future__ import annotations

from collections.abc import Collection

from backlog.models import Kind
from backlog.selectors import DEFAULT_RESPONSIBILITY, responsibility_routing_get
from collab.models import Engagement, User
from roles.models import Role, RoleAssignment

__all__ = ["DEFAULT_RESPONSIBILITY", "kind_routing", "responsible_role_for"]


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


def kind_routing(
    *, engagement: Engagement, kinds: Collection[str]
) -> dict[str, tuple[Role, User | None]]:
    """For each kind, the role responsible for it (the engagement's routing, read by the same
    selector as the settings page) and the person a new ticket of that kind goes to: the active
    holder of that role with the largest allocation, then the earliest start; None when nobody
    holds it (the ticket is then unrouted). Two queries for any number of kinds."""
    kinds = {kind for kind in kinds if kind in Kind.values}
    if not kinds:
        return {}
    routing = responsibility_routing_get(engagement=engagement)
    roles = {kind: routing[kind] for kind in kinds}
    holders = _holders_of(engagement, set(roles.values()))
    return {kind: (role, holders.get(role)) for kind, role in roles.items()}
