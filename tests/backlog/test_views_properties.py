"""The ticket page's properties edited in place (htmx): shown, opened as a small form, saved
under the optimistic lock with a toast; refused with the reason and what was typed kept; the
value figures with the score and the rank they give; permissions and isolation."""

import json
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.urls import reverse

from backlog import selectors, services
from backlog.models import Ticket, TicketHistory
from roles.models import Role
from tests.backlog.factories import SprintFactory, TicketFactory
from tests.factories import member

pytestmark = pytest.mark.django_db

D = Decimal
HTMX = {"HX-Request": "true"}


def prop_url(ticket, name: str) -> str:
    return reverse("backlog:ticket-property", args=[ticket.engagement.slug, ticket.key, name])


@pytest.fixture
def pm(engagement):
    return member(engagement, Role.PROJECT_MANAGER, display_name="Paula Manager")


def test_a_property_opens_as_its_form_and_saves_in_place(client, engagement, pm):
    sprint = SprintFactory(engagement=engagement, name="Sprint 7")
    ticket = TicketFactory(engagement=engagement)
    client.force_login(pm)

    form = client.get(prop_url(ticket, "sprint"), {"edit": "1"}, headers=HTMX)
    assert form.status_code == 200
    content = form.content.decode()
    assert 'id="prop-sprint"' in content and 'name="sprint"' in content
    assert "<html" not in content

    response = client.post(
        prop_url(ticket, "sprint"), {"version": "1", "sprint": str(sprint.pk)}, headers=HTMX
    )

    assert response.status_code == 200
    shown = response.content.decode()
    assert 'id="prop-sprint" data-version="2"' in shown
    assert "Sprint 7" in shown and 'name="sprint"' not in shown
    assert json.loads(response["HX-Trigger"]) == {
        "toast": {"message": f"Sprint of {ticket.key} saved.", "tone": "success"}
    }
    ticket.refresh_from_db()
    assert (ticket.sprint, ticket.version) == (sprint, 2)
    assert list(TicketHistory.objects.values_list("field", flat=True)) == ["sprint"]


def test_labels_are_saved_from_their_own_field(client, engagement, pm):
    ticket = TicketFactory(engagement=engagement)
    client.force_login(pm)

    response = client.post(
        prop_url(ticket, "labels"), {"version": "1", "labels": "checkout, SEO"}, headers=HTMX
    )

    assert response.status_code == 200
    assert sorted(label.name for label in ticket.labels.all()) == ["SEO", "checkout"]
    assert "checkout" in response.content.decode()


def test_an_invalid_value_is_refused_with_its_error_and_the_typed_value_kept(
    client, engagement, pm
):
    ticket = TicketFactory(engagement=engagement)
    client.force_login(pm)

    response = client.post(
        prop_url(ticket, "deadline"), {"version": "1", "deadline": "next friday"}, headers=HTMX
    )

    assert response.status_code == 422
    content = response.content.decode()
    assert "Enter a valid date." in content
    assert 'value="next friday"' in content and 'aria-invalid="true"' in content
    ticket.refresh_from_db()
    assert (ticket.deadline, ticket.version) == (None, 1)


def test_a_stale_property_is_refused_and_keeps_what_was_typed(client, engagement, pm):
    ticket = TicketFactory(engagement=engagement)
    services.ticket_update(actor=pm, ticket=ticket, data={"title": "Renamed elsewhere"})
    client.force_login(pm)

    response = client.post(
        prop_url(ticket, "kind"), {"version": "1", "kind": "improvement"}, headers=HTMX
    )

    assert response.status_code == 409
    content = response.content.decode()
    assert "Someone else changed this ticket since you opened it." in content
    assert '<option value="improvement" selected>' in content
    # Saving again is a choice: the form now carries the stored version.
    assert 'name="version" value="2"' in content
    ticket.refresh_from_db()
    assert (ticket.kind, ticket.title, ticket.version) == ("feature", "Renamed elsewhere", 2)


def test_the_value_figures_save_in_place_with_the_score_and_rank(client, engagement, director):
    TicketFactory(engagement=engagement, annual_revenue_gain=D("90000"), effort_days=D("1"))
    ticket = TicketFactory(engagement=engagement)
    client.force_login(director)

    response = client.post(
        prop_url(ticket, "value"),
        {"version": "1", "annual_revenue_gain": "120000", "effort_days": "1", "confidence": "high"},
        headers=HTMX,
    )

    assert response.status_code == 200
    content = response.content.decode()
    # 120000 x 1.0 x 1 / 1: above the other ticket's 90000 x 0.8.
    assert 'data-score="120000.000000"' in content
    assert 'data-rank="1">#1</div>' in content
    ticket.refresh_from_db()
    assert (ticket.annual_revenue_gain, ticket.version) == (D("120000"), 2)


