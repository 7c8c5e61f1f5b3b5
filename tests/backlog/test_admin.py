"""The backlog in the Django admin: routing offers and accepts agency roles only, scoring
settings are checked like the settings page checks them, a ticket's page shows its criteria,
verdicts and comments read-only, and a ticket is found by its key."""

from decimal import Decimal

import pytest
from django.urls import reverse

from backlog.models import QAVerdict, ResponsibilityPolicy, ScoringSettings
from backlog.selectors import responsibility_routing_get
from backlog.services import ROUTABLE_ROLES, comment_add, criterion_add
from roles.models import Role
from tests.backlog.factories import TicketFactory
from tests.factories import member

pytestmark = pytest.mark.django_db

ROUTING_ADD = "admin:backlog_responsibilitypolicy_add"
SCORING_ADD = "admin:backlog_scoringsettings_add"


def scoring_form(engagement, **changes) -> dict:
    return {
        "engagement": engagement.pk,
        "model": "wsjf",
        "strategic_weight": "0.5",
        "wsjf_value_per_point": "20000",
        "rice_impact_unit": "10000",
        "impact_analysis_threshold_days": "8",
        "qa_required": "on",
        **changes,
    }


def test_the_routing_form_offers_the_agency_roles_only(superuser_client):
    form = superuser_client.get(reverse(ROUTING_ADD)).context["adminform"].form

    assert [value for value, _label in form.fields["role"].choices] == [
        "project_manager",
        "consultant",
        "business_analyst",
        "tester",
        "developer",
        "agency_admin",
    ]
    assert [value for value, _label in form.fields["role"].choices] == list(ROUTABLE_ROLES)


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.STAKEHOLDER])
def test_the_routing_admin_refuses_a_client_role_and_saves_nothing(
    superuser_client, engagement, role
):
    response = superuser_client.post(
        reverse(ROUTING_ADD), {"engagement": engagement.pk, "kind": "bug", "role": role}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "role": [f"{role} is not a role of the agency: new tickets go to someone of the agency."]
    }
    assert not ResponsibilityPolicy.objects.exists()
    assert responsibility_routing_get(engagement=engagement)["bug"] == "tester"


def test_the_routing_admin_saves_an_agency_role_and_then_changes_only_the_role(
    superuser_client, engagement
):
    added = superuser_client.post(
        reverse(ROUTING_ADD), {"engagement": engagement.pk, "kind": "bug", "role": "developer"}
    )
    policy = ResponsibilityPolicy.objects.get()
    change = reverse("admin:backlog_responsibilitypolicy_change", args=[policy.pk])
    page = superuser_client.get(change)
    changed = superuser_client.post(change, {"role": "project_manager"})
    refused = superuser_client.post(change, {"role": "director"})

    assert (added.status_code, changed.status_code, refused.status_code) == (302, 302, 200)
    assert 'name="kind"' not in page.content.decode()
    assert 'name="engagement"' not in page.content.decode()
    assert list(ResponsibilityPolicy.objects.values_list("engagement", "kind", "role")) == [
        (engagement.pk, "bug", "project_manager")
    ]


def test_scoring_settings_are_checked_like_the_settings_page_and_a_refusal_saves_nothing(
    superuser_client, engagement
):
    refused = superuser_client.post(
        reverse(SCORING_ADD),
        scoring_form(engagement, strategic_weight="-1", wsjf_value_per_point="0"),
    )

    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors == {
        "strategic_weight": ["Ensure this value is greater than or equal to 0."],
        "wsjf_value_per_point": ["Ensure this value is greater than or equal to 0.01."],
    }
    assert not ScoringSettings.objects.exists()


def test_scoring_settings_are_saved_and_their_engagement_never_changes(
    superuser_client, engagement, other_engagement
):
    added = superuser_client.post(reverse(SCORING_ADD), scoring_form(engagement))
    change = reverse("admin:backlog_scoringsettings_change", args=[engagement.pk])
    changed = superuser_client.post(
        change, {**scoring_form(other_engagement, model="rice"), "qa_required": ""}
    )

    assert (added.status_code, changed.status_code) == (302, 302)
    settings = ScoringSettings.objects.get()
    assert (
        settings.engagement,
        settings.model,
        settings.strategic_weight,
        settings.wsjf_value_per_point,
        settings.impact_analysis_threshold_days,
        settings.qa_required,
    ) == (engagement, "rice", Decimal("0.500"), Decimal("20000.00"), Decimal("8.00"), False)


def test_a_second_scoring_row_for_an_engagement_is_refused(superuser_client, engagement):
    superuser_client.post(reverse(SCORING_ADD), scoring_form(engagement))

    again = superuser_client.post(reverse(SCORING_ADD), scoring_form(engagement, model="rice"))

    assert again.status_code == 200
    assert ScoringSettings.objects.get().model == "wsjf"


def test_a_ticket_page_shows_its_criteria_verdicts_and_comments_read_only(
    superuser_client, engagement
):
    tester = member(engagement, Role.TESTER, display_name="Tess Tester")
    ticket = TicketFactory(engagement=engagement, title="Punch-out catalogue")
    criterion = criterion_add(actor=tester, ticket=ticket, text="Buyers see their own prices")
    comment_add(actor=tester, ticket=ticket, body="Checked on staging")
    verdict = QAVerdict.objects.create(
        engagement=engagement, ticket=ticket, tester=tester, passed=False, notes="Prices wrong"
    )

    content = superuser_client.get(
        reverse("admin:backlog_ticket_change", args=[ticket.pk])
    ).content.decode()

    for text in ("Buyers see their own prices", "Checked on staging", "Prices wrong"):
        assert text in content
    assert reverse("admin:backlog_acceptancecriterion_change", args=[criterion.pk]) in content
    assert reverse("admin:backlog_qaverdict_change", args=[verdict.pk]) in content
    assert 'name="criteria-0-text"' not in content
    assert 'name="comments-0-body"' not in content
    assert 'name="_save"' not in content


def test_a_ticket_is_found_by_its_key(superuser_client, engagement, other_engagement):
    first = TicketFactory(engagement=engagement, title="Checkout")
    second = TicketFactory(engagement=engagement, title="Search")
    TicketFactory(engagement=other_engagement, title="Search")

    by_key = superuser_client.get(reverse("admin:backlog_ticket_changelist"), {"q": "nord-2"})
    by_title = superuser_client.get(reverse("admin:backlog_ticket_changelist"), {"q": "check"})

    assert list(by_key.context["cl"].result_list) == [second]
    assert list(by_title.context["cl"].result_list) == [first]
