"""The engagement's backlog settings in the domain: the effective routing (stored rows over the
defaults), updating scoring and routing together or not at all, the fingerprint that guards
against lost updates, and the ranking preview under unsaved settings."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from backlog import selectors, services
from backlog.models import ResponsibilityPolicy, ScoringSettings, Status
from roles.models import Role
from tests.backlog.factories import TicketFactory
from tests.factories import member

D = Decimal
DEFAULT_ROUTING = {
    "feature": "business_analyst",
    "improvement": "business_analyst",
    "bug": "tester",
    "platform_upgrade": "consultant",
    "security": "consultant",
    "question": "consultant",
}


def stored(engagement) -> tuple[list, list]:
    """Every stored row of the engagement's settings, to show that nothing changed."""
    return (
        list(ScoringSettings.objects.filter(engagement=engagement).values()),
        list(
            ResponsibilityPolicy.objects.filter(engagement=engagement)
            .order_by("kind")
            .values_list("kind", "role")
        ),
    )


def disagreeing_backlog(engagement) -> list[str]:
    """Three open tickets ranked A, C, B by value per effort and B, C, A by WSJF (plus a done
    ticket that ranks nowhere). Value per effort, confidence medium (0.8): A 100,000 x 0.8 / 10
    = 8000, C 30,000 x 0.8 / 4 = 6000, B 5,000 x 0.8 / 1 = 4000. WSJF, 10,000 per point:
    A (100,000 + 0) / (10,000 x 10) = 1, B (5,000 + 10,000 x 10) / (10,000 x 1) = 10.5,
    C (30,000 + 10,000 x 5) / (10,000 x 4) = 2."""
    a = TicketFactory(engagement=engagement, annual_revenue_gain=D("100000"), effort_days=D("10"))
    b = TicketFactory(
        engagement=engagement,
        annual_revenue_gain=D("5000"),
        effort_days=D("1"),
        time_criticality=10,
    )
    c = TicketFactory(
        engagement=engagement,
        annual_revenue_gain=D("30000"),
        effort_days=D("4"),
        risk_reduction=5,
    )
    TicketFactory(
        engagement=engagement,
        annual_revenue_gain=D("900000"),
        effort_days=D("1"),
        status=Status.DONE,
    )
    return [a.key, b.key, c.key]


# --- Routing ------------------------------------------------------------------------------------


def test_the_routing_is_the_default_until_the_engagement_chooses(engagement):
    assert selectors.responsibility_routing_get(engagement=engagement) == DEFAULT_ROUTING


def test_stored_rows_override_the_defaults_kind_by_kind(engagement, other_engagement):
    ResponsibilityPolicy.objects.create(engagement=engagement, kind="bug", role="developer")
    ResponsibilityPolicy.objects.create(
        engagement=other_engagement, kind="question", role="project_manager"
    )

    assert selectors.responsibility_routing_get(engagement=engagement) == {
        **DEFAULT_ROUTING,
        "bug": "developer",
    }


@pytest.mark.parametrize("rows", [0, 6])
def test_the_routing_is_read_in_one_query(engagement, django_assert_num_queries, rows):
    for kind in list(DEFAULT_ROUTING)[:rows]:
        ResponsibilityPolicy.objects.create(engagement=engagement, kind=kind, role="developer")

    with django_assert_num_queries(1):
        routing = selectors.responsibility_routing_get(engagement=engagement)

    assert len(routing) == 6


def test_updating_the_routing_changes_only_the_kinds_given(engagement):
    ResponsibilityPolicy.objects.create(engagement=engagement, kind="bug", role="developer")

    routing = services.responsibility_policy_update(
        engagement=engagement, routing={"bug": "project_manager", "question": "business_analyst"}
    )

    assert routing == {**DEFAULT_ROUTING, "bug": "project_manager", "question": "business_analyst"}
    assert stored(engagement)[1] == [("bug", "project_manager"), ("question", "business_analyst")]


