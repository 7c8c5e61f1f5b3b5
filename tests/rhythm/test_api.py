import datetime as dt

import pytest
from django.utils import timezone

from collab.rhythm.models import ActionItem, AgendaItem, Attendee, Meeting, MeetingNotes
from collab.rhythm.services import (
    agenda_item_add,
    meeting_create,
    meeting_mark_held,
    meeting_notes_save,
    outcome_record,
)
from collab.services import api_token_create
from roles.models import Role
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db
BASE = "/api/v1/engagements"


def _meeting(engagement, organizer, *, starts_in=dt.timedelta(days=2), people=(), title="Go-live"):
    starts = timezone.now().replace(microsecond=0) + starts_in
    return meeting_create(
        engagement=engagement,
        organizer=organizer,
        title=title,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        attendees=[(person, False) for person in people],
    )


@pytest.fixture
def meeting(engagement, team):
    return _meeting(engagement, team["pm"], people=[team["director"], team["consultant"]])


def _token(engagement, scope="write"):
    admin = member(engagement, Role.AGENCY_ADMIN)
    return api_token_create(engagement=engagement, name="CI", scope=scope, created_by=admin).raw_key


def test_meetings_are_listed_soonest_first_and_filtered(api_client, engagement, team):
    later = _meeting(engagement, team["pm"], starts_in=dt.timedelta(days=9), title="Later")
    sooner = _meeting(engagement, team["pm"], starts_in=dt.timedelta(days=1), title="Sooner")
    Meeting.objects.create(
        engagement=engagement,
        kind=Meeting.Kind.WEEKLY_SYNC,
        starts_at=timezone.now() + dt.timedelta(days=5),
        ends_at=timezone.now() + dt.timedelta(days=5, hours=1),
        status=Meeting.Status.CANCELLED,
    )
    api_client.force_authenticate(team["director"])
    url = f"{BASE}/nordfer/meetings/"
    body = api_client.get(url).json()
    assert [m["title"] for m in body["results"]] == ["Sooner", "", "Later"]
    assert body["results"][0]["url"] == f"http://testserver{url}{sooner.pk}/"
    assert [m["title"] for m in api_client.get(url, {"kind": "ad_hoc"}).json()["results"]] == [
        "Sooner",
        "Later",
    ]
    assert [m["kind"] for m in api_client.get(url, {"status": "cancelled"}).json()["results"]] == [
        "weekly_sync"
    ]
    window = {
        "from": (timezone.now() + dt.timedelta(days=3)).isoformat(),
        "to": (later.starts_at + dt.timedelta(minutes=1)).isoformat(),
    }
    assert [m["title"] for m in api_client.get(url, window).json()["results"]] == ["", "Later"]
    first = api_client.get(url, {"page_size": 2}).json()
    second = api_client.get(first["next"]).json()
    assert [m["title"] for m in second["results"]] == ["Later"]
    bad = api_client.get(url, {"kind": "party"})
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("size", [2, 20])
def test_the_meeting_list_costs_the_same_queries_whatever_the_attendees(
    api_client, engagement, team, django_assert_num_queries, size
):
    people = [UserFactory() for _ in range(size)]
    for days in range(1, 4):
        _meeting(engagement, team["pm"], starts_in=dt.timedelta(days=days), people=people)
    api_client.force_authenticate(team["director"])
    # the engagement with the person's roles, the page of meetings with their counts
    with django_assert_num_queries(2):
        response = api_client.get(f"{BASE}/nordfer/meetings/")
    assert len(response.json()["results"]) == 3
    assert response.json()["results"][0]["attendee_count"] == size + 1


def test_the_pm_schedules_an_ad_hoc_meeting(api_client, engagement, team):
    api_client.force_authenticate(team["pm"])
    response = api_client.post(
        f"{BASE}/nordfer/meetings/",
        {
            "title": "Payment provider",
            "starts_at": "2030-03-05T14:00:00+01:00",
            "ends_at": "2030-03-05T15:00:00+01:00",
            "attendees": [{"person": team["director"].pk, "required": True}],
        },
    )
    assert response.status_code == 201
    meeting = Meeting.objects.get(title="Payment provider")
    assert response["Location"] == f"http://testserver{BASE}/nordfer/meetings/{meeting.pk}/"
    assert meeting.starts_at == dt.datetime(2030, 3, 5, 13, tzinfo=dt.UTC)
    assert set(meeting.attendees.values_list("person__email", "required")) == {
        ("pm@atelier.example", True),
        ("director@nordfer.example", True),
    }


def test_an_ad_hoc_meeting_refuses_a_stranger_and_a_consultant(
    api_client, engagement, other_engagement, team
):
    stranger = member(other_engagement, Role.DIRECTOR)
    payload = {
        "title": "X",
        "starts_at": "2030-03-05T14:00:00Z",
        "ends_at": "2030-03-05T15:00:00Z",
        "attendees": [{"person": stranger.pk}],
    }
    api_client.force_authenticate(team["pm"])
    response = api_client.post(f"{BASE}/nordfer/meetings/", payload)
    assert response.status_code == 400
    assert response.json()["errors"]["attendees"] == [
        f"0: person: Nobody with the id {stranger.pk} is a member of this engagement."
    ]
    api_client.force_authenticate(team["consultant"])
    assert api_client.post(f"{BASE}/nordfer/meetings/", payload).status_code == 403
    assert not Meeting.objects.exists()


