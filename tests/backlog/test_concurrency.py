"""Writes that race: pins at the same time (on PostgreSQL, real threads and connections) and a
workflow move retried with its Idempotency-Key after its answer was lost."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache
from django.db import connection

from backlog import services
from backlog.models import Status, Ticket, TicketHistory
from collab.models import IdempotencyRecord
from roles.models import Role
from tests.backlog.factories import TicketFactory
from tests.factories import EngagementFactory, member


def _race(calls) -> list[BaseException]:
    """Run each call in its own thread and database connection, released together."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call):
        try:
            barrier.wait()
            call()
        except BaseException as error:  # reported by the caller
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _ranks(engagement) -> list[int]:
    return sorted(
        Ticket.objects.filter(engagement=engagement, manual_rank__isnull=False).values_list(
            "manual_rank", flat=True
        )
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("at_once", [2, 3, 4])
def test_pins_at_the_same_time_give_distinct_ranks(at_once):
    engagement = EngagementFactory(slug="pins", key_prefix="PIN")
    director = member(engagement, Role.DIRECTOR)
    for n in range(at_once):
        TicketFactory(engagement=engagement, title=f"T{n}")

    for _round in range(5):
        tickets = list(Ticket.objects.filter(engagement=engagement))
        errors = _race(
            [
                lambda ticket=ticket: services.ticket_pin_rank(
                    actor=director, ticket=ticket, rank=1
                )
                for ticket in tickets
            ]
        )
        assert errors == []
        assert _ranks(engagement) == list(range(1, at_once + 1))
        Ticket.objects.filter(engagement=engagement).update(manual_rank=None)


@pytest.mark.django_db(transaction=True)
def test_a_pin_racing_a_closing_move_leaves_ranks_without_ties_or_gaps():
    engagement = EngagementFactory(slug="pins", key_prefix="PIN")
    director = member(engagement, Role.DIRECTOR)
    top = TicketFactory(engagement=engagement, title="Top", manual_rank=1)
    second = TicketFactory(engagement=engagement, title="Second", manual_rank=2)
    newcomer = TicketFactory(engagement=engagement, title="Newcomer")

    errors = _race(
        [
            lambda: services.ticket_transition(
                actor=director, ticket=top, to_status=Status.REJECTED, reason="Out of scope"
            ),
            lambda: services.ticket_pin_rank(actor=director, ticket=newcomer, rank=2),
        ]
    )

    assert errors == []
    assert _ranks(engagement) == [1, 2]
    assert Ticket.objects.get(pk=top.pk).manual_rank is None
    pinned = Ticket.objects.filter(pk__in=[second.pk, newcomer.pk])
    assert set(pinned.values_list("manual_rank", flat=True)) == {1, 2}


# --- Idempotency-Key on workflow moves ---------------------------------------------------------


@pytest.fixture
def _private_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tests-backlog-concurrency",
        }
    }
    cache.clear()


@pytest.fixture
def as_pm(api_client, engagement, _private_cache):
    api_client.force_login(member(engagement, Role.PROJECT_MANAGER))
    return api_client


def _move_url(ticket: Ticket) -> str:
    return f"/api/v1/engagements/{ticket.engagement.slug}/tickets/{ticket.key}/transition/"


def test_a_move_retried_with_its_key_replays_the_first_answer(as_pm, engagement):
    ticket = TicketFactory(engagement=engagement)

    first = as_pm.post(_move_url(ticket), {"to": "triage"}, HTTP_IDEMPOTENCY_KEY="move-1")
    again = as_pm.post(_move_url(ticket), {"to": "triage"}, HTTP_IDEMPOTENCY_KEY="move-1")

    assert (first.status_code, again.status_code) == (200, 200)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"]
    assert first.json()["status"] == "triage"
    moved = Ticket.objects.get(pk=ticket.pk)
    assert (moved.status, moved.version) == ("triage", ticket.version + 1)
    assert TicketHistory.objects.filter(ticket=ticket, field="status").count() == 1
    # Without the key, the same retry meets the move already made.
    refused = as_pm.post(_move_url(ticket), {"to": "triage"})
    assert refused.status_code == 409


def test_a_key_reused_for_another_move_is_refused_and_nothing_moves(as_pm, engagement):
    ticket = TicketFactory(engagement=engagement)
    as_pm.post(_move_url(ticket), {"to": "triage"}, HTTP_IDEMPOTENCY_KEY="move-1")

    response = as_pm.post(_move_url(ticket), {"to": "analysis"}, HTTP_IDEMPOTENCY_KEY="move-1")

    assert response.status_code == 422
    assert response.json()["type"].endswith("idempotency-key-reused")
    assert Ticket.objects.get(pk=ticket.pk).status == "triage"


def test_a_refused_move_keeps_its_key_free(as_pm, engagement):
    ticket = TicketFactory(engagement=engagement)

    refused = as_pm.post(_move_url(ticket), {"to": "done"}, HTTP_IDEMPOTENCY_KEY="move-1")

    assert refused.status_code in (403, 409)
    assert Ticket.objects.get(pk=ticket.pk).status == "new"
    assert not IdempotencyRecord.objects.exists()
    accepted = as_pm.post(_move_url(ticket), {"to": "triage"}, HTTP_IDEMPOTENCY_KEY="move-1")
    assert (accepted.status_code, accepted.json()["status"]) == (200, "triage")


def test_a_move_of_a_foreign_engagement_with_a_key_is_not_found(as_pm, other_engagement):
    foreign = TicketFactory(engagement=other_engagement)

    response = as_pm.post(_move_url(foreign), {"to": "triage"}, HTTP_IDEMPOTENCY_KEY="move-1")

    assert response.status_code == 404
    assert Ticket.objects.get(pk=foreign.pk).status == "new"
    assert not IdempotencyRecord.objects.exists()
