"""The author values the request: filing asks for the figures the scoring model needs, shows
the score live, lets a client stakeholder state them, and keeps them as the author's."""

from decimal import Decimal

import pytest
from django.urls import reverse

from backlog import services
from backlog.models import Ticket, TicketHistory
from roles.models import Role
from tests.factories import member

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def stakeholder(engagement):
    return member(engagement, Role.STAKEHOLDER, display_name="Sophie Martin")


def _create_url(engagement):
    return reverse("backlog:ticket-create", args=[engagement.slug])


def test_the_logging_form_asks_for_the_figures_of_the_engagements_model(client, engagement):
    client.force_login(member(engagement, Role.STAKEHOLDER))

    default = client.get(_create_url(engagement)).content.decode()
    services.scoring_settings_update(engagement=engagement, data={"model": "wsjf"})
    wsjf = client.get(_create_url(engagement)).content.decode()

    assert 'name="effort_days"' in default and 'name="confidence"' in default
    assert 'name="time_criticality"' not in default and 'name="reach"' not in default
    assert 'name="time_criticality"' in wsjf and 'name="risk_reduction"' in wsjf
    assert 'name="reach"' not in wsjf
    # A client person files a client request: no origin to choose.
    assert 'name="origin"' not in default


def test_a_stakeholder_files_a_request_with_its_value_through_the_page(
    client, engagement, stakeholder
):
    client.force_login(stakeholder)

    response = client.post(
        _create_url(engagement),
        {
            "title": "Reorder in one click",
            "kind": "improvement",
            "annual_revenue_gain": "45000",
            "effort_days": "3",
            "confidence": "high",
        },
    )

    ticket = Ticket.objects.get(engagement=engagement)
    assert response.status_code == 302
    assert (ticket.origin, ticket.annual_revenue_gain, ticket.effort_days, ticket.confidence) == (
        "client_request",
        D("45000.00"),
        D("3.00"),
        "high",
    )
    entry = TicketHistory.objects.get(ticket=ticket, field="value_stated")
    assert entry.actor == stakeholder
    page = client.get(reverse("backlog:ticket-detail", args=[engagement.slug, ticket.key]))
    assert "Figures stated by Sophie Martin when filing the request" in page.content.decode()


def test_a_stakeholder_files_a_request_with_its_value_through_the_api(
    api_client, engagement, stakeholder
):
    api_client.force_login(stakeholder)

    response = api_client.post(
        f"/api/v1/engagements/{engagement.slug}/tickets/",
        {
            "title": "Quick order by SKU",
            "kind": "feature",
            "annual_revenue_gain": "180000",
            "effort_days": "8",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(engagement=engagement)
    assert (ticket.reporter, ticket.annual_revenue_gain) == (stakeholder, D("180000.00"))
    entry = TicketHistory.objects.get(ticket=ticket, field="value_stated")
    assert (entry.actor, entry.after) == (
        stakeholder,
        '{"annual_revenue_gain": "180000.00", "confidence": "medium", "effort_days": "8.00"}',
    )


def test_later_edits_keep_the_authors_figures_visible(client, engagement, stakeholder):
    director = member(engagement, Role.DIRECTOR, display_name="Diane Director")
    ticket = services.ticket_create(
        actor=stakeholder,
        engagement=engagement,
        title="Gift wrapping",
        kind="feature",
        annual_revenue_gain=D("20000"),
        effort_days=D("2"),
    )
    services.ticket_value_update(
        actor=director, ticket=ticket, data={"annual_revenue_gain": D("5000")}
    )
    client.force_login(director)

    content = client.get(
        reverse("backlog:ticket-detail", args=[engagement.slug, ticket.key])
    ).content.decode()

    origin = content.split('id="value-origin"')[1].split("Later changes are in the history")[0]
    assert "Figures stated by Sophie Martin when filing the request" in origin
    # Written as the reader writes amounts, in the engagement's currency.
    assert (
        '<dt class="props__label">Annual revenue gain</dt><dd class="props__value">€20,000.00</dd>'
    ) in origin
    assert '<dt class="props__label">Effort (person-days)</dt><dd class="props__value">2</dd>' in (
        origin
    )
    assert "Value stated when filed" in content  # the history names whose figures they are
    # The history's change, as numbers.
    assert '<span class="timeline__before">20,000</span>' in content
    assert '<span class="timeline__after">5,000</span>' in content
    changed = TicketHistory.objects.get(ticket=ticket, field="annual_revenue_gain")
    assert (changed.actor, changed.before, changed.after) == (director, "20000.00", "5000.00")


def test_the_score_is_shown_live_while_filing(client, engagement):
    engagement.agency_day_rate = D("600")
    engagement.save()
    client.force_login(member(engagement, Role.STAKEHOLDER))

    response = client.post(
        reverse("backlog:ticket-create-score-preview", args=[engagement.slug]),
        {"annual_revenue_gain": "10000", "effort_days": "2", "confidence": "high"},
    )

    assert response.status_code == 200
    assert response.context["breakdown"].score == D("5000.000000")
    assert "Why this rank (preview, not saved)" in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_live_score_of_another_engagement_is_404(client, engagement, other_engagement):
    client.force_login(member(other_engagement, Role.STAKEHOLDER))

    response = client.post(
        reverse("backlog:ticket-create-score-preview", args=[engagement.slug]),
        {"annual_revenue_gain": "10000", "effort_days": "2"},
    )

    assert response.status_code == 404


def test_agency_staff_must_choose_the_origin_and_a_bug_is_never_an_initiative(client, engagement):
    client.force_login(member(engagement, Role.PROJECT_MANAGER))

    silent = client.post(_create_url(engagement), {"title": "Faster pages", "kind": "feature"})
    bug = client.post(
        _create_url(engagement),
        {"title": "Crash", "kind": "bug", "origin": "agency_initiative"},
    )

    assert silent.status_code == 200
    assert silent.context["form"].errors["origin"] == ["This field is required."]
    assert bug.context["form"].errors["origin"] == [
        "A bug is never an agency initiative: choose client request as its origin."
    ]
    assert not Ticket.objects.exists()


def test_the_stated_figures_read_the_french_way_in_french(client, engagement, stakeholder):
    ticket = services.ticket_create(
        actor=stakeholder,
        engagement=engagement,
        title="Paquet cadeau",
        kind="feature",
        annual_revenue_gain=D("20000"),
        hours_saved_per_month=D("12.5"),
    )
    stakeholder.language = "fr"
    stakeholder.save(update_fields=["language"])
    client.force_login(stakeholder)

    content = client.get(
        reverse("backlog:ticket-detail", args=[engagement.slug, ticket.key])
    ).content.decode()

    origin = content.split('id="value-origin"')[1]
    assert "20\u202f000,00\u00a0€" in origin
    assert ">12,5</dd>" in origin
