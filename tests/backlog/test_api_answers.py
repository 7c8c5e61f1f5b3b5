"""The API counterparts of two client decisions on a ticket: the answer to an agency initiative
(a client person only) and the director's exception to the separation of duties. Each goes
through the same service as its page; a permission matrix says who may, and another
engagement's people and tokens meet 404."""

import pytest

from backlog.models import QAException, Ticket, TicketHistory
from collab.services import api_token_create
from roles.models import Role
from tests.backlog.factories import CriterionFactory, TicketFactory
from tests.factories import member

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _answer_url(ticket, slug="nordfer"):
    return f"/api/v1/engagements/{slug}/tickets/{ticket.key}/initiative-answer/"


def _exception_url(ticket, slug="nordfer"):
    return f"/api/v1/engagements/{slug}/tickets/{ticket.key}/qa-exception/"


@pytest.fixture
def idea(engagement):
    return TicketFactory(engagement=engagement, origin="agency_initiative", kind="feature")


def _as(api_client, person):
    api_client.force_authenticate(person)
    return api_client


def _token(engagement, scope="write"):
    admin = member(engagement, Role.AGENCY_ADMIN)
    return api_token_create(engagement=engagement, name="CI", scope=scope, created_by=admin).raw_key


# --- Initiative answer ---------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.STAKEHOLDER])
def test_a_client_person_accepts_an_initiative_through_the_api(api_client, engagement, idea, role):
    person = member(engagement, role, email="client@nordfer.example", display_name="Clara")

    response = _as(api_client, person).post(
        _answer_url(idea), {"decision": "accepted"}, format="json", secure=True
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["key"], body["origin"], body["decision"]) == (
        idea.key,
        "agency_initiative",
        "accepted",
    )
    assert body["decided_by"]["email"] == "client@nordfer.example"
    stored = Ticket.objects.get(pk=idea.pk)
    assert (stored.initiative_decision, stored.initiative_decided_by) == ("accepted", person)
    entry = TicketHistory.objects.get(ticket=idea, field="initiative_decision")
    assert (entry.before, entry.after, entry.actor) == ("", "accepted", person)


def test_a_decline_says_why_or_is_refused_with_nothing_recorded(api_client, engagement, idea):
    director = member(engagement, Role.DIRECTOR)
    client = _as(api_client, director)

    refused = client.post(_answer_url(idea), {"decision": "declined"}, format="json", secure=True)
    declined = client.post(
        _answer_url(idea),
        {"decision": "declined", "reason": "Not this year"},
        format="json",
        secure=True,
    )

    assert refused.status_code == 400
    assert refused["Content-Type"] == PROBLEM
    assert refused.json()["errors"] == {"reason": ["Say why the initiative is declined."]}
    assert declined.status_code == 200
    assert declined.json()["decision"] == "declined"
    notes = list(
        TicketHistory.objects.filter(ticket=idea, field="initiative_decision").values_list(
            "after", "note"
        )
    )
    assert notes == [("declined", "Not this year")]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"decision": "maybe"}, "decision"),
        ({}, "decision"),
        ({"decision": "accepted", "decided_by": "me"}, "decided_by"),
    ],
)
def test_bad_input_is_a_field_error_and_changes_nothing(api_client, engagement, idea, body, field):
    director = member(engagement, Role.DIRECTOR)

    response = _as(api_client, director).post(_answer_url(idea), body, format="json", secure=True)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Ticket.objects.get(pk=idea.pk).initiative_decision == ""
    assert not TicketHistory.objects.exists()


def test_a_client_request_is_not_answered_as_an_initiative(api_client, engagement):
    director = member(engagement, Role.DIRECTOR)
    request = TicketFactory(engagement=engagement, origin="client_request")

    response = _as(api_client, director).post(
        _answer_url(request), {"decision": "accepted"}, format="json", secure=True
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "decision": ["Only an agency initiative is accepted or declined by the client."]
    }
    assert Ticket.objects.get(pk=request.pk).initiative_decision == ""


