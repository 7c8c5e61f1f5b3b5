"""Role assignments and invitations, at the service level."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from collab.models import User
from roles import services
from roles.models import Invitation, Role, RoleAssignment
from roles.services import InvitationRefused
from tests.factories import UserFactory, member


def test_assignment_above_100_percent_is_refused_and_not_saved(engagement):
    person = UserFactory()

    with pytest.raises(ValidationError) as error:
        services.role_assignment_create(
            engagement=engagement, person=person, role=Role.TESTER, allocation_percent=101
        )

    assert "allocation_percent" in error.value.message_dict
    assert not RoleAssignment.objects.filter(person=person).exists()


def test_assignment_ending_before_it_starts_is_refused(engagement):
    person = UserFactory()
    today = timezone.localdate()

    with pytest.raises(ValidationError):
        services.role_assignment_create(
            engagement=engagement,
            person=person,
            role=Role.TESTER,
            start_date=today,
            end_date=today - datetime.timedelta(days=1),
        )

    assert not RoleAssignment.objects.filter(person=person).exists()


def test_the_same_role_twice_is_refused_with_a_clear_message(engagement):
    person = member(engagement, Role.TESTER)

    with pytest.raises(ValidationError) as error:
        services.role_assignment_create(engagement=engagement, person=person, role=Role.TESTER)

    assert error.value.messages == ["This person already holds this role on the engagement."]
    assert RoleAssignment.objects.filter(person=person).count() == 1


def test_update_changes_allocation_and_refuses_other_fields(engagement):
    person = member(engagement, Role.TESTER)
    assignment = RoleAssignment.objects.get(person=person)

    services.role_assignment_update(assignment=assignment, data={"allocation_percent": 80})
    with pytest.raises(ValidationError):
        services.role_assignment_update(assignment=assignment, data={"role": Role.DIRECTOR})

    assignment.refresh_from_db()
    assert (assignment.allocation_percent, assignment.role) == (80, Role.TESTER)


def test_invitations_to_several_people_in_one_step(
    engagement, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as scheduled:
        batch = services.invitations_send(
            engagement=engagement,
            invited_by=admin_user,
            emails=["Ana@Example.com", " bo@example.com", "ana@example.com", ""],
            role=Role.STAKEHOLDER,
        )

    assert sorted(i.email for i in batch.invitations) == ["ana@example.com", "bo@example.com"]
    assert len(scheduled) == 2
    assert mail.outbox == []


def test_inviting_someone_already_in_that_role_refuses_the_whole_batch(engagement, admin_user):
    member(engagement, Role.TESTER, email="tess@example.com")

    with pytest.raises(ValidationError) as error:
        services.invitations_send(
            engagement=engagement,
            invited_by=admin_user,
            emails=["new@example.com", "tess@example.com"],
            role=Role.TESTER,
        )

    assert error.value.message_dict == {
        "emails": ["Already a member with this role: tess@example.com."]
    }
    assert not Invitation.objects.exists()


def _invite(engagement, admin_user, email="new@example.com", role=Role.TESTER):
    invitation = services.invitations_send(
        engagement=engagement, invited_by=admin_user, emails=[email], role=role
    ).invitations[0]
    return invitation, services.invitation_token(invitation)


def test_invitation_email_goes_out_once_in_the_inviters_language(engagement, admin_user):
    admin_user.language = "fr"
    admin_user.save()
    invitation, _token = _invite(engagement, admin_user)

    assert services.invitation_email_send(invitation_id=invitation.pk) is True
    assert services.invitation_email_send(invitation_id=invitation.pk) is False

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.com"]
    assert message.subject == f"Vous êtes invité·e à {engagement.name} sur Tandem"
    assert "/invitations/" in message.body
    assert message.alternatives[0].mimetype == "text/html"


def test_the_sweep_sends_what_the_broker_never_delivered(engagement, admin_user):
    _invite(engagement, admin_user, email="a@example.com")
    _invite(engagement, admin_user, email="b@example.com")

    assert services.invitations_send_pending() == 2
    assert services.invitations_send_pending() == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.com", "b@example.com"]


def test_a_new_person_accepts_and_sets_a_password(engagement, admin_user):
    invitation, token = _invite(engagement, admin_user)

    assignment = services.invitation_accept(
        token=token, password="a-long-Passphrase-42", display_name="Nina Roux"
    )

    person = User.objects.get(email="new@example.com")
    assert person.check_password("a-long-Passphrase-42")
    assert person.display_name == "Nina Roux"
    assert (assignment.person, assignment.role, assignment.engagement) == (
        person,
        Role.TESTER,
        engagement,
    )
    invitation.refresh_from_db()
    assert invitation.accepted_by == person


def test_an_existing_account_just_gains_the_engagement(engagement, other_engagement, admin_user):
    existing = member(other_engagement, Role.DEVELOPER, email="dev@example.com")
    existing_hash = existing.password
    _invitation, token = _invite(engagement, admin_user, email="dev@example.com")

    services.invitation_accept(token=token)

    existing.refresh_from_db()
    assert existing.password == existing_hash
    assert set(existing.role_assignments.values_list("engagement__slug", flat=True)) == {
        engagement.slug,
        other_engagement.slug,
    }


def test_a_reused_link_is_refused(engagement, admin_user):
    _invitation, token = _invite(engagement, admin_user)
    services.invitation_accept(token=token, password="a-long-Passphrase-42")

    with pytest.raises(InvitationRefused) as refused:
        services.invitation_accept(token=token, password="another-Passphrase-43")

    assert refused.value.code == "used"
    assert User.objects.get(email="new@example.com").check_password("a-long-Passphrase-42")


def test_an_expired_link_is_refused_and_nothing_is_created(engagement, admin_user):
    _invitation, token = _invite(engagement, admin_user)

    with (
        time_machine.travel(timezone.now() + datetime.timedelta(days=8)),
        pytest.raises(InvitationRefused) as refused,
    ):
        services.invitation_accept(token=token, password="a-long-Passphrase-42")

    assert refused.value.code == "expired"
    assert not User.objects.filter(email="new@example.com").exists()


@pytest.mark.parametrize("tamper", [lambda t: t[:-2] + "xx", lambda t: "x" + t, lambda t: ""])
def test_a_tampered_link_is_refused(engagement, admin_user, tamper):
    _invitation, token = _invite(engagement, admin_user)

    with pytest.raises(InvitationRefused) as refused:
        services.invitation_accept(token=tamper(token), password="a-long-Passphrase-42")

    assert refused.value.code == "tampered"
    assert not User.objects.filter(email="new@example.com").exists()


def test_removing_the_assignment_removes_access(engagement):
    from roles.policy import engagements_visible_to

    person = member(engagement, Role.DEVELOPER)
    services.role_assignment_remove(assignment=RoleAssignment.objects.get(person=person))

    assert list(engagements_visible_to(person)) == []
