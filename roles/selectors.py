"""Reads of roles: teams, invitations."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from collab.models import Engagement, User
from roles.models import Invitation, Role, RoleAssignment


@dataclass(frozen=True)
class EngagementRoles:
    engagement: Engagement
    roles: list[RoleAssignment]


# Roles in the order people think of a team: the agency's roles first, then the client's.
ROLE_ORDER = Case(
    *(When(role=role, then=Value(position)) for position, role in enumerate(Role)),
    output_field=IntegerField(),
)


def role_assignment_list(*, engagement: Engagement) -> QuerySet[RoleAssignment]:
    """An engagement's assignments (in force or not) with their people, by role then name."""
    return (
        RoleAssignment.objects.filter(engagement=engagement)
        .select_related("person")
        .order_by(ROLE_ORDER, "person__display_name", "person__email")
    )


def role_assignment_get(*, engagement: Engagement, pk: int) -> RoleAssignment | None:
    """One assignment of this engagement, or None when it is not one of its own."""
    return role_assignment_list(engagement=engagement).filter(pk=pk).first()


def invitation_pending_list(*, engagement: Engagement) -> QuerySet[Invitation]:
    """Invitations of the engagement not yet accepted nor expired, newest first."""
    return (
        Invitation.objects.filter(
            engagement=engagement, accepted_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("invited_by")
        .order_by("-created_at")
    )


def person_engagement_roles(*, person: User) -> list[EngagementRoles]:
    """The engagements where a person holds a role in force today, each with those roles,
    by engagement name then role (one query)."""
    grouped: dict[int, EngagementRoles] = {}
    assignments = (
        RoleAssignment.objects.active()
        .filter(person=person)
        .select_related("engagement")
        .order_by("engagement__name", "engagement_id", "role")
    )
    for assignment in assignments:
        entry = grouped.setdefault(
            assignment.engagement_id, EngagementRoles(engagement=assignment.engagement, roles=[])
        )
        entry.roles.append(assignment)
    return list(grouped.values())


def people_holding(*, engagement: Engagement | int, roles: Iterable[str]) -> QuerySet[User]:
    """Active people holding one of these roles in force on the engagement (or its id), each
    once, oldest account first: who is told about something a role answers for."""
    holders = (
        RoleAssignment.objects.active()
        .filter(engagement=engagement, role__in=list(roles))
        .values("person_id")
    )
    return User.objects.filter(pk__in=holders, is_active=True).order_by("pk")


def engagement_members(*, engagement: Engagement) -> QuerySet[User]:
    """Active people holding a role in force on the engagement, by name: whom a meeting may
    invite, an action item may name, or a ticket may be given to through the API."""
    member_ids = RoleAssignment.objects.active().filter(engagement=engagement).values("person_id")
    return User.objects.filter(pk__in=member_ids, is_active=True).order_by("display_name", "pk")
