"""Who may see and do what: the one place that answers it.

Every view, API endpoint, export and task reaches an engagement through
:func:`engagements_visible_to` or :func:`engagement_for`, and asks :func:`can` before acting.
A *principal* is a signed-in person or an API token (scoped to one engagement).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from collab.models import ApiToken, Engagement, User
from roles.models import Role, RoleAssignment

if TYPE_CHECKING:
    Principal = User | ApiToken


class Action(models.TextChoices):
    VIEW = "view", _("View the engagement")
    FILE_TICKETS = "file_tickets", _("File tickets")
    EDIT_VALUE = "edit_value", _("Edit value figures")
    APPROVE_PRIORITIES = "approve_priorities", _("Approve priorities")
    SIGN_OFF_REVIEWS = "sign_off_reviews", _("Sign off roadmap reviews")
    RECORD_QA = "record_qa", _("Record QA verdicts")
    MANAGE_TEAM = "manage_team", _("Manage the team")
    MANAGE_API_TOKENS = "manage_api_tokens", _("Manage API tokens and webhooks")
    CONFIGURE_BACKLOG = "configure_backlog", _("Configure scoring and workflow")
    LOG_TIME = "log_time", _("Log time")
    VIEW_ALL_TIME = "view_all_time", _("See all time, with notes and unapproved entries")
    APPROVE_TIME = "approve_time", _("Approve timesheets")
    REMOVE_ATTACHMENTS = "remove_attachments", _("Remove anyone's attachments")
    VIEW_BUDGETS = "view_budgets", _("See budgets and their burn")
    MANAGE_BUDGETS = "manage_budgets", _("Set budgets and retainers")
    IMPORT_TIME = "import_time", _("Import time from Toggl, Harvest or Clockify")


A = Action

# The agency's people log time and see all of it (unapproved entries, internal notes); the
# client's people see only approved billable time, without internal notes.
TIME_ACTIONS = (A.LOG_TIME, A.VIEW_ALL_TIME)
# The project manager and the agency admin import a team's time from Toggl, Harvest or Clockify
# (entries for other people, so not every person who logs time). The project manager and the
# agency admin set budgets; the director reads them (in hours and
# per cent, or in money for a budget in money: what the client pays, never the day rate).
BUDGET_ACTIONS = (A.VIEW_BUDGETS, A.MANAGE_BUDGETS)

# The permission matrix: role → the actions it grants. docs/permissions.md is generated from it.
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.PROJECT_MANAGER: frozenset(
        {
            A.VIEW,
            A.FILE_TICKETS,
            A.EDIT_VALUE,
            *TIME_ACTIONS,
            A.APPROVE_TIME,
            A.IMPORT_TIME,
            A.REMOVE_ATTACHMENTS,
            *BUDGET_ACTIONS,
        }
    ),
    Role.CONSULTANT: frozenset({A.VIEW, A.FILE_TICKETS, A.EDIT_VALUE, *TIME_ACTIONS}),
    Role.BUSINESS_ANALYST: frozenset({A.VIEW, A.FILE_TICKETS, A.EDIT_VALUE, *TIME_ACTIONS}),
    Role.TESTER: frozenset({A.VIEW, A.FILE_TICKETS, A.RECORD_QA, *TIME_ACTIONS}),
    Role.DEVELOPER: frozenset({A.VIEW, A.FILE_TICKETS, *TIME_ACTIONS}),
    Role.AGENCY_ADMIN: frozenset(
        {
            A.VIEW,
            A.FILE_TICKETS,
            A.EDIT_VALUE,
            A.MANAGE_TEAM,
            A.MANAGE_API_TOKENS,
            A.CONFIGURE_BACKLOG,
            *TIME_ACTIONS,
            A.IMPORT_TIME,
            *BUDGET_ACTIONS,
        }
    ),
    Role.DIRECTOR: frozenset(
        {
            A.VIEW,
            A.FILE_TICKETS,
            A.EDIT_VALUE,
            A.APPROVE_PRIORITIES,
            A.SIGN_OFF_REVIEWS,
            A.CONFIGURE_BACKLOG,
            A.VIEW_BUDGETS,
        }
    ),
    Role.STAKEHOLDER: frozenset({A.VIEW, A.FILE_TICKETS}),
}

# What an integration's token may do. Human decisions (approving priorities, signing off,
# managing the team, tokens or webhooks, choosing how the backlog is scored and routed,
# approving timesheets) are never delegated to a token. Tokens are the agency's (only an agency
# admin issues them): they read all time, and a write token pushes entries (from Toggl, Harvest
# or Clockify exports) for the engagement's people, and sets budgets from the contract.
TOKEN_SCOPE_ACTIONS: dict[ApiToken.Scope, frozenset[Action]] = {
    ApiToken.Scope.READ: frozenset({A.VIEW, A.VIEW_ALL_TIME, A.VIEW_BUDGETS}),
    ApiToken.Scope.WRITE: frozenset(
        {
            A.VIEW,
            A.FILE_TICKETS,
            A.EDIT_VALUE,
            A.RECORD_QA,
            A.LOG_TIME,
            A.VIEW_ALL_TIME,
            *BUDGET_ACTIONS,
        }
    ),
}


def actions_for_roles(roles: Iterable[str]) -> frozenset[Action]:
    """The union of the actions granted by the given roles."""
    granted: set[Action] = set()
    for role in roles:
        granted |= ROLE_ACTIONS[Role(role)]
    return frozenset(granted)


def action_values(roles: Iterable[str]) -> frozenset[str]:
    """The actions the roles grant, as the plain values templates test
    (``{% if "manage_team" in actions %}``)."""
    return frozenset(action.value for action in actions_for_roles(roles))


def actions_of(principal: Principal | None, engagement: Engagement) -> frozenset[str]:
    """What a person may do on the engagement, as values, so that pages show only the links
    that will work."""
    return action_values(roles_of(principal, engagement))


def engagements_visible_to(principal: Principal | None) -> models.QuerySet[Engagement]:
    """Engagements the principal may see: those where a person holds a role in force today,
    or the one engagement of an active token."""
    if principal is None or not principal.is_authenticated:
        return Engagement.objects.none()
    if isinstance(principal, ApiToken):
        if not principal.is_active:
            return Engagement.objects.none()
        return Engagement.objects.filter(pk=principal.engagement_id)
    if not principal.is_active:
        return Engagement.objects.none()
    member_of = RoleAssignment.objects.active().filter(person=principal).values("engagement_id")
    return Engagement.objects.filter(pk__in=member_of)


def token_in_force(token: ApiToken) -> bool:
    """A token acts while it is not revoked and, when a person issued it, while that person's
    account is active and holds a role in force on the token's engagement: an integration never
    outlives its issuer's place on the team. A token issued without a person (by the server's
    operator) belongs to the engagement and acts until it is revoked."""
    if not token.is_active:
        return False
    if token.created_by_id is None:
        return True
    return (
        RoleAssignment.objects.active()
        .filter(
            person_id=token.created_by_id,
            person__is_active=True,
            engagement_id=token.engagement_id,
        )
        .exists()
    )


# Where ``engagement_for`` keeps, on the engagement it answers, the roles its person holds
# today: (person's primary key, roles), read with the engagement in one query.
_HELD = "_roles_held_by"


def engagement_for(principal: Principal | None, *, slug: str) -> Engagement:
    """The engagement with this slug if the principal may see it; 404 whether it is missing or
    not theirs, so that a stranger cannot tell the two apart. For a person, one query reads the
    engagement through their assignments in force, and the roles they hold are kept on it for
    ``roles_of`` (what every page and endpoint asks next)."""
    if isinstance(principal, User) and principal.is_authenticated and principal.is_active:
        held = list(
            RoleAssignment.objects.active()
            .filter(person=principal, engagement__slug=slug)
            .select_related("engagement")
        )
        if not held:
            raise Http404("No engagement found.")
        engagement = held[0].engagement
        setattr(engagement, _HELD, (principal.pk, frozenset(Role(a.role) for a in held)))
        return engagement
    try:
        return engagements_visible_to(principal).get(slug=slug)
    except Engagement.DoesNotExist:
        raise Http404("No engagement found.") from None


def roles_of(principal: Principal | None, engagement: Engagement) -> frozenset[Role]:
    """The roles a person holds today on the engagement (none for a token): those
    ``engagement_for`` read with the engagement, else one query."""
    if principal is None or isinstance(principal, ApiToken) or not principal.is_authenticated:
        return frozenset()
    held: tuple[int, frozenset[Role]] | None = getattr(engagement, _HELD, None)
    if held is not None and held[0] == principal.pk:
        return held[1]
    return frozenset(
        Role(r)
        for r in RoleAssignment.objects.active()
        .filter(person=principal, engagement=engagement)
        .values_list("role", flat=True)
    )


def can(principal: Principal | None, action: Action, engagement: Engagement) -> bool:
    """Whether the principal may perform the action on the engagement."""
    if principal is None or not principal.is_authenticated:
        return False
    if isinstance(principal, ApiToken):
        return (
            principal.is_active
            and principal.engagement_id == engagement.pk
            and action in TOKEN_SCOPE_ACTIONS[ApiToken.Scope(principal.scope)]
        )
    return action in actions_for_roles(roles_of(principal, engagement))


# The realised cost of approved time (hours at the day rate) and the realised return on
# investment: the agency (who see all time) and the client's people who weigh value (who edit
# value figures: the director); never the other client people.
REALISED_COST_ACTIONS = frozenset({Action.VIEW_ALL_TIME, Action.EDIT_VALUE})


def realised_cost_visible(actions: Iterable[str]) -> bool:
    """Whether these granted actions (values, as ``actions_of`` gives) show realised costs."""
    return any(action in REALISED_COST_ACTIONS for action in actions)


def can_see_realised_cost(principal: Principal | None, engagement: Engagement) -> bool:
    """Whether the principal sees realised costs and returns (see ``REALISED_COST_ACTIONS``)."""
    return any(can(principal, action, engagement) for action in REALISED_COST_ACTIONS)


def can_remove_attachment(
    principal: Principal | None, engagement: Engagement, *, uploaded_by_id: int
) -> bool:
    """Whoever uploaded a file may remove it (a token for the person who created it), and so
    may whoever is granted REMOVE_ATTACHMENTS (the project manager keeps the ticket tidy)."""
    if can(principal, Action.REMOVE_ATTACHMENTS, engagement):
        return True
    if principal is None or not can(principal, Action.FILE_TICKETS, engagement):
        return False
    person_id = principal.created_by_id if isinstance(principal, ApiToken) else principal.pk
    return person_id is not None and person_id == uploaded_by_id


def can_create_engagements(principal: Principal | None) -> bool:
    """Agency admins (of any engagement in force) may open new engagements for their agency."""
    if principal is None or isinstance(principal, ApiToken) or not principal.is_authenticated:
        return False
    return RoleAssignment.objects.active().filter(person=principal, role=Role.AGENCY_ADMIN).exists()


def require(principal: Principal | None, action: Action, engagement: Engagement) -> None:
    """Refuse (403) unless the principal may perform the action on this engagement."""
    if not can(principal, action, engagement):
        raise PermissionDenied(
            _("Your role on this engagement does not allow this: %(action)s.")
            % {"action": action.label}
        )
