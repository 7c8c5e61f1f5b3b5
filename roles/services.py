"""Writes of roles: assignments and invitations."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from collab.common.tasks import enqueue_on_commit
from collab.models import Engagement, User
from collab.rhythm.scheduling import attendee_leave_upcoming
from roles.models import Invitation, Role, RoleAssignment, assignment_today
from roles.rhythm import engagement_meetings_schedule_after_commit

INVITATION_SALT = "tandem.invitation"
ASSIGNMENT_EDITABLE_FIELDS = ("allocation_percent", "start_date", "end_date")


def _already_member_error() -> ValidationError:
    return ValidationError(_("This person already holds this role on the engagement."))


@transaction.atomic
def role_assignment_create(
    *,
    engagement: Engagement,
    person: User,
    role: str,
    allocation_percent: int = 100,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
) -> RoleAssignment:
    """Give a person a role on an engagement; one assignment per person, role and engagement."""
    assignment = RoleAssignment(
        engagement=engagement,
        person=person,
        role=role,
        allocation_percent=allocation_percent,
        start_date=start_date or assignment_today(),
        end_date=end_date,
    )
    try:
        assignment.full_clean()
    except ValidationError as error:
        if (
            "__all__" in error.message_dict
            and RoleAssignment.objects.filter(
                engagement=engagement, person=person, role=role
            ).exists()
        ):
            raise _already_member_error() from None
        raise
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError:
        # Two admins assigning the same role at the same moment: the constraint decides.
        raise _already_member_error() from None
    # The new member is on the engagement's upcoming meetings (and invited) at once.
    engagement_meetings_schedule_after_commit(engagement_id=engagement.pk)
    return assignment


@dataclass(frozen=True)
class TeamAddition:
    """What adding a person by email did: an assignment at once, or an invitation to accept."""

    assignment: RoleAssignment | None = None
    invitation: Invitation | None = None


def _joins_directly(*, engagement: Engagement, person: User | None) -> bool:
    # The engagement's own people: its agency's staff and its client's, or anyone already on
    # its team. Everyone else, with an account elsewhere or none, must accept an invitation.
    if person is None or not person.is_active:
        return False
    if person.organization_id in (engagement.agency_id, engagement.client_id):
        return True
    return RoleAssignment.objects.filter(engagement=engagement, person=person).exists()


@transaction.atomic
def team_member_add(
    *,
    engagement: Engagement,
    added_by: User,
    email: str,
    role: str,
    allocation_percent: int = 100,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
) -> TeamAddition:
    """Add a person to the team by email: a person of the engagement's agency or client (or
    already on its team) gets the role at once; anyone else — another client's person or an
    unknown address alike — gets an invitation to accept, so that the answer never tells
    whether an account exists."""
    email = email.strip().lower()
    person = User.objects.filter(email__iexact=email).first()
    if _joins_directly(engagement=engagement, person=person):
        assert person is not None  # _joins_directly answers False without one
        assignment = role_assignment_create(
            engagement=engagement,
            person=person,
            role=role,
            allocation_percent=allocation_percent,
            start_date=start_date,
            end_date=end_date,
        )
        return TeamAddition(assignment=assignment)
    if start_date is not None or end_date is not None:
        dates_error = _(
            "An invited person's role starts when they accept; change its dates once they "
            "have joined."
        )
        raise ValidationError(
            {
                name: dates_error
                for name, value in (("start_date", start_date), ("end_date", end_date))
                if value is not None
            }
        )
    batch = invitations_send(
        engagement=engagement,
        invited_by=added_by,
        emails=[email],
        role=role,
        allocation_percent=allocation_percent,
    )
    return TeamAddition(invitation=batch.invitations[0])


@transaction.atomic
def role_assignment_update(*, assignment: RoleAssignment, data: dict[str, Any]) -> RoleAssignment:
    """Change the allocation or the dates of an assignment."""
    unknown = set(data) - set(ASSIGNMENT_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    for name, value in data.items():
        setattr(assignment, name, value)
    assignment.full_clean()
    assignment.save(update_fields=list(data))
    return assignment


@transaction.atomic
def role_assignment_remove(*, assignment: RoleAssignment) -> None:
    """Take a role away; a person left with no role loses access to the engagement at once,
    and in the same transaction leaves its upcoming meetings (no more invitations, updates or
    reminders about them; their calendar feed no longer lists the engagement's meetings)."""
    engagement_id, person_id = assignment.engagement_id, assignment.person_id
    assignment.delete()
    if not RoleAssignment.objects.filter(engagement_id=engagement_id, person_id=person_id).exists():
        attendee_leave_upcoming(engagement_id=engagement_id, person_id=person_id)


def invitation_token(invitation: Invitation) -> str:
    """The signed token of an invitation link: tampering breaks the signature."""
    return signing.dumps({"invitation": invitation.pk}, salt=INVITATION_SALT, compress=True)


@dataclass(frozen=True)
class InvitationBatch:
    invitations: list[Invitation]


@transaction.atomic
def invitations_send(
    *,
    engagement: Engagement,
    invited_by: User,
    emails: list[str],
    role: str,
    allocation_percent: int = 100,
) -> InvitationBatch:
    """Invite several people by email to an engagement with one role, in one step; refuses the
    whole batch when anyone already holds that role there."""
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    cleaned = sorted({email.strip().lower() for email in emails if email.strip()})
    if not cleaned:
        raise ValidationError({"emails": _("Enter at least one email address.")})
    already = sorted(
        RoleAssignment.objects.filter(
            engagement=engagement, role=role, person__email__in=cleaned
        ).values_list("person__email", flat=True)
    )
    if already:
        raise ValidationError(
            {
                "emails": _("Already a member with this role: %(emails)s.")
                % {"emails": ", ".join(already)}
            }
        )
    expires_at = timezone.now() + settings.INVITATION_MAX_AGE
    invitations = []
    for email in cleaned:
        invitation = Invitation(
            engagement=engagement,
            email=email,
            role=role,
            allocation_percent=allocation_percent,
            invited_by=invited_by,
            expires_at=expires_at,
        )
        invitation.full_clean()
        invitation.save()
        invitations.append(invitation)
        enqueue_on_commit("roles.tasks.invitation_email_task", invitation_id=invitation.pk)
    return InvitationBatch(invitations=invitations)


class InvitationRefused(Exception):
    """An invitation link that cannot be used; ``reason`` is shown to the person."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def invitation_check(*, token: str) -> Invitation:
    """The invitation behind a link, refused when tampered with, expired or already used."""
    try:
        payload = signing.loads(token, salt=INVITATION_SALT)
    except signing.BadSignature:
        raise InvitationRefused(
            "tampered", _("This invitation link is not valid. Check that you copied it whole.")
        ) from None
    invitation = (
        Invitation.objects.select_related("engagement").filter(pk=payload.get("invitation")).first()
    )
    if invitation is None:
        raise InvitationRefused("tampered", _("This invitation no longer exists."))
    if invitation.accepted_at is not None:
        raise InvitationRefused(
            "used", _("This invitation has already been used. Log in to reach the engagement.")
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationRefused(
            "expired",
            _("This invitation has expired. Ask the person who invited you for a new one."),
        )
    return invitation


@transaction.atomic
def invitation_accept(
    *,
    token: str,
    password: str | None = None,
    display_name: str = "",
    time_zone: str = "",
    language: str = "",
) -> RoleAssignment:
    """Accept an invitation: a new person sets a password, their time zone and language (the
    defaults when not given), an existing account just gains the role. The invitation row is
    locked so that a link can be used once only."""
    invitation = invitation_check(token=token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise InvitationRefused("used", _("This invitation has already been used."))
    person = User.objects.filter(email__iexact=invitation.email).first()
    if person is None:
        if not password:
            raise ValidationError({"password": _("Choose a password.")})
        person = User(email=invitation.email, display_name=display_name.strip())
        if time_zone:
            person.time_zone = time_zone
        if language:
            person.language = language
        person.set_password(password)
        person.full_clean()
        person.save()
    assignment = RoleAssignment.objects.filter(
        engagement=invitation.engagement, person=person, role=invitation.role
    ).first() or role_assignment_create(
        engagement=invitation.engagement,
        person=person,
        role=invitation.role,
        allocation_percent=invitation.allocation_percent,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = person
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return assignment


def invitation_email_send(*, invitation_id: int) -> bool:
    """Email an invitation in the inviter's language, once: the row is claimed under a lock and
    marked sent in the same transaction. Returns whether an email left."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("engagement", "invited_by")
            .filter(pk=invitation_id, sent_at__isnull=True, accepted_at__isnull=True)
            .first()
        )
        if invitation is None:
            return False
        existing = User.objects.filter(email__iexact=invitation.email).first()
        language = (existing or invitation.invited_by or User(language="en")).language
        link = settings.SITE_URL + reverse(
            "roles:invitation-accept", kwargs={"token": invitation_token(invitation)}
        )
        context = {
            "invitation": invitation,
            "engagement": invitation.engagement,
            "role": invitation.get_role_display(),
            "inviter": invitation.invited_by,
            "link": link,
            "existing_account": existing is not None,
            "expires_at": invitation.expires_at,
        }
        with translation.override(language):
            subject = _("You are invited to %(engagement)s on Tandem") % {
                "engagement": invitation.engagement.name
            }
            text = render_to_string("roles/email/invitation.txt", context)
            html = render_to_string("roles/email/invitation.html", context)
        message = EmailMultiAlternatives(subject, text, to=[invitation.email])
        message.attach_alternative(html, "text/html")
        message.send()
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
    return True


def invitations_send_pending() -> int:
    """Send every unsent, unexpired invitation (the broker may have been down at the time)."""
    pending = Invitation.objects.filter(
        sent_at__isnull=True, accepted_at__isnull=True, expires_at__gt=timezone.now()
    ).values_list("pk", flat=True)
    return sum(invitation_email_send(invitation_id=pk) for pk in list(pending))
