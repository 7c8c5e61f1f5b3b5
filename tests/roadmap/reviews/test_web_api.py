"""The review pages and endpoints: immutability, sign-off refusals, diff, isolation, queries."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from roadmap.reviews import services
from roadmap.reviews.models import ReviewDecision, ReviewSnapshot, ReviewState
from roles.models import Role
from tests.backlog.factories import TicketFactory
from tests.factories import EngagementFactory, member
from tests.roadmap.reviews.conftest import attend, review_meeting, roadmap_item

UTC = dt.UTC
NOW = dt.datetime(2027, 4, 6, 9, 0, tzinfo=UTC)
FROZEN = "A signed-off review's snapshot is frozen: it can no longer change."


def _signed(review, team, now=NOW):
    review = services.review_start(actor=team["consultant"], review=review, now=now)
    attend(review.meeting, team["director"], team["consultant"])
    return services.review_sign_off(actor=team["director"], review=review, now=now)


@pytest.fixture
def snapshot(engagement, team, review):
    TicketFactory(engagement=engagement, reporter=team["director"], status="new")
    return _signed(review, team)


def _web(client, person):
    client.force_login(person)
    return client


def _api(api_client, person):
    api_client.force_authenticate(person)
    return api_client


def test_the_page_refuses_to_change_a_snapshot(client, engagement, team, snapshot):
    data = dict(snapshot.data)
    url = reverse("reviews:snapshot-detail", args=["nordfer", snapshot.review_id])

    response = _web(client, team["director"]).post(url, {"data": "{}"}, secure=True)

    assert response.status_code == 409
    assert escape(FROZEN) in response.content.decode()
    snapshot.refresh_from_db()
    assert snapshot.data == data


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_the_api_refuses_to_change_a_snapshot(api_client, engagement, team, snapshot, method):
    data = dict(snapshot.data)
    url = f"/api/v1/engagements/nordfer/reviews/{snapshot.review_id}/snapshot/"

    response = getattr(_api(api_client, team["director"]), method)(
        url, {"data": {}}, format="json", secure=True
    )

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["reasons"] == [FROZEN]
    assert ReviewSnapshot.objects.get().data == data


def test_the_api_refuses_any_body_sent_to_change_a_snapshot(api_client, team, snapshot):
    # A field named like the service's own argument once raised a TypeError (500).
    data = dict(snapshot.data)
    url = f"/api/v1/engagements/nordfer/reviews/{snapshot.review_id}/snapshot/"
    api = _api(api_client, team["director"])

    for body in ({"snapshot": 1}, {"snapshot": {"data": 2}}, [1, 2]):
        response = api.patch(url, body, format="json", secure=True)

        assert (response.status_code, response.json()["reasons"]) == (409, [FROZEN]), body
    assert ReviewSnapshot.objects.get().data == data


def test_a_snapshot_change_nested_5000_levels_deep_is_a_400(api_client, team, snapshot):
    url = f"/api/v1/engagements/nordfer/reviews/{snapshot.review_id}/snapshot/"
    body = '{"data": ' + "[" * 5000 + "]" * 5000 + "}"

    response = _api(api_client, team["director"]).generic(
        "PATCH", url, body, content_type="application/json", secure=True
    )

    assert (response.status_code, response["Content-Type"]) == (400, "application/problem+json")
    assert response.json()["detail"] == "The JSON document nests deeper than 32 levels."


def test_the_api_signs_off_or_says_why_not(api_client, engagement, team, review):
    url = f"/api/v1/engagements/nordfer/reviews/{review.pk}/sign-off/"
    api = _api(api_client, team["director"])

    refused = api.post(url, secure=True)

    assert refused.status_code == 409
    assert refused.json()["reasons"] == [
        "The review session has not started: start it before signing off.",
        "The e-commerce director is not marked as present at the meeting.",
        "The e-commerce consultant is not marked as present at the meeting.",
    ]
    assert ReviewSnapshot.objects.count() == 0

    services.review_start(actor=team["consultant"], review=review, now=NOW)
    attend(review.meeting, team["director"], team["consultant"])
    signed = api.post(url, secure=True)

    assert signed.status_code == 201
    assert signed.json()["frozen"] is True
    assert ReviewSnapshot.objects.get().review_id == review.pk


def test_only_the_director_may_sign_off(api_client, client, engagement, team, review):
    services.review_start(actor=team["consultant"], review=review, now=NOW)
    attend(review.meeting, team["director"], team["consultant"])

    api = _api(api_client, team["consultant"]).post(
        f"/api/v1/engagements/nordfer/reviews/{review.pk}/sign-off/", secure=True
    )
    page = _web(client, team["consultant"]).post(
        reverse("reviews:review-sign-off", args=["nordfer", review.pk]), secure=True
    )

    assert (api.status_code, page.status_code) == (403, 403)
    review.refresh_from_db()
    assert review.state == ReviewState.IN_SESSION


def test_the_review_page_shows_why_sign_off_is_refused(client, engagement, team, review):
    response = _web(client, team["director"]).post(
        reverse("reviews:review-sign-off", args=["nordfer", review.pk]), secure=True
    )

    assert response.status_code == 409
    body = response.content.decode()
    assert "The review session has not started: start it before signing off." in body
    assert "The e-commerce consultant is not marked as present at the meeting." in body


def test_the_session_is_started_and_decisions_recorded_from_the_page(
    client, engagement, team, review
):
    ticket = TicketFactory(engagement=engagement, reporter=team["director"])
    with time_machine.travel(NOW, tick=False):  # the session starts on the meeting's day
        web = _web(client, team["consultant"])
        web.post(reverse("reviews:review-start", args=["nordfer", review.pk]), secure=True)
        response = web.post(
            reverse("reviews:decision-add", args=["nordfer", review.pk]),
            {"text": "Punch-out first", "ticket": ticket.key},
            secure=True,
        )

    assert response.status_code == 302
    decision = ReviewDecision.objects.get()
    assert (decision.text, decision.ticket, decision.recorded_by) == (
        "Punch-out first",
        ticket,
        team["consultant"],
    )


def test_the_diff_of_the_last_two_snapshots(api_client, client, engagement, team, review):
    ticket = TicketFactory(
        engagement=engagement,
        reporter=team["director"],
        status="ready",
        annual_revenue_gain=Decimal("10000"),
        effort_days=Decimal("2"),
    )
    first = _signed(review, team)
    ticket.status = "done"
    ticket.updated_at = dt.datetime(2027, 5, 3, 9, tzinfo=UTC)  # done between the two reviews
    ticket.save()
    meeting = review_meeting(
        engagement,
        dt.datetime(2027, 7, 6, 8, 45, tzinfo=UTC),
        people=[team["director"], team["consultant"]],
    )
    second = _signed(
        services.review_for_meeting(meeting=meeting),
        team,
        now=dt.datetime(2027, 7, 6, 9, tzinfo=UTC),
    )

    response = _api(api_client, team["director"]).get(
        f"/api/v1/engagements/nordfer/reviews/{second.review_id}/diff/", secure=True
    )

    assert response.status_code == 200
    body = response.json()
    assert body["before_review"] == first.review_id
    assert body["value_delivered"] == "10000.00"
    assert body["ticket_status_changes"] == [
        {"key": ticket.key, "title": ticket.title, "before": "ready", "after": "done"}
    ]
    explicit = api_client.get(
        f"/api/v1/engagements/nordfer/reviews/{second.review_id}/diff/?against={first.review_id}",
        secure=True,
    )
    assert explicit.json() == body

    web = _web(client, team["director"])
    page = web.get(reverse("reviews:diff", args=["nordfer", second.review_id]), secure=True)
    printable = web.get(
        reverse("reviews:diff-print", args=["nordfer", second.review_id]), secure=True
    )
    assert page.status_code == printable.status_code == 200
    content = page.content.decode()
    # Money in the engagement's currency; a section without change says so.
    assert '<p class="h1 mb-3 diff-total">€10,000.00</p>' in content
    assert "No roadmap item was added, removed, moved or changed status." in content
    assert "The objectives are the same." in content
    assert "No ticket was added or removed" not in content
    assert "engagement-nav" not in printable.content.decode()
    assert ticket.key in printable.content.decode()


def _fill(engagement, director, count):
    for n in range(count):
        ticket = TicketFactory(
            engagement=engagement,
            reporter=director,
            status="ready",
            annual_revenue_gain=Decimal(1000 + n),
            effort_days=Decimal("1"),
        )
        roadmap_item(engagement, f"Item {n}", quarter="2027-Q1", tickets=[ticket])


@pytest.mark.parametrize("count", [2, 20])
def test_the_review_page_query_count_does_not_grow(client, engagement, team, review, count):
    _fill(engagement, team["director"], count)
    services.review_pack_refresh(review=review, now=NOW)
    web = _web(client, team["director"])
    url = reverse("reviews:review-detail", args=["nordfer", review.pk])
    web.get(url, secure=True)

    with CaptureQueriesContext(connection) as queries:
        response = web.get(url, secure=True)

    assert response.status_code == 200
    assert "Item 1" in response.content.decode() or count == 2
    assert len(queries) == 10


@pytest.mark.parametrize("count", [2, 20])
def test_the_snapshot_page_query_count_does_not_grow(client, engagement, team, review, count):
    _fill(engagement, team["director"], count)
    snapshot = _signed(review, team)
    web = _web(client, team["director"])
    url = reverse("reviews:snapshot-detail", args=["nordfer", snapshot.review_id])

    with CaptureQueriesContext(connection) as queries:
        response = web.get(url, secure=True)

    assert response.status_code == 200
    assert len(queries) == 7


def test_another_engagements_member_finds_nothing(api_client, client, engagement, team, snapshot):
    stranger_engagement = EngagementFactory(slug="maison-lila", key_prefix="LILA")
    stranger = member(stranger_engagement, Role.DIRECTOR)
    pk = snapshot.review_id
    pages = [
        ("get", reverse("reviews:review-list", args=["nordfer"])),
        ("get", reverse("reviews:snapshot-list", args=["nordfer"])),
        ("get", reverse("reviews:review-detail", args=["nordfer", pk])),
        ("post", reverse("reviews:review-refresh", args=["nordfer", pk])),
        ("post", reverse("reviews:review-start", args=["nordfer", pk])),
        ("post", reverse("reviews:decision-add", args=["nordfer", pk])),
        ("post", reverse("reviews:review-sign-off", args=["nordfer", pk])),
        ("get", reverse("reviews:snapshot-detail", args=["nordfer", pk])),
        ("post", reverse("reviews:snapshot-detail", args=["nordfer", pk])),
        ("get", reverse("reviews:diff", args=["nordfer", pk])),
        ("get", reverse("reviews:diff-print", args=["nordfer", pk])),
        ("get", reverse("reviews:value-realisation", args=["nordfer"])),
        ("post", reverse("reviews:value-realisation", args=["nordfer"])),
    ]
    web = _web(client, stranger)
    assert [(url, getattr(web, method)(url, secure=True).status_code) for method, url in pages] == [
        (url, 404) for _method, url in pages
    ]
    base = f"/api/v1/engagements/nordfer/reviews/{pk}/"
    endpoints = [
        ("get", "/api/v1/engagements/nordfer/reviews/"),
        ("get", base),
        ("get", f"{base}pack/"),
        ("get", f"{base}snapshot/"),
        ("delete", f"{base}snapshot/"),
        ("get", f"{base}diff/"),
        ("post", f"{base}sign-off/"),
        ("get", f"{base}decisions/"),
        ("post", f"{base}decisions/"),
    ]
    api = _api(api_client, stranger)
    assert [
        (url, getattr(api, method)(url, {}, format="json", secure=True).status_code)
        for method, url in endpoints
    ] == [(url, 404) for _method, url in endpoints]
    assert ReviewSnapshot.objects.count() == 1


def test_the_engagement_page_flags_an_overdue_review(client, engagement, team, review):
    with time_machine.travel(review.meeting.ends_at + dt.timedelta(minutes=1), tick=False):
        response = _web(client, team["director"]).get(
            reverse("collab:engagement-detail", args=["nordfer"]), secure=True
        )

    assert "1 review is overdue: its meeting is over and it is not signed off." in (
        response.content.decode()
    )


def test_the_director_records_the_realised_value(client, engagement, team):
    from tests.roadmap.reviews.conftest import done_ticket

    done_ticket(engagement, team["director"], at=dt.datetime(2027, 1, 4, tzinfo=UTC))
    services.value_realisations_sweep(now=dt.datetime(2027, 4, 1, tzinfo=UTC))
    from roadmap.reviews.models import ValueRealisation

    row = ValueRealisation.objects.get()
    response = _web(client, team["director"]).post(
        reverse("reviews:value-realisation", args=["nordfer"]),
        {"realisation": row.pk, "realised_annual_value": "9500", "note": "Less than hoped"},
        secure=True,
    )

    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.realised_annual_value, row.note, row.recorded_by) == (
        Decimal("9500.00"),
        "Less than hoped",
        team["director"],
    )


def test_value_realisation_charts_estimated_against_realised_in_the_readers_language(
    client, engagement, team
):
    from roadmap.reviews.models import ValueRealisation
    from tests.roadmap.reviews.conftest import done_ticket

    done_ticket(engagement, team["director"], at=dt.datetime(2027, 1, 4, tzinfo=UTC))
    services.value_realisations_sweep(now=dt.datetime(2027, 4, 1, tzinfo=UTC))
    row = ValueRealisation.objects.get()
    services.value_realisation_record(
        actor=team["director"], realisation=row, realised_annual_value=Decimal("1234.5"), note=""
    )
    web = _web(client, team["director"])
    web.post(reverse("collab:language-switch"), {"language": "fr", "next": "/"}, secure=True)

    content = web.get(reverse("reviews:value-realisation", args=["nordfer"]), secure=True)
    html = content.content.decode()

    assert content.status_code == 200
    assert '<script id="chart-accuracy" type="application/json">' in html
    assert '<canvas data-chart="chart-accuracy"' in html
    # Estimated and realised side by side (not stacked), the figures in French in the table.
    assert '"stacked": false' in html
    assert '<td class="num" data-label="Réalisée">1\u202f234,50\xa0€</td>' in html


def test_value_realisation_of_another_engagement_is_not_found(client, other_engagement, team):
    stranger = member(other_engagement, Role.DIRECTOR)

    response = _web(client, stranger).get(
        reverse("reviews:value-realisation", args=["nordfer"]), secure=True
    )

    assert response.status_code == 404