@pytest.mark.parametrize(
    "role, expected",
    [
        (Role.DIRECTOR, 200),
        (Role.STAKEHOLDER, 200),
        (Role.PROJECT_MANAGER, 403),
        (Role.CONSULTANT, 403),
        (Role.BUSINESS_ANALYST, 403),
        (Role.TESTER, 403),
        (Role.DEVELOPER, 403),
        (Role.AGENCY_ADMIN, 403),
    ],
)
def test_who_may_answer_an_initiative(api_client, engagement, idea, role, expected):
    person = member(engagement, role)

    response = _as(api_client, person).post(
        _answer_url(idea), {"decision": "accepted"}, format="json", secure=True
    )

    assert response.status_code == expected
    decision = Ticket.objects.get(pk=idea.pk).initiative_decision
    assert decision == ("accepted" if expected == 200 else "")
    if expected == 403:
        assert response["Content-Type"] == PROBLEM


def test_a_token_never_answers_an_initiative(api_client, engagement, idea):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {_token(engagement)}")

    response = api_client.post(
        _answer_url(idea), {"decision": "accepted"}, format="json", secure=True
    )

    assert response.status_code == 403
    assert Ticket.objects.get(pk=idea.pk).initiative_decision == ""


def test_another_engagements_director_and_token_meet_404(
    api_client, engagement, other_engagement, idea
):
    stranger = member(other_engagement, Role.DIRECTOR)
    as_person = _as(api_client, stranger).post(
        _answer_url(idea), {"decision": "accepted"}, format="json", secure=True
    )
    api_client.force_authenticate(None)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {_token(other_engagement)}")
    as_token = api_client.post(
        _answer_url(idea), {"decision": "accepted"}, format="json", secure=True
    )
    # Their own ticket under the other engagement's slug is no way in either.
    own = TicketFactory(engagement=other_engagement, origin="agency_initiative")
    api_client.credentials()
    crossed = _as(api_client, stranger).post(
        _answer_url(own, slug="nordfer"), {"decision": "accepted"}, format="json", secure=True
    )

    assert (as_person.status_code, as_token.status_code, crossed.status_code) == (404, 404, 404)
    assert as_person["Content-Type"] == PROBLEM
    assert set(Ticket.objects.values_list("initiative_decision", flat=True)) == {""}


# --- QA exception --------------------------------------------------------------------------


@pytest.fixture
def self_tested(engagement):
    """A ticket in QA whose only tester wrote its criteria: only an exception lets them verify."""
    tester = member(engagement, Role.TESTER, email="tess@atelier.example", display_name="Tess")
    ticket = TicketFactory(engagement=engagement, kind="question", status="qa", assignee=tester)
    CriterionFactory(ticket=ticket, engagement=engagement, author=tester, text="Rule", order=1)
    return ticket, tester


def test_the_director_grants_the_exception_through_the_api(api_client, engagement, self_tested):
    ticket, tester = self_tested
    director = member(engagement, Role.DIRECTOR, email="dir@nordfer.example")

    response = _as(api_client, director).post(
        _exception_url(ticket),
        {"person": "tess@atelier.example", "reason": "Nobody else tests this quarter"},
        format="json",
        secure=True,
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["ticket"], body["person"]["email"], body["granted_by"]["email"]) == (
        ticket.key,
        "tess@atelier.example",
        "dir@nordfer.example",
    )
    assert body["reason"] == "Nobody else tests this quarter"
    exception = QAException.objects.get(ticket=ticket)
    assert (exception.person, exception.granted_by) == (tester, director)
    entry = TicketHistory.objects.get(ticket=ticket, field="qa_exception")
    assert (entry.after, entry.note) == ("Tess", "Nobody else tests this quarter")


