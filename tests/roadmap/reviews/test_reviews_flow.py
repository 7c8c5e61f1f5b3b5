"""Reviews that flow: the consultant marks the review held, the session starts on the meeting's
day, sign-off refusals link to what is missing, the minutes and the decision log carry the
review's decisions, the pack and the diff agree on value delivered, and the next review is
scheduled as soon as one is held."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from collab.rhythm.models import Meeting, Outcome
from collab.rhythm.reminders import reminders_sweep
from collab.rhythm.selectors import decision_log
from collab.rhythm.services import meeting_move
from roadmap.reviews import services
from roadmap.reviews.diff import snapshot_diff
from roadmap.reviews.models import ReviewSnapshot, ReviewState
from roles.rhythm import engagement_meetings_schedule
from tests.backlog.factories import TicketFactory
from tests.roadmap.reviews.conftest import attend, done_ticket, review_meeting

UTC = dt.UTC
pytestmark = pytest.mark.django_db
# The review meeting of the ``review`` fixture: Tuesday 6 April 2027, 08:45 UTC.
MEETING_START = dt.datetime(2027, 4, 6, 8, 45, tzinfo=UTC)


def test_the_consultant_marks_the_review_meeting_held_from_its_page(client, team, review):
    url = reverse("rhythm:meeting-detail", args=["nordfer", review.meeting_id])
    with time_machine.travel(MEETING_START + dt.timedelta(hours=2), tick=False):
        client.force_login(team["consultant"])
        assert "Mark held and send the minutes" in client.get(url).content.decode()
        response = client.post(
            reverse("rhythm:meeting-mark-held", args=["nordfer", review.meeting_id]),
            {"attended": [team["director"].pk, team["consultant"].pk]},
        )

    assert response.status_code == 302
    assert Meeting.objects.get(pk=review.meeting_id).status == Meeting.Status.HELD


def test_the_consultant_still_cannot_mark_a_weekly_sync_held(client, engagement, team):
    sync = Meeting.objects.create(
        engagement=engagement,
        kind=Meeting.Kind.WEEKLY_SYNC,
        starts_at=MEETING_START,
        ends_at=MEETING_START + dt.timedelta(hours=1),
    )
    with time_machine.travel(MEETING_START + dt.timedelta(hours=2), tick=False):
        client.force_login(team["consultant"])
        response = client.post(reverse("rhythm:meeting-mark-held", args=["nordfer", sync.pk]))

    assert response.status_code == 403
    assert Meeting.objects.get(pk=sync.pk).status == Meeting.Status.SCHEDULED


def test_a_session_starts_no_earlier_than_the_meetings_day(team, review):
    with pytest.raises(ValidationError, match=r"on the day of the review meeting \(2027-04-06\)"):
        services.review_start(
            actor=team["consultant"], review=review, now=dt.datetime(2027, 4, 5, 21, tzinfo=UTC)
        )
    review.refresh_from_db()
    assert (review.state, review.session_started_at) == (ReviewState.PREPARING, None)

    # 00:30 in Paris on the day itself (22:30 UTC the day before).
    started = services.review_start(
        actor=team["consultant"], review=review, now=dt.datetime(2027, 4, 5, 22, 30, tzinfo=UTC)
    )
    assert started.state == ReviewState.IN_SESSION


def test_each_sign_off_refusal_links_to_what_is_missing(client, api_client, team, review):
    client.force_login(team["director"])
    response = client.post(reverse("reviews:review-sign-off", args=["nordfer", review.pk]))

    assert response.status_code == 409
    html = response.content.decode()
    review_url = reverse("reviews:review-detail", args=["nordfer", review.pk])
    attendance = reverse("rhythm:meeting-detail", args=["nordfer", review.meeting_id])
    assert f'href="{review_url}#heading-session"' in html
    assert html.count(f'href="{attendance}#attendees"') >= 2
    assert ReviewSnapshot.objects.count() == 0

    api_client.force_authenticate(team["director"])
    body = api_client.post(f"/api/v1/engagements/nordfer/reviews/{review.pk}/sign-off/").json()
    assert body["reasons"] == [
        "The review session has not started: start it before signing off.",
        "The e-commerce director is not marked as present at the meeting.",
        "The e-commerce consultant is not marked as present at the meeting.",
    ]
    assert body["links"] == [
        f"http://testserver{review_url}#heading-session",
        f"http://testserver{attendance}#attendees",
        f"http://testserver{attendance}#attendees",
    ]


def test_the_reviews_decisions_are_in_its_minutes_and_the_decision_log(engagement, team, review):
    review = services.review_start(actor=team["consultant"], review=review, now=MEETING_START)
    ticket = TicketFactory(engagement=engagement, reporter=team["director"])
    services.review_decision_add(
        actor=team["director"], review=review, text="Punch-out moves to Q3", ticket=ticket
    )
    from roles.rhythm import meeting_held

    with time_machine.travel(MEETING_START + dt.timedelta(hours=2), tick=False):
        meeting_held(meeting=review.meeting, attended=[team["director"], team["consultant"]])
        reminders_sweep()

    minutes = [m for m in mail.outbox if ".minutes." in m.extra_headers["Message-ID"]]
    assert minutes
    assert f"{ticket.key}: Punch-out moves to Q3" in minutes[0].body
    assert "Decisions: none" not in minutes[0].body
    assert [(o.text, o.meeting_id) for o in decision_log(engagement=engagement)] == [
        (f"{ticket.key}: Punch-out moves to Q3", review.meeting_id)
    ]
    assert Outcome.objects.get().recorded_by == team["director"]


def test_the_pack_and_the_diff_give_the_same_value_delivered(engagement, team, review):
    first = services.review_start(actor=team["consultant"], review=review, now=MEETING_START)
    attend(first.meeting, team["director"], team["consultant"])
    # Done after the first review's meeting began but before its sign-off: the first
    # snapshot already shows it done, yet it was delivered in the second review's period.
    done_ticket(
        engagement, team["director"], at=MEETING_START + dt.timedelta(minutes=30), revenue="24000"
    )
    services.review_sign_off(
        actor=team["director"], review=first, now=MEETING_START + dt.timedelta(hours=1)
    )
    done_ticket(
        engagement, team["director"], at=dt.datetime(2027, 5, 10, tzinfo=UTC), revenue="6000"
    )
    done_ticket(engagement, team["director"], at=dt.datetime(2027, 6, 1, tzinfo=UTC), revenue=None)
    second_start = dt.datetime(2027, 7, 6, 8, 45, tzinfo=UTC)
    meeting = review_meeting(
        engagement, second_start, people=[team["director"], team["consultant"]]
    )
    second = services.review_for_meeting(meeting=meeting, now=second_start)
    second = services.review_start(actor=team["consultant"], review=second, now=second_start)
    attend(meeting, team["director"], team["consultant"])
    snapshot = services.review_sign_off(
        actor=team["director"], review=second, now=second_start + dt.timedelta(hours=1)
    )
    before = ReviewSnapshot.objects.get(review=first)

    pack_total = Decimal(second.pack["value_delivered"]["total"])
    diff = snapshot_diff(before.data, snapshot.data)
    assert pack_total == diff.value_delivered
    assert pack_total > Decimal("24000")  # 24,000 and 6,000 of estimated annual value
    assert [t["key"] for t in second.pack["value_delivered"]["tickets"]] == [
        d.key for d in diff.delivered
    ]
    assert len(diff.delivered) == 3


def test_the_next_review_is_scheduled_once_a_review_moved_earlier_is_held(engagement, team):
    now = dt.datetime(2026, 3, 4, 12, tzinfo=UTC)
    engagement_meetings_schedule(engagement=engagement, now=now)
    (review,) = Meeting.objects.filter(kind=Meeting.Kind.ROADMAP_REVIEW)
    assert review.occurrence_date == dt.date(2026, 4, 1)  # quarterly: the April review
    earlier = dt.datetime(2026, 3, 20, 9, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        meeting_move(meeting=review, starts_at=earlier, ends_at=earlier + dt.timedelta(hours=1))
    from roles.rhythm import meeting_held

    with time_machine.travel(earlier + dt.timedelta(hours=2), tick=False):
        meeting_held(meeting=review, attended=[team["director"]])

    upcoming = Meeting.objects.filter(
        kind=Meeting.Kind.ROADMAP_REVIEW, status=Meeting.Status.SCHEDULED
    )
    assert [m.occurrence_date for m in upcoming] == [dt.date(2026, 7, 1)]
