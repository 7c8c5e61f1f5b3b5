"""The review pack lists the period's agency initiatives awaiting the client's answer, and the
director or a stakeholder accepts or declines each right there (htmx, or a plain form), through
the same service as the ticket page; the agency's own answer is refused."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backlog.models import Ticket, TicketHistory
from roles.models import Role
from tests.backlog.factories import TicketFactory
from tests.factories import member

pytestmark = pytest.mark.django_db

UTC = dt.UTC
IN_PERIOD = dt.datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


def _idea(engagement, title="Punch-out catalogue", at=IN_PERIOD, **fields):
    return TicketFactory(
        engagement=engagement, origin="agency_initiative", title=title, created_at=at, **fields
    )


def _page(review):
    return reverse("reviews:review-detail", args=["nordfer", review.pk])


def _answer(review, ticket):
    return reverse("reviews:initiative-answer", args=["nordfer", review.pk, ticket.key])


def test_the_pack_lists_only_the_periods_initiatives_awaiting_an_answer(
    client, engagement, team, review
):
    waiting = _idea(engagement, title="Waiting idea")
    _idea(engagement, title="Older idea", at=review.period_start - dt.timedelta(days=1))
    _idea(
        engagement,
        title="Answered idea",
        initiative_decision="accepted",
        initiative_decided_by=team["director"],
        initiative_decided_at=IN_PERIOD,
    )
    TicketFactory(engagement=engagement, origin="client_request", title="Client wish")
    client.force_login(team["director"])

    content = client.get(_page(review)).content.decode()

    assert "Agency initiatives awaiting the client's answer" in content
    assert 'id="initiative-NORD-1"' in content
    assert f'hx-post="{_answer(review, waiting)}"' in content
    for absent in ("Older idea", "Answered idea", "Client wish"):
        assert absent not in content.split('id="initiatives"')[1].split("</section>")[0]


def test_the_director_accepts_from_the_pack_with_htmx(client, engagement, team, review):
    idea = _idea(engagement)
    client.force_login(team["director"])

    response = client.post(_answer(review, idea), {"decision": "accepted"}, **HTMX)

    assert response.status_code == 200
    content = response.content.decode()
    assert content.strip().startswith("<li")
    assert "Accepted by the client" in content
    assert "by Claire on" in content
    assert json.loads(response["HX-Trigger"]) == {
        "toast": {"message": f"You accepted {idea.key}.", "tone": "success"}
    }
    stored = Ticket.objects.get(pk=idea.pk)
    assert (stored.initiative_decision, stored.initiative_decided_by) == (
        "accepted",
        team["director"],
    )
    entry = TicketHistory.objects.get(ticket=idea, field="initiative_decision")
    assert (entry.actor, entry.before, entry.after) == (team["director"], "", "accepted")
    # Answered, it leaves the list of those awaiting an answer.
    assert f'id="initiative-{idea.key}"' not in client.get(_page(review)).content.decode()


def test_a_stakeholder_declines_with_a_reason_and_without_one_is_told_why(
    client, engagement, team, review
):
    idea = _idea(engagement)
    stakeholder = member(engagement, Role.STAKEHOLDER, display_name="Sacha")
    client.force_login(stakeholder)

    refused = client.post(_answer(review, idea), {"decision": "declined", "reason": " "}, **HTMX)
    declined = client.post(
        _answer(review, idea), {"decision": "declined", "reason": "Not before the peak"}, **HTMX
    )

    assert refused.status_code == 400
    assert "Say why the initiative is declined." in refused.content.decode()
    assert 'aria-invalid="true"' in refused.content.decode()
    assert declined.status_code == 200
    assert "Declined by the client" in declined.content.decode()
    entry = TicketHistory.objects.get(ticket=idea, field="initiative_decision")
    assert (entry.actor, entry.after, entry.note) == (
        stakeholder,
        "declined",
        "Not before the peak",
    )


def test_without_htmx_the_form_redirects_and_a_refusal_keeps_what_was_typed(
    client, engagement, team, review
):
    idea = _idea(engagement)
    client.force_login(team["director"])

    refused = client.post(_answer(review, idea), {"decision": "maybe", "reason": "Hmm, typed"})
    accepted = client.post(_answer(review, idea), {"decision": "accepted"})

    assert refused.status_code == 400
    assert 'value="Hmm, typed"' in refused.content.decode()
    assert accepted.status_code == 302
    assert accepted["Location"] == f"{_page(review)}#initiatives"
    assert Ticket.objects.get(pk=idea.pk).initiative_decision == "accepted"


@pytest.mark.parametrize(
    "role", [Role.PROJECT_MANAGER, Role.CONSULTANT, Role.AGENCY_ADMIN, Role.TESTER, Role.DEVELOPER]
)
def test_the_agency_sees_the_list_but_its_own_answer_is_refused(
    client, engagement, team, review, role
):
    idea = _idea(engagement)
    client.force_login(member(engagement, role))

    content = client.get(_page(review)).content.decode()
    response = client.post(_answer(review, idea), {"decision": "accepted"}, **HTMX)

    assert f'id="initiative-{idea.key}"' in content
    assert _answer(review, idea) not in content
    assert "Only the director or a stakeholder answers them" in content
    assert response.status_code == 403
    assert Ticket.objects.get(pk=idea.pk).initiative_decision == ""
    assert not TicketHistory.objects.exists()


def test_a_client_request_is_not_answered_from_the_pack(client, engagement, team, review):
    request = TicketFactory(engagement=engagement, origin="client_request", created_at=IN_PERIOD)
    client.force_login(team["director"])

    response = client.post(_answer(review, request), {"decision": "accepted"}, **HTMX)

    assert response.status_code == 400
    assert "Only an agency initiative is accepted or declined by the client." in (
        response.content.decode()
    )
    assert Ticket.objects.get(pk=request.pk).initiative_decision == ""


def test_another_engagements_director_gets_404(client, engagement, other_engagement, review):
    idea = _idea(engagement)
    own = _idea(other_engagement)
    stranger = member(other_engagement, Role.DIRECTOR)
    client.force_login(stranger)

    foreign = client.post(_answer(review, idea), {"decision": "accepted"}, **HTMX)
    # Their own engagement's ticket named under this engagement's review: no way in either.
    crossed = client.post(_answer(review, own), {"decision": "accepted"}, **HTMX)

    assert (foreign.status_code, crossed.status_code) == (404, 404)
    assert set(Ticket.objects.values_list("initiative_decision", flat=True)) == {""}


def test_a_ticket_of_another_engagement_under_this_review_is_404(
    client, engagement, other_engagement, team, review
):
    own = _idea(other_engagement)
    client.force_login(team["director"])

    response = client.post(
        reverse("reviews:initiative-answer", args=["nordfer", review.pk, own.key]),
        {"decision": "accepted"},
        **HTMX,
    )

    assert response.status_code == 404
    assert Ticket.objects.get(pk=own.pk).initiative_decision == ""


def test_the_review_page_reads_the_list_in_the_same_queries_at_any_size(
    client, engagement, team, review
):
    client.force_login(team["director"])
    _idea(engagement)
    with CaptureQueriesContext(connection) as one:
        assert client.get(_page(review)).status_code == 200
    for n in range(6):
        _idea(engagement, title=f"Idea {n}")
    with CaptureQueriesContext(connection) as seven:
        content = client.get(_page(review)).content.decode()

    assert content.count('class="list-group-item review-initiative"') == 7
    assert len(seven) == len(one)
