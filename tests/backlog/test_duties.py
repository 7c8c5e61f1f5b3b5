"""Complete QA and the separation of duties: a verdict covers every criterion; the assignee
and the authors of the criteria do not give it; the director's one-ticket exception."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from backlog import services
from backlog.indicators import Duties, duties_by_quarter
from backlog.models import QAException, QAVerdict, TicketHistory
from roles.models import Role, RoleAssignment
from tests.backlog.factories import CriterionFactory, TicketFactory
from tests.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def tester(engagement):
    return member(engagement, Role.TESTER, display_name="Tess Ter")


@pytest.fixture
def analyst(engagement):
    return member(engagement, Role.BUSINESS_ANALYST)


@pytest.fixture
def director(engagement):
    return member(engagement, Role.DIRECTOR)


def _ticket(engagement, author, count=2, **fields):
    ticket = TicketFactory(engagement=engagement, kind="question", status="qa", **fields)
    criteria = [
        CriterionFactory(
            ticket=ticket, engagement=engagement, author=author, text=f"Rule {n}", order=n
        )
        for n in range(1, count + 1)
    ]
    return ticket, criteria


def _refused(actor, ticket, **kwargs):
    with pytest.raises(ValidationError) as error:
        services.qa_verdict_record(actor=actor, ticket=ticket, **kwargs)
    assert not QAVerdict.objects.filter(ticket=ticket).exists()
    return error.value


# --- Complete QA ---------------------------------------------------------------------------


def test_a_verdict_without_a_result_for_every_criterion_is_refused(engagement, tester, analyst):
    ticket, (first, _second) = _ticket(engagement, analyst)

    none = _refused(tester, ticket, passed=True, results={})
    partial = _refused(tester, ticket, passed=True, results={first.pk: True})

    assert none.message_dict == {
        "results": ["Give a result for every acceptance criterion; missing: 1. Rule 1; 2. Rule 2."]
    }
    assert partial.message_dict == {
        "results": ["Give a result for every acceptance criterion; missing: 2. Rule 2."]
    }


def test_a_verdict_passes_only_when_every_result_passes(engagement, tester, analyst):
    ticket, (first, second) = _ticket(engagement, analyst)

    error = _refused(tester, ticket, passed=True, results={first.pk: True, second.pk: False})
    assert error.message_dict == {
        "passed": ["A verdict cannot pass while one of its criteria failed."]
    }

    verdict = services.qa_verdict_record(
        actor=tester, ticket=ticket, passed=True, results={first.pk: True, second.pk: True}
    )
    assert (verdict.passed, verdict.self_verified, verdict.results.count()) == (True, False, 2)


# --- Separation of duties -------------------------------------------------------------------


def test_the_author_of_the_criteria_may_not_give_the_verdict_while_another_tester_may(
    engagement, tester
):
    member(engagement, Role.TESTER, display_name="Other Tester")
    ticket, criteria = _ticket(engagement, tester, count=1)

    error = _refused(tester, ticket, passed=True, results={criteria[0].pk: True})

    assert error.messages == [
        "You wrote acceptance criteria of this ticket.",
        "Separation of duties: someone else gives the QA verdict of this ticket.",
    ]


def test_the_assignee_may_not_give_the_verdict_and_the_refusal_names_the_missing_role(
    engagement, tester, analyst
):
    ticket, criteria = _ticket(engagement, analyst, count=1, assignee=tester)

    error = _refused(tester, ticket, passed=True, results={criteria[0].pk: True})

    assert error.messages == [
        "You are assigned to this ticket.",
        "Separation of duties: someone else gives the QA verdict of this ticket.",
        "Nobody else on this engagement may give it: the role Tester is missing (someone who is "
        "neither the assignee nor an author of the criteria). Give the role to someone else, or "
        "ask the client's director for an exception for this ticket.",
    ]


def test_the_rule_turned_off_lets_the_author_verify(engagement, tester):
    services.scoring_settings_update(engagement=engagement, data={"separation_of_duties": False})
    ticket, criteria = _ticket(engagement, tester, count=1)

    verdict = services.qa_verdict_record(
        actor=tester, ticket=ticket, passed=True, results={criteria[0].pk: True}
    )

    assert verdict.self_verified is False
    assert duties_by_quarter(engagements=[engagement])[engagement.pk] == {
        _quarter(verdict.recorded_at): Duties(breaches=1, self_verified=0)
    }


def _quarter(moment):
    moment = moment.astimezone(datetime.UTC)
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def test_the_director_grants_a_one_ticket_exception_recorded_and_counted_self_verified(
    engagement, tester, director
):
    ticket, criteria = _ticket(engagement, tester, count=1)
    other, other_criteria = _ticket(engagement, tester, count=1)

    exception = services.qa_exception_grant(
        actor=director, ticket=ticket, person=tester, reason="Our only tester is on leave"
    )
    verdict = services.qa_verdict_record(
        actor=tester, ticket=ticket, passed=True, results={criteria[0].pk: True}
    )

    assert (exception.granted_by, exception.reason) == (director, "Our only tester is on leave")
    assert verdict.self_verified is True
    entry = TicketHistory.objects.get(ticket=ticket, field="qa_exception")
    assert (entry.actor, entry.after, entry.note) == (
        director,
        "Tess Ter",
        "Our only tester is on leave",
    )
    # One ticket only: the next one is refused as before.
    _refused(tester, other, passed=True, results={other_criteria[0].pk: True})
    assert duties_by_quarter(engagements=[engagement])[engagement.pk] == {
        _quarter(verdict.recorded_at): Duties(breaches=0, self_verified=1)
    }


@pytest.mark.parametrize("role", [Role.PROJECT_MANAGER, Role.STAKEHOLDER, Role.AGENCY_ADMIN])
def test_only_the_director_grants_an_exception(engagement, tester, role):
    ticket, _criteria = _ticket(engagement, tester, count=1)

    with pytest.raises(PermissionDenied):
        services.qa_exception_grant(
            actor=member(engagement, role), ticket=ticket, person=tester, reason="Please"
        )

    assert not QAException.objects.exists()
    assert not TicketHistory.objects.filter(ticket=ticket).exists()


def test_an_exception_needs_a_reason_and_a_tester(engagement, tester, director, analyst):
    ticket, _criteria = _ticket(engagement, tester, count=1)

    with pytest.raises(ValidationError) as no_reason:
        services.qa_exception_grant(actor=director, ticket=ticket, person=tester, reason=" ")
    with pytest.raises(ValidationError) as no_tester:
        services.qa_exception_grant(actor=director, ticket=ticket, person=analyst, reason="Why")

    assert no_reason.value.message_dict == {
        "reason": ["Say why this ticket may be verified by its author."]
    }
    assert no_tester.value.message_dict == {
        "person": ["This person does not hold the tester role."]
    }
    assert not QAException.objects.exists()


def test_duties_count_in_one_query_for_any_number_of_engagements(
    engagement, other_engagement, django_assert_num_queries
):
    for target in (engagement, other_engagement):
        services.scoring_settings_update(engagement=target, data={"separation_of_duties": False})
        both = member(target, Role.TESTER)
        RoleAssignment.objects.create(engagement=target, person=both, role=Role.DEVELOPER)
        ticket, criteria = _ticket(target, both, count=1, assignee=both)
        services.qa_verdict_record(
            actor=both, ticket=ticket, passed=False, results={criteria[0].pk: False}
        )

    with django_assert_num_queries(1):
        result = duties_by_quarter(engagements=[engagement, other_engagement])

    assert [sum(q.values(), Duties()).breaches for q in result.values()] == [1, 1]


# --- Pages -----------------------------------------------------------------------------------


def _page(ticket, name="backlog:ticket-detail"):
    return reverse(name, args=[ticket.engagement.slug, ticket.key])


def test_the_verdict_form_shows_the_refusal_and_records_nothing(client, engagement, tester):
    ticket, criteria = _ticket(engagement, tester, count=1)
    client.force_login(tester)

    response = client.post(
        _page(ticket, "backlog:qa-verdict-add"),
        {"passed": "pass", f"criterion_{criteria[0].pk}": "pass"},
    )

    assert response.status_code == 200
    assert "You wrote acceptance criteria of this ticket." in response.content.decode()
    assert not QAVerdict.objects.exists()


def test_the_director_grants_the_exception_from_the_ticket_page(
    client, engagement, tester, director
):
    ticket, _criteria = _ticket(engagement, tester, count=1)
    client.force_login(director)
    assert 'id="qa-exception-form"' in client.get(_page(ticket)).content.decode()

    response = client.post(
        _page(ticket, "backlog:qa-exception-grant"),
        {"person": tester.pk, "reason": "Only tester this month"},
    )

    assert response.status_code == 302
    exception = QAException.objects.get(ticket=ticket)
    assert (exception.person, exception.granted_by) == (tester, director)
    page = client.get(_page(ticket)).content.decode()
    assert "Only tester this month" in page
    assert 'id="qa-exception-form"' not in page


def test_a_tester_sees_no_exception_form_and_may_not_post_one(client, engagement, tester):
    ticket, _criteria = _ticket(engagement, tester, count=1)
    client.force_login(tester)

    assert 'id="qa-exception-form"' not in client.get(_page(ticket)).content.decode()
    response = client.post(
        _page(ticket, "backlog:qa-exception-grant"), {"person": tester.pk, "reason": "Me"}
    )

    assert response.status_code == 403
    assert not QAException.objects.exists()


def test_another_engagements_director_gets_404(client, engagement, other_engagement, tester):
    ticket, _criteria = _ticket(engagement, tester, count=1)
    client.force_login(member(other_engagement, Role.DIRECTOR))

    response = client.post(
        _page(ticket, "backlog:qa-exception-grant"), {"person": tester.pk, "reason": "Mine"}
    )

    assert response.status_code == 404
    assert not QAException.objects.exists()
