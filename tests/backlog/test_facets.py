"""The backlog facet counts the database keeps (``BacklogFacet``, triggers on the ticket table):
whatever writes the tickets (a service, a set-based update, a bulk insert, a deletion cascading
from a sprint, a person or an engagement), the counts the backlog page reads equal a fresh
count, and ``ranking_verify`` finds and repairs counts written wrong."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from backlog import services
from backlog.models import BacklogFacet, Status, Ticket
from backlog.selectors import ticket_facet_rows, ticket_facet_rows_counted
from backlog.services.ranking import ranking_drift
from roles.models import Role
from tests.backlog.factories import SprintFactory, TicketFactory
from tests.factories import member

D = Decimal


def _by_combination(rows):
    return sorted((tuple(sorted(row.items())) for row in rows), key=repr)


def _kept_equals_counted(engagement) -> None:
    kept = ticket_facet_rows(engagement=engagement, filters=None)
    counted = ticket_facet_rows_counted(engagement=engagement, filters=None)
    assert _by_combination(kept) == _by_combination(counted)
    # (Deleting a ticket outside the services leaves its medians stale: only facets here.)
    assert "facets" not in [d.key for d in ranking_drift(engagement=engagement)]


@pytest.fixture
def pm(engagement):
    return member(engagement, Role.PROJECT_MANAGER, email="pm@atelier.example")


def test_every_kind_of_write_keeps_the_counts_true(engagement, other_engagement, pm):
    sprint = SprintFactory(engagement=engagement, name="Sprint 1")
    tickets = [
        TicketFactory(engagement=engagement, effort_days=D(n + 1), annual_revenue_gain=D(900 * n))
        for n in range(6)
    ]
    TicketFactory(engagement=other_engagement)
    _kept_equals_counted(engagement)
    assert BacklogFacet.objects.filter(engagement=engagement).count() > 0

    # A service: filing, an edit of the assignee and sprint, a move through the workflow.
    filed = services.ticket_create(actor=pm, engagement=engagement, title="Gift wrap", kind="bug")
    developer = member(engagement, Role.DEVELOPER, email="dev@atelier.example")
    services.ticket_update(
        actor=pm, ticket=tickets[0], data={"assignee": developer, "sprint": sprint}
    )
    services.ticket_transition(actor=pm, ticket=filed, to_status=Status.TRIAGE)
    _kept_equals_counted(engagement)

    # A set-based update of many rows, and one that changes no counted column.
    Ticket.objects.filter(engagement=engagement, pk__in=[t.pk for t in tickets[:3]]).update(
        kind="improvement", needs_alignment=True
    )
    Ticket.objects.filter(engagement=engagement).update(title="Renamed")
    _kept_equals_counted(engagement)

    # A rescoring that moves quadrants (the medians move with a new big ticket).
    TicketFactory(engagement=engagement, effort_days=D("0.5"), annual_revenue_gain=D(10**6))
    services.engagement_rescore(engagement=engagement)
    _kept_equals_counted(engagement)

    # Deletions: a ticket, a sprint (its tickets' sprint set to null), the assignee.
    tickets[5].delete()
    sprint.delete()
    _kept_equals_counted(engagement)
    developer.delete()
    _kept_equals_counted(engagement)
    assert Ticket.objects.filter(engagement=engagement).count() == sum(
        BacklogFacet.objects.filter(engagement=engagement).values_list("tickets", flat=True)
    )


def test_no_combination_is_kept_at_zero_and_a_deleted_engagement_leaves_none(
    engagement, other_engagement
):
    only = TicketFactory(engagement=engagement, kind="bug")
    TicketFactory(engagement=other_engagement)
    Ticket.objects.filter(pk=only.pk).update(kind="feature")

    assert list(
        BacklogFacet.objects.filter(engagement=engagement).values_list("kind", "tickets")
    ) == [("feature", 1)]

    engagement.delete()

    assert not BacklogFacet.objects.filter(engagement_id=engagement.pk).exists()
    assert BacklogFacet.objects.filter(engagement=other_engagement).exists()


def test_the_backlog_page_counts_from_the_kept_rows(engagement, pm):
    for kind in ("bug", "bug", "feature"):
        TicketFactory(engagement=engagement, kind=kind)
    # Counts written wrong on purpose: the page shows what the kept rows say, so it read them.
    BacklogFacet.objects.filter(engagement=engagement, kind="feature").update(tickets=40)
    client = Client()
    client.force_login(pm)

    page = client.get(f"/engagements/{engagement.slug}/backlog/", secure=True)

    assert page.status_code == 200
    assert "42 tickets" in page.content.decode()


def test_the_command_finds_and_repairs_counts_written_wrong(engagement):
    TicketFactory(engagement=engagement, kind="bug")
    TicketFactory(engagement=engagement, kind="feature")
    call_command("ranking_verify")

    BacklogFacet.objects.filter(engagement=engagement, kind="bug").update(tickets=7)

    with pytest.raises(CommandError, match="1 engagement"):
        call_command("ranking_verify")

    call_command("ranking_verify", "--fix")

    _kept_equals_counted(engagement)
    call_command("ranking_verify")