def test_a_second_exception_or_a_closed_ticket_is_a_conflict(api_client, engagement, self_tested):
    ticket, _tester = self_tested
    director = member(engagement, Role.DIRECTOR)
    client = _as(api_client, director)
    body = {"person": "tess@atelier.example", "reason": "Alone"}
    client.post(_exception_url(ticket), body, format="json", secure=True)

    again = client.post(_exception_url(ticket), body, format="json", secure=True)
    closed = TicketFactory(engagement=engagement, status="done")
    on_closed = client.post(_exception_url(closed), body, format="json", secure=True)

    assert (again.status_code, on_closed.status_code) == (409, 409)
    assert again["Content-Type"] == PROBLEM
    assert again.json()["reasons"] == ["An exception was already granted for this ticket."]
    assert on_closed.json()["reasons"] == ["This ticket is closed."]
    assert QAException.objects.count() == 1


@pytest.mark.parametrize(
    "body, errors",
    [
        ({"person": "tess@atelier.example", "reason": "  "}, {"reason"}),
        ({"person": "tess@atelier.example"}, {"reason"}),
        ({"person": "nobody@nowhere.example", "reason": "Alone"}, {"person"}),
        ({"person": "pm@atelier.example", "reason": "Alone"}, {"person"}),
        ({"person": "tess@atelier.example", "reason": "Alone", "ticket": "X"}, {"ticket"}),
    ],
)
def test_bad_exception_input_is_refused_and_grants_nothing(
    api_client, engagement, self_tested, body, errors
):
    ticket, _tester = self_tested
    member(engagement, Role.PROJECT_MANAGER, email="pm@atelier.example")
    director = member(engagement, Role.DIRECTOR)

    response = _as(api_client, director).post(
        _exception_url(ticket), body, format="json", secure=True
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == errors
    assert not QAException.objects.exists()
    assert not TicketHistory.objects.filter(field="qa_exception").exists()


@pytest.mark.parametrize(
    "role, expected",
    [
        (Role.DIRECTOR, 201),
        (Role.STAKEHOLDER, 403),
        (Role.PROJECT_MANAGER, 403),
        (Role.CONSULTANT, 403),
        (Role.BUSINESS_ANALYST, 403),
        (Role.TESTER, 403),
        (Role.DEVELOPER, 403),
        (Role.AGENCY_ADMIN, 403),
    ],
)
def test_who_may_grant_an_exception(api_client, engagement, self_tested, role, expected):
    ticket, _tester = self_tested
    person = member(engagement, role)

    response = _as(api_client, person).post(
        _exception_url(ticket),
        {"person": "tess@atelier.example", "reason": "Alone"},
        format="json",
        secure=True,
    )

    assert response.status_code == expected
    assert QAException.objects.exists() == (expected == 201)


def test_a_token_never_grants_an_exception(api_client, engagement, self_tested):
    ticket, _tester = self_tested
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {_token(engagement)}")

    response = api_client.post(
        _exception_url(ticket),
        {"person": "tess@atelier.example", "reason": "Alone"},
        format="json",
        secure=True,
    )

    assert response.status_code == 403
    assert not QAException.objects.exists()


def test_another_engagements_director_meets_404_for_an_exception(
    api_client, engagement, other_engagement, self_tested
):
    ticket, _tester = self_tested
    stranger = member(other_engagement, Role.DIRECTOR)

    response = _as(api_client, stranger).post(
        _exception_url(ticket),
        {"person": "tess@atelier.example", "reason": "Alone"},
        format="json",
        secure=True,
    )

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert not QAException.objects.exists()


def test_the_ticket_links_to_both_answers(api_client, engagement, idea):
    director = member(engagement, Role.DIRECTOR)

    links = (
        _as(api_client, director)
        .get(f"/api/v1/engagements/nordfer/tickets/{idea.key}/", secure=True)
        .json()["links"]
    )

    assert links["initiative_answer"].endswith(_answer_url(idea))
    assert links["qa_exception"].endswith(_exception_url(idea))
