"""The dashboard of the collaboration core: sign-in, engagements, settings, the language."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from collab.models import Engagement, Organization, User
from roles.models import Role, RoleAssignment
from tests.factories import (
    DEMO_PASSWORD,
    AgencyFactory,
    EngagementFactory,
    RoleAssignmentFactory,
    UserFactory,
    member,
)

pytestmark = pytest.mark.django_db

NBSP = "\xa0"
# Assignments made by the fixtures start today, so the clock moves forward, never back.
FUTURE_MONDAY = datetime.datetime(2030, 1, 14, 8, 0, tzinfo=datetime.UTC)


def engagement_names(response) -> list[str]:
    return [engagement.name for engagement in response.context["engagements"]]


# --- Signing in ---------------------------------------------------------------------------


def test_login_page_renders_an_email_field(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="en">' in content
    assert 'name="username"' in content
    assert "Email address" in content
    assert '<main id="main"' in content


def test_login_with_email_opens_the_persons_home(client, director):
    response = client.post(
        reverse("login"), {"username": "director@nordfer.example", "password": DEMO_PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("collab:home")
    assert int(client.session["_auth_user_id"]) == director.pk


def test_login_with_a_wrong_password_is_refused(client, director):
    response = client.post(
        reverse("login"), {"username": "director@nordfer.example", "password": "wrong-one"}
    )

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Please enter a correct email address and password" in response.content.decode()


def test_home_sends_strangers_to_login_and_people_to_their_dashboard(client, director):
    assert client.get(reverse("collab:home")).url == reverse("login")
    client.force_login(director)
    assert client.get(reverse("collab:home")).url == reverse("dashboard:director-home")


def test_pages_ask_anonymous_visitors_to_log_in(client, engagement):
    response = client.get(reverse("collab:engagement-detail", args=[engagement.slug]))

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/engagements/nordfer/"


def test_logout_is_a_post_form_in_the_navigation(client, director):
    client.force_login(director)
    content = client.get(reverse("collab:engagement-list")).content.decode()

    assert f'<form method="post" action="{reverse("logout")}">' in content
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_email_has_text_and_html(client, director):
    response = client.post(reverse("password_reset"), {"email": "director@nordfer.example"})

    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject == "Choose a new Tandem password"
    assert "Open this link to choose a new password:" in message.body
    assert "http://testserver/accounts/reset/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Choose a new password</a>" in html


def test_password_reset_pages_render(client):
    for name in ("password_reset", "password_reset_done", "password_reset_complete"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert '<main id="main"' in response.content.decode()


def test_a_reset_link_sets_a_new_password_once(client, director):
    client.post(reverse("password_reset"), {"email": "director@nordfer.example"})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert "Choose a new password" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "plum-harbour-42-kite", "new_password2": "plum-harbour-42-kite"},
    )

    assert response.url == reverse("password_reset_complete")
    director.refresh_from_db()
    assert director.check_password("plum-harbour-42-kite")
    again = client.get(link)
    assert again.status_code == 400
    assert "This link cannot be used" in again.content.decode()


def test_a_locked_out_login_shows_the_lockout_page(client, director, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        client.post(reverse("login"), {"username": director.email, "password": "wrong"})

    response = client.post(reverse("login"), {"username": director.email, "password": "wrong"})

    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()


# --- Engagement list ----------------------------------------------------------------------


def test_director_sees_only_their_engagement(client, director, engagement, other_engagement):
    client.force_login(director)

    response = client.get(reverse("collab:engagement-list"))

    assert response.status_code == 200
    assert engagement_names(response) == ["Nordfer Industrie"]
    assert "Maison Lila" not in response.content.decode()
    assert response.context["can_create"] is False
    assert reverse("collab:engagement-create") not in response.content.decode()


def test_agency_admin_sees_all_of_theirs(client, admin_user, engagement, other_engagement):
    third = EngagementFactory(name="Zéphyr Sport", slug="zephyr", key_prefix="ZEP")
    RoleAssignmentFactory(engagement=third, person=admin_user, role=Role.AGENCY_ADMIN)
    EngagementFactory(name="Not Theirs", slug="not-theirs", key_prefix="NOPE")
    client.force_login(admin_user)

    response = client.get(reverse("collab:engagement-list"))

    assert engagement_names(response) == ["Nordfer Industrie", "Zéphyr Sport"]
    assert response.context["can_create"] is True


def test_an_ended_role_no_longer_shows_the_engagement(client, engagement):
    person = UserFactory()
    RoleAssignmentFactory(
        engagement=engagement,
        person=person,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2020, 12, 31),
    )
    client.force_login(person)

    assert engagement_names(client.get(reverse("collab:engagement-list"))) == []


def test_navigation_switcher_lists_the_persons_engagements(client, admin_user, other_engagement):
    RoleAssignmentFactory(engagement=other_engagement, person=admin_user)
    client.force_login(admin_user)

    content = client.get(reverse("collab:engagement-list")).content.decode()

    assert '<a href="/engagements/maison-lila/">Maison Lila</a>' in content
    assert '<a href="/engagements/nordfer/">Nordfer Industrie</a>' in content


def _engagement_list_queries(client, django_assert_num_queries, count: int) -> None:
    person = UserFactory()
    for _ in range(count):
        RoleAssignmentFactory(engagement=EngagementFactory(), person=person)
    client.force_login(person)
    # session, person, visible engagements, can-create check, navigation
    with django_assert_num_queries(6):
        response = client.get(reverse("collab:engagement-list"))
    assert len(response.context["engagements"]) == count


def test_engagement_list_queries_for_one_engagement(client, django_assert_num_queries):
    _engagement_list_queries(client, django_assert_num_queries, 1)


def test_engagement_list_queries_for_twenty_engagements(client, django_assert_num_queries):
    _engagement_list_queries(client, django_assert_num_queries, 20)


# --- Engagement overview ------------------------------------------------------------------


@time_machine.travel(FUTURE_MONDAY, tick=False)
def test_overview_shows_rates_cadence_and_team(client, engagement, director):
    engagement.strategy = "Grow B2B reorders online."
    engagement.save()
    consultant = member(engagement, Role.CONSULTANT, display_name="Camille Roux")
    director.time_zone = "America/New_York"
    director.save()
    client.force_login(director)

    response = client.get(reverse("collab:engagement-detail", args=[engagement.slug]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "€60.00" in content
    assert "€750.00" in content
    assert "Shopify Plus" in content
    assert "Grow B2B reorders online." in content
    assert "Every Tuesday at 10:00 (Europe/Paris), 45 minutes" in content
    assert "Every Tuesday at 04:00 (America/New_York)" in content
    assert "Quarterly" in content
    team = {holders.role: holders.people for holders in response.context["team"]}
    assert team["E-commerce consultant"] == [consultant.display_name]
    assert team["E-commerce director"] == [director.display_name]
    assert team["Tester"] == []


@time_machine.travel(FUTURE_MONDAY, tick=False)
def test_overview_in_french_formats_money_and_time_the_french_way(client, engagement, director):
    director.language = "fr"
    director.time_zone = "Asia/Tokyo"
    director.save()
    client.force_login(director)

    content = client.get(reverse("collab:engagement-detail", args=[engagement.slug])).content
    content = content.decode()

    assert '<html lang="fr">' in content
    assert f"750,00{NBSP}€" in content
    # Tuesday 10:00 in Paris (UTC+1) is Tuesday 18:00 in Tokyo.
    assert "18:00 (Asia/Tokyo)" in content


@time_machine.travel(FUTURE_MONDAY, tick=False)
def test_sync_can_fall_on_another_weekday_for_the_viewer(client, engagement, director):
    engagement.sync_weekday = 0
    engagement.sync_time = datetime.time(8, 30)
    engagement.save()
    director.time_zone = "America/Los_Angeles"
    director.save()
    client.force_login(director)

    content = client.get(reverse("collab:engagement-detail", args=[engagement.slug])).content

    assert "Every Sunday at 23:30 (America/Los_Angeles)" in content.decode()


# --- Tenancy and permissions --------------------------------------------------------------


def engagement_pages(engagement: Engagement, method: str) -> list[str]:
    assignment = engagement.role_assignments.first()
    token = engagement.api_tokens.first()
    # Revoking answers 405 to any GET, before anything is looked up.
    post_only = [reverse("roles:api-token-revoke", args=[engagement.slug, token.pk])]
    return [
        reverse("collab:engagement-detail", args=[engagement.slug]),
        reverse("collab:engagement-update", args=[engagement.slug]),
        reverse("roles:team", args=[engagement.slug]),
        reverse("roles:assignment-update", args=[engagement.slug, assignment.pk]),
        reverse("roles:assignment-remove", args=[engagement.slug, assignment.pk]),
        reverse("roles:api-tokens", args=[engagement.slug]),
        *(post_only if method == "post" else []),
    ]


@pytest.mark.parametrize("method", ["get", "post"])
def test_member_of_another_engagement_gets_404_on_every_page(
    client, method, engagement, admin_user, other_engagement
):
    from collab.services import api_token_create

    api_token_create(engagement=engagement, name="CI", scope="read", created_by=admin_user)
    stranger = member(other_engagement, Role.AGENCY_ADMIN)
    client.force_login(stranger)
    before = RoleAssignment.objects.count()

    for url in engagement_pages(engagement, method):
        response = getattr(client, method)(url)
        assert response.status_code == 404, url

    assert RoleAssignment.objects.count() == before
    assert engagement.api_tokens.get().revoked_at is None


def test_developer_may_not_edit_the_engagement(client, engagement):
    developer = member(engagement, Role.DEVELOPER)
    client.force_login(developer)
    url = reverse("collab:engagement-update", args=[engagement.slug])

    assert client.get(url).status_code == 403
    response = client.post(url, {"name": "Renamed"})

    assert response.status_code == 403
    assert "does not allow this: Manage the team" in response.content.decode()
    engagement.refresh_from_db()
    assert engagement.name == "Nordfer Industrie"


# --- Opening and editing engagements ------------------------------------------------------


def engagement_form_data(**overrides) -> dict:
    data = {
        "name": "Atelier Verde",
        "client_name": "Verde SA",
        "slug": "verde",
        "key_prefix": "VERDE",
        "platform": "shopware",
        "business_model": "b2b",
        "currency": "CHF",
        "client_hourly_cost": "80",
        "agency_day_rate": "1200",
        "status": "active",
        "strategy": "",
        "sync_weekday": "3",
        "sync_time": "09:30",
        "sync_time_zone": "Europe/Zurich",
        "sync_duration_minutes": "30",
        "review_cadence": "monthly",
    }
    data.update(overrides)
    return data


@pytest.fixture
def agency_admin(admin_user):
    admin_user.organization = AgencyFactory()
    admin_user.save()
    return admin_user


def test_agency_admin_opens_an_engagement_and_becomes_its_admin(client, agency_admin):
    client.force_login(agency_admin)

    response = client.post(reverse("collab:engagement-create"), engagement_form_data())

    assert response.status_code == 302
    assert response.url == reverse("collab:engagement-detail", args=["verde"])
    created = Engagement.objects.get(slug="verde")
    assert (created.name, created.key_prefix, created.currency) == ("Atelier Verde", "VERDE", "CHF")
    assert created.client.name == "Verde SA"
    assert created.agency == agency_admin.organization
    assert created.sync_time == datetime.time(9, 30)
    assert created.agency_day_rate == Decimal("1200")
    assert list(created.role_assignments.values_list("person_id", "role")) == [
        (agency_admin.pk, Role.AGENCY_ADMIN)
    ]


def test_the_create_form_renders_with_defaults(client, agency_admin):
    client.force_login(agency_admin)

    response = client.get(reverse("collab:engagement-create"))

    assert response.status_code == 200
    assert response.context["form"].initial["sync_time_zone"] == "Europe/Paris"
    assert '<datalist id="time-zones">' in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"sync_time_zone": "Mars/Olympus"}, "sync_time_zone", "is not a known time zone"),
        ({"sync_weekday": "7"}, "sync_weekday", "Select a valid choice"),
        ({"slug": "nordfer"}, "slug", "already exists"),
        ({"key_prefix": "NORD"}, "key_prefix", "already exists"),
        ({"currency": "XYZ"}, "currency", "is not an ISO 4217 currency code"),
        ({"agency_day_rate": "-1"}, "agency_day_rate", "greater than or equal to 0"),
        ({"client_hourly_cost": "-0.01"}, "client_hourly_cost", "greater than or equal to 0"),
        ({"key_prefix": "1NORD"}, "key_prefix", "Use 2 to 10 capital letters"),
    ],
)
def test_bad_engagement_input_shows_a_field_error_and_saves_nothing(
    client, agency_admin, engagement, overrides, field, message
):
    client.force_login(agency_admin)
    engagements, organizations = Engagement.objects.count(), Organization.objects.count()

    response = client.post(reverse("collab:engagement-create"), engagement_form_data(**overrides))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in " ".join(errors[field])
    assert "Nothing was saved" in response.content.decode()
    assert Engagement.objects.count() == engagements
    assert Organization.objects.count() == organizations


def test_a_person_outside_any_agency_cannot_open_an_engagement(client, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse("collab:engagement-create"), engagement_form_data())

    assert response.status_code == 200
    assert "Only a member of an agency" in str(response.context["form"].non_field_errors())
    assert not Engagement.objects.filter(slug="verde").exists()


def test_director_may_not_open_an_engagement(client, director):
    client.force_login(director)

    assert client.get(reverse("collab:engagement-create")).status_code == 403
    response = client.post(reverse("collab:engagement-create"), engagement_form_data())

    assert response.status_code == 403
    assert not Engagement.objects.filter(slug="verde").exists()


def test_agency_admin_edits_the_engagement_settings(client, admin_user, engagement):
    client.force_login(admin_user)
    url = reverse("collab:engagement-update", args=[engagement.slug])
    data = engagement_form_data(name="Nordfer Group", agency_day_rate="800")
    del data["client_name"], data["slug"], data["key_prefix"]

    assert client.get(url).context["form"].initial["name"] == "Nordfer Industrie"
    response = client.post(url, data)

    assert response.status_code == 302
    engagement.refresh_from_db()
    assert (engagement.name, engagement.agency_day_rate) == ("Nordfer Group", Decimal("800"))
    assert (engagement.slug, engagement.key_prefix) == ("nordfer", "NORD")


def test_engagement_edit_with_an_unknown_time_zone_changes_nothing(client, admin_user, engagement):
    client.force_login(admin_user)
    data = engagement_form_data(name="Nordfer Group", sync_time_zone="Europe/Atlantis")

    response = client.post(reverse("collab:engagement-update", args=[engagement.slug]), data)

    assert response.status_code == 200
    assert "is not a known time zone" in response.context["form"].errors["sync_time_zone"][0]
    engagement.refresh_from_db()
    assert (engagement.name, engagement.sync_time_zone) == ("Nordfer Industrie", "Europe/Paris")


# --- Personal settings and language -------------------------------------------------------


def test_profile_saves_name_time_zone_and_language(client, director):
    client.force_login(director)

    response = client.post(
        reverse("collab:profile"),
        {"display_name": "Inès Martin", "time_zone": "America/Montreal", "language": "fr"},
    )

    assert response.status_code == 302
    director.refresh_from_db()
    assert (director.display_name, director.time_zone, director.language) == (
        "Inès Martin",
        "America/Montreal",
        "fr",
    )
    assert response.cookies["django_language"].value == "fr"


def test_profile_refuses_an_unknown_time_zone(client, director):
    client.force_login(director)

    response = client.post(
        reverse("collab:profile"),
        {"display_name": "Changed", "time_zone": "Moon/Base", "language": "en"},
    )

    assert response.status_code == 200
    assert "“Moon/Base” is not a known time zone" in response.context["form"].errors["time_zone"][0]
    director.refresh_from_db()
    assert (director.display_name, director.time_zone) != ("Changed", "Moon/Base")
    assert director.time_zone == "Europe/Paris"


def test_language_switch_to_french_changes_the_page_language(client, director):
    client.force_login(director)

    response = client.post(
        reverse("collab:language-switch"), {"language": "fr", "next": "/engagements/"}
    )

    assert response.status_code == 302
    assert response.url == "/engagements/"
    director.refresh_from_db()
    assert director.language == "fr"
    content = client.get("/engagements/").content.decode()
    assert '<html lang="fr">' in content
    assert (
        'aria-pressed="true"><span aria-hidden="true">FR</span>'
        '<span class="visually-hidden">Français</span></button>'
    ) in content


def test_language_switch_works_for_anonymous_visitors(client):
    response = client.post(
        reverse("collab:language-switch"), {"language": "fr", "next": reverse("login")}
    )

    assert response.url == reverse("login")
    assert '<html lang="fr">' in client.get(reverse("login")).content.decode()


def test_language_switch_ignores_a_foreign_next_and_an_unknown_language(client, director):
    client.force_login(director)

    response = client.post(
        reverse("collab:language-switch"), {"language": "de", "next": "https://evil.example/"}
    )

    assert response.url == reverse("collab:home")
    assert "django_language" not in response.cookies
    assert User.objects.get(pk=director.pk).language == "en"


def test_language_switch_accepts_only_post(client):
    assert client.get(reverse("collab:language-switch")).status_code == 405


# --- The page shell -----------------------------------------------------------------------


def test_the_layout_has_no_inline_script_or_style(client, director, engagement):
    client.force_login(director)

    content = client.get(reverse("collab:engagement-detail", args=[engagement.slug])).content
    content = content.decode()

    assert "<script>" not in content
    assert "<style" not in content
    assert " style=" not in content
    assert " onclick=" not in content
    assert '<script src="/static/vendor/htmx/htmx.min.js" defer></script>' in content
    # Failed htmx answers swap nothing but those carrying a form again (400, 409, 422).
    assert (
        '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false, "responseHandling": '
    ) in content
    assert '{"code": "400|409|422", "swap": true, "error": false}' in content
    assert 'hx-headers=\'{"X-CSRFToken": "' in content
    assert '<a class="skip-link visually-hidden-focusable" href="#main">' in content
    assert "Content-Security-Policy" in client.get(reverse("login")).headers


def test_missing_page_renders_the_tandem_404(client, director):
    client.force_login(director)

    response = client.get("/engagements/nowhere/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