def test_the_meeting_detail_and_its_changes(api_client, engagement, team, meeting):
    api_client.force_authenticate(team["pm"])
    url = f"{BASE}/nordfer/meetings/{meeting.pk}/"
    body = api_client.get(url).json()
    assert (body["title"], body["status"], body["notes"], body["frozen"]) == (
        "Go-live",
        "scheduled",
        None,
        False,
    )
    response = api_client.patch(
        url, {"place": "Lyon office", "notes": "# Plan", "notes_version": 0}
    )
    assert response.status_code == 200
    assert response.json()["place"] == "Lyon office"
    assert response.json()["notes"]["body"] == "# Plan"
    assert response.json()["sequence"] == 1
    assert api_client.patch(url, {"status": "held"}).status_code == 400


def test_stale_notes_are_refused_with_409(api_client, engagement, team, meeting):
    meeting_notes_save(meeting=meeting, actor=team["pm"], body="v1")
    meeting_notes_save(meeting=meeting, actor=team["director"], body="v2", version=1)
    api_client.force_authenticate(team["consultant"])
    response = api_client.patch(
        f"{BASE}/nordfer/meetings/{meeting.pk}/", {"notes": "late", "notes_version": 1}
    )
    assert response.status_code == 409
    assert response.json()["type"].endswith("/meeting-stale")
    assert MeetingNotes.objects.get(meeting=meeting).body == "v2"


def test_a_consultant_may_edit_notes_but_not_the_place(api_client, engagement, team, meeting):
    api_client.force_authenticate(team["consultant"])
    url = f"{BASE}/nordfer/meetings/{meeting.pk}/"
    assert api_client.patch(url, {"place": "Paris"}).status_code == 403
    assert api_client.patch(url, {"notes": "Mine", "notes_version": 0}).status_code == 200
    meeting.refresh_from_db()
    assert meeting.place == ""


def test_a_held_meeting_refuses_changes_with_the_reason(api_client, engagement, team):
    started = _meeting(
        engagement, team["pm"], starts_in=-dt.timedelta(hours=1), people=[team["director"]]
    )
    agenda_item_add(meeting=started, title="Checkout")
    meeting_mark_held(meeting=started)
    api_client.force_authenticate(team["pm"])
    url = f"{BASE}/nordfer/meetings/{started.pk}/"
    reason = "This meeting was marked held: its agenda and outcomes are frozen."
    response = api_client.post(f"{url}agenda/", {"title": "Late"})
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == reason
    assert response.json()["reasons"] == [reason]
    assert response.json()["type"].endswith("/meeting-frozen")
    response = api_client.patch(url, {"notes": "Late", "notes_version": 0})
    assert (response.status_code, response.json()["detail"]) == (409, reason)
    response = api_client.patch(url, {"place": "Elsewhere"})
    assert response.status_code == 409
    assert "held" in response.json()["detail"]
    assert api_client.get(f"{url}agenda/").json()["frozen"] is True
    assert AgendaItem.objects.filter(meeting=started).count() == 1
    assert not MeetingNotes.objects.exists()


def test_attendees_and_the_own_answer(api_client, engagement, team, meeting):
    api_client.force_authenticate(team["director"])
    url = f"{BASE}/nordfer/meetings/{meeting.pk}/attendees/"
    response = api_client.post(url, {"response": "tentative"})
    assert response.status_code == 200
    assert response.json()["response"] == "tentative"
    rows = api_client.get(url).json()
    assert [(row["person"]["display_name"], row["required"], row["response"]) for row in rows] == [
        ("Julien Moreau", True, "needs_action"),
        ("Claire Dubois", False, "tentative"),
        ("Sam Carter", False, "needs_action"),
    ]
    api_client.force_authenticate(member(engagement, Role.DEVELOPER))
    assert api_client.post(url, {"response": "accepted"}).status_code == 403
    assert Attendee.objects.filter(meeting=meeting).count() == 3


def test_the_agenda_by_section_and_a_new_item(api_client, engagement, team, meeting):
    item = agenda_item_add(meeting=meeting, title="Klarna")
    outcome_record(
        meeting=meeting, actor=team["pm"], kind="decision", text="Adopt", agenda_item=item
    )
    api_client.force_authenticate(team["director"])
    url = f"{BASE}/nordfer/meetings/{meeting.pk}/agenda/"
    response = api_client.post(
        url, {"title": "Returns policy", "duration_minutes": 10, "presenter": team["pm"].pk}
    )
    assert response.status_code == 201
    assert (response.json()["title"], response.json()["presenter"]["id"]) == (
        "Returns policy",
        team["pm"].pk,
    )
    body = api_client.get(url).json()
    assert body["frozen"] is False
    assert [(s["key"], s["title"]) for s in body["sections"]] == [("other", "Other topics")]
    assert [
        (i["title"], [o["text"] for o in i["outcomes"]]) for i in body["sections"][0]["items"]
    ] == [("Klarna", ["Adopt"]), ("Returns policy", [])]


