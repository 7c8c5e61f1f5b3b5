"""Workflow steps: who may take them, and every guard refusing then allowing."""

from decimal import Decimal

import pytest

from backlog import services
from backlog.models import ImpactAnalysis, ScoringSettings, Ticket, TicketHistory
from backlog.services import StaleVersion, TransitionRefused
from roles.models import Role
from tests.backlog.factories import CriterionFactory, TicketFactory
from tests.factories import member

D = Decimal


@pytest.fixture
def analyst(engagement):
    return member(engagement, Role.BUSINESS_ANALYST, email="ba@atelier.example")


@pytest.fixture
def pm(engagement):
    return member(engagement, Role.PROJECT_MANAGER, email="pm@atelier.example")


@pytest.fixture
def tester(engagement):
    return member(engagement, Role.TESTER, email="qa@atelier.example")


def _refused(actor, ticket, to_status, **kwargs):
    before = (ticket.status, ticket.version)
    with pytest.raises(TransitionRefused) as error:
        services.ticket_transition(actor=actor, ticket=ticket, to_status=to_status, **kwargs)
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.status, fresh.version) == before
    assert not TicketHistory.objects.filter(ticket=ticket, field="status").exists()
    return error.value.reasons


def test_feature_without_value_nor_criteria_is_refused_ready_with_each_reason(engagement, analyst):
    ticket = TicketFactory(engagement=engagement, kind="feature", status="analysis")

    reasons = _refused(analyst, ticket, "ready")

    assert reasons == [
        "State the business value (annual revenue gain, annual cost savings or hours saved "
        "per month) before the ticket is ready.",
        "Estimate the effort in person-days before the ticket is ready.",
        "Write at least one acceptance criterion before the ticket is ready.",
    ]


def test_feature_with_value_and_a_criterion_becomes_ready(engagement, analyst):
    ticket = TicketFactory(
        engagement=engagement,
        kind="improvement",
        status="analysis",
        hours_saved_per_month=D("4"),
        effort_days=D("5"),
    )
    CriterionFactory(ticket=ticket, engagement=engagement, author=analyst)

    services.ticket_transition(actor=analyst, ticket=ticket, to_status="ready", expected_version=1)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.version) == ("ready", 2)
    entry = TicketHistory.objects.get(ticket=ticket, field="status")
    assert (entry.actor, entry.before, entry.after) == (analyst, "analysis", "ready")


def test_large_feature_needs_an_impact_analysis(engagement, analyst):
    ScoringSettings.objects.create(engagement=engagement, impact_analysis_threshold_days=D("5"))
    ticket = TicketFactory(
        engagement=engagement,
        status="analysis",
        annual_revenue_gain=D("1000"),
        effort_days=D("5.5"),
    )
    CriterionFactory(ticket=ticket, engagement=engagement, author=analyst)

    assert _refused(analyst, ticket, "ready") == [
        "The effort (5.50 person-days) is above this engagement's threshold of 5.00: write an "
        "impact analysis first."
    ]

    services.impact_analysis_set(
        actor=analyst, ticket=ticket, affected_areas="Checkout, ERP export", risk_level="high"
    )
    services.ticket_transition(actor=analyst, ticket=ticket, to_status="ready")
    assert Ticket.objects.get(pk=ticket.pk).status == "ready"
    assert ImpactAnalysis.objects.get(ticket=ticket).author == analyst


def test_bug_leaves_triage_only_with_reproduction_fields(engagement, pm):
    ticket = TicketFactory(
        engagement=engagement, kind="bug", status="triage", steps_to_reproduce="1. Pay"
    )

    assert _refused(pm, ticket, "analysis") == [
        "A bug leaves triage only with its reproduction details; missing: expected behaviour, "
        "actual behaviour, environment."
    ]

    Ticket.objects.filter(pk=ticket.pk).update(
        expected_behaviour="Paid", actual_behaviour="Error 500", environment="Production"
    )
    ticket.refresh_from_db()
    services.ticket_transition(actor=pm, ticket=ticket, to_status="analysis")
    assert Ticket.objects.get(pk=ticket.pk).status == "analysis"


def test_bug_may_be_rejected_from_triage_without_reproduction_fields(engagement, pm):
    ticket = TicketFactory(engagement=engagement, kind="bug", status="triage")

    services.ticket_transition(actor=pm, ticket=ticket, to_status="rejected", reason="Duplicate")

    assert Ticket.objects.get(pk=ticket.pk).status == "rejected"
    assert TicketHistory.objects.get(ticket=ticket, field="status").note == "Duplicate"


