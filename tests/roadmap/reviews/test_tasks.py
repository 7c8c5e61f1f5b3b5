"""Value realisation asked once after the delay; overdue reviews flagged and reminded daily."""

import datetime as dt
from decimal import Decimal

import time_machine

from collab.rhythm.models import Meeting, Notification
from roadmap.models import RoadmapSettings
from roadmap.reviews import services, tasks
from roadmap.reviews.models import ReviewState, ValueRealisation
from roadmap.reviews.selectors import realisation_accuracy, review_overdue
from tests.backlog.factories import TicketFactory
from tests.roadmap.reviews.conftest import attend, done_ticket

UTC = dt.UTC
DONE = dt.datetime(2027, 1, 4, 10, 0, tzinfo=UTC)


def test_the_director_is_asked_once_eight_weeks_after_done(engagement, team):
    ticket = done_ticket(engagement, team["director"], at=DONE, revenue="12000")
    TicketFactory(engagement=engagement, reporter=team["director"], status="done")  # no value

    with time_machine.travel(DONE + dt.timedelta(weeks=8) - dt.timedelta(minutes=1), tick=False):
        assert tasks.value_realisations_sweep_task() == {"recorded": 1, "requested": 0}
    assert Notification.objects.count() == 0
    row = ValueRealisation.objects.get()
    assert (row.ticket, row.done_at, row.estimated_annual_value, row.requested_at) == (
        ticket,
        DONE,
        Decimal("12000.00"),
        None,
    )

    asked = DONE + dt.timedelta(weeks=8)
    with time_machine.travel(asked, tick=False):
        assert tasks.value_realisations_sweep_task() == {"recorded": 0, "requested": 1}
        assert tasks.value_realisations_sweep_task() == {"recorded": 0, "requested": 0}
    with time_machine.travel(asked + dt.timedelta(days=30), tick=False):
        assert tasks.value_realisations_sweep_task() == {"recorded": 0, "requested": 0}

    row.refresh_from_db()
    assert row.requested_at == asked
    notification = Notification.objects.get()
    assert (notification.person, notification.kind, notification.title, notification.url) == (
        team["director"],
        "value_realisation",
        f"{ticket.key} was done 8 weeks ago: what value did it bring?",
        "/engagements/nordfer/value/",
    )


def test_the_delay_is_an_engagement_setting(engagement, team):
    RoadmapSettings.objects.create(engagement=engagement, value_realisation_weeks=2)
    done_ticket(engagement, team["director"], at=DONE)

    with time_machine.travel(DONE + dt.timedelta(weeks=2), tick=False):
        assert tasks.value_realisations_sweep_task() == {"recorded": 1, "requested": 1}


def test_realised_values_give_the_accuracy_per_quarter(engagement, team):
    first = done_ticket(engagement, team["director"], at=DONE, revenue="10000")
    second = done_ticket(
        engagement, team["director"], at=dt.datetime(2027, 2, 1, tzinfo=UTC), revenue="30000"
    )
    third = done_ticket(
        engagement, team["director"], at=dt.datetime(2027, 5, 1, tzinfo=UTC), revenue="5000"
    )
    services.value_realisations_sweep(now=dt.datetime(2027, 6, 1, tzinfo=UTC))
    for ticket, value in ((first, "8000"), (second, "24000"), (third, "6000")):
        services.value_realisation_record(
            actor=team["director"],
            realisation=ValueRealisation.objects.get(ticket=ticket),
            realised_annual_value=Decimal(value),
        )

    assert [
        (row.quarter, row.tickets, row.estimated, row.realised, row.accuracy)
        for row in realisation_accuracy(engagement=engagement)
    ] == [
        ("2027-Q1", 2, Decimal("40000.00"), Decimal("32000.00"), Decimal("0.80")),
        ("2027-Q2", 1, Decimal("5000.00"), Decimal("6000.00"), Decimal("1.20")),
    ]


def test_an_overdue_review_is_flagged_and_reminded_once_a_day(engagement, team, review):
    ended = review.meeting.ends_at
    assert list(review_overdue(engagement=engagement, now=ended)) == []
    assert list(review_overdue(engagement=engagement, now=ended + dt.timedelta(seconds=1))) == [
        review
    ]

    day_one = ended + dt.timedelta(hours=1)
    with time_machine.travel(day_one, tick=False):
        assert tasks.overdue_reviews_remind_task() == 2
    with time_machine.travel(day_one + dt.timedelta(hours=5), tick=False):
        assert tasks.overdue_reviews_remind_task() == 0
    with time_machine.travel(day_one + dt.timedelta(days=1), tick=False):
        assert tasks.overdue_reviews_remind_task() == 2

    notifications = Notification.objects.filter(kind="review_overdue")
    assert sorted(n.person.email for n in notifications) == [
        "consultant@atelier.example",
        "consultant@atelier.example",
        "director@nordfer.example",
        "director@nordfer.example",
    ]
    assert {n.title for n in notifications} == {
        "The roadmap review of 2027-04-06 (Nordfer Industrie) is not signed off yet."
    }
    assert {n.url for n in notifications} == {f"/engagements/nordfer/reviews/{review.pk}/"}


def test_signed_off_and_cancelled_reviews_are_not_overdue(engagement, team, review):
    later = review.meeting.ends_at + dt.timedelta(days=2)
    review = services.review_start(
        actor=team["consultant"], review=review, now=review.meeting.starts_at
    )
    attend(review.meeting, team["director"], team["consultant"])
    services.review_sign_off(actor=team["director"], review=review)
    assert review_overdue(engagement=engagement, now=later).count() == 0

    Meeting.objects.filter(pk=review.meeting_id).update(status=Meeting.Status.CANCELLED)
    review.refresh_from_db()
    assert review.state == ReviewState.SIGNED_OFF
    assert services.overdue_reviews_remind(now=later) == 0
    assert Notification.objects.filter(kind="review_overdue").count() == 0


def test_the_prepare_task_is_idempotent(engagement, team, review):
    assert tasks.reviews_prepare_task() == 0
