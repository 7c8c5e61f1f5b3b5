"""The ticket list's rows, built from plain values for speed, are exactly what its documented
serializer gives; the ranked order and its cursor are served by the ``ticket_ranked`` index."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIRequestFactory

from backlog import services
from backlog.api.serializers import TicketListOutputSerializer
from backlog.selectors import (
    TICKET_LIST_COLUMNS,
    backlog_medians,
    ticket_label_names_fill,
    ticket_list,
)
from roles.models import Role
from tests.backlog.factories import SprintFactory, TicketFactory
from tests.factories import member

D = Decimal
URL = "/api/v1/engagements/nordfer/tickets/"


@pytest.fixture
def viewer(engagement):
    return member(engagement, Role.STAKEHOLDER, email="sh@client.example", display_name="Sam")


def test_the_list_rows_equal_the_documented_serializer(api_client, engagement, viewer):
    sprint = SprintFactory(engagement=engagement, name="Sprint 7")
    checkout, seo = (engagement.labels.create(name=name) for name in ("checkout", "SEO"))
    full = TicketFactory(
        engagement=engagement,
        title='Say "hello" <b>',
        assignee=viewer,
        sprint=sprint,
        deadline=datetime.date(2027, 11, 27),
        annual_revenue_gain=D("1234.56"),
        hours_saved_per_month=D("0.35"),
        effort_days=D("3"),
        manual_rank=1,
        needs_alignment=True,
    )
    full.labels.add(checkout, seo)
    TicketFactory(engagement=engagement, kind="improvement", origin="agency_initiative")
    TicketFactory(engagement=engagement, annual_cost_savings=D("900"), effort_days=D("0.5"))
    api_client.force_login(viewer)

    response = api_client.get(URL, {"page_size": 10})

    request = APIRequestFactory().get(URL, secure=False)
    # Times read in the person's time zone, as the request did.
    with timezone.override(viewer.time_zone):
        expected = TicketListOutputSerializer(
            ticket_list(engagement=engagement).prefetch_related("labels"),
            many=True,
            context={"request": request, "engagement": engagement},
        ).data
    results = response.json()["results"]
    assert results == json.loads(json.dumps(expected))
    assert [row["key"] for row in results] == ["NORD-1", "NORD-3", "NORD-2"]
    assert results[0]["labels"] == ["SEO", "checkout"]
    # 1,234.56 + 12 x 0.35 h x 60 = 1,486.56
    assert (results[0]["annual_value"], results[0]["score"]) == ("1486.56", "396.416000")
    assert results[2]["score"] is None
    assert response["Content-Type"] == "application/json"


def test_a_foreign_engagements_list_is_not_found(api_client, engagement, other_engagement, viewer):
    api_client.force_login(viewer)

    assert api_client.get("/api/v1/engagements/maison-lila/tickets/").status_code == 404


@pytest.mark.usefixtures("postgresql_required")
def test_the_index_serves_the_first_page_and_the_cursor_of_a_deep_one(
    api_client, engagement, viewer
):
    for n in range(1, 41):
        TicketFactory(engagement=engagement, annual_revenue_gain=D(100 * n), effort_days=D("1"))
    api_client.force_login(viewer)
    following = api_client.get(URL, {"page_size": 10}).json()["next"]
    with connection.cursor() as cursor:
        # A tiny table would be read whole; what matters is that the index *can* serve it.
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_bitmapscan = off")
    try:
        with CaptureQueriesContext(connection) as captured:
            page = api_client.get(following.replace("http://testserver", "")).json()
        sql = next(
            q["sql"] for q in captured if "backlog_ticket" in q["sql"] and "LIMIT" in q["sql"]
        )
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_bitmapscan")

    assert [row["key"] for row in page["results"]][:2] == ["NORD-30", "NORD-29"]
    assert "ticket_ranked" in plan
    # The rows come in index order; only each row's few label names are sorted (its subplan).
    rows_plan, labels_plan = plan.split("SubPlan")
    assert "Sort" not in rows_plan
    assert "Sort Key" in labels_plan and ".name" in labels_plan
    # The cursor is a row comparison inside the index condition, not a filter after it.
    assert "Index Cond" in plan and "ROW(" in plan.split("Index Cond")[1].split("\n")[0]


@pytest.mark.parametrize("size", [1, 30])
def test_filing_costs_the_same_queries_whatever_the_backlog(
    api_client, engagement, viewer, django_assert_num_queries, size
):
    for n in range(size):
        TicketFactory(engagement=engagement, annual_revenue_gain=D(100 * n), effort_days=D("2"))
    api_client.force_login(viewer)

    # authorisation (3: session, person, the engagement with the roles they hold); filing
    # (9: savepoint, routing, holders, the counter's upsert, the medians row's lock with the
    # scoring settings — the ticket is ranked in Python before its INSERT —, the ticket, its
    # history, webhooks, release; no effort, so the medians cannot move); the 201's detail is
    # built from what the filing holds (no query). The budget issue 10 set is 12.
    with django_assert_num_queries(12):
        response = api_client.post(
            URL,
            {"title": "Gift wrap", "kind": "feature", "annual_revenue_gain": "500"},
            format="json",
        )

    assert response.status_code == 201, response.content
    assert response.json()["score"] is None  # no effort: unscored


@pytest.mark.parametrize("size", [1, 30])
def test_filing_a_valued_ticket_that_moves_the_medians_costs_two_more(
    api_client, engagement, viewer, django_assert_num_queries, size
):
    for n in range(size):
        TicketFactory(engagement=engagement, annual_revenue_gain=D(100 * n), effort_days=D("2"))
    api_client.force_login(viewer)
    before = backlog_medians(engagement=engagement)

    # The 12 of an unvalued ticket, then the medians refreshed and stored in one UPDATE …
    # RETURNING, and the quadrants their move changes in one more.
    with django_assert_num_queries(14):
        response = api_client.post(
            URL,
            {
                "title": "Gift wrap",
                "kind": "feature",
                "annual_revenue_gain": "500000",
                "effort_days": "0.5",
            },
            format="json",
        )

    assert response.status_code == 201, response.content
    assert backlog_medians(engagement=engagement) != before
    # The quadrant answered is the one the move of the medians left stored.
    assert response.json() == api_client.get(response["Location"]).json()
    assert response.json()["quadrant"] == ("big_bet" if size == 1 else "quick_win")
    assert services.ranking_drift(engagement=engagement) == []


def test_the_creation_answers_the_ticket_exactly_as_its_detail_shows_it(api_client, engagement):
    TicketFactory(engagement=engagement, annual_revenue_gain=D(900), effort_days=D("3"))
    engagement.labels.create(name="checkout")
    api_client.force_login(member(engagement, Role.PROJECT_MANAGER))

    created = api_client.post(
        URL,
        {
            "title": "Gift wrap",
            "kind": "feature",
            "origin": "client_request",
            "annual_revenue_gain": "500",
            "effort_days": "2",
            "labels": ["checkout"],
        },
        format="json",
    )
    shown = api_client.get(created["Location"])

    assert created.status_code == 201, created.content
    assert created.json() == shown.json()
    assert created["ETag"] == shown["ETag"]
    assert created.json()["labels"] == ["checkout"]
    assert created.json()["score"] is not None


def test_without_the_array_subquery_one_query_fills_the_label_names(
    engagement, django_assert_num_queries
):
    # The embedded SQLite default reads the page first, then its labels (PostgreSQL reads
    # them in the page's statement).
    labelled, bare = TicketFactory(engagement=engagement), TicketFactory(engagement=engagement)
    labelled.labels.add(*(engagement.labels.create(name=name) for name in ("seo", "checkout")))
    rows = list(ticket_list(engagement=engagement).values(*TICKET_LIST_COLUMNS))

    with django_assert_num_queries(1):
        filled = ticket_label_names_fill(rows)

    names = {row["number"]: row["label_names"] for row in filled}
    assert names == {labelled.number: ["checkout", "seo"], bare.number: []}


def test_the_largest_figures_are_answered_as_stored(api_client, engagement):
    # The widest score the columns hold: the 201 answers it exactly as a re-read does.
    api_client.force_login(member(engagement, Role.PROJECT_MANAGER))

    created = api_client.post(
        URL,
        {
            "title": "Everything at once",
            "kind": "feature",
            "annual_revenue_gain": "999999999999.99",
            "annual_cost_savings": "999999999999.99",
            "hours_saved_per_month": "99999999.99",
            "effort_days": "0.01",
            "confidence": "high",
        },
        format="json",
    )

    assert created.status_code == 201, created.content
    assert created.json() == api_client.get(created["Location"]).json()
    assert len(created.json()["score"].split(".")[0]) >= 15
