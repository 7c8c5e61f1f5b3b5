"""Who may run a review (the pages and the API check these before calling a service).

Signing off is ``Action.SIGN_OFF_REVIEWS`` (the director) in ``roles.policy``; the rest are
held roles, so a token (which holds none) only reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from collab.models import Engagement
from roles.models import Role
from roles.policy import roles_of

if TYPE_CHECKING:
    from roles.policy import Principal

# Opening the session: the two people the review is for.
SESSION_RUNNERS = frozenset({Role.DIRECTOR, Role.CONSULTANT})
# Recording decisions and refreshing the pack: they and the project manager.
REVIEW_EDITORS = frozenset({Role.DIRECTOR, Role.CONSULTANT, Role.PROJECT_MANAGER})
# Recording the value a done ticket actually brought.
REALISATION_RECORDERS = frozenset({Role.DIRECTOR, Role.CONSULTANT})


def holds(principal: Principal | None, engagement: Engagement, roles: frozenset[Role]) -> bool:
    """Whether the principal holds one of ``roles`` on the engagement today."""
    return bool(roles_of(principal, engagement) & roles)


def require_held(
    principal: Principal | None, engagement: Engagement, roles: frozenset[Role]
) -> None:
    """Refuse (403) unless the principal holds one of ``roles`` on the engagement."""
    if not holds(principal, engagement, roles):
        raise PermissionDenied(
            _("Only someone holding one of these roles can do this: %(roles)s.")
            % {"roles": ", ".join(str(role.label) for role in sorted(roles))}
        )
