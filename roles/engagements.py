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
from collab.services import CADENCE_FIELDS, engagement_create, engagement_update
from roles.models import Role
from roles.rhythm import engagement_meetings_schedule_after_commit
from roles.services import role_assignment_create

# A change of one of these can call for occurrences the engagement does not have yet.
SCHEDULE_FIELDS = CADENCE_FIELDS | {"status"}


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
    # The opener's role schedules the engagement's syncs and next review right after commit
    # (role_assignment_create): the new engagement has its meetings at once.
    role_assignment_create(
        engagement=engagement, person=actor, role=Role.AGENCY_ADMIN, allocation_percent=0
    )
    return engagement


@transaction.atomic
def engagement_settings_update(*, engagement: Engagement, data: dict[str, Any]) -> Engagement:
    """Change an engagement's settings; a changed cadence (or an engagement made active again)
    moves its future occurrences now and schedules the missing ones right after commit."""
    before = {name: getattr(engagement, name) for name in SCHEDULE_FIELDS}
    updated = engagement_update(engagement=engagement, data=data)
    if any(getattr(updated, name) != value for name, value in before.items()):
        engagement_meetings_schedule_after_commit(engagement_id=updated.pk)
    return updated
