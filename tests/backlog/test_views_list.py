"""The ranked backlog page's interactions: filter counts, sorting links, the side panel,
re-ranking from the list (drop under a ticket, undo), bulk changes and logging a ticket from
the list's dialog. Each refusal changes nothing; another engagement's objects answer 404."""

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from backlog.models import Label, Ticket, TicketHistory
from roles.models import Role
from tests.backlog.factories import SprintFactory, TicketFactory
from tests.factories import RoleAssignmentFactory, UserFactory, member

pytestmark = pytest.mark.django_db

D = Decimal
JSON = {"Accept": "application/json"}


def list_url(engagement) -> str:
    return reverse("backlog:ticket-list", args=[engagement.slug])


def pin_url(ticket) -> str:
    return reverse("backlog:ticket-pin", args=[ticket.engagement.slug, ticket.key])


def bulk_url(engagement) -> str:
    return reverse("backlog:ticket-bulk", args=[engagement.slug])


def state(*tickets) -> list[tuple]:
    return [
        Ticket.objects.filter(pk=t.pk)
        .values_list("status", "manual_rank", "assignee_id", "sprint_id", "version")
        .get()
        for t in tickets
    ]


def menu(response, name):
    return next(m for m in response.context["menus"] if m.name == name)


# --- Filters, counts and sorting ---------------------------------------------------------


def test_each_filter_counts_its_options_with_the_other_filters_applied(
    client, engagement, director
):
    TicketFactory(engagement=engagement, kind="bug", status="new")
    TicketFactory(engagement=engagement, kind="bug", status="triage")
    TicketFactory(engagement=engagement, kind="feature", status="new")
    TicketFactory(engagement=engagement, kind="feature", status="done")
    client.force_login(director)

    everything = client.get(list_url(engagement))
    bugs = client.get(list_url(engagement), {"kind": "bug"})

    # The open backlog by default: done is counted in its menu but not shown.
    assert everything.context["count"] == 3
    status_counts = {o.value: o.count for o in menu(everything, "status").options}
    assert (status_counts["new"], status_counts["triage"], status_counts["done"]) == (2, 1, 1)
    assert {o.value: o.count for o in menu(everything, "kind").options}["bug"] == 2
    # Choosing bugs narrows the status counts, not the kind counts.
    assert bugs.context["count"] == 2
    assert {o.value: o.count for o in menu(bugs, "status").options}["new"] == 1
    kinds = {o.value: (o.count, o.selected) for o in menu(bugs, "kind").options}
    assert (kinds["bug"], kinds["feature"]) == ((2, True), (1, False))
    # The choice is a chip whose link removes it and keeps the rest.
    assert [(c.label, c.href) for c in bugs.context["chips"]] == [("Kind: Bug", "?")]
    assert "Kind: Bug" in bugs.content.decode()


def test_a_single_choice_filter_links_each_option_keeping_the_others(client, engagement, director):
    person = member(engagement, Role.DEVELOPER, display_name="Dev One")
    TicketFactory(engagement=engagement, kind="bug", assignee=person)
    TicketFactory(engagement=engagement, kind="bug")
    client.force_login(director)

    response = client.get(list_url(engagement), {"kind": "bug"})

    assignees = menu(response, "assignee").options
    assert [(o.label, o.count, o.href) for o in assignees] == [
        ("Dev One", 1, f"?kind=bug&assignee={person.pk}")
    ]
    chosen = client.get(list_url(engagement), {"kind": "bug", "assignee": person.pk})
    assert chosen.context["count"] == 1
    assert menu(chosen, "assignee").options[0].href == "?kind=bug"


def test_column_headers_sort_and_reverse_keeping_the_filters(client, engagement, director):
    TicketFactory(engagement=engagement, annual_revenue_gain=D(1000), effort_days=D(1))
    client.force_login(director)

    ranked = client.get(list_url(engagement), {"kind": "feature"})
    by_score = client.get(list_url(engagement), {"kind": "feature", "ordering": "score"})

    assert ranked.context["sorts"]["score"].href == "?kind=feature&ordering=score"
    assert ranked.context["sorts"]["rank"].direction == "ascending"
    assert by_score.context["sorts"]["score"].href == "?kind=feature&ordering=-score"
    assert 'aria-sort="descending"><a href="?kind=feature&amp;ordering=-score">Score' in (
        by_score.content.decode()
    )
    # Dragging writes ranks: only in the ranked order.
    assert ranked.context["can_drag"] is True
    assert by_score.context["can_drag"] is False
    assert 'class="drag-handle"' not in by_score.content.decode()


