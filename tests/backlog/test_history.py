"""A full history: every field before → after (a diff for long texts), labels, deadline, and
acceptance criteria added, edited, reordered and removed."""

import datetime

import pytest
from django.urls import reverse

from backlog import services
from backlog.models import SettingsChange, TicketHistory
from roles.models import Role
from tests.backlog.factories import SprintFactory, TicketFactory
from tests.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def pm(engagement):
    return member(engagement, Role.PROJECT_MANAGER, display_name="Paul Manager")


def _entries(ticket):
    return list(
        TicketHistory.objects.filter(ticket=ticket)
        .order_by("pk")
        .values_list("field", "before", "after", "note")
    )


@pytest.mark.parametrize(
    ("field", "before", "after", "before_text", "after_text"),
    [
        ("title", "Old title", "New title", "Old title", "New title"),
        ("kind", "feature", "improvement", "feature", "improvement"),
        ("origin", "client_request", "agency_initiative", "client_request", "agency_initiative"),
        (
            "deadline",
            None,
            datetime.date(2026, 11, 27),
            "",
            "2026-11-27",
        ),
        ("external_ref", "", "JIRA-9", "", "JIRA-9"),
        ("environment", "", "Staging", "", "Staging"),
        ("severity", "", "high", "", "high"),
        ("found_by", "", "client", "", "client"),
    ],
)
def test_each_field_change_is_one_entry_before_after(
    engagement, pm, field, before, after, before_text, after_text
):
    ticket = TicketFactory(engagement=engagement, **{field: before} if before is not None else {})

    services.ticket_update(actor=pm, ticket=ticket, data={field: after})

    assert _entries(ticket) == [(field, before_text, after_text, "")]
    assert TicketHistory.objects.get(ticket=ticket).actor == pm


def test_assignee_and_sprint_are_named(engagement, pm):
    developer = member(engagement, Role.DEVELOPER, display_name="Dev Eloper")
    sprint = SprintFactory(engagement=engagement, name="Sprint 9")
    ticket = TicketFactory(engagement=engagement)

    services.ticket_update(actor=pm, ticket=ticket, data={"assignee": developer, "sprint": sprint})

    assert _entries(ticket) == [
        ("assignee", "", "Dev Eloper", ""),
        ("sprint", "", "Sprint 9", ""),
    ]


def test_a_long_text_keeps_both_versions_and_the_lines_changed(engagement, pm):
    ticket = TicketFactory(engagement=engagement, description="Line one\nLine two\nLine three")

    services.ticket_update(
        actor=pm, ticket=ticket, data={"description": "Line one\nLine 2\nLine three"}
    )

    assert _entries(ticket) == [
        (
            "description",
            "Line one\nLine two\nLine three",
            "Line one\nLine 2\nLine three",
            "- Line two\n+ Line 2",
        )
    ]


def test_labels_are_one_entry_with_the_names_before_and_after(engagement, pm):
    ticket = TicketFactory(engagement=engagement)
    services.ticket_update(actor=pm, ticket=ticket, data={"labels": ["seo", "checkout"]})

    services.ticket_update(actor=pm, ticket=ticket, data={"labels": ["checkout", "b2b"]})
    services.ticket_update(actor=pm, ticket=ticket, data={"labels": ["b2b", "checkout"]})

    assert _entries(ticket) == [
        ("labels", "", "checkout, seo", ""),
        ("labels", "checkout, seo", "b2b, checkout", ""),
    ]


def test_criteria_added_edited_reordered_and_removed(engagement, pm):
    ticket = TicketFactory(engagement=engagement, status="analysis")

    first = services.criterion_add(actor=pm, ticket=ticket, text="Shows the date")
    second = services.criterion_add(actor=pm, ticket=ticket, text="Sends an e-mail")
    services.criterion_update(actor=pm, criterion=first, data={"text": "Shows the delivery date"})
    services.criterion_update(actor=pm, criterion=second, data={"order": 1})
    services.criterion_update(actor=pm, criterion=second, data={"then": "the buyer is told"})
    services.criterion_delete(actor=pm, criterion=first)

    assert _entries(ticket) == [
        ("criterion", "", "Shows the date", ""),
        ("criterion", "", "Sends an e-mail", ""),
        ("criterion", "Shows the date", "Shows the delivery date", ""),
        ("criterion_order", "2", "1", "Sends an e-mail"),
        ("criterion", "Sends an e-mail", "Sends an e-mail\nThen the buyer is told", ""),
        ("criterion", "Shows the delivery date", "", ""),
    ]


def test_the_ticket_page_shows_the_history_in_words(client, engagement, pm):
    ticket = TicketFactory(engagement=engagement, description="First line")
    services.ticket_update(actor=pm, ticket=ticket, data={"description": "Second line"})
    services.criterion_add(actor=pm, ticket=ticket, text="Shows the date")
    services.ticket_update(actor=pm, ticket=ticket, data={"labels": ["seo"]})
    client.force_login(pm)

    content = client.get(
        reverse("backlog:ticket-detail", args=[engagement.slug, ticket.key])
    ).content.decode()

    history = content.split('id="history"')[1]
    assert "Description: " in history
    assert "- First line\n+ Second line" in history
    assert "Acceptance criterion: " in history
    assert "Labels: " in history


def test_a_settings_change_that_moves_every_score_is_one_engagement_entry(
    engagement, django_assert_max_num_queries
):
    director = member(engagement, Role.DIRECTOR)
    for n in range(30):
        TicketFactory(engagement=engagement, annual_revenue_gain=n + 1, effort_days=1)

    # The same number of queries whatever the number of tickets: no ticket history is written,
    # the stored scores follow in one set-based UPDATE (medians lock, medians, their store).
    with django_assert_max_num_queries(11):
        services.scoring_settings_update(
            engagement=engagement,
            data={"model": "wsjf", "strategic_weight": "0.25"},
            actor=director,
        )

    change = SettingsChange.objects.get(engagement=engagement)
    assert (change.actor, change.changes) == (director, [["model", "value_per_effort", "wsjf"]])
    assert not TicketHistory.objects.exists()
