"""The team page, role assignments and API tokens on the dashboard."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse

from collab.models import ApiToken
from collab.services import api_token_create
from roles.models import Invitation, Role, RoleAssignment
from roles.tasks import invitation_email_task
from tests.factories import (
    EngagementFactory,
    InvitationFactory,
    RoleAssignmentFactory,
    UserFactory,
    member,
)

pytestmark = pytest.mark.django_db


def team_url(engagement) -> str:
    return reverse("roles:team", args=[engagement.slug])


# --- The team table -----------------------------------------------------------------------


def test_team_page_lists_person_role_allocation_and_dates(client, engagement, director):
    tester = UserFactory(display_name="Léa Tester", email="lea@atelier.example")
    RoleAssignmentFactory(
        engagement=engagement,
        person=tester,
        role=Role.TESTER,
        allocation_percent=40,
        start_date=datetime.date(2026, 2, 1),
        end_date=datetime.date(2026, 12, 31),
    )
    client.force_login(director)

    response = client.get(team_url(engagement))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Léa Tester" in content
    assert "lea@atelier.example" in content
    assert '<td data-label="Role">Tester</td>' in content
    assert '<td data-label="Allocation" class="num">40 %</td>' in content
    assert '<td data-label="Start date">1 Feb 2026</td>' in content
    assert '<td data-label="End date">31 Dec 2026</td>' in content
    # Agency roles first, in the order of a team (tester before the client's director).
    assert [(a.person.email, a.role) for a in response.context["assignments"]] == [
        ("lea@atelier.example", Role.TESTER),
        ("director@nordfer.example", Role.DIRECTOR),
    ]


def test_team_page_without_team_rights_shows_no_invitation_form(client, engagement, director):
    InvitationFactory(engagement=engagement, email="secret@example.com")
    client.force_login(director)

    response = client.get(team_url(engagement))

    content = response.content.decode()
    assert response.context["form"] is None
    assert 'id="invitations"' not in content
    assert "secret@example.com" not in content
    assert reverse("roles:assignment-remove", args=[engagement.slug, 1]) not in content


def test_team_page_for_an_admin_shows_the_form_and_pending_invitations(
    client, engagement, admin_user
):
    InvitationFactory(engagement=engagement, email="waiting@example.com", invited_by=admin_user)
    InvitationFactory(
        engagement=engagement,
        email="expired@example.com",
        expires_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
    )
    client.force_login(admin_user)

    response = client.get(team_url(engagement))

    content = response.content.decode()
    assert 'id="invitations"' in content
    assert f'hx-post="{team_url(engagement)}"' in content
    assert "waiting@example.com" in content
    assert "expired@example.com" not in content


def _team_page_queries(client, django_assert_num_queries, engagement, admin_user, count):
    for index in range(count):
        member(engagement, Role.DEVELOPER)
        InvitationFactory(engagement=engagement, invited_by=admin_user, email=f"i{index}@x.org")
    client.force_login(admin_user)
    # session, person, the engagement with the person's roles (the view's check and the
    # links), navigation, assignments, pending invitations
    with django_assert_num_queries(7):
        response = client.get(team_url(engagement))
    assert len(response.context["assignments"]) == count + 1
    assert len(response.context["pending"]) == count


def test_team_page_queries_for_one_member(
    client, django_assert_num_queries, engagement, admin_user
):
    _team_page_queries(client, django_assert_num_queries, engagement, admin_user, 1)


def test_team_page_queries_for_twenty_members(
    client, django_assert_num_queries, engagement, admin_user
):
    _team_page_queries(client, django_assert_num_queries, engagement, admin_user, 20)


# --- Inviting -----------------------------------------------------------------------------


def test_inviting_two_emails_in_one_step(
    client, engagement, admin_user, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            team_url(engagement),
            {
                "emails": "Ana@Example.com,\nbruno@example.com",
                "role": Role.TESTER,
                "allocation_percent": "60",
            },
        )

    assert response.status_code == 302
    assert response.url == team_url(engagement)
    invitations = list(Invitation.objects.order_by("email"))
    assert [(i.email, i.role, i.allocation_percent, i.invited_by) for i in invitations] == [
        ("ana@example.com", Role.TESTER, 60, admin_user),
        ("bruno@example.com", Role.TESTER, 60, admin_user),
    ]
    assert len(callbacks) == 2
    assert mail.outbox == []

    for invitation in invitations:
        invitation_email_task(invitation_id=invitation.pk)

    assert sorted(message.to[0] for message in mail.outbox) == [
        "ana@example.com",
        "bruno@example.com",
    ]
    message = mail.outbox[0]
    assert message.subject == "You are invited to Nordfer Industrie on Tandem"
    assert "/invitations/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "as Tester" in html
    follow = client.get(response.url).content.decode()
    assert "Invitations sent to ana@example.com, bruno@example.com." in follow


def test_inviting_with_htmx_answers_the_partial(
    client, engagement, admin_user, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            team_url(engagement),
            {"emails": "ana@example.com", "role": Role.DEVELOPER, "allocation_percent": "100"},
            headers={"HX-Request": "true"},
        )

    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="invitations"')
    assert "<html" not in content
    assert "Invitation sent to ana@example.com." in content
    assert '<th scope="row" class="table-stack__title">ana@example.com</th>' in content
    assert Invitation.objects.get().email == "ana@example.com"


def test_inviting_someone_already_holding_the_role_is_refused(
    client, engagement, admin_user, director, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            team_url(engagement),
            {
                "emails": "new@example.com\ndirector@nordfer.example",
                "role": Role.DIRECTOR,
                "allocation_percent": "100",
            },
            headers={"HX-Request": "true"},
        )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "emails": ["Already a member with this role: director@nordfer.example."]
    }
    assert "Nothing was saved" in response.content.decode()
    assert not Invitation.objects.exists()
    assert callbacks == []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"emails": "ana@example.com, not-an-email"}, "emails", "not-an-email"),
        ({"emails": " , \n"}, "emails", "Enter at least one email address."),
        ({"allocation_percent": "101"}, "allocation_percent", "less than or equal to 100"),
        ({"role": "ceo"}, "role", "Select a valid choice"),
    ],
)
def test_bad_invitation_input_shows_a_field_error(
    client, engagement, admin_user, data, field, message
):
    client.force_login(admin_user)
    payload = {"emails": "ana@example.com", "role": Role.TESTER, "allocation_percent": "50"}

    response = client.post(team_url(engagement), {**payload, **data})

    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert message in response.context["form"].errors[field][0]
    assert not Invitation.objects.exists()


def test_developer_may_not_invite(client, engagement):
    developer = member(engagement, Role.DEVELOPER)
    client.force_login(developer)

    response = client.post(
        team_url(engagement),
        {"emails": "ana@example.com", "role": Role.AGENCY_ADMIN, "allocation_percent": "100"},
    )

    assert response.status_code == 403
    assert not Invitation.objects.exists()


# --- Changing and removing assignments ----------------------------------------------------


def test_agency_admin_changes_an_allocation_and_dates(client, engagement, admin_user, director):
    assignment = director.role_assignments.get()
    client.force_login(admin_user)
    url = reverse("roles:assignment-update", args=[engagement.slug, assignment.pk])

    assert client.get(url).status_code == 200
    response = client.post(
        url, {"allocation_percent": "20", "start_date": "2026-01-05", "end_date": "2026-06-30"}
    )

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert (assignment.allocation_percent, assignment.start_date, assignment.end_date) == (
        20,
        datetime.date(2026, 1, 5),
        datetime.date(2026, 6, 30),
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"allocation_percent": "120", "start_date": "2026-01-05"},
            "allocation_percent",
            "less than or equal to 100",
        ),
        (
            {"allocation_percent": "50", "start_date": "2026-06-01", "end_date": "2026-01-01"},
            "__all__",
            "The end date cannot be before the start date.",
        ),
    ],
)
def test_bad_assignment_changes_are_refused(
    client, engagement, admin_user, director, data, field, message
):
    assignment = director.role_assignments.get()
    before = (assignment.allocation_percent, assignment.start_date, assignment.end_date)
    client.force_login(admin_user)

    response = client.post(
        reverse("roles:assignment-update", args=[engagement.slug, assignment.pk]), data
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assignment.refresh_from_db()
    assert (assignment.allocation_percent, assignment.start_date, assignment.end_date) == before


def test_an_assignment_of_another_engagement_answers_404(
    client, engagement, admin_user, other_engagement
):
    foreign = RoleAssignmentFactory(engagement=other_engagement, allocation_percent=30)
    client.force_login(admin_user)

    update = reverse("roles:assignment-update", args=[engagement.slug, foreign.pk])
    remove = reverse("roles:assignment-remove", args=[engagement.slug, foreign.pk])

    assert (
        client.post(update, {"allocation_percent": "90", "start_date": "2026-01-01"}).status_code
        == 404
    )
    assert client.post(remove).status_code == 404
    foreign.refresh_from_db()
    assert foreign.allocation_percent == 30


def test_removing_an_assignment_removes_access_at_once(client, engagement, admin_user, director):
    assignment = director.role_assignments.get()
    client.force_login(admin_user)
    url = reverse("roles:assignment-remove", args=[engagement.slug, assignment.pk])

    assert "will no longer be E-commerce director" in client.get(url).content.decode()
    response = client.post(url)

    assert response.status_code == 302
    assert response.url == team_url(engagement)
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    client.force_login(director)
    detail = reverse("collab:engagement-detail", args=[engagement.slug])
    assert client.get(detail).status_code == 404


def test_removing_ones_own_last_role_leads_to_the_engagement_list(client, engagement, admin_user):
    assignment = admin_user.role_assignments.get()
    client.force_login(admin_user)

    response = client.post(
        reverse("roles:assignment-remove", args=[engagement.slug, assignment.pk])
    )

    assert response.url == reverse("collab:engagement-list")


def test_developer_may_not_change_or_remove_assignments(client, engagement, director):
    developer = member(engagement, Role.DEVELOPER)
    assignment = director.role_assignments.get()
    client.force_login(developer)
    update = reverse("roles:assignment-update", args=[engagement.slug, assignment.pk])
    remove = reverse("roles:assignment-remove", args=[engagement.slug, assignment.pk])

    assert client.get(remove).status_code == 403
    assert client.post(remove).status_code == 403
    assert (
        client.post(update, {"allocation_percent": "1", "start_date": "2026-01-01"}).status_code
        == 403
    )
    assignment.refresh_from_db()
    assert assignment.allocation_percent == 50


# --- API tokens ---------------------------------------------------------------------------


def test_raw_api_key_is_shown_once_then_never_again(client, engagement, admin_user):
    client.force_login(admin_user)
    url = reverse("roles:api-tokens", args=[engagement.slug])

    response = client.post(url, {"name": "CI pipeline", "scope": "write"})

    assert response.status_code == 200
    raw_key = response.context["issued"].raw_key
    content = response.content.decode()
    assert f'<code id="new-api-key">{raw_key}</code>' in content
    assert "it is shown only once" in content
    assert "no-store" in response.headers["Cache-Control"]
    token = ApiToken.objects.get()
    assert (token.name, token.scope, token.created_by) == ("CI pipeline", "write", admin_user)
    assert raw_key.startswith(f"tdm_{token.prefix}_")
    assert token.key_hash != raw_key

    again = client.get(url)
    assert raw_key not in again.content.decode()
    assert again.context["issued"] is None
    assert "CI pipeline" in again.content.decode()


def test_token_list_shows_scope_created_last_used_and_revoked(client, engagement, admin_user):
    issued = api_token_create(engagement=engagement, name="BI", scope="read", created_by=None)
    issued.token.last_used_at = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    issued.token.save()
    client.force_login(admin_user)

    content = client.get(reverse("roles:api-tokens", args=[engagement.slug])).content.decode()

    assert re.search(
        r'<td data-label="Scope">\s*<span class="badge bg-info-lt[^>]*>Read</span>', content
    )
    assert f"<code>{issued.token.prefix}</code>" in content
    assert "2 Mar 2026, 10:00" in content  # in the admin's zone, Europe/Paris
    assert issued.raw_key not in content
    assert issued.token.key_hash not in content


def test_a_duplicate_token_name_is_refused(client, engagement, admin_user):
    api_token_create(engagement=engagement, name="CI", scope="read", created_by=admin_user)
    client.force_login(admin_user)

    response = client.post(
        reverse("roles:api-tokens", args=[engagement.slug]), {"name": "CI", "scope": "write"}
    )

    assert response.context["form"].errors == {"name": ["An active token already has this name."]}
    assert response.context["issued"] is None
    assert ApiToken.objects.count() == 1


def test_revoking_a_token(client, engagement, admin_user):
    issued = api_token_create(engagement=engagement, name="CI", scope="read", created_by=None)
    client.force_login(admin_user)

    response = client.post(
        reverse("roles:api-token-revoke", args=[engagement.slug, issued.token.pk])
    )

    assert response.status_code == 302
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None


def test_a_token_of_another_engagement_answers_404(client, engagement, admin_user):
    other = EngagementFactory()
    issued = api_token_create(engagement=other, name="CI", scope="read", created_by=None)
    client.force_login(admin_user)

    response = client.post(
        reverse("roles:api-token-revoke", args=[engagement.slug, issued.token.pk])
    )

    assert response.status_code == 404
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None


def test_developer_may_not_manage_tokens(client, engagement):
    issued = api_token_create(engagement=engagement, name="CI", scope="read", created_by=None)
    developer = member(engagement, Role.DEVELOPER)
    client.force_login(developer)
    url = reverse("roles:api-tokens", args=[engagement.slug])

    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Mine", "scope": "write"}).status_code == 403
    revoke = reverse("roles:api-token-revoke", args=[engagement.slug, issued.token.pk])
    assert client.post(revoke).status_code == 403
    assert ApiToken.objects.get().revoked_at is None
