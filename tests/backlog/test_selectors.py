"""Backlog reads: ranking, scoping by engagement, the dashboard's lists, query budgets."""

import datetime
from decimal import Decimal

import pytest

from backlog import selectors, services
from backlog.models import Comment, QAVerdict, Ticket
from roles.models import Role
from tests.backlog.factories import CriterionFactory, SprintFactory, TicketFactory
from tests.factories import member

D = Decimal


def _valued(engagement, revenue, effort="1", **fields):
    return TicketFactory(
        engagement=engagement, annual_revenue_gain=D(revenue), effort_days=D(effort), **fields
    )


def test_pinned_tickets_come_first_then_score_then_unscored_by_number(engagement):
    low = _valued(engagement, "10")
    high = _valued(engagement, "1000")
    unscored_a = TicketFactory(engagement=engagement)
    pinned_low = _valued(engagement, "1", manual_rank=1)
    unscored_b = TicketFactory(engagement=engagement)
    pinned_unscored = TicketFactory(engagement=engagement, manual_rank=2)

    ranked = [t.pk for t in selectors.ticket_list(engagement=engagement)]

    assert ranked == [
        pinned_low.pk,
        pinned_unscored.pk,
        high.pk,
        low.pk,
        unscored_a.pk,
        unscored_b.pk,
    ]


def test_the_list_holds_only_the_engagements_own_tickets(engagement, other_engagement):
    mine = TicketFactory(engagement=engagement)
    TicketFactory(engagement=other_engagement)

    assert [t.pk for t in selectors.ticket_list(engagement=engagement)] == [mine.pk]


def test_a_key_finds_its_ticket_only_in_its_own_engagement(engagement, other_engagement):
    ticket = TicketFactory(engagement=engagement)
    foreign = TicketFactory(engagement=other_engagement)

    assert selectors.ticket_get(engagement=engagement, key="NORD-1") == ticket
    assert selectors.ticket_get(engagement=engagement, key="nord-1") == ticket
    assert selectors.ticket_get(engagement=engagement, key=foreign.key) is None
    assert selectors.ticket_get(engagement=other_engagement, key="NORD-1") is None
    assert selectors.ticket_get(engagement=engagement, key="NORD-2") is None
    assert selectors.ticket_get(engagement=engagement, key="NORD-01") is None
    assert selectors.ticket_get(engagement=engagement, key="1; DROP") is None


def test_filters_by_kind_quadrant_and_text(engagement):
    bug = _valued(engagement, "900", "1", kind="bug", title="Checkout crash")
    _valued(engagement, "50", "9", kind="feature", title="Wishlist")
    _valued(engagement, "300", "5", kind="feature", title="Gift cards")

    def keys(filters):
        return [t.key for t in selectors.ticket_list(engagement=engagement, filters=filters)]

    assert keys({"kind": ["bug"]}) == [bug.key]
    assert keys({"quadrant": "quick_win"}) == [bug.key]
    assert keys({"q": "wish"}) == ["NORD-2"]
    assert keys({"q": "NORD-3"}) == ["NORD-3"]
    assert keys({"ordering": "-created"}) == ["NORD-3", "NORD-2", "NORD-1"]


def test_a_filter_naming_another_engagements_sprint_is_refused(engagement, other_engagement):
    from django.core.exceptions import ValidationError

    foreign = SprintFactory(engagement=other_engagement)

    with pytest.raises(ValidationError):
        list(selectors.ticket_list(engagement=engagement, filters={"sprint": foreign.pk}))


@pytest.mark.parametrize("size", [10, 200])
def test_the_ranked_list_costs_the_same_queries_for_10_and_200_tickets(
    engagement, django_assert_num_queries, size
):
    reporter = member(engagement, Role.PROJECT_MANAGER)
    Ticket.objects.bulk_create(
        Ticket(
            engagement=engagement,
            number=n,
            title=f"T{n}",
            kind="feature",
            reporter=reporter,
            assignee=reporter,
            annual_revenue_gain=D(n * 10),
            effort_days=D(n % 7 + 1),
        )
        for n in range(1, size + 1)
    )

    # The page itself: the ranking is stored, nothing is computed over the backlog.
    with django_assert_num_queries(1):
        tickets = list(selectors.ticket_list(engagement=engagement))
        assert {t.assignee.email for t in tickets} == {reporter.email}
        assert {t.key[:5] for t in tickets} == {"NORD-"}
    assert len(tickets) == size


@pytest.mark.parametrize("comments", [1, 50])
def test_the_ticket_detail_costs_the_same_queries_for_1_and_50_comments(
    engagement, django_assert_num_queries, comments
):
    author = member(engagement, Role.BUSINESS_ANALYST)
    ticket = _valued(engagement, "100")
    CriterionFactory(ticket=ticket, engagement=engagement, author=author)
    Comment.objects.bulk_create(
        Comment(engagement=engagement, ticket=ticket, author=author, body=f"c{n}")
        for n in range(comments)
    )

    with django_assert_num_queries(9):
        detail = selectors.ticket_detail(engagement=engagement, key=ticket.key)
        assert len({c.author.email for c in detail.ticket.comments.all()}) == 1
        assert [c.author for c in detail.ticket.criteria.all()] == [author]
    assert detail.breakdown.score == D("80.000000")


def test_separation_of_duties_breaches_list_tickets_tested_by_their_assignee_or_author(
    engagement,
):
    # The rule turned off: the verdicts are recorded, and the selector still names the breaches.
    services.scoring_settings_update(engagement=engagement, data={"separation_of_duties": False})
    both = member(engagement, Role.TESTER)
    analyst = member(engagement, Role.BUSINESS_ANALYST)
    breached = TicketFactory(engagement=engagement, kind="question", status="qa")
    assigned = TicketFactory(engagement=engagement, kind="question", status="qa", assignee=both)
    clean = TicketFactory(engagement=engagement, kind="question", status="qa")
    mine = CriterionFactory(ticket=breached, engagement=engagement, author=both)
    theirs = CriterionFactory(ticket=clean, engagement=engagement, author=analyst)
    services.qa_verdict_record(actor=both, ticket=breached, passed=True, results={mine.pk: True})
    services.qa_verdict_record(actor=both, ticket=assigned, passed=True)
    services.qa_verdict_record(actor=both, ticket=clean, passed=True, results={theirs.pk: True})

    assert list(selectors.separation_of_duties_breaches(engagement=engagement)) == [
        breached,
        assigned,
    ]
    assert QAVerdict.objects.count() == 3


def test_velocity_sums_done_effort_per_sprint(engagement):
    first = SprintFactory(engagement=engagement, start=datetime.date(2026, 1, 5))
    second = SprintFactory(engagement=engagement, start=datetime.date(2026, 1, 19))
    _valued(engagement, "1", "3", sprint=first, status="done")
    _valued(engagement, "1", "2.5", sprint=first, status="done")
    _valued(engagement, "1", "8", sprint=first, status="in_progress")

    result = selectors.velocity(engagement=engagement)

    assert [(v.sprint, v.done_effort_days) for v in result] == [
        (first, D("5.50")),
        (second, D("0")),
    ]


def test_unrouted_tickets_are_the_project_managers_queue(engagement):
    pm = member(engagement, Role.PROJECT_MANAGER)
    unrouted = services.ticket_create(actor=pm, engagement=engagement, title="?", kind="question")
    TicketFactory(engagement=engagement)

    assert list(selectors.unrouted_tickets(engagement=engagement)) == [unrouted]

    services.ticket_update(actor=pm, ticket=unrouted, data={"assignee": pm})
    assert list(selectors.unrouted_tickets(engagement=engagement)) == []