@pytest.mark.parametrize(
    ("routing", "message"),
    [
        (
            {"epic": "tester"},
            "epic: this is not a kind of ticket "
            "(feature, improvement, bug, platform_upgrade, security, question).",
        ),
        (
            {"bug": "director"},
            "bug: director is not a role of the agency; choose one of project_manager, "
            "consultant, business_analyst, tester, developer, agency_admin.",
        ),
        (
            {"bug": "wizard"},
            "bug: wizard is not a role of the agency; choose one of project_manager, "
            "consultant, business_analyst, tester, developer, agency_admin.",
        ),
    ],
)
def test_an_unknown_kind_or_a_role_outside_the_agency_is_refused(engagement, routing, message):
    ResponsibilityPolicy.objects.create(engagement=engagement, kind="bug", role="developer")
    before = stored(engagement)

    with pytest.raises(ValidationError) as refusal:
        services.responsibility_policy_update(
            engagement=engagement, routing={"question": "tester", **routing}
        )

    assert refusal.value.message_dict == {"routing": [message]}
    assert stored(engagement) == before


def test_a_new_ticket_goes_to_the_role_the_updated_routing_names(engagement):
    pm = member(engagement, Role.PROJECT_MANAGER)
    developer = member(engagement, Role.DEVELOPER)
    member(engagement, Role.TESTER)
    services.backlog_settings_update(
        engagement=engagement, scoring={}, routing={"bug": "developer"}
    )

    bug = services.ticket_create(actor=pm, engagement=engagement, title="Crash", kind="bug")
    question = services.ticket_create(
        actor=pm, engagement=engagement, title="Why?", kind="question"
    )

    assert (bug.responsible_role, bug.assignee, bug.unrouted) == ("developer", developer, False)
    assert (question.responsible_role, question.assignee, question.unrouted) == (
        "consultant",
        None,
        True,
    )
    assert services.responsible_role_for(engagement=engagement, kind="bug") == "developer"


# --- Scoring and routing together ---------------------------------------------------------------


def test_scoring_and_routing_are_saved_together(engagement):
    result = services.backlog_settings_update(
        engagement=engagement,
        scoring={
            "model": "wsjf",
            "strategic_weight": D("0.5"),
            "wsjf_value_per_point": D("2500"),
            "qa_required": False,
        },
        routing={"security": "tester"},
    )

    row = ScoringSettings.objects.get(engagement=engagement)
    assert (row.model, row.strategic_weight, row.wsjf_value_per_point, row.qa_required) == (
        "wsjf",
        D("0.500"),
        D("2500.00"),
        False,
    )
    assert (row.rice_impact_unit, row.impact_analysis_threshold_days) == (D("10000"), D("5"))
    assert result.routing == {**DEFAULT_ROUTING, "security": "tester"}
    assert result.scoring.model == "wsjf"


def test_every_error_of_both_halves_is_reported_and_nothing_is_saved(engagement):
    services.scoring_settings_update(engagement=engagement, data={"model": "rice"})
    before = stored(engagement)

    with pytest.raises(ValidationError) as refusal:
        services.backlog_settings_update(
            engagement=engagement,
            scoring={
                "model": "wsjf",
                "strategic_weight": D("-1"),
                "rice_impact_unit": D("0"),
            },
            routing={"bug": "developer", "feature": "director"},
        )

    assert refusal.value.message_dict == {
        "strategic_weight": ["Ensure this value is greater than or equal to 0."],
        "rice_impact_unit": ["Ensure this value is greater than or equal to 0.01."],
        "routing": [
            "feature: director is not a role of the agency; choose one of project_manager, "
            "consultant, business_analyst, tester, developer, agency_admin."
        ],
    }
    assert stored(engagement) == before


def test_a_valid_scoring_with_a_bad_routing_saves_neither(engagement):
    with pytest.raises(ValidationError):
        services.backlog_settings_update(
            engagement=engagement, scoring={"model": "wsjf"}, routing={"epic": "tester"}
        )

    assert stored(engagement) == ([], [])


def test_a_field_that_is_not_a_setting_is_refused(engagement):
    with pytest.raises(ValidationError) as refusal:
        services.backlog_settings_update(
            engagement=engagement, scoring={"engagement_id": 3, "model": "wsjf"}, routing={}
        )

    assert refusal.value.message_dict == {"engagement_id": ["This field cannot be changed."]}
    assert stored(engagement) == ([], [])


def test_a_save_from_a_stale_read_is_refused_and_writes_nothing(engagement):
    read = selectors.backlog_settings_get(engagement=engagement).fingerprint
    services.backlog_settings_update(
        engagement=engagement, scoring={"model": "rice"}, routing={}, expected_fingerprint=read
    )
    after_first = stored(engagement)

    with pytest.raises(services.StaleSettings):
        services.backlog_settings_update(
            engagement=engagement,
            scoring={"model": "wsjf"},
            routing={"bug": "developer"},
            expected_fingerprint=read,
        )

    assert stored(engagement) == after_first


