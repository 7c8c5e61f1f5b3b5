"""The backlog pages: the ranked list, pinning, the matrix, the sprint board, isolation."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backlog import services
from backlog.models import Label, Ticket, TicketHistory
from roles.models import Role
from tests.backlog.factories import SprintFactory, TicketFactory
from tests.factories import member

pytestmark = pytest.mark.django_db

D = Decimal
XSS_TITLE = "<script>alert(1)</script>"
XSS_MARKDOWN = "[click me](javascript:alert(1)) and <img src=x onerror=alert(2)>"


def list_url(engagement) -> str:
    return reverse("backlog:ticket-list", args=[engagement.slug])


def valued(engagement, revenue, effort, **fields) -> Ticket:
    return TicketFactory(
        engagement=engagement,
        annual_revenue_gain=D(revenue),
        effort_days=D(effort),
        **fields,
    )


def test_the_director_sees_the_ranked_backlog_with_pinned_tickets_first(
    client, engagement, director
):
    high = valued(engagement, 100000, 10, title="Express checkout")
    low = valued(engagement, 10000, 10, title="Gift wrapping")
    pinned = valued(engagement, 1000, 10, title="Legal notice", manual_rank=1)
    unscored = TicketFactory(engagement=engagement, title="Question about VAT", kind="question")
    client.force_login(director)

    response = client.get(list_url(engagement))

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row.ticket.key for row in rows] == [pinned.key, high.key, low.key, unscored.key]
    assert [row.ticket.score for row in rows] == [D("80"), D("8000"), D("800"), None]
    content = response.content.decode()
    # The pin and the computed score side by side; money in the engagement's currency.
    assert '<td class="bl-rank"><span class="bl-pin">Pinned rank</span> 1</td>' in content
    assert '<td class="num bl-score">8,000</td>' in content
    assert '<td class="num" data-label="Value">€100,000.00</td>' in content
    assert '<td class="num" data-label="Effort">10 d</td>' in content
    assert content.index("Legal notice") < content.index("Express checkout")
    assert content.index("Express checkout") < content.index("Gift wrapping")
    # The director re-ranks by dragging a row's handle (its pin endpoint is the row's link).
    assert f'aria-label="Move {high.key}"' in content


def test_the_list_is_filtered_and_answers_htmx_with_the_results_only(client, engagement, director):
    bug = TicketFactory(engagement=engagement, title="Broken cart", kind="bug")
    TicketFactory(engagement=engagement, title="New banner", kind="feature")
    client.force_login(director)

    response = client.get(list_url(engagement), {"kind": "bug"}, headers={"HX-Request": "true"})

    content = response.content.decode()
    assert [row.ticket.key for row in response.context["rows"]] == [bug.key]
    assert "<html" not in content
    assert 'id="backlog"' in content
    assert "New banner" not in content


def test_the_alignment_filter_reads_yes_no_any_and_flags_the_title(client, engagement, director):
    disputed = TicketFactory(
        engagement=engagement, title="Loyalty points", needs_alignment=True, origin="client_request"
    )
    TicketFactory(engagement=engagement, title="Size guide", origin="agency_initiative")
    client.force_login(director)

    everything = client.get(list_url(engagement))
    filtered = client.get(list_url(engagement), {"needs_alignment": "true"})

    page = everything.content.decode()
    # The alignment menu offers Yes and No with their counts; nothing reads "Unknown".
    menu = next(m for m in everything.context["menus"] if m.name == "needs_alignment")
    assert [(o.label, o.count, o.selected) for o in menu.options] == [
        ("Yes", 1, False),
        ("No", 1, False),
    ]
    assert "Unknown" not in page
    assert "---------" not in page
    # Kind and origin are icons with their names; the flag sits beside the title.
    assert '<span class="visually-hidden">Feature, Agency initiative</span>' in page
    assert '<th scope="col">Needs alignment</th>' not in page
    assert '<span class="pill tone-yellow">Needs alignment</span>' in page
    assert [row.ticket.key for row in filtered.context["rows"]] == [disputed.key]
    chosen = next(m for m in filtered.context["menus"] if m.name == "needs_alignment")
    assert [(o.label, o.selected) for o in chosen.options] == [("Yes", True), ("No", False)]
    assert "Needs alignment: Yes" in filtered.content.decode()


def test_an_invalid_filter_shows_its_error_and_no_ticket(client, engagement, director):
    TicketFactory(engagement=engagement, title="Anything")
    client.force_login(director)

    response = client.get(list_url(engagement), {"status": "nonsense"})

    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "Some filters are not valid" in response.content.decode()


def test_the_list_sorts_by_the_chosen_order(client, engagement, director):
    first = valued(engagement, 1000, 10)
    second = valued(engagement, 90000, 10)
    client.force_login(director)

    response = client.get(list_url(engagement), {"ordering": "-score"})

    assert [row.ticket.key for row in response.context["rows"]] == [first.key, second.key]


def test_the_director_pins_a_rank(client, engagement, director):
    valued(engagement, 5000, 10, manual_rank=1)
    ticket = valued(engagement, 1000, 10)
    client.force_login(director)

    response = client.post(
        reverse("backlog:ticket-pin", args=[engagement.slug, ticket.key]),
        {"rank": "2", "version": str(ticket.version), "next": list_url(engagement) + "?kind=bug"},
    )

    assert response.status_code == 302
    assert response["Location"] == list_url(engagement) + "?kind=bug"
    ticket.refresh_from_db()
    assert ticket.manual_rank == 2
    entry = TicketHistory.objects.get(ticket=ticket)
    assert (entry.field, entry.before, entry.after, entry.actor) == (
        "manual_rank",
        "",
        "2",
        director,
    )


def test_a_rank_past_the_last_pin_says_the_rank_the_ticket_took(client, engagement, director):
    valued(engagement, 5000, 10, manual_rank=1)
    ticket = valued(engagement, 1000, 10)
    client.force_login(director)

    response = client.post(
        reverse("backlog:ticket-pin", args=[engagement.slug, ticket.key]),
        {"rank": "9", "version": str(ticket.version)},
        follow=True,
    )

    assert f"{ticket.key} pinned at rank 2." in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).manual_rank == 2


@pytest.mark.parametrize("role", [Role.PROJECT_MANAGER, Role.STAKEHOLDER, Role.AGENCY_ADMIN])
def test_pinning_by_anyone_but_the_director_is_forbidden_and_changes_nothing(
    client, engagement, role
):
    ticket = valued(engagement, 1000, 10)
    client.force_login(member(engagement, role))

    response = client.post(
        reverse("backlog:ticket-pin", args=[engagement.slug, ticket.key]),
        {"rank": "1", "version": str(ticket.version)},
    )

    assert response.status_code == 403
    ticket.refresh_from_db()
    assert (ticket.manual_rank, ticket.version) == (None, 1)
    assert not TicketHistory.objects.exists()


def test_the_pin_control_is_shown_only_to_who_approves_priorities(client, engagement):
    ticket = valued(engagement, 1000, 10)
    client.force_login(member(engagement, Role.PROJECT_MANAGER))

    content = client.get(list_url(engagement)).content.decode()

    assert ticket.key in content
    assert 'class="drag-handle"' not in content
    assert f'aria-label="Move {ticket.key}"' not in content


def _count_list_queries(client, engagement) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(list_url(engagement))
    assert response.status_code == 200
    return len(queries), len(response.context["rows"])


def test_the_backlog_page_costs_the_same_queries_for_10_and_60_tickets_at_most_10(
    client, engagement, director
):
    sprint = SprintFactory(engagement=engagement)
    assignee = member(engagement, Role.DEVELOPER)
    label = Label.objects.create(engagement=engagement, name="checkout")

    def add(count):
        for n in range(count):
            ticket = valued(
                engagement,
                1000 + n,
                1 + n % 7,
                assignee=assignee,
                sprint=sprint,
                manual_rank=n + 1 if n % 5 == 0 else None,
            )
            ticket.labels.add(label)

    client.force_login(director)
    add(10)
    small, small_rows = _count_list_queries(client, engagement)
    add(50)
    large, large_rows = _count_list_queries(client, engagement)

    assert (small_rows, large_rows) == (10, 60)
    assert small == large
    assert large <= 10


def test_the_matrix_links_each_dot_to_its_ticket_with_a_text_alternative(
    client, engagement, director
):
    quick = valued(engagement, 90000, 1, title="Quick one")
    pit = valued(engagement, 100, 20, title="Pit one")
    middle = valued(engagement, 5000, 5, title="Middle one")
    valued(engagement, 50000, 5, status="done", title="Closed one")
    TicketFactory(engagement=engagement, title="No figures")
    client.force_login(director)

    response = client.get(reverse("backlog:matrix", args=[engagement.slug]))

    assert response.status_code == 200
    content = response.content.decode()
    chart = response.context["chart"]
    assert [(p["key"], p["quadrant"], p["value"], p["effort"]) for p in chart["points"]] == [
        (quick.key, "quick_win", 90000.0, 1.0),
        (middle.key, "big_bet", 5000.0, 5.0),
        (pit.key, "money_pit", 100.0, 20.0),
    ]
    detail = reverse("backlog:ticket-detail", args=[engagement.slug, quick.key])
    assert chart["points"][0]["url"] == detail
    assert chart["medians"] == {"value": 5000.0, "effort": 5.0}
    # The chart is drawn from this data by Chart.js; the table holds the same points.
    assert '<script id="matrix-data" type="application/json">' in content
    assert f'<a href="{detail}">{quick.key}</a> Quick one' in content
    assert '<td class="num" data-label="Annual value">€90,000.00</td>' in content
    assert "Closed one" not in content and "No figures" not in content
    for label in ("Quick win", "Big bet", "Fill-in", "Money pit"):
        assert label in content
    assert "The same points as a table" in content
    assert "Medians: €5,000.00 a year, 5 person-days." in content


def test_a_script_title_and_a_javascript_link_are_inert_on_every_page(client, engagement, director):
    sprint = SprintFactory(engagement=engagement)
    ticket = valued(engagement, 5000, 2, title=XSS_TITLE, description=XSS_MARKDOWN, sprint=sprint)
    services.comment_add(actor=director, ticket=ticket, body=XSS_MARKDOWN)
    client.force_login(director)
    pages = [
        list_url(engagement),
        reverse("backlog:matrix", args=[engagement.slug]),
        reverse("backlog:ticket-detail", args=[engagement.slug, ticket.key]),
        reverse("backlog:ticket-update", args=[engagement.slug, ticket.key]),
        reverse("backlog:sprint-board", args=[engagement.slug, sprint.pk]),
    ]

    for url in pages:
        content = client.get(url).content.decode()
        assert XSS_TITLE not in content, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content, url
        assert 'href="javascript' not in content.lower(), url
        assert "<img" not in content, url


def test_the_sprint_board_moves_a_card_with_htmx(client, engagement):
    pm = member(engagement, Role.PROJECT_MANAGER)
    sprint = SprintFactory(engagement=engagement)
    ticket = TicketFactory(engagement=engagement, sprint=sprint, title="Triage me")
    client.force_login(pm)

    board = client.get(reverse("backlog:sprint-board", args=[engagement.slug, sprint.pk]))
    assert [c.status for c in board.context["columns"] if c.cards] == ["new"]

    response = client.post(
        reverse("backlog:ticket-transition", args=[engagement.slug, ticket.key]),
        {"to_status": "triage", "version": "1"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#board"
    assert [c.status for c in response.context["columns"] if c.cards] == ["triage"]
    ticket.refresh_from_db()
    assert ticket.status == "triage"


def test_a_refused_move_on_the_board_shows_its_reason_in_place_and_changes_nothing(
    client, engagement
):
    analyst = member(engagement, Role.BUSINESS_ANALYST)
    sprint = SprintFactory(engagement=engagement)
    ticket = TicketFactory(engagement=engagement, sprint=sprint, status="analysis")
    client.force_login(analyst)

    response = client.post(
        reverse("backlog:ticket-transition", args=[engagement.slug, ticket.key]),
        {"to_status": "ready", "version": "1"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 409
    content = response.content.decode()
    assert f'id="card-{ticket.pk}"' in content
    assert "Write at least one acceptance criterion before the ticket is ready." in content
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version) == ("analysis", 1)
    assert not TicketHistory.objects.exists()


def test_sprints_list_velocity_and_a_project_manager_opens_one(client, engagement):
    pm = member(engagement, Role.PROJECT_MANAGER)
    done_sprint = SprintFactory(engagement=engagement, name="Sprint 1")
    TicketFactory(engagement=engagement, sprint=done_sprint, status="done", effort_days=D("3"))
    TicketFactory(engagement=engagement, sprint=done_sprint, status="qa", effort_days=D("5"))
    client.force_login(pm)

    page = client.get(reverse("backlog:sprint-list", args=[engagement.slug]))
    content = page.content.decode()
    assert [(row.sprint.name, row.done_effort_days) for row in page.context["rows"]] == [
        ("Sprint 1", D("3"))
    ]
    assert '<td class="num" data-label="Effort done (person-days)">3</td>' in content
    # The velocity bar, as a share of the best sprint.
    assert 'data-width="100.0"' in content

    response = client.post(
        reverse("backlog:sprint-list", args=[engagement.slug]),
        {"name": "Sprint 2", "start": "2026-03-02", "end": "2026-03-13", "goal": "Checkout"},
    )

    sprint = engagement.sprints.get(name="Sprint 2")
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "backlog:sprint-board", args=[engagement.slug, sprint.pk]
    )


def test_a_stakeholder_cannot_open_a_sprint(client, engagement):
    client.force_login(member(engagement, Role.STAKEHOLDER))

    response = client.post(
        reverse("backlog:sprint-list", args=[engagement.slug]),
        {"name": "Sprint 9", "start": "2026-03-02", "end": "2026-03-13"},
    )

    assert response.status_code == 403
    assert not engagement.sprints.exists()


def test_the_engagement_navigation_links_to_the_backlog_and_the_sprints(
    client, engagement, director
):
    client.force_login(director)

    content = client.get(reverse("collab:engagement-detail", args=[engagement.slug])).content

    assert list_url(engagement).encode() in content
    assert reverse("backlog:sprint-list", args=[engagement.slug]).encode() in content


def test_the_backlog_shows_open_work_unless_closed_statuses_are_asked_for(
    client, engagement, director
):
    open_ticket = valued(engagement, 5000, 2, title="Faster search", status="ready")
    done = valued(engagement, 5000, 2, title="Old banner", status="done")
    rejected = valued(engagement, 5000, 2, title="Fax ordering", status="rejected")
    client.force_login(director)

    default = client.get(list_url(engagement))
    asked = client.get(list_url(engagement), {"status": ["done", "rejected"]})

    assert [row.ticket.key for row in default.context["rows"]] == [open_ticket.key]
    assert {row.ticket.key for row in asked.context["rows"]} == {done.key, rejected.key}
