"""Changing many tickets at once (the backlog's bulk actions): each through the one-ticket
service, a status per ticket under its guards, the other changes all or nothing."""

import pytest
from django.core.exceptions import ValidationError

from backlog import services
from backlog.models import Ticket, TicketHistory
from roles.models import Role
from tests.backlog.factories import SprintFactory, TicketFactory
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db


def rows(*tickets):
    return [
        Ticket.objects.filter(pk=t.pk)
        .values_list("status", "assignee_id", "sprint_id", "version")
        .get()
        for t in tickets
    ]


def test_a_bulk_transition_moves_the_allowed_and_returns_the_refused_untouched(engagement):
    pm = member(engagement, Role.PROJECT_MANAGER)
    allowed = TicketFactory(engagement=engagement, status="new")
    refused = TicketFactory(engagement=engagement, status="done")
    already = TicketFactory(engagement=engagement, status="triage")

    result = services.tickets_bulk_transition(
        actor=pm, engagement=engagement, tickets=[allowed, refused, already], to_status="triage"
    )

    assert result.changed == [allowed.key]
    assert result.refused == {refused.key: ["A ticket cannot go from Done to Triage."]}
    assert rows(allowed, refused, already) == [
        ("triage", None, None, 2),
        ("done", None, None, 1),
        ("triage", None, None, 1),
    ]
    assert list(TicketHistory.objects.values_list("ticket_id", "field", "after")) == [
        (allowed.pk, "status", "triage")
    ]


def test_a_bulk_update_is_all_or_nothing(engagement):
    director = member(engagement, Role.DIRECTOR)
    sprint = SprintFactory(engagement=engagement)
    stranger = UserFactory()
    tickets = [TicketFactory(engagement=engagement) for _n in range(3)]

    with pytest.raises(ValidationError) as refusal:
        services.tickets_bulk_update(
            actor=director,
            engagement=engagement,
            tickets=tickets,
            assignee=stranger,
            fields=["assignee"],
        )

    assert refusal.value.messages == [
        f"{tickets[0].key}: This person holds no role on this engagement."
    ]
    assert rows(*tickets) == [("new", None, None, 1)] * 3
    assert not TicketHistory.objects.exists()

    result = services.tickets_bulk_update(
        actor=director, engagement=engagement, tickets=tickets, sprint=sprint, fields=["sprint"]
    )

    assert result.changed == [t.key for t in tickets]
    assert rows(*tickets) == [("new", None, sprint.pk, 2)] * 3
    assert TicketHistory.objects.filter(field="sprint").count() == 3


def test_a_bulk_change_refuses_another_engagements_ticket_and_writes_nothing(
    engagement, other_engagement
):
    director = member(engagement, Role.DIRECTOR)
    mine = TicketFactory(engagement=engagement)
    foreign = TicketFactory(engagement=other_engagement)

    with pytest.raises(ValidationError):
        services.tickets_bulk_transition(
            actor=director, engagement=engagement, tickets=[mine, foreign], to_status="triage"
        )
    with pytest.raises(ValidationError):
        services.tickets_bulk_update(
            actor=director,
            engagement=engagement,
            tickets=[mine, foreign],
            label="x",
            fields=["labels"],
        )

    assert rows(mine, foreign) == [("new", None, None, 1)] * 2
    assert not TicketHistory.objects.exists()
