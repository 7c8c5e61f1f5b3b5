"""Backlog writes: keys, routing, optimistic locking, references kept inside the engagement."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from backlog import services
from backlog.markdown import render_markdown
from backlog.models import (
    QAVerdict,
    StakeholderScore,
    Ticket,
    TicketHistory,
)
from roadmap import services as roadmap_services
from roadmap.models import StrategicObjective
from roles.models import Role
from tests.backlog.factories import CriterionFactory, SprintFactory, TicketFactory
from tests.factories import EngagementFactory, UserFactory, member

D = Decimal


@pytest.fixture
def pm(engagement):
    return member(engagement, Role.PROJECT_MANAGER, email="pm@atelier.example")


def test_a_new_ticket_gets_the_next_key_and_goes_to_the_holder_of_its_role(engagement, pm):
    analyst = member(engagement, Role.BUSINESS_ANALYST)

    first = services.ticket_create(actor=pm, engagement=engagement, title="A", kind="feature")
    second = services.ticket_create(actor=pm, engagement=engagement, title="B", kind="feature")

    assert (first.key, second.key) == ("NORD-1", "NORD-2")
    assert (second.responsible_role, second.assignee, second.unrouted) == (
        "business_analyst",
        analyst,
        False,
    )
    assert second.reporter == pm
    assert not TicketHistory.objects.filter(ticket=second).exists()


def test_the_engagement_policy_overrides_the_default_role(engagement, pm):
    services.responsibility_policy_update(engagement=engagement, routing={"bug": "project_manager"})

    ticket = services.ticket_create(actor=pm, engagement=engagement, title="Crash", kind="bug")

    assert (ticket.responsible_role, ticket.assignee) == ("project_manager", pm)


def test_a_ticket_nobody_can_take_is_flagged_unrouted_in_its_history(engagement, pm):
    ticket = services.ticket_create(actor=pm, engagement=engagement, title="Crash", kind="bug")

    assert (ticket.responsible_role, ticket.assignee, ticket.unrouted) == ("tester", None, True)
    entry = TicketHistory.objects.get(ticket=ticket)
    assert (entry.field, entry.after) == ("routing", "unrouted")
    assert "Tester" in entry.note


@pytest.mark.usefixtures("postgresql_required")
@pytest.mark.django_db(transaction=True)
def test_twenty_tickets_created_at_once_get_twenty_distinct_keys():
    engagement = EngagementFactory(key_prefix="RACE")
    reporter = member(engagement, Role.PROJECT_MANAGER)
    barrier = threading.Barrier(20)
    keys, errors = [], []

    def create(n):
        try:
            barrier.wait()
            ticket = services.ticket_create(
                actor=reporter, engagement=engagement, title=f"T{n}", kind="question"
            )
            keys.append(ticket.key)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(keys) == sorted(f"RACE-{n}" for n in range(1, 21))
    assert engagement.ticket_counter.__class__.objects.get(engagement=engagement).last_number == 20


def test_second_update_from_the_same_version_is_stale_and_the_first_is_kept(engagement, pm):
    ticket = TicketFactory(engagement=engagement, title="Original")
    first_copy = Ticket.objects.get(pk=ticket.pk)
    second_copy = Ticket.objects.get(pk=ticket.pk)

    services.ticket_update(actor=pm, ticket=first_copy, data={"title": "First"}, expected_version=1)
    with pytest.raises(services.StaleVersion):
        services.ticket_update(
            actor=pm, ticket=second_copy, data={"title": "Second"}, expected_version=1
        )

    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.title, fresh.version) == ("First", 2)


def test_value_changes_are_recorded_in_the_history(engagement, pm):
    ticket = TicketFactory(engagement=engagement, annual_revenue_gain=D("100"))

    services.ticket_value_update(
        actor=pm, ticket=ticket, data={"annual_revenue_gain": "250.50", "effort_days": "3"}
    )

    rows = set(TicketHistory.objects.filter(ticket=ticket).values_list("field", "before", "after"))
    assert rows == {("annual_revenue_gain", "100.00", "250.50"), ("effort_days", "", "3.00")}
    assert Ticket.objects.get(pk=ticket.pk).version == 2


def test_a_negative_value_figure_is_refused_and_nothing_changes(engagement, pm):
    ticket = TicketFactory(engagement=engagement, annual_revenue_gain=D("100"))

    with pytest.raises(ValidationError) as error:
        services.ticket_value_update(actor=pm, ticket=ticket, data={"annual_revenue_gain": "-1"})

    assert "annual_revenue_gain" in error.value.message_dict
    assert Ticket.objects.get(pk=ticket.pk).annual_revenue_gain == D("100")
    assert not TicketHistory.objects.exists()


def test_another_engagements_sprint_is_refused(engagement, other_engagement, pm):
    ticket = TicketFactory(engagement=engagement)
    foreign = SprintFactory(engagement=other_engagement)

    with pytest.raises(ValidationError) as error:
        services.ticket_update(actor=pm, ticket=ticket, data={"sprint": foreign})

    assert list(error.value.message_dict) == ["sprint"]
    assert Ticket.objects.get(pk=ticket.pk).sprint is None


def test_an_assignee_from_outside_the_engagement_is_refused(engagement, other_engagement, pm):
    stranger = member(other_engagement, Role.DEVELOPER)

    with pytest.raises(ValidationError) as error:
        services.ticket_create(
            actor=pm, engagement=engagement, title="X", kind="feature", assignee=stranger
        )

    assert list(error.value.message_dict) == ["assignee"]
    assert not Ticket.objects.exists()


def test_another_engagements_objective_is_refused(engagement, other_engagement, pm):
    ticket = TicketFactory(engagement=engagement)
    foreign = roadmap_services.objective_create(engagement=other_engagement, title="Grow B2B")

    with pytest.raises(ValidationError) as error:
        roadmap_services.alignment_set(actor=pm, ticket=ticket, objective=foreign, level="key")

    assert list(error.value.message_dict) == ["objective"]
    assert Ticket.objects.get(pk=ticket.pk).strategic_alignment == 0


def test_alignment_and_objective_weight_keep_the_ticket_alignment_current(engagement, pm):
    ticket = TicketFactory(engagement=engagement)
    growth = roadmap_services.objective_create(
        engagement=engagement, title="Grow B2B", weight=D("1.5")
    )
    mobile = roadmap_services.objective_create(engagement=engagement, title="Mobile first")

    roadmap_services.alignment_set(actor=pm, ticket=ticket, objective=growth, level="key")
    roadmap_services.alignment_set(actor=pm, ticket=ticket, objective=mobile, level="supports")
    assert Ticket.objects.get(pk=ticket.pk).strategic_alignment == D("4")  # 2 x 1.5 + 1 x 1

    roadmap_services.objective_update(actor=pm, objective=growth, data={"weight": D("3")})
    assert Ticket.objects.get(pk=ticket.pk).strategic_alignment == D("7")  # 2 x 3 + 1 x 1
    assert StrategicObjective.objects.count() == 2


def test_only_the_director_pins_a_rank(engagement, pm, director):
    ticket = TicketFactory(engagement=engagement)

    with pytest.raises(PermissionDenied):
        services.ticket_pin_rank(actor=pm, ticket=ticket, rank=1)
    assert Ticket.objects.get(pk=ticket.pk).manual_rank is None

    services.ticket_pin_rank(actor=director, ticket=ticket, rank=1)
    assert Ticket.objects.get(pk=ticket.pk).manual_rank == 1
    entry = TicketHistory.objects.get(ticket=ticket)
    assert (entry.field, entry.before, entry.after) == ("manual_rank", "", "1")


def _pins(engagement) -> list[tuple[str, int]]:
    return list(
        Ticket.objects.filter(engagement=engagement, manual_rank__isnull=False)
        .order_by("manual_rank")
        .values_list("title", "manual_rank")
    )


def test_pinning_at_a_taken_rank_moves_the_pins_below_down_one(engagement, director):
    first, second, third = (
        TicketFactory(engagement=engagement, title=title, manual_rank=rank)
        for title, rank in (("Size guide", 1), ("Reviews", 2), ("Wishlist", 3))
    )
    newcomer = TicketFactory(engagement=engagement, title="Apple Pay")

    services.ticket_pin_rank(actor=director, ticket=newcomer, rank=2)

    assert _pins(engagement) == [
        ("Size guide", 1),
        ("Apple Pay", 2),
        ("Reviews", 3),
        ("Wishlist", 4),
    ]
    # Each ticket that moved has its history entry, by the director, and a new version.
    moved = TicketHistory.objects.filter(field="manual_rank").exclude(ticket=newcomer)
    assert sorted((e.ticket.title, e.before, e.after, e.actor) for e in moved) == [
        ("Reviews", "2", "3", director),
        ("Wishlist", "3", "4", director),
    ]
    assert Ticket.objects.get(pk=second.pk).version == second.version + 1
    assert Ticket.objects.get(pk=first.pk).version == first.version
    assert third.pk in {e.ticket_id for e in moved}


def test_a_rank_past_the_last_pin_becomes_the_next_one_and_unpinning_closes_the_gap(
    engagement, director
):
    TicketFactory(engagement=engagement, title="Size guide", manual_rank=1)
    middle = TicketFactory(engagement=engagement, title="Reviews", manual_rank=2)
    TicketFactory(engagement=engagement, title="Wishlist", manual_rank=3)
    late = TicketFactory(engagement=engagement, title="Apple Pay")

    pinned = services.ticket_pin_rank(actor=director, ticket=late, rank=40)
    assert pinned.manual_rank == 4
    services.ticket_pin_rank(actor=director, ticket=middle, rank=None)

    assert _pins(engagement) == [("Size guide", 1), ("Wishlist", 2), ("Apple Pay", 3)]


def test_a_rejected_ticket_gives_up_its_pin_and_a_closed_one_cannot_be_pinned(engagement, director):
    top = TicketFactory(engagement=engagement, title="Size guide", manual_rank=1)
    TicketFactory(engagement=engagement, title="Reviews", manual_rank=2)

    services.ticket_transition(
        actor=director, ticket=top, to_status="rejected", reason="Done by the new theme"
    )

    assert _pins(engagement) == [("Reviews", 1)]
    rejected = Ticket.objects.get(pk=top.pk)
    assert (rejected.status, rejected.manual_rank) == ("rejected", None)
    with pytest.raises(ValidationError) as refused:
        services.ticket_pin_rank(actor=director, ticket=rejected, rank=1)
    assert refused.value.message_dict == {
        "manual_rank": ["A done or rejected ticket has left the ranking: reopen it first."]
    }
    assert _pins(engagement) == [("Reviews", 1)]


def test_stakeholder_scores_two_apart_flag_the_ticket(engagement, director):
    stakeholder = member(engagement, Role.STAKEHOLDER)
    ticket = TicketFactory(engagement=engagement)

    services.stakeholder_score_set(actor=director, ticket=ticket, score=5, comment="Vital")
    services.stakeholder_score_set(actor=stakeholder, ticket=ticket, score=4)
    assert Ticket.objects.get(pk=ticket.pk).needs_alignment is False

    services.stakeholder_score_set(actor=stakeholder, ticket=ticket, score=3)
    assert Ticket.objects.get(pk=ticket.pk).needs_alignment is True
    assert StakeholderScore.objects.filter(ticket=ticket).count() == 2


def test_agency_people_cannot_give_a_stakeholder_score(engagement, pm):
    ticket = TicketFactory(engagement=engagement)

    with pytest.raises(PermissionDenied):
        services.stakeholder_score_set(actor=pm, ticket=ticket, score=5)
    assert not StakeholderScore.objects.exists()


def test_only_a_tester_records_a_qa_verdict(engagement, pm):
    ticket = TicketFactory(engagement=engagement, status="qa")

    with pytest.raises(PermissionDenied):
        services.qa_verdict_record(actor=pm, ticket=ticket, passed=True)
    assert not QAVerdict.objects.exists()


def test_a_verdict_naming_another_tickets_criterion_is_refused(engagement):
    tester = member(engagement, Role.TESTER)
    ticket = TicketFactory(engagement=engagement, status="qa")
    elsewhere = CriterionFactory(ticket=TicketFactory(engagement=engagement), engagement=engagement)

    with pytest.raises(ValidationError) as error:
        services.qa_verdict_record(
            actor=tester, ticket=ticket, passed=True, results={elsewhere.pk: True}
        )

    assert list(error.value.message_dict) == ["results"]
    assert not QAVerdict.objects.exists()


def test_a_verdict_cannot_pass_with_a_failed_criterion(engagement):
    tester = member(engagement, Role.TESTER)
    ticket = TicketFactory(engagement=engagement, status="qa")
    criterion = CriterionFactory(ticket=ticket, engagement=engagement)

    with pytest.raises(ValidationError):
        services.qa_verdict_record(
            actor=tester, ticket=ticket, passed=True, results={criterion.pk: False}
        )

    verdict = services.qa_verdict_record(
        actor=tester, ticket=ticket, passed=False, results={criterion.pk: False}
    )
    assert [(r.criterion_id, r.passed) for r in verdict.results.all()] == [(criterion.pk, False)]


def test_criteria_are_numbered_in_order_with_their_author(engagement, pm):
    ticket = TicketFactory(engagement=engagement)

    first = services.criterion_add(actor=pm, ticket=ticket, text="Shows stock")
    second = services.criterion_add(
        actor=pm, ticket=ticket, text="Hides price", given="a guest", when="browsing", then="no"
    )

    assert [(c.order, c.author) for c in (first, second)] == [(1, pm), (2, pm)]


def test_sprint_ending_before_it_starts_is_refused(engagement, pm):
    import datetime

    with pytest.raises(ValidationError):
        services.sprint_create(
            actor=pm,
            engagement=engagement,
            name="S1",
            start=datetime.date(2026, 3, 2),
            end=datetime.date(2026, 3, 1),
        )


def test_markdown_script_and_javascript_links_render_inert(engagement, pm):
    ticket = TicketFactory(engagement=engagement)
    comment = services.comment_add(
        actor=pm,
        ticket=ticket,
        body='<script>alert(1)</script> [click](javascript:alert(1)) <a href="javascript:x">y</a>'
        " <img src=x onerror=alert(1)> [ok](https://example.com)",
    )

    html = render_markdown(comment.body)

    # Raw HTML is shown as text and the javascript: link is not made a link: only one <a>.
    assert html == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; [click](javascript:alert(1)) "
        '&lt;a href="javascript:x"&gt;y&lt;/a&gt; &lt;img src=x onerror=alert(1)&gt; '
        '<a href="https://example.com" rel="noopener noreferrer nofollow">ok</a></p>\n'
    )
    assert html.count("<a ") == 1


def test_a_reporter_from_outside_the_engagement_is_refused(engagement, pm):
    with pytest.raises(ValidationError) as error:
        services.ticket_create(
            actor=pm, engagement=engagement, title="X", kind="feature", reporter=UserFactory()
        )
    assert list(error.value.message_dict) == ["reporter"]