# --- The side panel ----------------------------------------------------------------------


def test_the_side_panel_summarises_a_ticket_with_a_link_to_its_page(client, engagement):
    ticket = TicketFactory(
        engagement=engagement,
        title="Express checkout",
        annual_revenue_gain=D(12000),
        effort_days=D(2),
        description="Pay in **one** click.",
    )
    ticket.labels.add(Label.objects.create(engagement=engagement, name="checkout"))
    client.force_login(member(engagement, Role.STAKEHOLDER))

    response = client.get(reverse("backlog:ticket-peek", args=[engagement.slug, ticket.key]))

    content = response.content.decode()
    assert response.status_code == 200
    assert '<h3 class="h2 mb-2" id="peek-title">Express checkout</h3>' in content
    assert "<strong>one</strong>" in content
    assert "checkout</span>" in content
    assert "€12,000.00" in content
    detail = reverse("backlog:ticket-detail", args=[engagement.slug, ticket.key])
    assert f'href="{detail}"' in content and "Open full page" in content


def test_the_side_panel_of_another_engagements_ticket_is_not_found(
    client, engagement, other_engagement
):
    foreign = TicketFactory(engagement=other_engagement)
    client.force_login(member(engagement, Role.DIRECTOR))

    theirs = client.get(reverse("backlog:ticket-peek", args=[other_engagement.slug, foreign.key]))
    by_key = client.get(reverse("backlog:ticket-peek", args=[engagement.slug, foreign.key]))

    assert (theirs.status_code, by_key.status_code) == (404, 404)


# --- Re-ranking from the list ------------------------------------------------------------


@pytest.fixture
def ranked(engagement):
    """Two pinned tickets (ranks 1 and 2) and two unpinned ones, scored."""
    made = [
        TicketFactory(
            engagement=engagement,
            annual_revenue_gain=D(1000 * (5 - n)),
            effort_days=D(1),
            manual_rank=n + 1 if n < 2 else None,
        )
        for n in range(4)
    ]
    return made


def test_dropping_a_ticket_at_the_top_pins_it_first_and_says_how_to_undo(
    client, engagement, director, ranked
):
    first, second, third, _fourth = ranked
    client.force_login(director)

    response = client.post(pin_url(third), {"after": "", "version": "1"}, headers=JSON)

    assert response.status_code == 200
    assert response.json() == {
        "key": third.key,
        "rank": 1,
        "previous": None,
        "version": 2,
        "detail": f"{third.key} pinned at rank 1.",
    }
    assert [rank for _s, rank, *_rest in state(first, second, third)] == [2, 3, 1]

    undo = client.post(pin_url(third), {"rank": "", "version": "2"}, headers=JSON)

    assert undo.json()["detail"] == f"{third.key} is no longer pinned."
    assert [rank for _s, rank, *_rest in state(first, second, third)] == [1, 2, None]


def test_a_pinned_ticket_dropped_lower_among_the_pins_takes_the_place_it_was_dropped_at(
    client, engagement, director, ranked
):
    first, second, third, _fourth = ranked
    third.manual_rank = 3
    third.save()
    client.force_login(director)

    # The first, dropped under the second: it becomes second.
    response = client.post(pin_url(first), {"after": second.key, "version": "1"}, headers=JSON)

    assert response.json()["rank"] == 2
    assert [rank for _s, rank, *_rest in state(first, second, third)] == [2, 1, 3]


def test_dropping_a_pinned_ticket_among_unpinned_ones_unpins_it(
    client, engagement, director, ranked
):
    first, _second, third, _fourth = ranked
    client.force_login(director)

    response = client.post(pin_url(first), {"after": third.key, "version": "1"}, headers=JSON)

    assert response.json()["rank"] is None
    assert state(first)[0][1] is None


def test_an_unpinned_ticket_dropped_among_unpinned_ones_is_refused_and_nothing_changes(
    client, engagement, director, ranked
):
    _first, _second, third, fourth = ranked
    client.force_login(director)
    before = state(*ranked)

    response = client.post(pin_url(fourth), {"after": third.key, "version": "1"}, headers=JSON)

    assert response.status_code == 400
    assert response.json()["detail"].startswith("Unpinned tickets follow their score")
    assert state(*ranked) == before
    assert not TicketHistory.objects.exists()


def test_a_stale_drop_is_refused_and_nothing_changes(client, engagement, director, ranked):
    client.force_login(director)
    before = state(*ranked)

    response = client.post(pin_url(ranked[2]), {"after": "", "version": "7"}, headers=JSON)

    assert response.status_code == 409
    assert "changed" in response.json()["detail"]
    assert state(*ranked) == before


