"""The stored ranking (annual value, score, quadrant, medians) stays equal to a fresh
computation after every kind of change, in a number of queries that does not grow with the
backlog; the check and the command that verify it; the index that serves the ranked order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.admin import site
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backlog import services
from backlog.admin.config import ScoringSettingsAdmin
from backlog.checks import stored_ranking_check
from backlog.models import BacklogMedians, ScoringSettings, Status, Ticket, TicketHistory
from backlog.scoring import score_breakdown
from backlog.selectors import backlog_medians, scoring_settings_get, ticket_list
from collab.services import engagement_update
from roadmap import services as roadmap_services
from roles.models import Role
from tests.backlog.factories import TicketFactory
from tests.factories import member

D = Decimal


def _true(engagement) -> None:
    """Stored ranking = fresh computation, and every score = the Python breakdown's."""
    assert services.ranking_drift(engagement=engagement) == []
    settings_ = scoring_settings_get(engagement=engagement)
    medians = backlog_medians(engagement=engagement)
    for ticket in Ticket.objects.filter(engagement=engagement).select_related("engagement"):
        breakdown = score_breakdown(ticket, ticket.engagement, settings_, medians)
        assert (ticket.score, ticket.quadrant) == (breakdown.score, breakdown.quadrant)
        assert ticket.annual_value == breakdown.annual_value


def _stored(ticket: Ticket) -> tuple:
    return Ticket.objects.values_list("annual_value", "score", "quadrant").get(pk=ticket.pk)


@pytest.fixture
def pm(engagement):
    return member(engagement, Role.PROJECT_MANAGER, email="pm@atelier.example")


def _backlog(engagement, size: int) -> list[Ticket]:
    """``size`` valued tickets: revenue 1,000 x n, effort n % 5 + 1 days."""
    return [
        TicketFactory(
            engagement=engagement,
            annual_revenue_gain=D(1000 * n),
            hours_saved_per_month=D("2"),
            effort_days=D(n % 5 + 1),
            time_criticality=n % 10 + 1,
            reach=100 * n,
        )
        for n in range(1, size + 1)
    ]


def test_a_filed_ticket_stores_its_ranking_and_the_backlog_medians(engagement, pm):
    # Hourly cost 60: annual value = 12,000 + 12 x 5 h x 60 = 15,600; / 4 days x 0.8 = 3,120.
    ticket = services.ticket_create(
        actor=pm,
        engagement=engagement,
        title="Express checkout",
        kind="feature",
        annual_revenue_gain=D("12000"),
        hours_saved_per_month=D("5"),
        effort_days=D("4"),
    )

    assert _stored(ticket) == (D("15600.0000"), D("3120.000000"), "big_bet")
    assert backlog_medians(engagement=engagement).annual_value == D("15600")
    assert BacklogMedians.objects.get(engagement=engagement).effort_days == D("4")
    _true(engagement)


@pytest.mark.parametrize("model", ["value_per_effort", "wsjf", "rice"])
def test_tickets_ranked_at_filing_equal_a_fresh_computation_and_the_rows(engagement, pm, model):
    # Filing ranks the new tickets in Python before inserting them; the medians they move
    # change the quadrants of the tickets already there and of the new ones alike.
    services.scoring_settings_update(engagement=engagement, data={"model": model})
    _backlog(engagement, 4)
    rows = [
        {
            "title": f"Row {n}",
            "kind": "feature",
            "annual_revenue_gain": D(5000 * n + 7),
            "hours_saved_per_month": D("1.25"),
            "effort_days": (D(n) / 3).quantize(D("0.01")) if n % 3 else None,
            "time_criticality": n % 10 + 1,
            "risk_reduction": 3,
            "reach": 40 * n,
            "confidence": ["low", "medium", "high"][n % 3],
        }
        for n in range(1, 9)
    ]

    filed = services.ticket_create_many(actor=pm, engagement=engagement, rows=rows)
    one = services.ticket_create(
        actor=pm, engagement=engagement, title="Alone", kind="feature", effort_days=D("0.5")
    )

    _true(engagement)
    for ticket in [*filed, one]:
        # What the service answers is what the row holds.
        assert (ticket.annual_value, ticket.score, ticket.quadrant) == _stored(ticket)
    assert {ticket.quadrant for ticket in filed} > {None}


