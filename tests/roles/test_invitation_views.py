"""Following an invitation link: a new person, an existing account, and the links refused."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from roles.models import Invitation, Role, RoleAssignment
from roles.services import invitation_token
from roles.tasks import invitation_email_task
from tests.factories import DEMO_PASSWORD, InvitationFactory, UserFactory, member

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def invitation(engagement, admin_user):
    return InvitationFactory(
        engagement=engagement,
        email="newcomer@example.com",
        role=Role.TESTER,
        allocation_percent=70,
        invited_by=admin_user,
    )


def accept_url(invitation) -> str:
    return reverse("roles:invitation-accept", args=[invitation_token(invitation)])


def detail_url(engagement) -> str:
    return reverse("collab:engagement-detail", args=[engagement.slug])


# --- A new person -------------------------------------------------------------------------


def test_new_person_sees_the_sign_up_form(client, invitation):
    response = client.get(accept_url(invitation))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Join Nordfer Industrie as Tester" in content
    assert "newcomer@example.com" in content
    assert 'name="password1"' in content


def test_new_person_sets_a_password_and_is_logged_in(client, engagement, invitation):
    response = client.post(
        accept_url(invitation),
        {
            "display_name": "Noé Lambert",
            "password1": "plum-harbour-42-kite",
            "password2": "plum-harbour-42-kite",
            "time_zone": "America/Montreal",
            "language": "fr",
        },
    )

    assert response.status_code == 302
    assert response.url == detail_url(engagement)
    person = User.objects.get(email="newcomer@example.com")
    assert (person.display_name, person.time_zone, person.language) == (
        "Noé Lambert",
        "America/Montreal",
        "fr",
    )
    assert person.check_password("plum-harbour-42-kite")
    assert int(client.session["_auth_user_id"]) == person.pk
    assignment = RoleAssignment.objects.get(person=person)
    assert (assignment.engagement, assignment.role, assignment.allocation_percent) == (
        engagement,
        Role.TESTER,
        70,
    )
    invitation.refresh_from_db()
    assert invitation.accepted_by == person
    assert invitation.accepted_at is not None
    page = client.get(response.url)
    assert page.status_code == 200
    assert "You joined Nordfer Industrie as Tester." in page.content.decode()


@pytest.mark.parametrize(
    ("password1", "password2", "field", "message"),
    [
        ("short", "short", "password1", "This password is too short."),
        ("12345678901", "12345678901", "password1", "This password is entirely numeric."),
        ("newcomer@example", "newcomer@example", "password1", "too similar to the email"),
        ("plum-harbour-42-kite", "plum-harbour-42-kitx", "password2", "differ"),
    ],
)
def test_a_weak_or_mismatched_password_is_refused(
    client, invitation, password1, password2, field, message
):
    response = client.post(
        accept_url(invitation),
        {
            "display_name": "Noé",
            "password1": password1,
            "password2": password2,
            "time_zone": "Europe/Paris",
            "language": "en",
        },
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not User.objects.filter(email="newcomer@example.com").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert "_auth_user_id" not in client.session


def test_the_sign_up_form_asks_time_zone_and_language_suggested_from_the_browser(
    client, invitation
):
    response = client.get(accept_url(invitation), headers={"accept-language": "fr-CA,fr;q=0.9"})

    form = response.context["form"]
    assert form.initial["language"] == "fr"
    content = response.content.decode()
    assert 'name="time_zone"' in content
    assert "data-suggest-time-zone" in content
    assert "js/timezone-suggest.js" in content
    assert '<option value="America/Montreal">' in content


def test_an_unknown_time_zone_is_refused_and_nothing_is_created(client, invitation):
    response = client.post(
        accept_url(invitation),
        {
            "display_name": "Noé",
            "password1": "plum-harbour-42-kite",
            "password2": "plum-harbour-42-kite",
            "time_zone": "Mars/Olympus",
            "language": "fr",
        },
    )

    assert response.status_code == 200
    assert "is not a known time zone" in " ".join(response.context["form"].errors["time_zone"])
    assert not User.objects.filter(email="newcomer@example.com").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


# --- An existing account ------------------------------------------------------------------


def test_existing_account_joins_without_a_password_change(
    client, engagement, other_engagement, invitation
):
    person = member(other_engagement, Role.DEVELOPER, email="newcomer@example.com")
    hashed = person.password

    page = client.get(accept_url(invitation))
    assert "password1" not in page.content.decode()
    assert (
        '<button type="submit" class="btn btn-primary w-100">'
        "Join Nordfer Industrie as Tester</button>" in page.content.decode()
    )
    response = client.post(accept_url(invitation))

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=%2Fengagements%2Fnordfer%2F"
    assert "_auth_user_id" not in client.session
    person.refresh_from_db()
    assert person.password == hashed
    assert person.check_password(DEMO_PASSWORD)
    assert set(person.role_assignments.values_list("engagement__slug", "role")) == {
        ("maison-lila", Role.DEVELOPER),
        ("nordfer", Role.TESTER),
    }


def test_signed_in_existing_account_goes_straight_to_the_engagement(
    client, engagement, other_engagement, invitation
):
    person = member(other_engagement, Role.DEVELOPER, email="newcomer@example.com")
    client.force_login(person)

    response = client.post(accept_url(invitation))

    assert response.status_code == 302
    assert response.url == detail_url(engagement)
    assert client.get(response.url).status_code == 200


def test_signed_in_as_someone_else_is_warned_and_sent_to_login(
    client, engagement, invitation, director
):
    UserFactory(email="newcomer@example.com")
    client.force_login(director)

    page = client.get(accept_url(invitation)).content.decode()
    assert "you are signed in as director@nordfer.example" in page
    response = client.post(accept_url(invitation))

    assert response.url.startswith(reverse("login"))
    assert not director.role_assignments.filter(role=Role.TESTER).exists()
    assert RoleAssignment.objects.filter(
        person__email="newcomer@example.com", engagement=engagement, role=Role.TESTER
    ).exists()


# --- Links refused ------------------------------------------------------------------------


def assert_nothing_changed(invitation) -> None:
    fresh = Invitation.objects.get(pk=invitation.pk)
    assert (fresh.accepted_at, fresh.accepted_by) == (invitation.accepted_at, None)
    assert not User.objects.filter(email=invitation.email).exists()
    assert not RoleAssignment.objects.filter(role=Role.TESTER).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_link_is_refused_with_410(client, invitation, method):
    invitation.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    invitation.save()

    response = getattr(client, method)(
        accept_url(invitation),
        {"display_name": "X", "password1": "plum-harbour-42", "password2": "plum-harbour-42"},
    )

    assert response.status_code == 410
    assert "This invitation has expired. Ask the person who invited you for a new one." in (
        response.content.decode()
    )
    assert_nothing_changed(invitation)


def test_a_used_link_is_refused_with_410(client, engagement, invitation):
    data = {
        "display_name": "Noé",
        "password1": "plum-harbour-42",
        "password2": "plum-harbour-42",
        "time_zone": "Europe/Paris",
        "language": "en",
    }
    assert client.post(accept_url(invitation), data).status_code == 302
    client.logout()
    person = User.objects.get(email="newcomer@example.com")

    response = client.post(
        accept_url(invitation),
        {"display_name": "Thief", "password1": "other-pass-9876", "password2": "other-pass-9876"},
    )

    assert response.status_code == 410
    assert "This invitation has already been used." in response.content.decode()
    person.refresh_from_db()
    assert person.display_name == "Noé"
    assert person.check_password("plum-harbour-42")
    assert RoleAssignment.objects.filter(person=person).count() == 1
    assert "_auth_user_id" not in client.session


def test_a_tampered_link_is_refused_with_400(client, invitation):
    token = invitation_token(invitation)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    response = client.post(
        reverse("roles:invitation-accept", args=[tampered]),
        {"display_name": "X", "password1": "plum-harbour-42", "password2": "plum-harbour-42"},
    )

    assert response.status_code == 400
    assert "This invitation link is not valid. Check that you copied it whole." in (
        response.content.decode()
    )
    assert_nothing_changed(invitation)


def test_a_deleted_invitation_is_refused_with_400(client, invitation):
    url = accept_url(invitation)
    invitation.delete()

    response = client.get(url)

    assert response.status_code == 400
    assert "This invitation no longer exists." in response.content.decode()


# --- The email ----------------------------------------------------------------------------


def test_invitation_email_has_text_and_html_with_a_working_link(client, invitation):
    invitation_email_task(invitation_id=invitation.pk)

    (message,) = mail.outbox
    assert message.to == ["newcomer@example.com"]
    links = re.findall(r"http://127\.0\.0\.1:8000(/invitations/\S+/)", message.body)
    assert len(links) == 1
    assert "invites you to join Nordfer Industrie as Tester." in message.body
    assert "Open this link to choose your password and join:" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'<a href="http://127.0.0.1:8000{links[0]}">Choose your password and join</a>' in html
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    page = client.get(links[0])
    assert page.status_code == 200
    assert page.context["invitation"] == invitation