def test_only_who_approves_priorities_may_drop(client, engagement, ranked):
    client.force_login(member(engagement, Role.PROJECT_MANAGER))
    before = state(*ranked)

    response = client.post(pin_url(ranked[2]), {"after": "", "version": "1"}, headers=JSON)

    assert response.status_code == 403
    assert state(*ranked) == before


def test_dropping_under_another_engagements_ticket_is_not_found(
    client, engagement, other_engagement, director, ranked
):
    foreign = TicketFactory(engagement=other_engagement, manual_rank=1)
    client.force_login(director)
    before = state(*ranked)

    response = client.post(pin_url(ranked[2]), {"after": foreign.key, "version": "1"}, headers=JSON)

    assert response.status_code == 404
    assert state(*ranked) == before


# --- Bulk changes ------------------------------------------------------------------------


def test_a_bulk_status_moves_what_the_guards_allow_and_lists_the_refused_with_reasons(
    client, engagement
):
    pm = member(engagement, Role.PROJECT_MANAGER)
    question = TicketFactory(engagement=engagement, kind="question", status="new")
    feature = TicketFactory(engagement=engagement, kind="feature", status="analysis")
    client.force_login(pm)

    response = client.post(
        bulk_url(engagement),
        {
            "tickets": [question.key, feature.key],
            "action": "status",
            "status": "ready",
            "next": list_url(engagement),
        },
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    toast = json.loads(response["HX-Trigger"])["toast"]
    assert toast["tone"] == "warning"
    assert toast["message"].startswith("0 tickets changed. 2 refused: ")
    assert (
        f"{question.key}: A ticket cannot go from New to Ready. {feature.key}: "
        in (toast["message"])
    )
    assert (
        "Write at least one acceptance criterion before the ticket is ready." in (toast["message"])
    )
    assert state(question, feature) == [
        ("new", None, None, None, 1),
        ("analysis", None, None, None, 1),
    ]
    assert not TicketHistory.objects.exists()
    # The answer is the list again, as it was filtered.
    assert 'id="backlog"' in response.content.decode()

    moved = client.post(
        bulk_url(engagement),
        {"tickets": [question.key, feature.key], "action": "status", "status": "triage"},
    )

    assert moved.status_code == 302
    assert [row[0] for row in state(question, feature)] == ["triage", "analysis"]
    entry = TicketHistory.objects.get()
    assert (entry.ticket_id, entry.field, entry.before, entry.after, entry.actor) == (
        question.pk,
        "status",
        "new",
        "triage",
        pm,
    )


def test_a_bulk_assignee_holding_no_role_today_is_refused_and_nothing_changes(
    client, engagement, director
):
    former = UserFactory(display_name="Former Dev")
    RoleAssignmentFactory(
        engagement=engagement,
        person=former,
        role=Role.DEVELOPER,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2020, 12, 31),
    )
    dev = member(engagement, Role.DEVELOPER)
    tickets = [TicketFactory(engagement=engagement, assignee=dev) for _n in range(2)]
    client.force_login(director)
    before = state(*tickets)

    response = client.post(
        bulk_url(engagement),
        {"tickets": [t.key for t in tickets], "action": "assignee", "assignee": former.pk},
        follow=True,
    )

    assert state(*tickets) == before
    assert not TicketHistory.objects.exists()
    assert (
        f"Nothing was changed: {tickets[0].key}: This person holds no role on this engagement."
        in response.content.decode()
    )


def test_a_bulk_assignee_sprint_and_label_change_every_ticket_with_history(
    client, engagement, director
):
    dev = member(engagement, Role.DEVELOPER)
    sprint = SprintFactory(engagement=engagement)
    label = Label.objects.create(engagement=engagement, name="seo")
    tickets = [TicketFactory(engagement=engagement) for _n in range(2)]
    tickets[0].labels.add(label)
    keys = [t.key for t in tickets]
    client.force_login(director)

    client.post(bulk_url(engagement), {"tickets": keys, "action": "assignee", "assignee": dev.pk})
    client.post(bulk_url(engagement), {"tickets": keys, "action": "sprint", "sprint": sprint.pk})
    client.post(bulk_url(engagement), {"tickets": keys, "action": "label", "label": "checkout"})

    assert [(s[2], s[3]) for s in state(*tickets)] == [(dev.pk, sprint.pk)] * 2
    assert [sorted(t.labels.values_list("name", flat=True)) for t in tickets] == [
        ["checkout", "seo"],
        ["checkout"],
    ]
    # Each change is in each ticket's history, labels included (the full history).
    assert sorted(TicketHistory.objects.values_list("field", flat=True)) == [
        "assignee",
        "assignee",
        "labels",
        "labels",
        "sprint",
        "sprint",
    ]

    client.post(bulk_url(engagement), {"tickets": keys, "action": "sprint", "sprint": "none"})
    assert [s[3] for s in state(*tickets)] == [None, None]


