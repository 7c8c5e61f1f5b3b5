"""Routing: the role answering for each kind of ticket, and who holds it in an engagement."""

from __future__ import annotations

from collections.abc import Collection

from django.db import transaction

from backlog.models import Kind, ResponsibilityPolicy
from collab.models import Engagement, User
from roles.models import Role, RoleAssignment

DEFAULT_RESPONSIBILITY: dict[str, Role] = {
    Kind.BUG: Role.TESTER,
    Kind.QUESTION: Role.CONSULTANT,
    Kind.FEATURE: Role.BUSINESS_ANALYST,
    Kind.IMPROVEMENT: Role.BUSINESS_ANALYST,
    Kind.PLATFORM_UPGRADE: Role.CONSULTANT,
    Kind.SECURITY: Role.CONSULTANT,
}


def _responsible_roles(engagement: Engagement, kinds: Collection[str]) -> dict[str, Role]:
    policies = dict(
        ResponsibilityPolicy.objects.filter(engagement=engagement, kind__in=kinds).values_list(
            "kind", "role"
        )
    )
    return {
        kind: Role(policies[kind]) if policies.get(kind) else DEFAULT_RESPONSIBILITY[kind]
        for kind in kinds
    }


def responsible_role_for(*, engagement: Engagement, kind: str) -> Role:
    """The role answering for a kind of ticket: the engagement's policy, else the default."""
    return _responsible_roles(engagement, [kind])[kind]


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
    """For each kind, the role responsible for it (the engagement's policy, else the default)
    and the person a new ticket of that kind goes to: the active holder of that role with the
    largest allocation, then the earliest start; None when nobody holds it (the ticket is then
    unrouted). Two queries for any number of kinds."""
    kinds = {kind for kind in kinds if kind in Kind.values}
    if not kinds:
        return {}
    roles = _responsible_roles(engagement, kinds)
    holders = _holders_of(engagement, set(roles.values()))
    return {kind: (role, holders.get(role)) for kind, role in roles.items()}


@transaction.atomic
def responsibility_policy_set(*, engagement: Engagement, kind: str, role: str) -> None:
    """Choose which role answers for a kind of ticket in this engagement."""
    policy = ResponsibilityPolicy(engagement=engagement, kind=kind, role=role)
    policy.full_clean(validate_unique=False, validate_constraints=False)
    ResponsibilityPolicy.objects.update_or_create(
        engagement=engagement, kind=kind, defaults={"role": role}
    )
