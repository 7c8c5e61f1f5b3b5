"""Search and the command palette: tickets by key and by words (PostgreSQL full-text search),
meetings, objectives, people and pages, never another engagement's rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collab.rhythm.models import Meeting
from roadmap.search import selectors
from roles.models import Role
from roles.policy import engagements_visible_to
from tests.backlog.factories import TicketFactory
from tests.factories import member
from tests.roadmap.factories import ObjectiveFactory

pytestmark = pytest.mark.django_db

PALETTE = reverse("search:palette")
PAGE = reverse("search:page")


def _meeting(engagement, title):
    starts = datetime.datetime(2027, 1, 11, 9, tzinfo=datetime.UTC)
    return Meeting.objects.create(
        engagement=engagement,
        kind=Meeting.Kind.AD_HOC,
        title=title,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )


@pytest.fixture
def pm(engagement):
    return member(engagement, Role.PROJECT_MANAGER, display_name="Julien Moreau")


@pytest.fixture
def foreign(other_engagement):
    """Another client's rows whose words match every query of these tests."""
    member(other_engagement, Role.DIRECTOR, display_name="Checkout Person")
    TicketFactory(engagement=other_engagement, title="Checkout redesign for Lila")
    ObjectiveFactory(engagement=other_engagement, title="Checkout conversion Lila")
    _meeting(other_engagement, "Checkout workshop Lila")


def test_a_ticket_is_found_by_its_key_whatever_the_case(client, engagement, pm, foreign):
    ticket = TicketFactory(engagement=engagement, title="Delivery date before payment")
    client.force_login(pm)

    content = client.get(PALETTE, {"q": f"nord-{ticket.number}"}).content.decode()

    assert f"NORD-{ticket.number}" in content
    assert "Delivery date before payment" in content
    assert reverse("backlog:ticket-detail", args=[engagement.slug, ticket.key]) in content


def test_words_find_tickets_by_prefix_in_title_and_description(client, engagement, pm, foreign):
    TicketFactory(engagement=engagement, title="Checkout in three steps")
    TicketFactory(engagement=engagement, title="Faster search", description="The checkout page")
    TicketFactory(engagement=engagement, title="Invoice export")
    client.force_login(pm)

    content = client.get(PALETTE, {"q": "check"}).content.decode()

    assert "Checkout in three steps" in content
    if connection.vendor == "postgresql":
        # Full-text search reads the description too; the embedded SQLite reads titles only.
        assert "Faster search" in content
    assert "Invoice export" not in content


def test_meetings_objectives_and_people_are_found(client, engagement, pm, foreign):
    _meeting(engagement, "Checkout workshop Nordfer")
    ObjectiveFactory(engagement=engagement, title="Checkout conversion +15 %")
    client.force_login(pm)

    content = client.get(PALETTE, {"q": "checkout"}).content.decode()
    people = client.get(PALETTE, {"q": "julien"}).content.decode()

    assert "Checkout workshop Nordfer" in content
    assert "Checkout conversion +15 %" in content
    assert "Julien Moreau" in people


def test_search_never_returns_another_engagements_rows(client, engagement, pm, foreign):
    client.force_login(pm)

    for query in ("checkout", "lila", "LILA-1", "person"):
        for url in (PALETTE, PAGE):
            response = client.get(url, {"q": query})
            assert response.status_code == 200
            content = response.content.decode()
            assert "Lila" not in content, (url, query)
            assert "Checkout Person" not in content, (url, query)


def test_a_foreign_engagement_slug_offers_none_of_its_pages(
    client, engagement, pm, other_engagement
):
    client.force_login(pm)

    content = client.get(PALETTE, {"q": "backlog", "engagement": other_engagement.slug})

    assert (
        reverse("backlog:ticket-list", args=[other_engagement.slug]) not in content.content.decode()
    )


def test_pages_and_actions_of_the_current_engagement_are_offered(client, engagement, pm):
    client.force_login(pm)

    empty = client.get(PALETTE, {"engagement": engagement.slug}).content.decode()
    backlog = client.get(PALETTE, {"q": "backl", "engagement": engagement.slug}).content.decode()

    assert "Log a ticket" in empty
    assert reverse("backlog:ticket-create", args=[engagement.slug]) in empty
    assert "Go to Backlog" in backlog
    assert reverse("backlog:ticket-list", args=[engagement.slug]) in backlog


def test_pages_a_person_may_not_open_are_not_offered(client, engagement, admin_user):
    developer = member(engagement, Role.DEVELOPER)
    tokens_url = reverse("roles:api-tokens", args=[engagement.slug])
    query = {"q": "api tokens", "engagement": engagement.slug}

    client.force_login(developer)
    refused = client.get(PALETTE, query).content.decode()
    client.force_login(admin_user)
    offered = client.get(PALETTE, query).content.decode()

    assert tokens_url not in refused
    assert tokens_url in offered


def test_nothing_found_says_so(client, engagement, pm):
    client.force_login(pm)

    content = client.get(PALETTE, {"q": "zzzqqq"}).content.decode()

    assert "Nothing matches “zzzqqq”." in content


def test_search_needs_a_signed_in_person(client):
    response = client.get(PALETTE, {"q": "checkout"})

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_search_reads_in_five_queries_whatever_the_data_size(engagement, pm):
    visible = engagements_visible_to(pm)
    TicketFactory.create_batch(3, engagement=engagement, title="Checkout step")

    with CaptureQueriesContext(connection) as small:
        selectors.search(visible=visible, query="checkout", limit=6)
    TicketFactory.create_batch(30, engagement=engagement, title="Checkout step")
    for n in range(10):
        _meeting(engagement, f"Checkout meeting {n}")
    with CaptureQueriesContext(connection) as large:
        found = selectors.search(visible=visible, query="checkout", limit=6)

    assert len(small) == len(large) == 4
    assert len(found.tickets) == 6


def test_ticket_search_uses_the_full_text_index(engagement, postgresql_required):
    """The query's expression must be the index's, or PostgreSQL scans every ticket."""
    TicketFactory.create_batch(5, engagement=engagement)
    from backlog.models import Ticket

    queryset = Ticket.objects.annotate(document=selectors.ticket_document()).filter(
        document=selectors.SearchQuery("check:*", search_type="raw", config="simple")
    )
    # Neither a sequential scan nor a plain index scan (the ranked indexes lead with the
    # engagement, which a nested loop can walk): only the search index's bitmap remains.
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_indexscan = off")
        plan = queryset.explain()
        cursor.execute("SET enable_indexscan = on")
        cursor.execute("SET enable_seqscan = on")

    assert "ticket_search" in plan
