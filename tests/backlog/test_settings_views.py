"""The backlog settings page: read by every member, saved by the director and the agency
admin only, bad input shown beside its field with nothing saved, the ranking preview, the
links that lead to it, and its query budget."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from backlog import selectors
from backlog.models import ResponsibilityPolicy, ScoringSettings
from roles.models import Role
from tests.backlog.factories import TicketFactory
from tests.backlog.test_settings_services import disagreeing_backlog, stored
from tests.factories import member

pytestmark = pytest.mark.django_db

D = Decimal
VALID = {
    "model": "wsjf",
    "strategic_weight": "0.5",
    "wsjf_value_per_point": "2500",
    "rice_impact_unit": "20000",
    "impact_analysis_threshold_days": "3",
    "requires_client_acceptance": "on",
    "routing_feature": "business_analyst",
    "routing_improvement": "business_analyst",
    "routing_bug": "developer",
    "routing_platform_upgrade": "consultant",
    "routing_security": "consultant",
    "routing_question": "project_manager",
}
ROLE_ACTIONS = {
    Role.DIRECTOR: True,
    Role.AGENCY_ADMIN: True,
    Role.PROJECT_MANAGER: False,
    Role.TESTER: False,
    Role.STAKEHOLDER: False,
}


def page_url(engagement) -> str:
    return reverse("backlog:settings", args=[engagement.slug])


def preview_url(engagement) -> str:
    return reverse("backlog:settings-preview", args=[engagement.slug])


def keys_of(html: str, ranking: str) -> list[str]:
    """The ticket keys of one preview table, in the order shown."""
    table = re.search(rf'data-ranking="{ranking}">(.*?)</table>', html, re.S)
    assert table is not None, ranking
    return re.findall(r'<tr data-key="([^"]+)">', table.group(1))


# --- Reading ------------------------------------------------------------------------------------


def test_the_director_reads_the_settings_in_a_form_with_each_model_explained(client, engagement):
    director = member(engagement, Role.DIRECTOR)
    ResponsibilityPolicy.objects.create(engagement=engagement, kind="bug", role="developer")
    client.force_login(director)

    response = client.get(page_url(engagement))

    assert response.status_code == 200
    form = response.context["form"]
    assert {name: form.initial[name] for name in ("model", "strategic_weight", "routing_bug")} == {
        "model": "value_per_effort",
        "strategic_weight": D("0.250"),
        "routing_bug": "developer",
    }
    content = response.content.decode()
    assert "Save the settings" in content
    assert "Preview ranking" in content
    assert (
        "Annual value x confidence x (1 + strategic weight x strategic alignment) / effort in "
        "person-days" in content
    )
    assert "Cost of delay / job size" in content
    assert "Reach x impact x confidence / effort" in content
    assert " disabled" not in content.split('class="form backlog-settings"')[1].split("</form>")[0]


@pytest.mark.parametrize("role", [Role.PROJECT_MANAGER, Role.TESTER, Role.STAKEHOLDER])
def test_other_members_read_the_settings_with_every_field_disabled_and_no_button(
    client, engagement, role
):
    client.force_login(member(engagement, role))

    response = client.get(page_url(engagement))

    assert response.status_code == 200
    form_html = response.content.decode().split('class="form backlog-settings"')[1]
    form_html = form_html.split("</form>")[0]
    controls = re.findall(r"<(?:input|select)\b[^>]*>", form_html)
    visible = [c for c in controls if 'type="hidden"' not in c]
    assert len(visible) == 3 + 3 + 4 + 6  # model radios, weights, rules, routing
    assert all(" disabled" in control for control in visible)
    assert "Save the settings" not in form_html
    assert "Preview ranking" not in form_html
    assert "the e-commerce director and the agency admin change them" in response.content.decode()


def test_a_member_of_another_engagement_gets_404_and_changes_nothing(
    client, engagement, other_engagement
):
    client.force_login(member(other_engagement, Role.DIRECTOR))
    before = stored(engagement)

    assert client.get(page_url(engagement)).status_code == 404
    assert client.post(page_url(engagement), VALID).status_code == 404
    assert client.post(preview_url(engagement), VALID).status_code == 404
    assert stored(engagement) == before


# --- Saving -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.AGENCY_ADMIN])
def test_the_director_and_the_agency_admin_save_every_setting(client, engagement, role):
    client.force_login(member(engagement, role))
    fingerprint = selectors.backlog_settings_get(engagement=engagement).fingerprint

    response = client.post(page_url(engagement), {**VALID, "fingerprint": fingerprint})

    assert response.status_code == 302
    assert response["Location"] == reverse("backlog:ticket-list", args=[engagement.slug])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Backlog settings saved: the backlog is ranked by WSJF (cost of delay / job size)."
    ]
    row = ScoringSettings.objects.get(engagement=engagement)
    assert (
        row.model,
        row.strategic_weight,
        row.wsjf_value_per_point,
        row.rice_impact_unit,
        row.impact_analysis_threshold_days,
        row.requires_client_acceptance,
        row.qa_required,
    ) == ("wsjf", D("0.500"), D("2500.00"), D("20000.00"), D("3.00"), True, False)
    assert selectors.responsibility_routing_get(engagement=engagement) == {
        "feature": "business_analyst",
        "improvement": "business_analyst",
        "bug": "developer",
        "platform_upgrade": "consultant",
        "security": "consultant",
        "question": "project_manager",
    }


@pytest.mark.parametrize("role", [Role.PROJECT_MANAGER, Role.TESTER, Role.STAKEHOLDER])
def test_members_without_the_right_get_403_and_nothing_changes(client, engagement, role):
    client.force_login(member(engagement, role))
    before = stored(engagement)

    saved = client.post(page_url(engagement), VALID)
    previewed = client.post(preview_url(engagement), VALID, headers={"HX-Request": "true"})

    assert (saved.status_code, previewed.status_code) == (403, 403)
    assert stored(engagement) == before == ([], [])


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"strategic_weight": "-0.1"},
            {"strategic_weight": ["Ensure this value is greater than or equal to 0."]},
        ),
        (
            {"wsjf_value_per_point": "0"},
            {"wsjf_value_per_point": ["Ensure this value is greater than or equal to 0.01."]},
        ),
        (
            {"rice_impact_unit": "0"},
            {"rice_impact_unit": ["Ensure this value is greater than or equal to 0.01."]},
        ),
        (
            {"impact_analysis_threshold_days": "-2"},
            {
                "impact_analysis_threshold_days": [
                    "Ensure this value is greater than or equal to 0."
                ]
            },
        ),
        ({"strategic_weight": "a lot"}, {"strategic_weight": ["Enter a number."]}),
        (
            {"model": "moscow"},
            {"model": ["Select a valid choice. moscow is not one of the available choices."]},
        ),
        (
            {"routing_bug": "director"},
            {
                "routing_bug": [
                    "Select a valid choice. director is not one of the available choices."
                ]
            },
        ),
        (
            {"routing_security": ""},
            {"routing_security": ["This field is required."]},
        ),
    ],
)
def test_bad_input_is_shown_beside_its_field_and_nothing_is_saved(
    client, engagement, director, changes, errors
):
    ResponsibilityPolicy.objects.create(engagement=engagement, kind="bug", role="tester")
    before = stored(engagement)
    client.force_login(director)

    response = client.post(page_url(engagement), {**VALID, **changes})

    assert response.status_code == 400
    assert response.context["form"].errors == errors
    content = response.content.decode()
    assert "Nothing was saved. Please correct the errors below." in content
    assert 'aria-invalid="true"' in content
    assert stored(engagement) == before


def test_a_save_over_a_change_made_meanwhile_is_refused_and_keeps_the_typed_values(
    client, engagement, director
):
    client.force_login(director)
    read = selectors.backlog_settings_get(engagement=engagement).fingerprint
    ScoringSettings.objects.create(engagement=engagement, model="rice")
    before = stored(engagement)

    response = client.post(page_url(engagement), {**VALID, "fingerprint": read})

    assert response.status_code == 409
    form = response.context["form"]
    assert form.non_field_errors() == [
        "The settings were changed by someone else meanwhile; reload them and try again."
    ]
    assert form["model"].value() == "wsjf"
    current = selectors.backlog_settings_get(engagement=engagement).fingerprint
    assert form["fingerprint"].value() == current
    assert stored(engagement) == before
    # Saving again is a deliberate choice to replace what the other person saved.
    again = client.post(page_url(engagement), {**VALID, "fingerprint": current})
    assert again.status_code == 302
    assert ScoringSettings.objects.get(engagement=engagement).model == "wsjf"


# --- Preview ------------------------------------------------------------------------------------


def test_the_preview_shows_the_reordering_without_saving(client, engagement, director):
    a, b, c = disagreeing_backlog(engagement)
    client.force_login(director)

    response = client.post(
        preview_url(engagement),
        {**VALID, "model": "wsjf", "wsjf_value_per_point": "10000"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert keys_of(content, "current") == [a, c, b]
    assert keys_of(content, "proposed") == [b, c, a]
    rows = re.findall(r'<tr data-key="([^"]+)">.*?</tr>', content, re.S)
    assert len(rows) == 6
    proposed = content.split('data-ranking="proposed"')[1]
    moves = re.findall(
        r'<span class="rank-move--(up|down)" aria-hidden="true">([▲▼]) (\d+)</span>', proposed
    )
    assert moves == [("up", "▲", "2"), ("down", "▼", "2")]
    assert "up 2 places, from 3" in proposed
    assert "down 2 places, from 1" in proposed
    assert stored(engagement) == ([], [])


def test_the_preview_of_invalid_settings_names_the_errors_and_ranks_nothing(
    client, engagement, director
):
    disagreeing_backlog(engagement)
    client.force_login(director)

    response = client.post(
        preview_url(engagement), {**VALID, "rice_impact_unit": "0"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert response.context["preview"] is None
    assert "The preview needs valid settings" in content
    assert "Ensure this value is greater than or equal to 0.01." in content
    assert "data-ranking" not in content


def test_without_javascript_the_preview_button_shows_the_whole_page_with_the_comparison(
    client, engagement, director
):
    a, b, c = disagreeing_backlog(engagement)
    client.force_login(director)

    response = client.post(preview_url(engagement), {**VALID, "wsjf_value_per_point": "10000"})

    assert response.status_code == 200
    content = response.content.decode()
    assert "Save the settings" in content
    assert keys_of(content, "proposed") == [b, c, a]
    assert response.context["form"]["model"].value() == "wsjf"
    assert stored(engagement) == ([], [])


# --- Links --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "linked"), list(ROLE_ACTIONS.items()))
def test_the_backlog_and_the_engagement_pages_link_the_settings_for_those_who_change_them(
    client, engagement, role, linked
):
    client.force_login(member(engagement, role))
    link = f'href="{page_url(engagement)}"'

    backlog = client.get(reverse("backlog:ticket-list", args=[engagement.slug]))
    overview = client.get(reverse("collab:engagement-detail", args=[engagement.slug]))

    assert (link in backlog.content.decode()) is linked
    assert (link in overview.content.decode()) is linked


# --- Query budget -------------------------------------------------------------------------------


def _fill(engagement, tickets: int, routing_rows: bool) -> None:
    for n in range(tickets):
        TicketFactory(engagement=engagement, annual_revenue_gain=D(1000 + n), effort_days=D("2"))
    if routing_rows:
        for kind in ("bug", "feature", "question"):
            ResponsibilityPolicy.objects.create(engagement=engagement, kind=kind, role="developer")
        ScoringSettings.objects.create(engagement=engagement, model="rice")


@pytest.mark.parametrize(
    ("tickets", "routing_rows"), [(2, False), (20, False), (2, True), (20, True)]
)
def test_the_page_and_the_preview_cost_the_same_queries_whatever_the_data(
    client, engagement, director, django_assert_num_queries, tickets, routing_rows
):
    _fill(engagement, tickets, routing_rows)
    client.force_login(director)

    # session, person, the engagement with the person's roles (which the view and the links
    # both use), scoring settings, routing, the ranking job's banner (one lookup by primary
    # key); the layout's unread count and engagement switcher
    with django_assert_num_queries(8):
        assert client.get(page_url(engagement)).status_code == 200
    # session, person, the engagement with the person's roles, stored settings (to build the
    # proposal on), stored settings (today's ranking), one query per ranking; the unread count
    with django_assert_num_queries(8):
        response = client.post(preview_url(engagement), VALID, headers={"HX-Request": "true"})
    assert len(response.context["preview"].proposed) == min(tickets, 10)
