"""The Django admin: every model is there, people are created by email, keys never show."""

import pytest
from django.urls import reverse

from collab.models import ApiToken, Organization, User
from collab.services import api_token_create
from roles.models import Role
from tests.factories import InvitationFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(engagement, admin_user):
    assignment = member(engagement, Role.TESTER, email="tess@atelier.example")
    issued = api_token_create(engagement=engagement, name="CI", scope="read", created_by=None)
    return {
        "user": admin_user,
        "organization": engagement.client,
        "engagement": engagement,
        "apitoken": issued.token,
        "roleassignment": assignment.role_assignments.get(),
        "invitation": InvitationFactory(engagement=engagement, email="inv@example.com"),
        "raw_key": issued.raw_key,
    }


MODELS = [
    ("collab", "user"),
    ("collab", "organization"),
    ("collab", "engagement"),
    ("collab", "apitoken"),
    ("roles", "roleassignment"),
    ("roles", "invitation"),
]


@pytest.mark.parametrize(("app", "model"), MODELS)
def test_every_model_has_a_changelist_a_search_and_a_change_page(
    superuser_client, objects, app, model
):
    changelist = reverse(f"admin:{app}_{model}_changelist")

    assert superuser_client.get(changelist).status_code == 200
    assert superuser_client.get(changelist, {"q": "nordfer"}).status_code == 200
    change = reverse(f"admin:{app}_{model}_change", args=[objects[model].pk])
    assert superuser_client.get(change).status_code == 200


@pytest.mark.parametrize(
    ("app", "model", "status"),
    [
        ("collab", "user", 200),
        ("collab", "organization", 200),
        ("collab", "engagement", 200),
        ("collab", "apitoken", 403),
        ("roles", "roleassignment", 200),
        ("roles", "invitation", 403),
    ],
)
def test_add_pages(superuser_client, app, model, status):
    assert superuser_client.get(reverse(f"admin:{app}_{model}_add")).status_code == status


def test_a_person_is_added_by_email(superuser_client):
    response = superuser_client.post(
        reverse("admin:collab_user_add"),
        {
            "email": "Nina@Example.com",
            "display_name": "Nina",
            "usable_password": "true",
            "password1": "plum-harbour-42-kite",
            "password2": "plum-harbour-42-kite",
        },
    )

    assert response.status_code == 302
    person = User.objects.get(email="nina@example.com")
    assert person.check_password("plum-harbour-42-kite")
    assert person.display_name == "Nina"


def test_a_second_person_with_the_same_email_is_refused(superuser_client, admin_user):
    response = superuser_client.post(
        reverse("admin:collab_user_add"),
        {
            "email": "ADMIN@atelier.example",
            "usable_password": "true",
            "password1": "plum-harbour-42-kite",
            "password2": "plum-harbour-42-kite",
        },
    )

    assert response.status_code == 200
    assert "A person with this email address already exists." in response.content.decode()
    assert User.objects.filter(email__iexact="admin@atelier.example").count() == 1


def test_the_token_page_never_shows_the_key_or_its_hash(superuser_client, objects):
    token = objects["apitoken"]

    content = superuser_client.get(
        reverse("admin:collab_apitoken_change", args=[token.pk])
    ).content.decode()

    assert token.prefix in content
    assert token.key_hash not in content
    assert objects["raw_key"] not in content
    assert 'name="key_hash"' not in content
    assert 'name="prefix"' not in content


def test_tokens_are_revoked_from_the_admin(superuser_client, objects):
    token = objects["apitoken"]

    response = superuser_client.post(
        reverse("admin:collab_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 0


def test_slug_and_key_prefix_are_read_only_once_created(superuser_client, engagement):
    content = superuser_client.get(
        reverse("admin:collab_engagement_change", args=[engagement.pk])
    ).content.decode()

    assert 'name="slug"' not in content
    assert 'name="key_prefix"' not in content
    assert 'name="name"' in content


def test_organization_search_serves_autocomplete(superuser_client, engagement):
    response = superuser_client.get(
        reverse("admin:autocomplete"),
        {
            "term": engagement.agency.name[:5],
            "app_label": "collab",
            "model_name": "engagement",
            "field_name": "agency",
        },
    )

    assert response.status_code == 200
    ids = [int(result["id"]) for result in response.json()["results"]]
    assert ids == [engagement.agency.pk]
    assert Organization.objects.get(pk=ids[0]).kind == Organization.Kind.AGENCY


def test_people_without_staff_status_cannot_open_the_admin(client, director):
    client.force_login(director)

    response = client.get(reverse("admin:collab_engagement_changelist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_an_assignment_changes_only_its_allocation_and_dates(superuser_client, objects):
    assignment = objects["roleassignment"]

    content = superuser_client.get(
        reverse("admin:roles_roleassignment_change", args=[assignment.pk])
    ).content.decode()

    assert 'name="allocation_percent"' in content
    assert 'name="start_date"' in content
    for field in ("engagement", "person", "role"):
        assert f'name="{field}"' not in content
