"""Who is told when a webhook is disabled: the one place the webhooks read the roles.

The collaboration core imports no other app at import time; this bridge imports inside its
function (the import-linter contract lists it as the webhooks' one exception).
"""

from __future__ import annotations

from collab.models import User


def agency_admins(*, engagement_id: int) -> list[User]:
    """The active people holding the agency admin role in force on the engagement."""
    from roles.models import Role
    from roles.selectors import people_holding

    return list(people_holding(engagement=engagement_id, roles=[Role.AGENCY_ADMIN]))
