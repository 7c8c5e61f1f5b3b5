"""Opening an engagement: the engagement itself (collab) and its opener's access (roles).

``collab`` cannot know about roles, so the step that spans both apps lives here, one level up,
where the dashboard and the API both call it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from collab.models import Engagement, Organization, User
from collab.services import engagement_create
from roles.models import Role
from roles.services import role_assignment_create


@transaction.atomic
def engagement_open(*, actor: User, **fields: Any) -> Engagement:
    """Open an engagement for the actor's agency and make the actor its agency admin (0 %
    allocation), so that whoever opens an engagement keeps access to it; all or nothing."""
    agency = actor.organization
    if agency is None or agency.kind != Organization.Kind.AGENCY:
        raise ValidationError(
            {"agency": _("Only a member of an agency can open an engagement for it.")}
        )
    engagement = engagement_create(agency=agency, **fields)
    role_assignment_create(
        engagement=engagement, person=actor, role=Role.AGENCY_ADMIN, allocation_percent=0
    )
    return engagement
