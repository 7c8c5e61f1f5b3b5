"""What the backlog API views share: finding a ticket inside the engagement, the person a
principal acts as, the ticket's entity tag and the problem answers of the workflow."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from backlog import workflow
from backlog.models import Status, Ticket
from backlog.selectors import ticket_get
from collab.common.etag import weak_etag
from collab.common.lookup import found_or_404
from collab.common.problems import problem_response
from collab.models import ApiToken, Engagement, User
from roles.policy import roles_of

TICKET_KEY = OpenApiParameter(
    "key", OpenApiTypes.STR, OpenApiParameter.PATH, description="The ticket's key, e.g. NORD-42."
)


def id_parameter(what: str) -> OpenApiParameter:
    # drf-spectacular names a ``pk`` path variable ``id`` in the schema.
    return OpenApiParameter(
        "id", OpenApiTypes.INT, OpenApiParameter.PATH, description=f"The {what}'s id."
    )


def ticket_or_404(*, engagement: Engagement, key: str) -> Ticket:
    """The ticket with this key in this engagement; 404 for a key of another engagement too."""
    return found_or_404(ticket_get(engagement=engagement, key=key), "ticket")


def acting_person(principal: Any) -> User:
    """The person a write is recorded under: the signed-in person, or for a token the person
    who created it (reporter, author and history name them)."""
    if isinstance(principal, ApiToken):
        person = principal.created_by
        if person is None or not person.is_active:
            raise PermissionDenied(
                _("This token has no active creator to act for; create a new token.")
            )
        return person
    return principal


def ticket_etag(ticket: Ticket) -> str:
    """The ticket's entity tag: its id and version (the version grows with every write)."""
    return weak_etag(f"ticket-{ticket.pk}-v{ticket.version}")


def require_step_role(principal: Any, engagement: Engagement, ticket: Ticket, to: str) -> None:
    """Refuse (403) a workflow step that exists but that none of the principal's roles may
    take; a step that does not exist, or a guard, is the workflow's refusal (409)."""
    allowed = workflow.TRANSITIONS.get((Status(ticket.status), Status(to)))
    if allowed is not None and not allowed & roles_of(principal, engagement):
        raise PermissionDenied(
            _("Your role does not allow moving a ticket from %(from)s to %(to)s.")
            % {"from": Status(ticket.status).label, "to": Status(to).label}
        )


def refused(request: Request, reasons: list[str]) -> Response:
    """409 problem naming every reason the workflow refused the step."""
    response = problem_response(
        status_code=status.HTTP_409_CONFLICT,
        title="Conflict",
        detail=" ".join(reasons),
        type_="transition-refused",
        instance=request.get_full_path(),
    )
    response.data["reasons"] = [str(reason) for reason in reasons]
    return response
