"""Who attends the meetings of the rhythm, decided from the roles in force.

Required: the e-commerce director and the project manager for a weekly sync; the director and
the consultant for a roadmap review (a review without a consultant is flagged). The other
agency roles of the core team are invited as optional to the sync.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.models import Engagement, User
from collab.rhythm.models import Meeting
from collab.rhythm.outcomes import meeting_mark_held
from collab.rhythm.scheduling import MeetingPeople, ScheduleResult, meetings_schedule
from roles.models import AGENCY_ROLES, Role, RoleAssignment
from roles.policy import roles_of

# Re-exported: the rhythm's pages reach the roles through this module (their import contract).
from roles.selectors import engagement_members as engagement_members

if TYPE_CHECKING:
    from roles.policy import Principal

REQUIRED = {
    Meeting.Kind.WEEKLY_SYNC: (Role.DIRECTOR, Role.PROJECT_MANAGER),
    Meeting.Kind.ROADMAP_REVIEW: (Role.DIRECTOR, Role.CONSULTANT),
}
OPTIONAL = {
    Meeting.Kind.WEEKLY_SYNC: (Role.CONSULTANT, Role.BUSINESS_ANALYST, Role.TESTER),
    Meeting.Kind.ROADMAP_REVIEW: (Role.PROJECT_MANAGER,),
}
ORGANIZER = {
    Meeting.Kind.WEEKLY_SYNC: Role.PROJECT_MANAGER,
    Meeting.Kind.ROADMAP_REVIEW: Role.CONSULTANT,
}


def meeting_people(
    engagement: Engagement, kind: str, *, assignments: list[RoleAssignment] | None = None
) -> MeetingPeople:
    """The organizer, attendees (person, required) and missing required roles of a kind of
    meeting, from the assignments in force today."""
    if assignments is None:
        assignments = list(
            RoleAssignment.objects.active()
            .filter(engagement=engagement, person__is_active=True)
            .select_related("person")
            .order_by("pk")
        )
    holders: dict[str, list[User]] = {}
    for assignment in assignments:
        holders.setdefault(assignment.role, []).append(assignment.person)
    attendees: dict[User, bool] = {}
    for role in REQUIRED.get(kind, ()):
        for person in holders.get(role, []):
            attendees[person] = True
    for role in OPTIONAL.get(kind, ()):
        for person in holders.get(role, []):
            attendees.setdefault(person, False)
    organizer_role = ORGANIZER.get(kind)
    organizer = holders.get(organizer_role, [None])[0] if organizer_role else None
    missing = [str(role) for role in REQUIRED.get(kind, ()) if not holders.get(role)]
    return MeetingPeople(
        organizer=organizer, attendees=list(attendees.items()), missing_roles=missing
    )


def required_attendees(engagement: Engagement, kind: str) -> list[tuple[User, bool]]:
    """(person, required) for a kind of meeting of the engagement."""
    return meeting_people(engagement, kind).attendees


def engagement_meetings_schedule(
    *, engagement: Engagement, now: dt.datetime | None = None
) -> ScheduleResult:
    """Schedule an engagement's syncs and next review with the people its roles name."""
    assignments = list(
        RoleAssignment.objects.active()
        .filter(engagement=engagement, person__is_active=True)
        .select_related("person")
        .order_by("pk")
    )
    return meetings_schedule(
        engagement=engagement,
        sync_people=meeting_people(engagement, Meeting.Kind.WEEKLY_SYNC, assignments=assignments),
        review_people=meeting_people(
            engagement, Meeting.Kind.ROADMAP_REVIEW, assignments=assignments
        ),
        now=now,
    )


def engagement_meetings_schedule_after_commit(*, engagement_id: int) -> None:
    """Schedule the engagement's syncs and next review (and invite its team) in this request,
    once the transaction commits: the meetings exist at once, and a failure there cannot undo
    the change that called for them (the hourly ``meetings_schedule_task`` catches up)."""

    def schedule() -> None:
        engagement = Engagement.objects.get(pk=engagement_id)
        with transaction.atomic():
            engagement_meetings_schedule(engagement=engagement)

    transaction.on_commit(schedule)


def meetings_schedule_all(*, now: dt.datetime | None = None) -> int:
    """Keep every active engagement's meetings scheduled; returns how many were created."""
    now = now or timezone.now()
    return sum(
        engagement_meetings_schedule(engagement=engagement, now=now).created
        for engagement in Engagement.objects.filter(status=Engagement.Status.ACTIVE)
    )


# Who may change meetings (the web pages and the API refuse others with 403; viewing needs
# Action.VIEW). Tokens hold no role: they read meetings and never change them.
# Ad-hoc meetings, cancelling or moving an occurrence, its place and video link: who runs it.
MEETING_SCHEDULERS = frozenset({Role.PROJECT_MANAGER, Role.AGENCY_ADMIN})
# Agenda, outcomes, notes, attendance and action items: agency staff and the director.
MEETING_EDITORS = AGENCY_ROLES | {Role.DIRECTOR}
# Marking a meeting held (it freezes it and emails the minutes): the two who run the sync.
MEETING_CLOSERS = frozenset({Role.PROJECT_MANAGER, Role.DIRECTOR})
# A roadmap review is co-led by the consultant, who may mark it held too.
REVIEW_CLOSERS = MEETING_CLOSERS | {Role.CONSULTANT}


def meeting_closers(kind: str) -> frozenset[Role]:
    """Who may mark a meeting of this kind held."""
    return REVIEW_CLOSERS if kind == Meeting.Kind.ROADMAP_REVIEW else MEETING_CLOSERS


@transaction.atomic
def meeting_held(
    *, meeting: Meeting, attended: Iterable[User] | None = None, now: dt.datetime | None = None
) -> Meeting:
    """Mark a meeting held (``collab.rhythm`` freezes it and emails the minutes); once a
    roadmap review is held, whenever that is, the next one is scheduled at once."""
    meeting = meeting_mark_held(meeting=meeting, attended=attended, now=now)
    if meeting.kind == Meeting.Kind.ROADMAP_REVIEW:
        engagement_meetings_schedule(engagement=meeting.engagement, now=now)
    return meeting


def meeting_role_allows(
    principal: Principal | None, engagement: Engagement, roles: frozenset[Role]
) -> bool:
    """Whether the principal holds, today, one of ``roles`` on the engagement."""
    return bool(roles_of(principal, engagement) & roles)


def require_meeting_role(
    principal: Principal | None, engagement: Engagement, roles: frozenset[Role]
) -> None:
    """Refuse (403) unless the principal holds one of ``roles`` on the engagement."""
    if not meeting_role_allows(principal, engagement, roles):
        raise PermissionDenied(
            _("Only someone holding one of these roles can do this: %(roles)s.")
            % {"roles": ", ".join(str(role.label) for role in sorted(roles))}
        )