def test_a_token_reads_meetings_but_never_changes_them(api_client, engagement, team, meeting):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {_token(engagement)}")
    url = f"{BASE}/nordfer/meetings/{meeting.pk}/"
    assert api_client.get(url).status_code == 200
    assert api_client.post(f"{url}agenda/", {"title": "Bot"}).status_code == 403
    assert api_client.post(f"{url}attendees/", {"response": "accepted"}).status_code == 403
    assert api_client.patch(url, {"notes": "bot", "notes_version": 0}).status_code == 403
    assert not AgendaItem.objects.exists()


def test_decisions_and_action_items(api_client, engagement, team, meeting):
    outcome_record(meeting=meeting, actor=team["pm"], kind="decision", text="Adopt Klarna")
    outcome_record(
        meeting=meeting,
        actor=team["pm"],
        kind="follow_up",
        text="Send the contract",
        owner=team["director"],
        due_date=timezone.localdate() - dt.timedelta(days=1),
    )
    api_client.force_authenticate(team["director"])
    decisions = api_client.get(f"{BASE}/nordfer/decisions/").json()["results"]
    assert [(d["text"], d["meeting"]["id"]) for d in decisions] == [("Adopt Klarna", meeting.pk)]
    items = api_client.get(f"{BASE}/nordfer/action-items/", {"status": "open"}).json()["results"]
    assert [(i["title"], i["owner"]["id"], i["overdue"]) for i in items] == [
        ("Send the contract", team["director"].pk, True)
    ]
    item_url = items[0]["url"]
    response = api_client.patch(item_url, {"status": "done"})
    assert (response.status_code, response.json()["status"]) == (200, "done")
    assert (
        api_client.get(f"{BASE}/nordfer/action-items/", {"status": "open"}).json()["results"] == []
    )
    api_client.force_authenticate(member(engagement, Role.STAKEHOLDER))
    assert api_client.patch(item_url, {"status": "open"}).status_code == 403
    assert ActionItem.objects.get().status == "done"


def test_another_engagement_gets_404_on_every_endpoint(
    api_client, engagement, other_engagement, team, meeting
):
    outcome = outcome_record(
        meeting=meeting,
        actor=team["pm"],
        kind="follow_up",
        text="Secret",
        owner=team["pm"],
        due_date=dt.date(2030, 1, 1),
    )
    action = ActionItem.objects.get(outcome=outcome)
    m = f"{BASE}/nordfer/meetings/{meeting.pk}/"
    reads = [
        f"{BASE}/nordfer/meetings/",
        m,
        f"{m}attendees/",
        f"{m}agenda/",
        f"{BASE}/nordfer/decisions/",
        f"{BASE}/nordfer/action-items/",
        f"{BASE}/nordfer/action-items/{action.pk}/",
    ]
    writes = [
        ("post", f"{BASE}/nordfer/meetings/", {"title": "x"}),
        ("patch", m, {"place": "x", "notes": "x"}),
        ("post", f"{m}attendees/", {"response": "accepted"}),
        ("post", f"{m}agenda/", {"title": "x"}),
        ("patch", f"{BASE}/nordfer/action-items/{action.pk}/", {"status": "done"}),
    ]
    stranger = member(other_engagement, Role.PROJECT_MANAGER)
    for authenticate in (
        lambda: api_client.force_authenticate(stranger),
        lambda: (
            api_client.force_authenticate(None),
            api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {_token(other_engagement)}"),
        ),
    ):
        authenticate()
        for url in reads:
            response = api_client.get(url)
            assert response.status_code == 404, url
            assert "Secret" not in response.content.decode()
        for method, url, data in writes:
            assert getattr(api_client, method)(url, data).status_code == 404, url
    meeting.refresh_from_db()
    action.refresh_from_db()
    assert (meeting.place, meeting.sequence, action.status) == ("", 0, "open")
    assert not MeetingNotes.objects.exists()


def test_another_engagements_meeting_is_not_found_through_mine(
    api_client, engagement, other_engagement, team
):
    theirs = _meeting(other_engagement, member(other_engagement, Role.PROJECT_MANAGER))
    api_client.force_authenticate(team["pm"])
    for url in (
        f"{BASE}/nordfer/meetings/{theirs.pk}/",
        f"{BASE}/nordfer/meetings/{theirs.pk}/agenda/",
        f"{BASE}/nordfer/meetings/{theirs.pk}/attendees/",
    ):
        assert api_client.get(url).status_code == 404
    assert (
        api_client.patch(f"{BASE}/nordfer/meetings/{theirs.pk}/", {"place": "x"}).status_code == 404
    )
