"""Reviews: one per review meeting, the pack, the session, sign-off and its snapshot."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from collab.rhythm.models import Meeting
from roadmap.models import StrategicObjective
from roadmap.reviews import services
from roadmap.reviews.models import Review, ReviewDecision, ReviewSnapshot, ReviewState
from roles.rhythm import engagement_meetings_schedule
from tests.backlog.factories import TicketFactory
from tests.roadmap.reviews.conftest import (
    attend,
    done_ticket,
    review_meeting,
    roadmap_item,
)

UTC = dt.UTC
NOW = dt.datetime(2027, 4, 6, 9, 0, tzinfo=UTC)


def test_a_review_meeting_gets_one_review_whatever_the_number_of_calls(engagement, review):
    again = services.review_for_meeting(meeting=review.meeting)

    assert again.pk == review.pk
    assert Review.objects.count() == 1
    assert review.state == ReviewState.PREPARING
    # The first review covers one cadence period (a quarter) back from its meeting.
    assert review.period_start == dt.datetime(2027, 1, 6, 8, 45, tzinfo=UTC)
    assert review.period_end == dt.datetime(2027, 4, 6, 8, 45, tzinfo=UTC)


def test_the_next_review_starts_where_the_previous_one_ended(engagement, team, review):
    meeting = review_meeting(engagement, dt.datetime(2027, 7, 6, 8, 45, tzinfo=UTC))

    following = services.review_for_meeting(meeting=meeting)

    assert following.period_start == review.period_end


def test_a_weekly_sync_has_no_review(engagement, team):
    meeting = review_meeting(engagement, NOW)
    meeting.kind = Meeting.Kind.WEEKLY_SYNC
    meeting.save()

    with pytest.raises(ValidationError):
        services.review_for_meeting(meeting=meeting)
    assert Review.objects.count() == 0


@pytest.mark.parametrize(
    ("cadence", "expected"),
    [
        (
            "monthly",
            [dt.date(2027, month, 1) for month in range(1, 13)],
        ),
        (
            "quarterly",
            [
                dt.date(2027, 1, 1),
                dt.date(2027, 4, 1),
                dt.date(2027, 7, 1),
                dt.date(2027, 10, 1),
                dt.date(2028, 1, 1),
            ],
        ),
        ("half_yearly", [dt.date(2027, 1, 1), dt.date(2027, 7, 1), dt.date(2028, 1, 1)]),
        ("yearly", [dt.date(2027, 1, 1), dt.date(2028, 1, 1)]),
    ],
)
def test_each_review_cadence_gets_its_reviews(engagement, team, cadence, expected):
    engagement.review_cadence = cadence
    engagement.save()
    for month in range(1, 13):
        now = dt.datetime(2027, month, 1, tzinfo=UTC)
        with time_machine.travel(now, tick=False):
            engagement_meetings_schedule(engagement=engagement, now=now)
            services.reviews_prepare(now=now)
            services.reviews_prepare(now=now)

    reviews = list(Review.objects.select_related("meeting").order_by("period_end"))
    assert [r.meeting.occurrence_date for r in reviews] == expected
    # Each review covers the time since the previous one.
    assert all(b.period_start == a.period_end for a, b in itertools.pairwise(reviews))
    assert all(r.pack["period"]["end"] == r.period_end.isoformat() for r in reviews)


def test_the_pack_holds_every_section(engagement, team, review):
    director = team["director"]
    delivered = done_ticket(
        engagement, director, at=dt.datetime(2027, 2, 10, tzinfo=UTC), revenue="12000"
    )
    done_ticket(engagement, director, at=dt.datetime(2026, 12, 1, tzinfo=UTC))
    scored = {
        value: TicketFactory(
            engagement=engagement,
            reporter=director,
            status="ready",
            annual_revenue_gain=Decimal(value),
            effort_days=Decimal("1"),
        )
        for value in ("10000", "5000", "1000")
    }
    in_period = dt.datetime(2027, 3, 1, tzinfo=UTC)
    pending = TicketFactory(
        engagement=engagement,
        reporter=director,
        origin="agency_initiative",
        status="triage",
        created_at=in_period,
    )
    accepted = TicketFactory(
        engagement=engagement,
        reporter=director,
        origin="agency_initiative",
        status="analysis",
        initiative_decision="accepted",
        created_at=in_period,
    )
    rejected = TicketFactory(
        engagement=engagement,
        reporter=director,
        origin="agency_initiative",
        status="rejected",
        initiative_decision="declined",
        created_at=in_period,
    )
    TicketFactory(
        engagement=engagement,
        reporter=director,
        origin="agency_initiative",
        status="rejected",
        created_at=dt.datetime(2026, 12, 1, tzinfo=UTC),
    )
    slipped = roadmap_item(engagement, "Punch-out", quarter="2027-Q1")
    roadmap_item(engagement, "Delivered", quarter="2027-Q1", status="delivered")
    roadmap_item(engagement, "B2B prices", quarter="2027-Q2", tickets=[scored["5000"]])
    roadmap_item(engagement, "Search", lane="now")
    StrategicObjective.objects.create(
        engagement=engagement, title="B2B orders", kpi="B2B online orders", target="+15 %"
    )

    review = services.review_pack_refresh(review=review, now=NOW)
    pack = review.pack

    assert pack["built_at"] == NOW.isoformat()
    assert pack["period"] == {
        "start": "2027-01-06T08:45:00+00:00",
        "end": "2027-04-06T08:45:00+00:00",
        "quarter": "2027-Q2",
    }
    assert pack["value_delivered"] == {
        "tickets": [
            {
                "key": delivered.key,
                "title": delivered.title,
                "done_at": "2027-02-10T00:00:00+00:00",
                "annual_value": "12000.00",
            }
        ],
        "total": "12000.00",
    }
    assert pack["slipped"] == [
        {"id": slipped.pk, "title": "Punch-out", "quarter": "2027-Q1", "status": "planned"}
    ]
    assert pack["initiatives"] == {
        "tickets": [
            {"key": pending.key, "title": pending.title, "status": "triage", "fate": "pending"},
            {
                "key": accepted.key,
                "title": accepted.title,
                "status": "analysis",
                "fate": "accepted",
            },
            {
                "key": rejected.key,
                "title": rejected.title,
                "status": "rejected",
                "fate": "rejected",
            },
        ],
        "counts": {"accepted": 1, "rejected": 1, "pending": 1},
    }
    assert [(t["key"], t["rank"], t["score"]) for t in pack["top_unplanned"]] == [
        (scored["10000"].key, 1, "8000.000000"),
        (scored["1000"].key, 3, "800.000000"),
        (pending.key, 4, None),
        (accepted.key, 5, None),
    ]
    assert pack["roles"] == {
        "holders": [
            {"role": "project_manager", "people": ["Julien"]},
            {"role": "consultant", "people": ["Sam"]},
            {"role": "business_analyst", "people": []},
            {"role": "tester", "people": []},
        ],
        "doubles": [],
        "missing": ["business_analyst", "tester"],
        "health": "risk",
    }
    assert [(o["title"], o["kpi"], o["target"], o["status"]) for o in pack["objectives"]] == [
        ("B2B orders", "B2B online orders", "+15 %", "active")
    ]
    assert pack["realisation"] == {"tickets": [], "accuracy": []}


def _in_session(review, team):
    review = services.review_start(actor=team["consultant"], review=review, now=NOW)
    attend(review.meeting, team["director"], team["consultant"])
    return review


def test_the_pack_stays_as_the_session_saw_it(engagement, team, review):
    review = services.review_start(actor=team["consultant"], review=review, now=NOW)
    pack = review.pack

    with pytest.raises(ValidationError) as refused:
        services.review_pack_refresh(review=review)

    assert refused.value.messages == [
        "The session has started: the preparation pack can no longer be refreshed."
    ]
    review.refresh_from_db()
    assert review.pack == pack
    assert review.state == ReviewState.IN_SESSION


def test_decisions_are_recorded_during_the_session_only(engagement, team, review):
    with pytest.raises(ValidationError) as refused:
        services.review_decision_add(actor=team["director"], review=review, text="Go")
    assert refused.value.messages == ["Decisions are recorded during the session only."]
    assert ReviewDecision.objects.count() == 0

    review = _in_session(review, team)
    decision = services.review_decision_add(
        actor=team["director"], review=review, text="  Punch-out moves to Q3  "
    )
    assert decision.text == "Punch-out moves to Q3"


def test_the_director_signs_off_and_the_snapshot_is_frozen(engagement, team, review):
    ticket = TicketFactory(
        engagement=engagement,
        reporter=team["director"],
        status="ready",
        annual_revenue_gain=Decimal("10000"),
        effort_days=Decimal("2"),
    )
    item = roadmap_item(engagement, "Punch-out", quarter="2027-Q3", tickets=[ticket])
    objective = StrategicObjective.objects.create(
        engagement=engagement, title="B2B orders", kpi="B2B online orders", target="+15 %"
    )
    review = _in_session(review, team)
    taken = dt.datetime(2027, 4, 6, 10, 0, tzinfo=UTC)

    snapshot = services.review_sign_off(actor=team["director"], review=review, now=taken)

    review.refresh_from_db()
    assert (review.state, review.signed_off_by, review.signed_off_at) == (
        ReviewState.SIGNED_OFF,
        team["director"],
        taken,
    )
    snapshot.refresh_from_db()
    assert snapshot.frozen is True
    assert snapshot.data == {
        "format": 1,
        "taken_at": "2027-04-06T10:00:00+00:00",
        "period_start": review.period_start.isoformat(),
        "period_end": review.period_end.isoformat(),
        "currency": "EUR",
        "backlog": [
            {
                "key": ticket.key,
                "title": ticket.title,
                "status": "ready",
                "score": "4000.000000",
                "rank": 1,
                "quadrant": "big_bet",
                "annual_value": "10000.00",
                "effort_days": "2.00",
                "done_at": None,
            }
        ],
        "roadmap": [
            {
                "place": "2027-Q3",
                "items": [
                    {
                        "id": item.pk,
                        "title": "Punch-out",
                        "status": "planned",
                        "quarter": "2027-Q3",
                        "lane": "",
                        "tickets": [ticket.key],
                    }
                ],
            }
        ],
        "objectives": [
            {
                "id": objective.pk,
                "title": "B2B orders",
                "weight": "1.00",
                "kpi": "B2B online orders",
                "target": "+15 %",
                "status": "active",
            }
        ],
    }


def _assert_unchanged(review, state):
    review.refresh_from_db()
    assert review.state == state
    assert ReviewSnapshot.objects.count() == 0


def test_sign_off_is_refused_without_both_attendances(engagement, team, review):
    review = services.review_start(actor=team["consultant"], review=review, now=NOW)
    attend(review.meeting, team["director"])

    with pytest.raises(services.SignOffRefused) as refused:
        services.review_sign_off(actor=team["director"], review=review)

    assert refused.value.reasons == [
        "The e-commerce consultant is not marked as present at the meeting."
    ]
    _assert_unchanged(review, ReviewState.IN_SESSION)


def test_sign_off_is_refused_to_anyone_but_the_director(engagement, team, review):
    review = _in_session(review, team)

    with pytest.raises(services.SignOffRefused) as refused:
        services.review_sign_off(actor=team["consultant"], review=review)

    assert refused.value.reasons == ["Only the e-commerce director can sign off a review."]
    _assert_unchanged(review, ReviewState.IN_SESSION)


def test_sign_off_is_refused_outside_the_session(engagement, team, review):
    attend(review.meeting, team["director"], team["consultant"])

    with pytest.raises(services.SignOffRefused) as refused:
        services.review_sign_off(actor=team["director"], review=review)

    assert refused.value.reasons == [
        "The review session has not started: start it before signing off."
    ]
    _assert_unchanged(review, ReviewState.PREPARING)


def test_without_anyone_present_every_reason_is_given(engagement, team, review):
    with pytest.raises(services.SignOffRefused) as refused:
        services.review_sign_off(actor=team["pm"], review=review)

    assert refused.value.reasons == [
        "Only the e-commerce director can sign off a review.",
        "The review session has not started: start it before signing off.",
        "The e-commerce director is not marked as present at the meeting.",
        "The e-commerce consultant is not marked as present at the meeting.",
    ]
    _assert_unchanged(review, ReviewState.PREPARING)


@pytest.fixture
def snapshot(engagement, team, review):
    TicketFactory(engagement=engagement, reporter=team["director"], status="new")
    review = _in_session(review, team)
    return services.review_sign_off(actor=team["director"], review=review, now=NOW)


def test_a_second_sign_off_is_refused(engagement, team, snapshot):
    with pytest.raises(services.SignOffRefused) as refused:
        services.review_sign_off(actor=team["director"], review=snapshot.review)

    assert refused.value.reasons == ["This review is already signed off."]
    assert ReviewSnapshot.objects.count() == 1


def test_the_service_layer_refuses_to_change_a_snapshot(engagement, snapshot):
    data = dict(snapshot.data)

    for attempt in (
        lambda: services.snapshot_change(snapshot=snapshot, changes={"data": {}}),
        lambda: services.snapshot_delete(snapshot=snapshot),
    ):
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.messages == [
            "A signed-off review's snapshot is frozen: it can no longer change."
        ]

    snapshot.refresh_from_db()
    assert snapshot.data == data


@pytest.mark.usefixtures("postgresql_required")
def test_the_database_refuses_to_change_a_snapshot(engagement, snapshot):
    data = dict(snapshot.data)
    attempts = [
        lambda: ReviewSnapshot.objects.filter(pk=snapshot.pk).update(data={}),
        lambda: ReviewSnapshot.objects.filter(pk=snapshot.pk).delete(),
    ]

    def save():
        snapshot.data = {"backlog": []}
        snapshot.save()

    for attempt in [*attempts, save]:
        with pytest.raises(DatabaseError) as refused, transaction.atomic():
            attempt()
        assert "The snapshot of a signed-off review can no longer change" in str(refused.value)

    stored = ReviewSnapshot.objects.get(pk=snapshot.pk)
    assert stored.data == data