def test_rejecting_needs_a_reason(engagement, pm):
    ticket = TicketFactory(engagement=engagement, status="new")

    assert _refused(pm, ticket, "rejected") == ["Say why: a reason is required for this step."]


def test_qa_to_done_needs_a_passing_verdict_when_the_engagement_has_a_tester(engagement, tester):
    ticket = TicketFactory(engagement=engagement, kind="security", status="qa")

    assert _refused(tester, ticket, "done") == [
        "A passing QA verdict by a tester is needed before the ticket is done."
    ]

    services.qa_verdict_record(actor=tester, ticket=ticket, passed=False, notes="Broken")
    assert _refused(tester, ticket, "done") == [
        "A passing QA verdict by a tester is needed before the ticket is done."
    ]

    services.qa_verdict_record(actor=tester, ticket=ticket, passed=True)
    services.ticket_transition(actor=tester, ticket=ticket, to_status="done")
    assert Ticket.objects.get(pk=ticket.pk).status == "done"


def test_qa_to_done_without_a_tester_on_the_engagement_needs_no_verdict(engagement, pm):
    ticket = TicketFactory(engagement=engagement, kind="question", status="qa")

    services.ticket_transition(actor=pm, ticket=ticket, to_status="done")

    assert Ticket.objects.get(pk=ticket.pk).status == "done"


def test_client_acceptance_is_needed_before_done_when_the_engagement_asks_for_it(
    engagement, pm, director
):
    ticket = TicketFactory(
        engagement=engagement,
        status="qa",
        annual_revenue_gain=D("1000"),
        effort_days=D("2"),
    )
    CriterionFactory(ticket=ticket, engagement=engagement, author=pm)

    # On by default for features and improvements.
    assert _refused(pm, ticket, "done") == ["The client has not accepted this ticket yet."]

    services.ticket_accept(actor=director, ticket=ticket)
    services.ticket_transition(actor=pm, ticket=ticket, to_status="done")
    assert Ticket.objects.get(pk=ticket.pk).status == "done"


def test_client_rejection_sends_the_ticket_back_to_in_progress_with_its_reason(
    engagement, director
):
    ScoringSettings.objects.create(engagement=engagement, requires_client_acceptance=True)
    ticket = TicketFactory(engagement=engagement, status="qa")

    services.ticket_reject_acceptance(actor=director, ticket=ticket, reason="Wrong colour")

    ticket.refresh_from_db()
    assert (ticket.status, ticket.version) == ("in_progress", 2)
    entry = TicketHistory.objects.get(ticket=ticket, field="status")
    assert (entry.before, entry.after, entry.note, entry.actor) == (
        "qa",
        "in_progress",
        "Wrong colour",
        director,
    )


def test_only_client_people_accept(engagement, pm):
    from django.core.exceptions import PermissionDenied

    ticket = TicketFactory(engagement=engagement, status="qa")

    with pytest.raises(PermissionDenied):
        services.ticket_accept(actor=pm, ticket=ticket)
    assert not ticket.acceptances.exists()


def test_a_role_may_take_only_its_steps(engagement):
    developer = member(engagement, Role.DEVELOPER)
    ticket = TicketFactory(engagement=engagement, status="new")

    assert _refused(developer, ticket, "triage") == [
        "Your role does not allow moving a ticket from New to Triage."
    ]


def test_a_step_outside_the_workflow_is_refused(engagement, pm):
    ticket = TicketFactory(engagement=engagement, status="new")

    assert _refused(pm, ticket, "done") == ["A ticket cannot go from New to Done."]


def test_reopening_a_done_ticket_needs_a_reason_and_is_recorded(engagement, pm):
    ticket = TicketFactory(engagement=engagement, kind="question", status="done")

    assert _refused(pm, ticket, "in_progress") == ["Say why: a reason is required for this step."]

    services.ticket_transition(
        actor=pm, ticket=ticket, to_status="in_progress", reason="Regression in Safari"
    )
    entry = TicketHistory.objects.get(ticket=ticket, field="status")
    assert (entry.before, entry.after, entry.note) == (
        "done",
        "in_progress",
        "Regression in Safari",
    )


def test_a_step_from_a_stale_version_is_refused(engagement, pm):
    ticket = TicketFactory(engagement=engagement, status="new")

    with pytest.raises(StaleVersion):
        services.ticket_transition(actor=pm, ticket=ticket, to_status="triage", expected_version=7)
    assert Ticket.objects.get(pk=ticket.pk).status == "new"
