"""The ticket API: filing, the ranked list and its cursor, one ticket with its score explained,
edits under If-Match, workflow steps and their refusals, pinned rank, client acceptance."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache

from backlog import services
from backlog.models import Comment, Status, Ticket, TicketHistory
from collab.services import api_token_create
from roadmap import services as roadmap_services
from roles.models import Role
from tests.backlog.factories import CriterionFactory, SprintFactory, TicketFactory
from tests.factories import UserFactory, member

D = Decimal
PROBLEM = "application/problem+json"


def tickets_url(slug: str = "nordfer") -> str:
    return f"/api/v1/engagements/{slug}/tickets/"


def ticket_url(key: str, slug: str = "nordfer", part: str = "") -> str:
    return f"/api/v1/engagements/{slug}/tickets/{key}/{part}"


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    return response.json()


def snapshot(ticket: Ticket) -> dict:
    return Ticket.objects.filter(pk=ticket.pk).values().get()


@pytest.fixture(autouse=True)
def _private_cache(settings):
    # Throttling counters of other runs sharing Redis cannot leak into these tests.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tests-backlog-api",
        }
    }
    cache.clear()


@pytest.fixture
def pm(engagement):
    return member(engagement, Role.PROJECT_MANAGER, email="pm@atelier.example", display_name="Pia")


@pytest.fixture
def analyst(engagement):
    return member(engagement, Role.BUSINESS_ANALYST, email="ba@atelier.example")


@pytest.fixture
def developer(engagement):
    return member(engagement, Role.DEVELOPER, email="dev@atelier.example")


@pytest.fixture
def as_pm(api_client, pm):
    api_client.force_login(pm)
    return api_client


def _valued(engagement, revenue, effort="1", **fields):
    return TicketFactory(
        engagement=engagement, annual_revenue_gain=D(revenue), effort_days=D(effort), **fields
    )


# --- Filing and reading -------------------------------------------------------------------------


def test_a_member_files_a_ticket_and_reads_its_score_breakdown(as_pm, engagement, pm, analyst):
    response = as_pm.post(
        tickets_url(),
        {
            "title": "Delivery date on the product page",
            "kind": "feature",
            "annual_revenue_gain": "12000",
            "hours_saved_per_month": "10",
            "effort_days": "4",
            "labels": ["checkout", "SEO"],
        },
    )

    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(engagement=engagement)
    body = response.json()
    assert response["Location"] == "http://testserver/api/v1/engagements/nordfer/tickets/NORD-1/"
    assert response["ETag"] == f'W/"ticket-{ticket.pk}-v1"'
    assert (body["key"], body["status"], body["version"]) == ("NORD-1", "new", 1)
    assert body["reporter"] == {"email": "pm@atelier.example", "display_name": "Pia"}
    assert body["assignee"]["email"] == "ba@atelier.example"
    assert body["labels"] == ["SEO", "checkout"]
    assert (body["score"], body["annual_value"], body["quadrant"]) == (
        "3840.000000",
        "19200.00",
        "big_bet",
    )
    breakdown = body["breakdown"]
    assert {
        name: breakdown[name]
        for name in ("model", "annual_value", "cost", "roi", "payback_months", "currency")
    } == {
        "model": "value_per_effort",
        "annual_value": "19200.00",
        "cost": "3000.00",
        "roi": "5.4000",
        "payback_months": "1.88",
        "currency": "EUR",
    }
    assert [(term["label"], term["value"]) for term in breakdown["terms"]] == [
        ("Annual value", "19200.0000"),
        ("Effort (person-days)", "4.00"),
        ("Confidence factor", "0.8"),
        ("Strategic alignment", "0.00"),
        ("Strategic multiplier", "1.00000"),
        ("Score", "3840.000000"),
    ]
    assert body["links"]["transition"] == (
        "http://testserver/api/v1/engagements/nordfer/tickets/NORD-1/transition/"
    )


def test_a_script_title_is_plain_json_text_and_a_javascript_link_is_inert(as_pm, pm):
    response = as_pm.post(
        tickets_url(),
        {
            "title": "<script>alert(1)</script>",
            "kind": "question",
            "description": "[click me](javascript:alert(1)) <img src=x onerror=alert(2)>",
        },
    )

    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json"
    body = as_pm.get(ticket_url("NORD-1")).json()
    assert body["title"] == "<script>alert(1)</script>"
    # The javascript: link is left as text, never an <a href>; the raw tag is escaped.
    assert body["description_html"] == (
        "<p>[click me](javascript:alert(1)) &lt;img src=x onerror=alert(2)&gt;</p>\n"
    )


def test_a_ticket_of_another_engagement_or_a_bad_key_is_not_found(
    as_pm, engagement, other_engagement
):
    TicketFactory(engagement=other_engagement)

    for key in ("LILA-1", "NORD-1", "NORD-0", "nonsense"):
        assert problem(as_pm.get(ticket_url(key)), 404)["type"].endswith("/not-found")


def test_a_write_pointing_at_another_engagements_sprint_or_person_is_refused(
    as_pm, engagement, other_engagement
):
    foreign_sprint = SprintFactory(engagement=other_engagement)
    outsider = member(other_engagement, Role.DEVELOPER, email="out@lila.example")

    response = as_pm.post(
        tickets_url(),
        {
            "title": "Mine",
            "kind": "feature",
            "sprint": foreign_sprint.pk,
            "assignee": outsider.email,
        },
    )

    body = problem(response, 400)
    assert body["errors"] == {
        "sprint": [f"No sprint of this engagement has the id {foreign_sprint.pk}."],
        "assignee": ["This person holds no role on this engagement."],
    }
    assert not Ticket.objects.exists()


def test_a_read_token_cannot_file_and_a_write_token_files_in_its_creators_name(
    api_client, engagement, pm
):
    read = api_token_create(engagement=engagement, name="BI", scope="read", created_by=pm)
    write = api_token_create(engagement=engagement, name="Helpdesk", scope="write", created_by=pm)

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {read.raw_key}")
    body = problem(api_client.post(tickets_url(), {"title": "X", "kind": "bug"}), 403)
    assert body["detail"] == "Your role on this engagement does not allow this: File tickets."
    assert not Ticket.objects.exists()

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {write.raw_key}")
    response = api_client.post(tickets_url(), {"title": "Crash at checkout", "kind": "bug"})
    assert response.status_code == 201, response.content
    assert Ticket.objects.get().reporter == pm


# --- The list: filters, ordering, cursor ----------------------------------------------------------


def _keys(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["key"] for row in response.json()["results"]]


def test_the_list_filters_by_each_criterion(as_pm, engagement, other_engagement, pm, developer):
    sprint = SprintFactory(engagement=engagement)
    objective = roadmap_services.objective_create(engagement=engagement, title="Grow B2B")
    feature = _valued(engagement, "1000", "1", title="Wishlist", assignee=developer, sprint=sprint)
    bug = TicketFactory(
        engagement=engagement, kind="bug", status="triage", description="Paypal fails"
    )
    agency = TicketFactory(engagement=engagement, origin="agency_initiative", needs_alignment=True)
    _valued(engagement, "10", "5", title="Big and poor")
    _valued(engagement, "500", "3", title="Middle")
    roadmap_services.alignment_set(actor=pm, ticket=agency, objective=objective, level="key")

    assert _keys(as_pm.get(tickets_url(), {"kind": "bug"})) == [bug.key]
    assert _keys(as_pm.get(tickets_url(), {"status": ["triage", "done"]})) == [bug.key]
    assert _keys(as_pm.get(tickets_url(), {"origin": "agency_initiative"})) == [agency.key]
    assert _keys(as_pm.get(tickets_url(), {"sprint": sprint.pk})) == [feature.key]
    assert _keys(as_pm.get(tickets_url(), {"assignee": developer.pk})) == [feature.key]
    assert _keys(as_pm.get(tickets_url(), {"objective": objective.pk})) == [agency.key]
    assert _keys(as_pm.get(tickets_url(), {"needs_alignment": "true"})) == [agency.key]
    assert _keys(as_pm.get(tickets_url(), {"quadrant": "quick_win"})) == [feature.key]
    assert _keys(as_pm.get(tickets_url(), {"q": "paypal"})) == [bug.key]
    assert _keys(as_pm.get(tickets_url(), {"q": bug.key})) == [bug.key]

    foreign_sprint = SprintFactory(engagement=other_engagement)
    body = problem(as_pm.get(tickets_url(), {"sprint": foreign_sprint.pk}), 400)
    assert list(body["errors"]) == ["sprint"]
    body = problem(as_pm.get(tickets_url(), {"ordering": "title"}), 400)
    assert list(body["errors"]) == ["ordering"]


def test_the_list_orders_by_rank_score_created_and_updated(as_pm, engagement):
    low = _valued(engagement, "10")
    high = _valued(engagement, "1000")
    unscored = TicketFactory(engagement=engagement)
    pinned = _valued(engagement, "1", manual_rank=1)
    now = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    for offset, ticket in enumerate((high, pinned, unscored, low)):
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=now - datetime.timedelta(days=offset),
            updated_at=now + datetime.timedelta(days=offset),
        )
    keys = {t.pk: t.key for t in (low, high, unscored, pinned)}

    def order(*tickets):
        return [keys[t.pk] for t in tickets]

    assert _keys(as_pm.get(tickets_url())) == order(pinned, high, low, unscored)
    assert _keys(as_pm.get(tickets_url(), {"ordering": "rank"})) == order(
        pinned, high, low, unscored
    )
    assert _keys(as_pm.get(tickets_url(), {"ordering": "score"})) == order(
        high, low, pinned, unscored
    )
    assert _keys(as_pm.get(tickets_url(), {"ordering": "-score"})) == order(
        pinned, low, high, unscored
    )
    assert _keys(as_pm.get(tickets_url(), {"ordering": "created"})) == order(
        low, unscored, pinned, high
    )
    assert _keys(as_pm.get(tickets_url(), {"ordering": "-created"})) == order(
        high, pinned, unscored, low
    )
    assert _keys(as_pm.get(tickets_url(), {"ordering": "updated"})) == order(
        high, pinned, unscored, low
    )
    assert _keys(as_pm.get(tickets_url(), {"ordering": "-updated"})) == order(
        low, unscored, pinned, high
    )


@pytest.mark.parametrize("ordering", ["", "score", "-score", "created", "-updated"])
def test_the_cursor_walks_every_page_forward_and_back_without_gaps(as_pm, engagement, ordering):
    # Ties (equal scores, equal times), unscored tickets and pinned ones, across 9 pages.
    same_time = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    for index in range(60):
        if index % 5 == 0:
            ticket = TicketFactory(engagement=engagement)
        else:
            ticket = _valued(engagement, str(100 * (index % 4)), "1")
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=same_time, updated_at=same_time + datetime.timedelta(hours=index % 3)
        )
    Ticket.objects.filter(number__in=(7, 31)).update(manual_rank=2)
    params = {"page_size": 7, **({"ordering": ordering} if ordering else {})}
    expected = _keys(as_pm.get(tickets_url(), {**params, "page_size": 200}))
    assert len(expected) == 60

    pages, url = [], tickets_url()
    response = as_pm.get(url, params)
    while True:
        body = response.json()
        pages.append([row["key"] for row in body["results"]])
        if body["next"] is None:
            break
        response = as_pm.get(body["next"])
    assert [key for page in pages for key in page] == expected
    assert [len(page) for page in pages] == [7] * 8 + [4]

    backwards = []
    while body["previous"] is not None:
        body = as_pm.get(body["previous"]).json()
        backwards.insert(0, [row["key"] for row in body["results"]])
    assert backwards == pages[:-1]


def test_a_forged_cursor_is_not_found(as_pm, engagement):
    TicketFactory(engagement=engagement)

    for cursor in ("garbage", "eyJrIjogWzFdfQ=="):
        body = problem(as_pm.get(tickets_url(), {"cursor": cursor}), 404)
        assert body["type"] == "https://tandem.example/problems/not-found"


@pytest.mark.parametrize("size", [10, 200])
def test_the_list_costs_the_same_queries_for_10_and_200_tickets(
    api_client, engagement, django_assert_num_queries, size
):
    viewer = member(engagement, Role.STAKEHOLDER)
    sprint = SprintFactory(engagement=engagement)
    label = engagement.labels.create(name="checkout")
    for index in range(size):
        ticket = _valued(
            engagement, str(index + 1), "2", assignee=viewer, sprint=sprint, reporter=viewer
        )
        ticket.labels.add(label)
    api_client.force_login(viewer)

    # session, person, the engagement through the person's roles, the page of tickets with
    # their stored ranking (people and sprint joined, label names in an array subquery):
    # within the budget of 6
    with django_assert_num_queries(4):
        response = api_client.get(tickets_url(), {"page_size": 200, "ordering": "score"})

    assert len(response.json()["results"]) == size


@pytest.mark.parametrize("comments", [1, 50])
def test_the_detail_costs_the_same_queries_for_1_and_50_comments(
    api_client, engagement, django_assert_num_queries, comments
):
    viewer = member(engagement, Role.STAKEHOLDER)
    ticket = _valued(engagement, "100")
    CriterionFactory(ticket=ticket)
    Comment.objects.bulk_create(
        Comment(engagement=engagement, ticket=ticket, author=viewer, body=f"Note {n}")
        for n in range(comments)
    )
    api_client.force_login(viewer)

    # session, person, engagement; the ticket and its labels, criteria (with authors), metrics,
    # verdicts, comments, stakeholder scores; scoring settings and medians; its alignments
    with django_assert_num_queries(13):
        response = api_client.get(ticket_url(ticket.key))

    assert response.status_code == 200


# --- Edits under If-Match -------------------------------------------------------------------------


def test_two_edits_from_the_same_etag_keep_the_first_and_refuse_the_second(as_pm, engagement):
    ticket = TicketFactory(engagement=engagement, title="Original")
    etag = as_pm.get(ticket_url(ticket.key))["ETag"]
    assert etag == f'W/"ticket-{ticket.pk}-v1"'

    first = as_pm.patch(ticket_url(ticket.key), {"title": "First"}, HTTP_IF_MATCH=etag)
    second = as_pm.patch(ticket_url(ticket.key), {"title": "Second"}, HTTP_IF_MATCH=etag)

    assert first.status_code == 200, first.content
    assert first["ETag"] == f'W/"ticket-{ticket.pk}-v2"'
    assert first.json()["title"] == "First"
    body = problem(second, 412)
    assert body["type"] == "https://tandem.example/problems/precondition-failed"
    ticket.refresh_from_db()
    assert (ticket.title, ticket.version) == ("First", 2)


def test_an_edit_without_if_match_is_refused_and_changes_nothing(as_pm, engagement):
    ticket = TicketFactory(engagement=engagement, title="Original")
    before = snapshot(ticket)

    body = problem(as_pm.patch(ticket_url(ticket.key), {"title": "Blind"}), 428)

    assert body["type"] == "https://tandem.example/problems/precondition-required"
    assert body["title"] == "Precondition Required"
    assert snapshot(ticket) == before


def test_value_figures_need_the_right_to_edit_value(api_client, engagement, developer, pm):
    ticket = TicketFactory(engagement=engagement)
    etag = f'W/"ticket-{ticket.pk}-v1"'
    before = snapshot(ticket)
    api_client.force_login(developer)

    body = problem(
        api_client.patch(
            ticket_url(ticket.key), {"effort_days": "3", "title": "T"}, HTTP_IF_MATCH=etag
        ),
        403,
    )

    assert body["detail"] == "Your role on this engagement does not allow this: Edit value figures."
    assert snapshot(ticket) == before

    before_title = ticket.title
    api_client.force_login(pm)
    response = api_client.patch(
        ticket_url(ticket.key),
        {"effort_days": "3", "title": "Renamed"},
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.content
    assert (response.json()["effort_days"], response.json()["title"]) == ("3.00", "Renamed")
    assert response["ETag"] == f'W/"ticket-{ticket.pk}-v3"'
    assert list(
        TicketHistory.objects.filter(ticket=ticket).values_list("field", "before", "after")
    ) == [("title", before_title, "Renamed"), ("effort_days", "", "3.00")]


def test_an_edit_pointing_at_another_engagements_sprint_changes_nothing(
    as_pm, engagement, other_engagement
):
    ticket = TicketFactory(engagement=engagement)
    foreign = SprintFactory(engagement=other_engagement)
    before = snapshot(ticket)

    body = problem(
        as_pm.patch(
            ticket_url(ticket.key),
            {"sprint": foreign.pk, "title": "Moved"},
            HTTP_IF_MATCH=f'W/"ticket-{ticket.pk}-v1"',
        ),
        400,
    )

    assert body["errors"] == {"sprint": [f"No sprint of this engagement has the id {foreign.pk}."]}
    assert snapshot(ticket) == before


def test_status_and_rank_are_not_edited_through_patch(as_pm, engagement):
    ticket = TicketFactory(engagement=engagement)

    body = problem(
        as_pm.patch(
            ticket_url(ticket.key),
            {"status": "done", "manual_rank": 1},
            HTTP_IF_MATCH=f'W/"ticket-{ticket.pk}-v1"',
        ),
        400,
    )

    assert body["errors"] == {
        "status": ["This field cannot be changed."],
        "manual_rank": ["This field cannot be changed."],
    }


# --- Workflow -------------------------------------------------------------------------------------


def _move(client, ticket, to, reason="", **headers):
    return client.post(
        ticket_url(ticket.key, part="transition/"), {"to": to, "reason": reason}, **headers
    )


def test_a_feature_without_value_is_refused_ready_with_every_reason(
    api_client, engagement, analyst
):
    ticket = TicketFactory(engagement=engagement, status="analysis")
    before = snapshot(ticket)
    api_client.force_login(analyst)

    body = problem(_move(api_client, ticket, "ready"), 409)

    assert body["type"] == "https://tandem.example/problems/transition-refused"
    assert body["reasons"] == [
        "State the business value (annual revenue gain, annual cost savings or hours saved per "
        "month) before the ticket is ready.",
        "Estimate the effort in person-days before the ticket is ready.",
        "Write at least one acceptance criterion before the ticket is ready.",
    ]
    assert snapshot(ticket) == before


def test_a_large_feature_needs_an_impact_analysis_then_becomes_ready(
    api_client, engagement, analyst
):
    ticket = _valued(engagement, "5000", "8", status="analysis")
    CriterionFactory(ticket=ticket)
    api_client.force_login(analyst)

    body = problem(_move(api_client, ticket, "ready"), 409)
    assert body["reasons"] == [
        "The effort (8.00 person-days) is above this engagement's threshold of 5: write an "
        "impact analysis first."
    ]

    services.impact_analysis_set(
        actor=analyst, ticket=ticket, affected_areas="Checkout", risk_level="medium"
    )
    response = _move(api_client, ticket, "ready", HTTP_IF_MATCH=f'W/"ticket-{ticket.pk}-v1"')
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response["ETag"]) == (
        "ready",
        f'W/"ticket-{ticket.pk}-v2"',
    )


def test_a_bug_leaves_triage_only_with_its_reproduction_details(as_pm, engagement):
    ticket = TicketFactory(engagement=engagement, kind="bug", status="triage", environment="prod")

    body = problem(_move(as_pm, ticket, "analysis"), 409)

    assert body["reasons"] == [
        "A bug leaves triage only with its reproduction details; missing: steps to reproduce, "
        "expected behaviour, actual behaviour."
    ]


def test_done_needs_a_passing_qa_verdict_and_the_clients_acceptance(
    api_client, engagement, pm, director
):
    tester = member(engagement, Role.TESTER)
    services.scoring_settings_update(
        engagement=engagement, data={"requires_client_acceptance": True}
    )
    ticket = TicketFactory(
        engagement=engagement, status="qa", annual_cost_savings=D("500"), effort_days=D("1")
    )
    criterion = CriterionFactory(ticket=ticket, engagement=engagement, author=pm)
    api_client.force_login(pm)

    body = problem(_move(api_client, ticket, "done"), 409)
    assert body["reasons"] == [
        "A passing QA verdict by a tester is needed before the ticket is done.",
        "The client has not accepted this ticket yet.",
    ]

    services.qa_verdict_record(
        actor=tester, ticket=ticket, passed=True, results={criterion.pk: True}
    )
    services.ticket_accept(actor=director, ticket=ticket)
    response = _move(api_client, ticket, "done")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "done"


def test_rejecting_needs_a_reason(api_client, engagement, director):
    ticket = TicketFactory(engagement=engagement, status="triage")
    api_client.force_login(director)

    body = problem(_move(api_client, ticket, "rejected"), 409)
    assert body["reasons"] == ["Say why: a reason is required for this step."]

    response = _move(api_client, ticket, "rejected", reason="Out of scope")
    assert response.status_code == 200, response.content
    entry = TicketHistory.objects.get(ticket=ticket)
    assert (entry.before, entry.after, entry.note) == ("triage", "rejected", "Out of scope")


def test_a_step_that_does_not_exist_is_a_conflict(as_pm, engagement):
    ticket = TicketFactory(engagement=engagement)

    body = problem(_move(as_pm, ticket, "done"), 409)

    assert body["reasons"] == ["A ticket cannot go from New to Done."]


def test_a_step_the_role_may_not_take_is_forbidden(api_client, engagement, developer):
    ticket = TicketFactory(engagement=engagement)
    before = snapshot(ticket)
    api_client.force_login(developer)

    body = problem(_move(api_client, ticket, "triage"), 403)

    assert body["detail"] == "Your role does not allow moving a ticket from New to Triage."
    assert snapshot(ticket) == before


def test_a_step_from_a_stale_etag_is_refused(as_pm, engagement):
    ticket = TicketFactory(engagement=engagement)
    Ticket.objects.filter(pk=ticket.pk).update(version=2)

    problem(_move(as_pm, ticket, "triage", HTTP_IF_MATCH=f'W/"ticket-{ticket.pk}-v1"'), 412)

    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW


# --- Pinned rank and client acceptance ----------------------------------------------------------


def test_the_director_pins_and_unpins_a_rank(api_client, engagement, director, pm):
    TicketFactory(engagement=engagement, manual_rank=1)
    TicketFactory(engagement=engagement, manual_rank=2)
    ticket = TicketFactory(engagement=engagement)
    api_client.force_login(pm)
    problem(api_client.post(ticket_url(ticket.key, part="pin/"), {"rank": 3}), 403)
    assert Ticket.objects.get(pk=ticket.pk).manual_rank is None

    api_client.force_login(director)
    response = api_client.post(ticket_url(ticket.key, part="pin/"), {"rank": 3})
    assert (response.status_code, response.json()["manual_rank"]) == (200, 3)
    response = api_client.post(ticket_url(ticket.key, part="pin/"), {"rank": None})
    assert (response.status_code, response.json()["manual_rank"]) == (200, None)
    body = problem(api_client.post(ticket_url(ticket.key, part="pin/"), {"rank": 0}), 400)
    assert list(body["errors"]) == ["rank"]


def test_the_client_rejects_a_ticket_in_qa_back_to_in_progress(
    api_client, engagement, director, developer
):
    ticket = TicketFactory(engagement=engagement, status="qa")
    url = ticket_url(ticket.key, part="acceptance/")
    api_client.force_login(developer)
    body = problem(api_client.post(url, {"accepted": True}), 403)
    assert body["detail"] == "Only the client's director or stakeholders can do this."

    api_client.force_login(director)
    body = problem(api_client.post(url, {"accepted": False}), 400)
    assert body["errors"] == {"reason": ["Say why the ticket is not accepted."]}
    assert Ticket.objects.get(pk=ticket.pk).status == "qa"

    response = api_client.post(url, {"accepted": False, "reason": "Wrong colour"})
    assert response.status_code == 201, response.content
    assert {k: response.json()[k] for k in ("decision", "reason", "ticket_status")} == {
        "decision": "rejected",
        "reason": "Wrong colour",
        "ticket_status": "in_progress",
    }

    body = problem(api_client.post(url, {"accepted": True}), 409)
    assert body["reasons"] == ["The client accepts or rejects a ticket while it is in QA."]


def test_history_lists_every_change_oldest_first(api_client, engagement, director):
    ticket = TicketFactory(engagement=engagement, status="triage")
    api_client.force_login(director)
    _move(api_client, ticket, "on_hold")
    api_client.post(ticket_url(ticket.key, part="pin/"), {"rank": 1})

    response = api_client.get(ticket_url(ticket.key, part="history/"))

    assert response.status_code == 200
    rows = [
        (row["field"], row["before"], row["after"], row["actor"]["email"])
        for row in response.json()["results"]
    ]
    assert rows == [
        ("status", "triage", "on_hold", "director@nordfer.example"),
        ("manual_rank", "", "1", "director@nordfer.example"),
    ]


def test_a_token_whose_creator_is_gone_cannot_write(api_client, engagement):
    creator = UserFactory(is_active=False)
    issued = api_token_create(
        engagement=engagement, name="Old CI", scope="write", created_by=creator
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.raw_key}")

    body = problem(api_client.post(tickets_url(), {"title": "X", "kind": "bug"}), 401)

    assert body["detail"] == (
        "The person who issued this token no longer holds a role on its engagement; ask an "
        "administrator for a new token."
    )
    assert not Ticket.objects.exists()
