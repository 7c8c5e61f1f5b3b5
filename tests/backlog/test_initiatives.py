"""Honest proactivity: an agency initiative counts as accepted or declined only when a client
person answers it explicitly."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from backlog import services
from backlog.indicators import Proactivity, proactivity_by_quarter
from backlog.models import Ticket, TicketHistory
from roles.models import Role
from tests.backlog.factories import TicketFactory
from tests.factories import member

pytestmark = pytest.mark.django_db


def _quarter(ticket):
    moment = ticket.created_at
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def _totals(engagement):
    return sum(
        proactivity_by_quarter(engagements=[engagement])[engagement.pk].values(), Proactivity()
    )


def test_an_agency_triage_does_not_count_as_acceptance(engagement):
    pm = member(engagement, Role.PROJECT_MANAGER)
    idea = TicketFactory(engagement=engagement, origin="agency_initiative", status="new")

    services.ticket_transition(actor=pm, ticket=idea, to_status="triage")
    services.ticket_transition(actor=pm, ticket=idea, to_status="analysis")

    assert _totals(engagement) == Proactivity(initiatives=1, accepted=0, rejected=0)


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.STAKEHOLDER])
def test_a_client_person_accepts_or_declines_explicitly(engagement, role):
    client_person = member(engagement, role)
    accepted = TicketFactory(engagement=engagement, origin="agency_initiative")
    declined = TicketFactory(engagement=engagement, origin="agency_initiative")

    services.initiative_answer(actor=client_person, ticket=accepted, decision="accepted")
    services.initiative_answer(
        actor=client_person, ticket=declined, decision="declined", reason="Not this year"
    )

    assert _totals(engagement) == Proactivity(initiatives=2, accepted=1, rejected=1)
    accepted.refresh_from_db()
    assert (accepted.initiative_decision, accepted.initiative_decided_by) == (
        "accepted",
        client_person,
    )
    entry = TicketHistory.objects.get(ticket=declined, field="initiative_decision")
    assert (entry.actor, entry.after, entry.note) == (client_person, "declined", "Not this year")


@pytest.mark.parametrize("role", [Role.PROJECT_MANAGER, Role.CONSULTANT, Role.AGENCY_ADMIN])
def test_the_agency_cannot_answer_its_own_initiative(engagement, role):
    idea = TicketFactory(engagement=engagement, origin="agency_initiative")

    with pytest.raises(PermissionDenied):
        services.initiative_answer(actor=member(engagement, role), ticket=idea, decision="accepted")

    assert Ticket.objects.get(pk=idea.pk).initiative_decision == ""
    assert not TicketHistory.objects.exists()


def test_only_an_initiative_is_answered_and_a_decline_says_why(engagement):
    director = member(engagement, Role.DIRECTOR)
    request = TicketFactory(engagement=engagement, origin="client_request")
    idea = TicketFactory(engagement=engagement, origin="agency_initiative")

    with pytest.raises(ValidationError) as not_initiative:
        services.initiative_answer(actor=director, ticket=request, decision="accepted")
    with pytest.raises(ValidationError) as no_reason:
        services.initiative_answer(actor=director, ticket=idea, decision="declined")

    assert not_initiative.value.message_dict == {
        "decision": ["Only an agency initiative is accepted or declined by the client."]
    }
    assert no_reason.value.message_dict == {"reason": ["Say why the initiative is declined."]}
    assert not TicketHistory.objects.exists()


def test_a_bug_is_never_an_initiative(engagement):
    pm = member(engagement, Role.PROJECT_MANAGER)

    with pytest.raises(ValidationError) as filed:
        services.ticket_create(
            actor=pm, engagement=engagement, title="Crash", kind="bug", origin="agency_initiative"
        )
    idea = services.ticket_create(
        actor=pm, engagement=engagement, title="Idea", kind="feature", origin="agency_initiative"
    )
    with pytest.raises(ValidationError) as changed:
        services.ticket_update(actor=pm, ticket=idea, data={"kind": "bug"})

    assert filed.value.message_dict == {
        "origin": ["A bug is never an agency initiative: choose client request as its origin."]
    }
    assert changed.value.messages == [
        "A bug is never an agency initiative: choose client request as its origin."
    ]
    assert list(Ticket.objects.values_list("kind", flat=True)) == ["feature"]


def test_the_director_answers_from_the_ticket_page(client, engagement):
    director = member(engagement, Role.DIRECTOR)
    idea = TicketFactory(engagement=engagement, origin="agency_initiative")
    page = reverse("backlog:ticket-detail", args=[engagement.slug, idea.key])
    client.force_login(director)
    answer_url = reverse("backlog:initiative-answer", args=[engagement.slug, idea.key])
    assert f'action="{answer_url}"' in client.get(page).content.decode()

    response = client.post(answer_url, {"decision": "accepted"})

    assert response.status_code == 302
    content = client.get(page).content.decode()
    assert "Accepted by the client" in content
    assert Ticket.objects.get(pk=idea.pk).initiative_decision == "accepted"


def test_agency_staff_get_403_and_another_engagement_404(client, engagement, other_engagement):
    idea = TicketFactory(engagement=engagement, origin="agency_initiative")
    url = reverse("backlog:initiative-answer", args=[engagement.slug, idea.key])

    client.force_login(member(engagement, Role.PROJECT_MANAGER))
    refused = client.post(url, {"decision": "accepted"})
    client.force_login(member(other_engagement, Role.DIRECTOR))
    foreign = client.post(url, {"decision": "accepted"})

    assert (refused.status_code, foreign.status_code) == (403, 404)
    assert Ticket.objects.get(pk=idea.pk).initiative_decision == ""


def test_an_answered_initiative_keeps_its_origin(engagement):
    director = member(engagement, Role.DIRECTOR)
    idea = TicketFactory(engagement=engagement, origin="agency_initiative")
    services.initiative_answer(actor=director, ticket=idea, decision="accepted")
    idea.refresh_from_db()

    with pytest.raises(ValidationError) as error:
        services.ticket_update(actor=director, ticket=idea, data={"origin": "client_request"})

    assert error.value.messages == [
        "The client answered this agency initiative: it keeps its origin."
    ]
    assert Ticket.objects.get(pk=idea.pk).origin == "agency_initiative"