def test_the_fingerprint_follows_every_setting_and_ignores_trailing_zeros(engagement):
    default = selectors.backlog_settings_get(engagement=engagement).fingerprint
    services.scoring_settings_update(engagement=engagement, data={"strategic_weight": D("0.25")})
    same_values = selectors.backlog_settings_get(engagement=engagement).fingerprint
    services.responsibility_policy_update(engagement=engagement, routing={"bug": "tester"})
    same_routing = selectors.backlog_settings_get(engagement=engagement).fingerprint
    services.responsibility_policy_update(engagement=engagement, routing={"bug": "developer"})
    new_routing = selectors.backlog_settings_get(engagement=engagement).fingerprint
    services.scoring_settings_update(engagement=engagement, data={"qa_required": False})
    new_rule = selectors.backlog_settings_get(engagement=engagement).fingerprint

    assert default == same_values == same_routing
    assert len({default, new_routing, new_rule}) == 3


# --- Ranking preview ----------------------------------------------------------------------------


def test_the_preview_ranks_the_open_backlog_under_unsaved_settings(engagement):
    a, b, c = disagreeing_backlog(engagement)
    current = selectors.scoring_settings_get(engagement=engagement)
    proposed = services.scoring_settings_build(engagement=engagement, data={"model": "wsjf"})

    preview = selectors.ranking_preview(engagement=engagement, current=current, proposed=proposed)

    assert [(m.ticket.key, m.before, m.after, m.change) for m in preview.current] == [
        (a, 1, 3, -2),
        (c, 2, 2, 0),
        (b, 3, 1, 2),
    ]
    assert [(m.ticket.key, m.before, m.after, m.change) for m in preview.proposed] == [
        (b, 3, 1, 2),
        (c, 2, 2, 0),
        (a, 1, 3, -2),
    ]
    assert [m.ticket.score for m in preview.current] == [D("8000"), D("6000"), D("4000")]
    assert [m.ticket.score for m in preview.proposed] == [D("10.5"), D("2"), D("1")]
    assert not ScoringSettings.objects.filter(engagement=engagement).exists()


def test_the_preview_names_the_place_of_tickets_entering_or_leaving_the_top(engagement):
    # By value per effort the larger revenue ranks first; by WSJF these eleven are capped at
    # 10 points and tie at 1, so their numbers order them, after the urgent one (9.1).
    keys = [
        TicketFactory(
            engagement=engagement, annual_revenue_gain=D(100000 + 1000 * n), effort_days=D("10")
        ).key
        for n in range(11)
    ]
    urgent = TicketFactory(
        engagement=engagement, annual_revenue_gain=D("1000"), effort_days=D("1"), time_criticality=9
    ).key
    current = selectors.scoring_settings_get(engagement=engagement)
    proposed = services.scoring_settings_build(engagement=engagement, data={"model": "wsjf"})

    preview = selectors.ranking_preview(engagement=engagement, current=current, proposed=proposed)

    assert [(m.ticket.key, m.before, m.after) for m in preview.current] == [
        (keys[10], 1, 12),
        (keys[9], 2, 11),
        *[(keys[n], 11 - n, n + 2) for n in range(8, 0, -1)],
    ]
    assert [(m.ticket.key, m.before, m.after) for m in preview.proposed] == [
        (urgent, 12, 1),
        (keys[0], 11, 2),
        *[(keys[n], 11 - n, n + 2) for n in range(1, 9)],
    ]


@pytest.mark.parametrize("size", [2, 20])
def test_the_preview_costs_the_same_queries_for_2_and_20_tickets(
    engagement, django_assert_num_queries, size
):
    for number in range(size):
        TicketFactory(
            engagement=engagement, annual_revenue_gain=D(1000 + number), effort_days=D("1")
        )
    current = selectors.scoring_settings_get(engagement=engagement)
    proposed = services.scoring_settings_build(engagement=engagement, data={"model": "rice"})

    # one query per ranking (the stored one and the proposed one)
    with django_assert_num_queries(2):
        preview = selectors.ranking_preview(
            engagement=engagement, current=current, proposed=proposed
        )

    assert len(preview.current) == min(size, 10)
