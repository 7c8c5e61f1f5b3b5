"""Who is told when a webhook is disabled: the one place the webhooks read the roles.

The collaboration core imports no other app at import time; this bridge imports inside its
function (the import-linter contract lists it as the webhooks' one exception).
"""

from __future__ import annotations

from collab.models import User


def agency_admins(*, engagement_id: int) -> list[User]:
    """The active people holding the agency admin role in force on the engagement."""
    from roles.models import Role, RoleAssignment

    return [
        assignment.person
        for assignment in RoleAssignment.objects.active()
        .filter(engagement_id=engagement_id, role=Role.AGENCY_ADMIN, person__is_active=True)
        .select_related("person")
        .order_by("person_id")
    ]