def test_a_bulk_change_naming_another_engagements_ticket_changes_nothing(
    client, engagement, other_engagement, director
):
    mine = TicketFactory(engagement=engagement)
    foreign = TicketFactory(engagement=other_engagement)
    sprint = SprintFactory(engagement=engagement)
    client.force_login(director)

    response = client.post(
        bulk_url(engagement),
        {"tickets": [mine.key, foreign.key], "action": "sprint", "sprint": sprint.pk},
    )
    theirs = client.post(
        bulk_url(other_engagement),
        {"tickets": [foreign.key], "action": "sprint", "sprint": "none"},
    )

    assert response.status_code == 302
    assert (state(mine)[0][3], state(foreign)[0][3]) == (None, None)
    assert theirs.status_code == 404


def test_the_bulk_choices_are_the_members_in_force_and_the_sprints(client, engagement, director):
    member(engagement, Role.DEVELOPER, display_name="Dev One")
    SprintFactory(engagement=engagement, name="Sprint 7")
    client.force_login(director)

    content = client.get(bulk_url(engagement)).content.decode()

    assert ">Dev One</option>" in content
    assert ">Sprint 7</option>" in content
    assert 'name="label"' in content


# --- Logging a ticket from the list's dialog ---------------------------------------------


def test_the_list_holds_the_log_a_ticket_dialog_for_who_files_tickets(client, engagement):
    client.force_login(member(engagement, Role.STAKEHOLDER))

    content = client.get(list_url(engagement)).content.decode()
    dialog = client.get(
        reverse("backlog:ticket-create", args=[engagement.slug]), headers={"HX-Request": "true"}
    ).content.decode()

    # The dialog's form loads right after the page (the page stays light).
    assert 'id="log-ticket"' in content
    assert 'hx-get="/engagements/nordfer/backlog/new/" hx-trigger="load"' in content
    assert "<html" not in dialog
    assert 'id="new-title"' in dialog
    assert 'hx-post="/engagements/nordfer/backlog/new/"' in dialog
    # A stakeholder files client requests: the dialog asks no origin.
    assert 'name="origin"' not in dialog


def test_a_ticket_logged_from_the_dialog_answers_204_with_its_key(client, engagement, director):
    client.force_login(director)

    response = client.post(
        reverse("backlog:ticket-create", args=[engagement.slug]),
        {"title": "Gift cards", "kind": "feature", "origin": "client_request"},
        headers={"HX-Request": "true"},
    )

    ticket = Ticket.objects.get()
    assert response.status_code == 204
    events = json.loads(response["HX-Trigger"])
    assert events["ticketCreated"]["key"] == ticket.key == "NORD-1"
    assert events["toast"]["message"].startswith("NORD-1 filed")


def test_an_invalid_ticket_from_the_dialog_comes_back_with_what_was_typed(
    client, engagement, director
):
    client.force_login(director)

    response = client.post(
        reverse("backlog:ticket-create", args=[engagement.slug]),
        {"title": "", "kind": "bug", "origin": "client_request", "environment": "Safari 18"},
        headers={"HX-Request": "true"},
    )

    content = response.content.decode()
    assert response.status_code == 422
    assert "<html" not in content
    assert 'id="new-title"' in content and "This field is required." in content
    assert 'value="Safari 18"' in content
    assert not Ticket.objects.exists()


def test_a_page_of_100_rows_weighs_at_most_120_kb(client, engagement, director):
    dev = member(engagement, Role.DEVELOPER, display_name="Marta Kowalska")
    sprint = SprintFactory(engagement=engagement)
    for n in range(105):
        TicketFactory(
            engagement=engagement,
            title=f"Show the delivery date before checkout, case {n}",
            annual_revenue_gain=D(100000 + n),
            effort_days=D(5),
            assignee=dev,
            sprint=sprint,
            manual_rank=n + 1 if n < 5 else None,
        )
    client.force_login(director)

    response = client.get(list_url(engagement))

    assert len(response.context["rows"]) == 100
    assert len(response.content) <= 120_000, len(response.content)