def test_the_score_preview_gives_the_rank_the_figures_would_take(client, engagement, director):
    TicketFactory(engagement=engagement, annual_revenue_gain=D("90000"), effort_days=D("1"))
    ticket = TicketFactory(engagement=engagement)
    client.force_login(director)
    url = reverse("backlog:ticket-score-preview", args=[engagement.slug, ticket.key])

    figures = {"effort_days": "1", "confidence": "medium"}
    low = client.post(url, {**figures, "annual_revenue_gain": "100"}, headers=HTMX)
    high = client.post(url, {**figures, "annual_revenue_gain": "900000"}, headers=HTMX)

    assert (low.context["rank"], high.context["rank"]) == (2, 1)
    assert 'data-rank="2">#2</div>' in low.content.decode()
    ticket.refresh_from_db()
    assert (ticket.annual_revenue_gain, ticket.version) == (None, 1)


def test_the_rank_keeps_pins_first_and_unscored_last(engagement, director):
    pinned = TicketFactory(engagement=engagement)
    services.ticket_pin_rank(actor=director, ticket=pinned, rank=1)
    scored = TicketFactory(engagement=engagement, annual_revenue_gain=D("100"), effort_days=D("1"))
    unscored = TicketFactory(engagement=engagement)
    TicketFactory(engagement=engagement, status="done", annual_revenue_gain=D("9"), effort_days=1)
    pinned.refresh_from_db()

    assert selectors.ticket_rank(ticket=pinned, score=None) == 1
    assert selectors.ticket_rank(ticket=scored, score=D("80")) == 2
    assert selectors.ticket_rank(ticket=unscored, score=None) == 3
    # With a score it would pass the scored ticket, never the pin.
    assert selectors.ticket_rank(ticket=unscored, score=D("1000")) == 2
    done = Ticket.objects.get(status="done")
    assert selectors.ticket_rank(ticket=done, score=D("1")) is None


def test_a_developer_reads_the_value_but_cannot_open_or_save_it(client, engagement):
    ticket = TicketFactory(engagement=engagement)
    client.force_login(member(engagement, Role.DEVELOPER))

    shown = client.get(prop_url(ticket, "value"), headers=HTMX)
    assert shown.status_code == 200
    assert "Edit the figures" not in shown.content.decode()
    assert client.get(prop_url(ticket, "value"), {"edit": "1"}, headers=HTMX).status_code == 403
    refused = client.post(
        prop_url(ticket, "value"),
        {"version": "1", "annual_revenue_gain": "5", "confidence": "low"},
        headers=HTMX,
    )
    assert refused.status_code == 403
    ticket.refresh_from_db()
    assert (ticket.annual_revenue_gain, ticket.version) == (None, 1)


def test_an_unknown_property_is_not_found(client, engagement, pm):
    ticket = TicketFactory(engagement=engagement)
    client.force_login(pm)

    assert client.get(prop_url(ticket, "title")).status_code == 404
    assert client.post(prop_url(ticket, "status"), {"status": "done"}).status_code == 404
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version) == ("new", 1)


def test_another_engagements_member_gets_404_on_a_property(client, engagement, other_engagement):
    ticket = TicketFactory(engagement=engagement, title="Secret QX7")
    stranger = member(other_engagement, Role.DIRECTOR)
    client.force_login(stranger)

    for name in ("assignee", "value"):
        assert client.get(prop_url(ticket, name), {"edit": "1"}).status_code == 404
        response = client.post(prop_url(ticket, name), {"version": "1", "labels": "x"})
        assert response.status_code == 404
        assert "Secret QX7" not in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.version == 1


def test_a_refused_board_move_gives_its_reason_for_the_toast(client, engagement):
    analyst = member(engagement, Role.BUSINESS_ANALYST)
    sprint = SprintFactory(engagement=engagement)
    ticket = TicketFactory(
        engagement=engagement,
        sprint=sprint,
        status="analysis",
        annual_revenue_gain=D("10"),
        effort_days=D("1"),
    )
    client.force_login(analyst)

    response = client.post(
        reverse("backlog:ticket-transition", args=[engagement.slug, ticket.key]),
        {"to_status": "ready", "version": "1"},
        headers=HTMX,
    )

    assert response.status_code == 409
    assert unquote(response["X-Tandem-Message"]) == (
        "Write at least one acceptance criterion before the ticket is ready."
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version) == ("analysis", 1)


@pytest.mark.parametrize("size", [2, 20])
def test_the_sprint_board_and_list_cost_the_same_queries_for_2_and_20_cards(
    client, engagement, pm, django_assert_num_queries, size
):
    sprint = SprintFactory(engagement=engagement)
    dev = member(engagement, Role.DEVELOPER)
    statuses = ["new", "triage", "ready", "in_progress", "qa"]
    for index in range(size):
        TicketFactory(
            engagement=engagement, sprint=sprint, assignee=dev, status=statuses[index % 5]
        )
    client.force_login(pm)

    with django_assert_num_queries(SPRINT_BOARD_QUERIES):
        board = client.get(reverse("backlog:sprint-board", args=[engagement.slug, sprint.pk]))
    with django_assert_num_queries(SPRINT_LIST_QUERIES):
        listing = client.get(reverse("backlog:sprint-list", args=[engagement.slug]))

    assert sum(len(column.cards) for column in board.context["columns"]) == size
    assert len(listing.context["rows"]) == 1


# The scores are stored: the ticket lists read no scoring settings nor medians.
SPRINT_BOARD_QUERIES = 8
SPRINT_LIST_QUERIES = 6