def test_a_value_edit_rescores_the_ticket_and_the_quadrants_that_the_medians_move(engagement, pm):
    low, middle, high = _backlog(engagement, 3)
    assert [_stored(t)[2] for t in (low, middle, high)] == ["fill_in", "big_bet", "big_bet"]

    services.ticket_value_update(actor=pm, ticket=low, data={"annual_revenue_gain": D("90000")})

    assert _stored(low)[:2] == (D("91440.0000"), D("36576.000000"))  # 91,440 x 0.8 / 2 days
    # The value median moves from 3,440 to 4,440 (effort median 3): the middle ticket drops.
    assert [_stored(t)[2] for t in (low, middle, high)] == ["quick_win", "money_pit", "big_bet"]
    _true(engagement)


def test_closing_a_ticket_refreshes_the_medians_and_reopening_restores_them(engagement, director):
    tickets = _backlog(engagement, 4)
    before = backlog_medians(engagement=engagement)
    quadrants = [_stored(t)[2] for t in tickets]

    services.ticket_transition(
        actor=director, ticket=tickets[0], to_status=Status.REJECTED, reason="Out of scope"
    )

    assert backlog_medians(engagement=engagement) != before
    _true(engagement)
    services.ticket_transition(actor=director, ticket=tickets[0], to_status=Status.TRIAGE)
    assert backlog_medians(engagement=engagement) == before
    assert [_stored(t)[2] for t in tickets] == quadrants
    _true(engagement)


@pytest.mark.parametrize(
    "data",
    [
        {"model": "wsjf"},
        {"model": "rice", "rice_impact_unit": D("500")},
        {"strategic_weight": D("1.5")},
        {"model": "wsjf", "wsjf_value_per_point": D("250")},
    ],
)
def test_a_change_of_scoring_settings_rescores_the_whole_backlog(engagement, data):
    tickets = _backlog(engagement, 6)
    ticket = tickets[2]
    Ticket.objects.filter(pk=ticket.pk).update(strategic_alignment=D("2"))
    services.tickets_rescore(engagement=engagement, tickets=[ticket.pk])
    before = _stored(ticket)

    services.scoring_settings_update(engagement=engagement, data=data)

    assert _stored(ticket) != before
    assert ScoringSettings.objects.get(engagement=engagement).model == data.get(
        "model", "value_per_effort"
    )
    _true(engagement)


def test_a_workflow_rule_change_writes_no_ticket(engagement):
    _backlog(engagement, 3)

    with CaptureQueriesContext(connection) as captured:
        services.scoring_settings_update(engagement=engagement, data={"qa_required": False})

    assert not [q for q in captured if q["sql"].startswith('UPDATE "backlog_ticket"')]
    _true(engagement)


@pytest.mark.parametrize("size", [5, 60])
def test_rescoring_the_engagement_costs_the_same_queries_whatever_its_size(
    engagement, django_assert_num_queries, size
):
    _backlog(engagement, size)

    # savepoint, settings before, settings to build on, their save (an UPDATE finding no row,
    # then the INSERT), the one entry of the settings history, then the rescoring: medians
    # lock, fresh medians, medians stored, one UPDATE … FROM for every ticket; release
    with django_assert_num_queries(11):
        services.scoring_settings_update(engagement=engagement, data={"model": "rice"})

    _true(engagement)


