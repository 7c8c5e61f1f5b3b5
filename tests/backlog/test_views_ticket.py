"""The ticket pages: quick logging, the ticket page, editing under optimistic locking, the
live score preview, workflow refusals, analysis, QA, client decisions, isolation."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backlog import services
from backlog.models import (
    AcceptanceCriterion,
    ClientAcceptance,
    Comment,
    QAVerdict,
    StakeholderScore,
    Ticket,
    TicketHistory,
)
from roadmap.models import StrategicObjective, TicketAlignment
from roles.models import Role
from tests.backlog.factories import CriterionFactory, SprintFactory, TicketFactory
from tests.factories import member

pytestmark = pytest.mark.django_db

D = Decimal


def url(name, ticket, *args) -> str:
    return reverse(name, args=[ticket.engagement.slug, ticket.key, *args])


@pytest.fixture
def pm(engagement):
    return member(engagement, Role.PROJECT_MANAGER, email="pm@atelier.example")


@pytest.fixture
def analyst(engagement):
    return member(engagement, Role.BUSINESS_ANALYST, display_name="Ana Lyst")


@pytest.fixture
def tester(engagement):
    return member(engagement, Role.TESTER, display_name="Tess Ter")


# --- Quick logging -----------------------------------------------------------------------


def test_the_logging_form_is_keyboard_first(client, engagement, pm):
    client.force_login(pm)

    response = client.get(reverse("backlog:ticket-create", args=[engagement.slug]))

    content = response.content.decode()
    assert response.status_code == 200
    assert 'name="title"' in content and "autofocus" in content
    assert "data-submit-shortcut" in content
    assert 'accesskey="3"' in content  # the third kind, bug
    assert 'id="bug-template"' in content and "data-bug-template" in content
    assert "js/backlog.js" in content
    # Agency staff choose the origin: nothing is chosen for them.
    assert "origin" not in response.context["form"].initial
    assert '<option value="" selected>Choose: who asks for it?</option>' in content


def test_logging_a_bug_with_its_template_creates_the_bug_with_its_fields(client, engagement, pm):
    member(engagement, Role.TESTER, display_name="Tess Ter")
    client.force_login(pm)

    response = client.post(
        reverse("backlog:ticket-create", args=[engagement.slug]),
        {
            "title": "Cart empties at login",
            "kind": "bug",
            "description": "Seen on *mobile*.",
            "steps_to_reproduce": "1. Add to cart\n2. Log in",
            "expected_behaviour": "The cart is kept",
            "actual_behaviour": "The cart is empty",
            "environment": "Safari 18, production",
            "severity": "high",
            "found_by": "client",
            "origin": "client_request",
        },
        follow=True,
    )

    ticket = Ticket.objects.get(engagement=engagement)
    assert response.redirect_chain == [(url("backlog:ticket-detail", ticket), 302)]
    assert (
        ticket.key,
        ticket.kind,
        ticket.steps_to_reproduce,
        ticket.expected_behaviour,
        ticket.actual_behaviour,
        ticket.environment,
        ticket.severity,
        ticket.found_by,
        ticket.reporter,
        ticket.responsible_role,
        ticket.assignee.display_name,
    ) == (
        "NORD-1",
        "bug",
        "1. Add to cart\n2. Log in",
        "The cart is kept",
        "The cart is empty",
        "Safari 18, production",
        "high",
        "client",
        pm,
        "tester",
        "Tess Ter",
    )
    assert "NORD-1 filed and routed to Tess Ter (Tester)." in response.content.decode()


def test_a_ticket_nobody_can_take_says_it_is_unrouted(client, engagement, pm):
    client.force_login(pm)

    response = client.post(
        reverse("backlog:ticket-create", args=[engagement.slug]),
        {"title": "Crash", "kind": "bug", "origin": "client_request"},
        follow=True,
    )

    assert Ticket.objects.get().unrouted is True
    assert (
        "NORD-1 filed. Nobody holds the role Tester on this engagement: the ticket is flagged "
        "unrouted and the project manager will route it."
    ) in response.content.decode()


def test_bug_fields_sent_with_another_kind_are_not_kept(client, engagement, pm):
    client.force_login(pm)

    client.post(
        reverse("backlog:ticket-create", args=[engagement.slug]),
        {
            "title": "Wishlist",
            "kind": "feature",
            "origin": "client_request",
            "steps_to_reproduce": "leftover",
            "severity": "high",
        },
    )

    ticket = Ticket.objects.get()
    assert (ticket.kind, ticket.steps_to_reproduce, ticket.severity) == ("feature", "", "")


def test_a_ticket_without_title_is_not_filed(client, engagement, pm):
    client.force_login(pm)

    response = client.post(
        reverse("backlog:ticket-create", args=[engagement.slug]),
        {"title": "", "kind": "bug", "origin": "client_request"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["title"] == ["This field is required."]
    assert response.context["is_bug"] is True
    assert not Ticket.objects.exists()


# --- The ticket page ---------------------------------------------------------------------


def test_the_ticket_page_shows_description_breakdown_criteria_and_history(
    client, engagement, director, analyst
):
    ticket = TicketFactory(
        engagement=engagement,
        title="One-page checkout",
        description="**Fewer** steps",
        annual_revenue_gain=D("120000"),
        effort_days=D("12"),
    )
    CriterionFactory(ticket=ticket, text="Pay in one page", author=analyst)
    services.ticket_value_update(
        actor=director, ticket=ticket, data={"annual_cost_savings": D("6000")}
    )
    client.force_login(director)

    response = client.get(url("backlog:ticket-detail", ticket))

    content = response.content.decode()
    assert response.status_code == 200
    assert "<p><strong>Fewer</strong> steps</p>" in content
    assert response.context["breakdown"].score == D("8400.000000")
    assert 'data-score="8400.000000"' in content
    # The annual value once in the panel, as money: it is a term of the score.
    assert content.count('<dt class="props__label">Annual value</dt>') == 1
    assert (
        '<dt class="props__label">Annual value</dt><dd class="props__value num">€126,000.00</dd>'
    ) in content
    # The formula in words, with the ticket's numbers, and the rank the score gives.
    assert (
        "Score = annual value €126,000.00 \u00d7 confidence 0.8 \u00d7 strategic multiplier 1 "
        "\u00f7 effort 12 person-days = 8,400"
    ) in content
    assert 'data-rank="1">#1</div>' in content
    assert "€9,000.00" in content  # cost: 12 days x 750
    assert "Pay in one page" in content and "Written by Ana Lyst" in content
    assert 'Annual cost savings: <span class="timeline__before">—</span>' in content
    assert '<span class="timeline__after">6,000</span>' in content
    assert url("roadmap:ticket-alignment", ticket) in content
    # The director moves nothing from new; the workflow says so.
    assert [choice.status for choice in response.context["transitions"]] == [
        "triage",
        "on_hold",
        "rejected",
    ]


def test_the_history_is_shown_in_the_viewers_time_zone(client, engagement, director):
    director.time_zone = "America/New_York"
    director.save()
    ticket = TicketFactory(engagement=engagement)
    TicketHistory.objects.create(
        engagement=engagement,
        ticket=ticket,
        actor=director,
        field="status",
        before="new",
        after="triage",
        at=datetime.datetime(2026, 1, 15, 15, 0, tzinfo=datetime.UTC),
    )
    client.force_login(director)

    content = client.get(url("backlog:ticket-detail", ticket)).content.decode()

    assert '<time datetime="2026-01-15T10:00:00-05:00"' in content
    assert 'Status: <span class="timeline__before">New</span>' in content
    assert '<span class="timeline__after">Triage</span>' in content


def _count_detail_queries(client, ticket) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("backlog:ticket-detail", ticket))
    assert response.status_code == 200
    return len(queries), len(response.context["comments"])


def test_the_ticket_page_costs_the_same_queries_for_1_and_50_comments(
    client, engagement, director, analyst, tester
):
    ticket = TicketFactory(engagement=engagement, sprint=SprintFactory(engagement=engagement))
    ticket.status = "qa"
    ticket.save()
    people = [director, analyst, tester]

    def add(count, start):
        for n in range(start, start + count):
            services.comment_add(actor=people[n % 3], ticket=ticket, body=f"Comment **{n}**")
            # The tester wrote none of them: the separation of duties lets them give the verdict.
            CriterionFactory(ticket=ticket, author=people[n % 2], text=f"Criterion {n}")
            TicketHistory.objects.create(
                engagement=engagement, ticket=ticket, actor=people[n % 3], field="status"
            )
        services.qa_verdict_record(
            actor=tester,
            ticket=ticket,
            passed=False,
            notes=f"{start}",
            results={criterion.pk: False for criterion in ticket.criteria.all()},
        )

    client.force_login(tester)
    add(1, 0)
    small, small_comments = _count_detail_queries(client, ticket)
    add(49, 1)
    large, large_comments = _count_detail_queries(client, ticket)

    assert (small_comments, large_comments) == (1, 50)
    assert small == large


# --- Workflow ----------------------------------------------------------------------------


def test_a_refused_step_shows_the_guards_reasons_and_changes_nothing(client, engagement, analyst):
    ticket = TicketFactory(engagement=engagement, status="analysis", effort_days=D("8"))
    client.force_login(analyst)

    response = client.post(
        url("backlog:ticket-transition", ticket), {"to_status": "ready", "version": "1"}
    )

    assert response.status_code == 409
    content = response.content.decode()
    for reason in (
        "State the business value (annual revenue gain, annual cost savings or hours saved per "
        "month) before the ticket is ready.",
        "Write at least one acceptance criterion before the ticket is ready.",
        "The effort (8.00 person-days) is above this engagement&#x27;s threshold of 5: write an "
        "impact analysis first.",
    ):
        assert reason in content
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version) == ("analysis", 1)
    assert not TicketHistory.objects.exists()


def test_a_step_the_guards_allow_moves_the_ticket(client, engagement, analyst):
    ticket = TicketFactory(
        engagement=engagement,
        status="analysis",
        annual_revenue_gain=D("1000"),
        effort_days=D("2"),
    )
    CriterionFactory(ticket=ticket, author=analyst)
    client.force_login(analyst)

    response = client.post(
        url("backlog:ticket-transition", ticket), {"to_status": "ready", "version": "1"}
    )

    assert response.status_code == 302
    assert response["Location"] == url("backlog:ticket-detail", ticket) + "#workflow"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version) == ("ready", 2)


def test_a_step_from_a_stale_page_is_refused(client, engagement, pm):
    ticket = TicketFactory(engagement=engagement)
    services.ticket_update(actor=pm, ticket=ticket, data={"title": "Renamed"})
    client.force_login(pm)

    response = client.post(
        url("backlog:ticket-transition", ticket), {"to_status": "triage", "version": "1"}
    )

    assert response.status_code == 409
    assert "Someone else changed this ticket" in response.content.decode()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version) == ("new", 2)


# --- Editing and the value figures -------------------------------------------------------


def test_a_stale_edit_is_refused_and_keeps_the_other_persons_change(client, engagement, pm):
    ticket = TicketFactory(engagement=engagement, title="Original")
    client.force_login(pm)
    form = client.get(url("backlog:ticket-update", ticket)).context["form"]
    assert form.initial["version"] == 1
    other = member(engagement, Role.CONSULTANT)
    services.ticket_update(actor=other, ticket=ticket, data={"title": "Theirs"})

    response = client.post(
        url("backlog:ticket-update", ticket),
        {"version": "1", "title": "Mine", "description": "", "kind": "feature"},
    )

    assert response.status_code == 409
    content = response.content.decode()
    assert "Someone else changed this ticket since you opened it." in content
    assert response.context["form"].initial["title"] == "Theirs"
    assert response.context["form"].initial["version"] == 2
    ticket.refresh_from_db()
    assert (ticket.title, ticket.version) == ("Theirs", 2)


def test_an_edit_saves_fields_labels_and_sprint(client, engagement, pm):
    sprint = SprintFactory(engagement=engagement, name="Sprint A")
    dev = member(engagement, Role.DEVELOPER)
    ticket = TicketFactory(engagement=engagement, title="Original")
    client.force_login(pm)

    response = client.post(
        url("backlog:ticket-update", ticket),
        {
            "version": "1",
            "title": "Renamed",
            "description": "Now *with* details",
            "kind": "improvement",
            "assignee": str(dev.pk),
            "sprint": str(sprint.pk),
            "deadline": "2026-11-27",
            "labels": "checkout, SEO",
        },
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.title, ticket.kind, ticket.assignee, ticket.sprint, ticket.version) == (
        "Renamed",
        "improvement",
        dev,
        sprint,
        2,
    )
    assert ticket.deadline == datetime.date(2026, 11, 27)
    assert sorted(label.name for label in ticket.labels.all()) == ["SEO", "checkout"]


def test_an_edit_cannot_choose_another_engagements_sprint(client, engagement, other_engagement, pm):
    foreign = SprintFactory(engagement=other_engagement)
    ticket = TicketFactory(engagement=engagement, title="Original")
    client.force_login(pm)

    response = client.post(
        url("backlog:ticket-update", ticket),
        {"version": "1", "title": "X", "kind": "feature", "sprint": str(foreign.pk)},
    )

    assert response.status_code == 200
    assert "sprint" in response.context["form"].errors
    ticket.refresh_from_db()
    assert (ticket.title, ticket.sprint, ticket.version) == ("Original", None, 1)


def test_the_live_preview_returns_the_score_without_saving(client, engagement, director):
    ticket = TicketFactory(engagement=engagement)
    client.force_login(director)

    response = client.post(
        url("backlog:ticket-score-preview", ticket),
        {
            "annual_revenue_gain": "120000",
            "hours_saved_per_month": "10",
            "effort_days": "12",
            "confidence": "high",
        },
        headers={"HX-Request": "true"},
    )

    # (120000 + 12 x 10 x 60) x 1.0 x (1 + 0.25 x 0) / 12
    assert response.status_code == 200
    assert response.context["breakdown"].score == D("10600.000000")
    content = response.content.decode()
    assert 'data-score="10600.000000"' in content
    assert "preview, not saved" in content
    assert "<html" not in content
    ticket.refresh_from_db()
    assert (ticket.annual_revenue_gain, ticket.effort_days, ticket.version) == (None, None, 1)
    assert not TicketHistory.objects.exists()


def test_the_value_form_saves_the_figures_under_the_lock(client, engagement, director):
    ticket = TicketFactory(engagement=engagement)
    client.force_login(director)
    data = {"version": "1", "annual_revenue_gain": "5000", "effort_days": "2", "confidence": "low"}

    response = client.post(url("backlog:ticket-value-update", ticket), data)
    stale = client.post(
        url("backlog:ticket-value-update", ticket), {**data, "annual_revenue_gain": "9"}
    )

    assert response.status_code == 302
    assert stale.status_code == 409
    ticket.refresh_from_db()
    assert (ticket.annual_revenue_gain, ticket.effort_days, ticket.confidence) == (
        D("5000"),
        D("2"),
        "low",
    )
    assert sorted(TicketHistory.objects.values_list("field", flat=True)) == [
        "annual_revenue_gain",
        "confidence",
        "effort_days",
    ]


def test_a_developer_cannot_change_value_figures(client, engagement):
    ticket = TicketFactory(engagement=engagement)
    client.force_login(member(engagement, Role.DEVELOPER))

    response = client.post(
        url("backlog:ticket-value-update", ticket),
        {"version": "1", "annual_revenue_gain": "5000", "confidence": "low"},
    )

    assert response.status_code == 403
    ticket.refresh_from_db()
    assert (ticket.annual_revenue_gain, ticket.version) == (None, 1)


# --- Analysis, QA, client decisions, comments --------------------------------------------


def test_the_analyst_adds_edits_and_deletes_criteria(client, engagement, analyst):
    ticket = TicketFactory(engagement=engagement)
    client.force_login(analyst)

    client.post(
        url("backlog:criterion-add", ticket),
        {"text": "Shows the date", "given": "a cart", "when": "I pay", "then": "I see it"},
    )
    criterion = AcceptanceCriterion.objects.get()
    client.post(
        url("backlog:criterion-update", ticket, criterion.pk),
        {"order": "1", "text": "Shows the delivery date"},
    )
    criterion.refresh_from_db()
    assert (criterion.text, criterion.given, criterion.author) == (
        "Shows the delivery date",
        "",
        analyst,
    )

    response = client.post(url("backlog:criterion-delete", ticket, criterion.pk))

    assert response.status_code == 302
    assert not AcceptanceCriterion.objects.exists()


def test_a_developer_cannot_write_criteria(client, engagement):
    ticket = TicketFactory(engagement=engagement)
    criterion = CriterionFactory(ticket=ticket, text="Kept")
    client.force_login(member(engagement, Role.DEVELOPER))

    add = client.post(url("backlog:criterion-add", ticket), {"text": "Mine"})
    delete = client.post(url("backlog:criterion-delete", ticket, criterion.pk))

    assert (add.status_code, delete.status_code) == (403, 403)
    assert list(AcceptanceCriterion.objects.values_list("text", flat=True)) == ["Kept"]


def test_another_tickets_criterion_is_not_found(client, engagement, analyst):
    ticket = TicketFactory(engagement=engagement)
    elsewhere = CriterionFactory(ticket=TicketFactory(engagement=engagement), text="Other")
    client.force_login(analyst)

    response = client.post(url("backlog:criterion-delete", ticket, elsewhere.pk))

    assert response.status_code == 404
    assert AcceptanceCriterion.objects.filter(pk=elsewhere.pk).exists()


def test_metrics_and_impact_analysis_by_the_analyst(client, engagement, analyst):
    ticket = TicketFactory(engagement=engagement)
    client.force_login(analyst)

    client.post(url("backlog:metric-add", ticket), {"name": "Conversion", "target": "+0.3 pt"})
    client.post(
        url("backlog:impact-analysis", ticket),
        {"affected_areas": "Checkout, ERP export", "risk_level": "high"},
    )

    content = client.get(url("backlog:ticket-detail", ticket)).content.decode()
    assert "Conversion: <strong>+0.3 pt</strong>" in content
    assert "Checkout, ERP export" in content
    assert ticket.impact_analysis.risk_level == "high"


def test_the_tester_records_a_verdict_per_criterion(client, engagement, tester, analyst):
    ticket = TicketFactory(engagement=engagement, status="qa")
    first = CriterionFactory(ticket=ticket, author=analyst, text="First")
    second = CriterionFactory(ticket=ticket, author=analyst, text="Second")
    client.force_login(tester)

    refused = client.post(
        url("backlog:qa-verdict-add", ticket),
        {f"criterion_{first.pk}": "pass", f"criterion_{second.pk}": "fail", "passed": "pass"},
    )
    assert refused.status_code == 200
    assert "A verdict cannot pass while one of its criteria failed." in refused.content.decode()
    assert not QAVerdict.objects.exists()

    response = client.post(
        url("backlog:qa-verdict-add", ticket),
        {
            f"criterion_{first.pk}": "pass",
            f"criterion_{second.pk}": "fail",
            "passed": "fail",
            "notes": "Second fails on mobile",
        },
    )

    assert response.status_code == 302
    verdict = QAVerdict.objects.get()
    assert (verdict.passed, verdict.tester, verdict.notes) == (
        False,
        tester,
        "Second fails on mobile",
    )
    assert dict(verdict.results.values_list("criterion_id", "passed")) == {
        first.pk: True,
        second.pk: False,
    }


def test_the_client_rejects_with_a_reason_and_the_ticket_goes_back(client, engagement, director):
    ticket = TicketFactory(engagement=engagement, status="qa")
    client.force_login(director)

    missing = client.post(url("backlog:ticket-acceptance", ticket), {"decision": "rejected"})
    assert "Say why the ticket is not accepted." in missing.content.decode()
    assert not ClientAcceptance.objects.exists()

    client.post(
        url("backlog:ticket-acceptance", ticket),
        {"decision": "rejected", "reason": "Wrong colour"},
    )

    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    assert ClientAcceptance.objects.get().reason == "Wrong colour"


def test_agency_staff_cannot_accept_for_the_client(client, engagement, pm):
    ticket = TicketFactory(engagement=engagement, status="qa")
    client.force_login(pm)

    response = client.post(url("backlog:ticket-acceptance", ticket), {"decision": "accepted"})

    assert response.status_code == 403
    assert not ClientAcceptance.objects.exists()


def test_stakeholder_scores_flag_a_disagreement(client, engagement, director):
    ticket = TicketFactory(engagement=engagement)
    stakeholder = member(engagement, Role.STAKEHOLDER)
    client.force_login(director)
    client.post(url("backlog:stakeholder-score", ticket), {"score": "5", "comment": "Vital"})
    client.force_login(stakeholder)

    client.post(url("backlog:stakeholder-score", ticket), {"score": "2"})

    ticket.refresh_from_db()
    assert ticket.needs_alignment is True
    assert sorted(StakeholderScore.objects.values_list("score", flat=True)) == [2, 5]


def test_a_comment_is_rendered_as_sanitized_markdown(client, engagement, pm):
    ticket = TicketFactory(engagement=engagement)
    client.force_login(pm)

    client.post(
        url("backlog:comment-add", ticket),
        {"body": "See [the spec](https://example.com/spec) and [this](javascript:alert(1))"},
    )

    assert Comment.objects.get().author == pm
    content = client.get(url("backlog:ticket-detail", ticket)).content.decode()
    assert (
        '<a href="https://example.com/spec" rel="noopener noreferrer nofollow">the spec</a>'
        in content
    )
    assert 'href="javascript' not in content


# --- Strategic alignment (served by the roadmap) -----------------------------------------


def test_the_alignment_fragment_sets_a_level_and_the_ticket_follows(client, engagement, director):
    objective = StrategicObjective.objects.create(
        engagement=engagement, title="Grow B2B", weight=D("2")
    )
    ticket = TicketFactory(engagement=engagement)
    client.force_login(director)

    fragment = client.get(url("roadmap:ticket-alignment", ticket), headers={"HX-Request": "true"})
    assert "Grow B2B" in fragment.content.decode()
    assert "<html" not in fragment.content.decode()

    response = client.post(
        url("roadmap:ticket-alignment", ticket),
        {f"objective_{objective.pk}": "key"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert TicketAlignment.objects.get().level == "key"
    ticket.refresh_from_db()
    assert ticket.strategic_alignment == D("4")


def test_a_developer_cannot_change_the_alignment(client, engagement):
    objective = StrategicObjective.objects.create(engagement=engagement, title="Grow B2B")
    ticket = TicketFactory(engagement=engagement)
    client.force_login(member(engagement, Role.DEVELOPER))

    response = client.post(
        url("roadmap:ticket-alignment", ticket), {f"objective_{objective.pk}": "key"}
    )

    assert response.status_code == 403
    assert not TicketAlignment.objects.exists()


# --- Isolation ---------------------------------------------------------------------------


def test_a_member_of_another_engagement_gets_404_on_every_page(
    client, engagement, other_engagement
):
    sprint = SprintFactory(engagement=engagement)
    ticket = TicketFactory(engagement=engagement, title="Secret plan", sprint=sprint)
    criterion = CriterionFactory(ticket=ticket)
    stranger = member(other_engagement, Role.DIRECTOR)
    client.force_login(stranger)
    slug = engagement.slug
    gets = [
        reverse("backlog:ticket-list", args=[slug]),
        reverse("backlog:matrix", args=[slug]),
        reverse("backlog:ticket-create", args=[slug]),
        reverse("backlog:sprint-list", args=[slug]),
        reverse("backlog:sprint-board", args=[slug, sprint.pk]),
        url("backlog:ticket-detail", ticket),
        url("backlog:ticket-update", ticket),
        url("backlog:criterion-update", ticket, criterion.pk),
        url("roadmap:ticket-alignment", ticket),
    ]
    posts = [
        url(name, ticket)
        for name in (
            "backlog:ticket-pin",
            "backlog:ticket-transition",
            "backlog:ticket-value-update",
            "backlog:ticket-score-preview",
            "backlog:comment-add",
            "backlog:criterion-add",
            "backlog:metric-add",
            "backlog:impact-analysis",
            "backlog:qa-verdict-add",
            "backlog:ticket-acceptance",
            "backlog:stakeholder-score",
        )
    ] + [url("backlog:criterion-delete", ticket, criterion.pk)]

    for path in gets:
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Secret plan" not in response.content.decode()
    for path in posts:
        assert client.post(path, {"rank": "1", "to_status": "triage", "body": "x"}).status_code == (
            404
        ), path
    ticket.refresh_from_db()
    assert (ticket.status, ticket.manual_rank, ticket.version) == ("new", None, 1)
    assert not Comment.objects.exists()


def test_another_engagements_ticket_key_is_not_found_in_mine(
    client, engagement, other_engagement, director
):
    foreign = TicketFactory(engagement=other_engagement, title="Their ticket")
    client.force_login(director)
    mine_with_their_key = reverse("backlog:ticket-detail", args=[engagement.slug, foreign.key])
    mine_with_their_number = reverse(
        "backlog:ticket-detail", args=[engagement.slug, f"NORD-{foreign.number}"]
    )

    assert client.get(mine_with_their_key).status_code == 404
    assert client.get(mine_with_their_number).status_code == 404
    pin = client.post(
        reverse("backlog:ticket-pin", args=[engagement.slug, foreign.key]), {"rank": "1"}
    )
    assert pin.status_code == 404
    foreign.refresh_from_db()
    assert foreign.manual_rank is None


def test_the_criterion_and_alignment_pages_work_without_javascript(client, engagement, analyst):
    StrategicObjective.objects.create(engagement=engagement, title="Grow B2B", horizon="2027")
    ticket = TicketFactory(engagement=engagement)
    criterion = CriterionFactory(ticket=ticket, text="Shows the date", author=analyst)
    client.force_login(analyst)

    edit = client.get(url("backlog:criterion-update", ticket, criterion.pk))
    alignment = client.get(url("roadmap:ticket-alignment", ticket))
    saved = client.post(
        url("roadmap:ticket-alignment", ticket),
        {f"objective_{StrategicObjective.objects.get().pk}": "supports"},
    )

    assert edit.status_code == 200
    assert "Shows the date" in edit.content.decode()
    assert alignment.status_code == 200
    assert "<html" in alignment.content.decode()
    assert "Horizon 2027, weight 1.00" in alignment.content.decode()
    assert saved.status_code == 302
    assert saved["Location"] == url("backlog:ticket-detail", ticket) + "#alignment"
