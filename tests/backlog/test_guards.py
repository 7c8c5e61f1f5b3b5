"""No way around the guards: every step into a state checks that state's guards (and those of
the states before it), whatever state the ticket comes from; a Ready ticket keeps its last
criterion."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from backlog import services, workflow
from backlog.models import AcceptanceCriterion, Status, Ticket, TicketHistory
from backlog.services import TransitionRefused
from roles.models import Role, RoleAssignment
from tests.backlog.factories import CriterionFactory, TicketFactory
from tests.factories import member

pytestmark = pytest.mark.django_db

D = Decimal
S = Status
VALUE_REASONS = [
    "State the business value (annual revenue gain, annual cost savings or hours saved per "
    "month) before the ticket is ready.",
    "Estimate the effort in person-days before the ticket is ready.",
    "Write at least one acceptance criterion before the ticket is ready.",
]
BUG_REASON = (
    "A bug leaves triage only with its reproduction details; missing: steps to reproduce, "
    "expected behaviour, actual behaviour, environment."
)
GUARDED = (S.READY, S.IN_PROGRESS, S.IN_REVIEW, S.QA, S.DONE)
# Every step of the workflow into a guarded state, from whichever state it starts.
STEPS_IN = sorted(
    ((frm, to) for (frm, to) in workflow.TRANSITIONS if to in GUARDED), key=lambda s: (s[1], s[0])
)


@pytest.fixture
def everyone(engagement):
    """One person holding every role that takes a step, so that only the guards answer."""
    person = member(engagement, Role.PROJECT_MANAGER)
    for role in (Role.BUSINESS_ANALYST, Role.DEVELOPER, Role.DIRECTOR):
        RoleAssignment.objects.create(engagement=engagement, person=person, role=role)
    return person


@pytest.fixture
def tester(engagement):
    return member(engagement, Role.TESTER)


def _attempt(actor, ticket, to_status):
    return services.ticket_transition(
        actor=actor, ticket=ticket, to_status=to_status, reason="Because"
    )


def _refused(actor, ticket, to_status):
    before = Ticket.objects.filter(pk=ticket.pk).values().get()
    with pytest.raises(TransitionRefused) as error:
        _attempt(actor, ticket, to_status)
    assert Ticket.objects.filter(pk=ticket.pk).values().get() == before
    assert not TicketHistory.objects.filter(ticket=ticket, field="status").exists()
    return error.value.reasons


def _pass_qa(ticket, tester, client):
    criteria = {c.pk: True for c in ticket.criteria.all()}
    services.qa_verdict_record(actor=tester, ticket=ticket, passed=True, results=criteria)
    services.ticket_accept(actor=client, ticket=ticket)


@pytest.mark.parametrize(("frm", "to"), STEPS_IN, ids=[f"{f}->{t}" for f, t in STEPS_IN])
def test_a_feature_without_value_nor_criteria_enters_no_state_from_ready_on(
    engagement, everyone, tester, frm, to
):
    ticket = TicketFactory(engagement=engagement, kind="feature", status=frm)

    reasons = _refused(everyone, ticket, to)

    assert reasons[:3] == VALUE_REASONS

    ticket.annual_revenue_gain, ticket.effort_days = D("12000"), D("3")
    ticket.save()
    CriterionFactory(ticket=ticket, engagement=engagement, author=everyone)
    if to == S.DONE:
        _pass_qa(ticket, tester, everyone)
    _attempt(everyone, ticket, to)
    assert Ticket.objects.get(pk=ticket.pk).status == to


@pytest.mark.parametrize(("frm", "to"), STEPS_IN, ids=[f"{f}->{t}" for f, t in STEPS_IN])
def test_a_bug_without_its_reproduction_details_enters_no_state_past_triage(
    engagement, everyone, tester, frm, to
):
    ticket = TicketFactory(engagement=engagement, kind="bug", status=frm)

    assert _refused(everyone, ticket, to)[0] == BUG_REASON

    ticket.steps_to_reproduce = "1. Open the cart"
    ticket.expected_behaviour = ticket.actual_behaviour = "Totals"
    ticket.environment = "Production"
    ticket.save()
    if to == S.DONE:
        services.qa_verdict_record(actor=tester, ticket=ticket, passed=True)
    _attempt(everyone, ticket, to)
    assert Ticket.objects.get(pk=ticket.pk).status == to


@pytest.mark.parametrize("to", [S.READY, S.QA, S.DONE])
@pytest.mark.parametrize("frm", list(S))
def test_every_state_into_ready_qa_and_done_is_a_step_of_the_workflow_or_refused(
    engagement, everyone, frm, to
):
    ticket = TicketFactory(engagement=engagement, kind="feature", status=frm)

    reasons = _refused(everyone, ticket, to)

    if frm == to:
        assert reasons == [f"The ticket is already {to.label}."]
    elif (frm, to) not in workflow.TRANSITIONS:
        assert reasons == [f"A ticket cannot go from {frm.label} to {to.label}."]
    else:
        assert reasons[:3] == VALUE_REASONS


def test_on_hold_returns_to_in_progress_only_with_what_ready_asks(engagement, everyone):
    ticket = TicketFactory(engagement=engagement, kind="improvement", status="new")
    _attempt(everyone, ticket, "on_hold")

    assert _refused_after_hold(everyone, ticket) == VALUE_REASONS


def _refused_after_hold(actor, ticket):
    with pytest.raises(TransitionRefused) as error:
        _attempt(actor, ticket, "in_progress")
    assert Ticket.objects.get(pk=ticket.pk).status == "on_hold"
    return error.value.reasons


def test_the_last_criterion_of_a_ready_feature_cannot_be_removed(engagement, everyone):
    ticket = TicketFactory(
        engagement=engagement, status="ready", annual_revenue_gain=D("1"), effort_days=D("1")
    )
    first = CriterionFactory(ticket=ticket, engagement=engagement, author=everyone)
    last = CriterionFactory(ticket=ticket, engagement=engagement, author=everyone)
    services.criterion_delete(actor=everyone, criterion=first)

    with pytest.raises(ValidationError) as error:
        services.criterion_delete(actor=everyone, criterion=last)

    assert error.value.messages == [
        "This is the last acceptance criterion of a ticket that is Ready: write another one "
        "first, or move the ticket back to analysis."
    ]
    assert list(AcceptanceCriterion.objects.filter(ticket=ticket)) == [last]


def test_the_last_criterion_of_a_feature_in_analysis_can_be_removed(engagement, everyone):
    ticket = TicketFactory(engagement=engagement, status="analysis")
    only = CriterionFactory(ticket=ticket, engagement=engagement, author=everyone)

    services.criterion_delete(actor=everyone, criterion=only)

    assert not AcceptanceCriterion.objects.filter(ticket=ticket).exists()


def test_the_page_refuses_removing_the_last_criterion_with_the_reason(client, engagement):
    analyst = member(engagement, Role.BUSINESS_ANALYST)
    ticket = TicketFactory(
        engagement=engagement, status="qa", annual_revenue_gain=D("1"), effort_days=D("1")
    )
    only = CriterionFactory(ticket=ticket, engagement=engagement, author=analyst)
    client.force_login(analyst)

    response = client.post(
        reverse("backlog:criterion-delete", args=[engagement.slug, ticket.key, only.pk])
    )

    assert response.status_code == 409
    assert (
        "This is the last acceptance criterion of a ticket that is QA: write another one first, "
        "or move the ticket back to analysis." in response.content.decode()
    )
    assert list(AcceptanceCriterion.objects.filter(ticket=ticket)) == [only]