@pytest.mark.parametrize("size", [4, 40])
def test_an_objective_weight_rescores_its_tickets_in_set_based_statements(
    engagement, pm, django_assert_num_queries, size
):
    tickets = _backlog(engagement, size)
    growth = roadmap_services.objective_create(
        engagement=engagement, title="Grow B2B", weight=D("1.5")
    )
    mobile = roadmap_services.objective_create(engagement=engagement, title="Mobile first")
    for ticket in tickets:
        roadmap_services.alignment_set(actor=pm, ticket=ticket, objective=growth, level="key")
    roadmap_services.alignment_set(actor=pm, ticket=tickets[0], objective=mobile, level="supports")
    versions = dict(Ticket.objects.values_list("pk", "version"))

    # the objective's validation and save (7, with their savepoints), then in a savepoint:
    # whether any alignment changed, the history entries, the alignments (one INSERT … SELECT
    # and one UPDATE … FROM), the ranking (medians lock with the settings, UPDATE … FROM,
    # medians), release
    with django_assert_num_queries(16):
        roadmap_services.objective_update(actor=pm, objective=growth, data={"weight": D("3")})

    first = Ticket.objects.get(pk=tickets[0].pk)
    assert first.strategic_alignment == D("7.00")  # 2 x 3 + 1 x 1
    assert Ticket.objects.get(pk=tickets[1].pk).strategic_alignment == D("6.00")
    assert first.version == versions[first.pk] + 1
    entry = TicketHistory.objects.filter(ticket=first, field="strategic_alignment").latest("pk")
    assert (entry.before, entry.after, entry.actor) == ("4.00", "7.00", pm)
    assert TicketHistory.objects.filter(field="strategic_alignment", after="6.00").count() == (
        size - 1
    )
    # 1,000 + 1,440 = 2,440 x 0.8 x (1 + 0.25 x 7) / 2 days
    assert first.score == D("2684.000000")
    _true(engagement)


def test_the_hourly_cost_rescores_the_backlog(engagement):
    ticket = _backlog(engagement, 3)[0]

    engagement_update(engagement=engagement, data={"client_hourly_cost": D("100")})

    # 1,000 + 12 x 2 h x 100 = 3,400 x 0.8 / 2 days
    assert _stored(ticket)[:2] == (D("3400.0000"), D("1360.000000"))
    _true(engagement)


def test_the_day_rate_moves_no_stored_figure(engagement):
    ticket = _backlog(engagement, 2)[0]
    before = _stored(ticket)

    engagement_update(engagement=engagement, data={"agency_day_rate": D("900")})

    assert _stored(ticket) == before
    _true(engagement)


def test_the_check_and_the_command_find_a_stored_score_written_outside_the_services(
    engagement, other_engagement
):
    ticket = _backlog(engagement, 3)[1]
    _backlog(other_engagement, 2)
    assert stored_ranking_check(databases=["default"]) == []
    call_command("ranking_verify")

    Ticket.objects.filter(pk=ticket.pk).update(annual_revenue_gain=D("500000"))

    errors = stored_ranking_check(databases=["default"])
    assert [(e.id, e.msg) for e in errors] == [
        (
            "backlog.E001",
            "The stored ranking of nordfer differs from a fresh computation (first: medians).",
        )
    ]
    with pytest.raises(CommandError, match="1 engagement"):
        call_command("ranking_verify")
    assert _stored(ticket)[0] == D("3440.0000")  # nothing written without --fix

    call_command("ranking_verify", "--fix")

    assert _stored(ticket)[0] == D("501440.0000")
    assert stored_ranking_check(databases=["default"]) == []
    _true(engagement)


def test_without_a_database_the_check_reads_nothing(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert stored_ranking_check(databases=None) == []


def test_the_status_filter_reads_with_in_and_without_distinct(engagement):
    _backlog(engagement, 3)

    tickets = ticket_list(
        engagement=engagement, filters={"status": ["new", "triage"], "kind": ["feature", "bug"]}
    )

    sql = str(tickets.query)
    assert "DISTINCT" not in sql
    assert '"backlog_ticket"."status" IN (new, triage)' in sql
    assert len(tickets) == 3


@pytest.mark.usefixtures("postgresql_required")
def test_the_ranked_index_serves_the_first_and_a_deep_page(engagement):
    _backlog(engagement, 30)
    ordered = ticket_list(engagement=engagement)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    first = ordered[:10].explain()
    assert "ticket_ranked" in first
    assert "Sort" not in first


def test_deleting_the_settings_in_the_admin_ranks_by_the_defaults_again(engagement):
    ticket = _backlog(engagement, 3)[0]
    default = _stored(ticket)
    services.scoring_settings_update(engagement=engagement, data={"model": "wsjf"})
    assert _stored(ticket) != default

    ScoringSettingsAdmin(ScoringSettings, site).delete_model(
        None, ScoringSettings.objects.get(engagement=engagement)
    )

    assert _stored(ticket) == default
    _true(engagement)
