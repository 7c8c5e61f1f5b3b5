"""What the backlog pages share: reaching the engagement and the ticket, role checks."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from backlog import selectors
from backlog.models import Ticket
from collab.common.lookup import found_or_404
from collab.models import Engagement
from roles import policy
from roles.models import Role
from roles.policy import Action

# Who writes the analysis of a ticket (acceptance criteria, success metrics, impact analysis).
ANALYSTS = frozenset({Role.BUSINESS_ANALYST, Role.PROJECT_MANAGER})
# Who opens sprints.
PLANNERS = frozenset({Role.PROJECT_MANAGER, Role.AGENCY_ADMIN})


def engagement_allowed(request: HttpRequest, slug: str, action: Action) -> Engagement:
    """The engagement of the URL (404 when it is not the viewer's), if the viewer may act."""
    engagement = policy.engagement_for(request.user, slug=slug)
    policy.require(request.user, action, engagement)
    return engagement


def ticket_or_404(engagement: Engagement, key: str) -> Ticket:
    return found_or_404(selectors.ticket_get(engagement=engagement, key=key), "ticket")


def require_roles(request: HttpRequest, engagement: Engagement, roles: frozenset[Role]) -> None:
    """Refuse (403) unless the viewer holds one of ``roles`` on the engagement."""
    if not policy.roles_of(request.user, engagement) & roles:
        raise PermissionDenied(
            _("Only someone holding one of these roles can do this: %(roles)s.")
            % {"roles": ", ".join(str(role.label) for role in sorted(roles))}
        )


def safe_next(request: HttpRequest, fallback: str) -> str:
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def ticket_url(ticket: Ticket, anchor: str = "") -> str:
    url = reverse("backlog:ticket-detail", args=[ticket.engagement.slug, ticket.key])
    return f"{url}#{anchor}" if anchor else url
