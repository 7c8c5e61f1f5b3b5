import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from backlog.models import Ticket
from collab.rhythm.models import (
    ActionItem,
    AgendaItem,
    Attendee,
    Meeting,
    MeetingNotes,
    MeetingNotice,
    Notification,
    Outcome,
    PersonPreferences,
)
from collab.rhythm.reminders import notices_send
from collab.rhythm.services import (
    agenda_item_add,
    meeting_create,
    meeting_mark_held,
    meeting_notes_save,
    outcome_record,
)
from roles.models import Role
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db


def _meeting(engagement, organizer, *, starts_in=dt.timedelta(days=2), people=(), title="Go-live"):
    starts = timezone.now().replace(second=0, microsecond=0) + starts_in
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


@pytest.fixture
def started(engagement, team):
    """A meeting that started an hour ago, with an agenda item."""
    meeting = _meeting(
        engagement,
        team["pm"],
        starts_in=-dt.timedelta(hours=1),
        people=[team["director"], team["consultant"]],
        title="Sprint review",
    )
    agenda_item_add(meeting=meeting, title="Checkout A/B test")
    return meeting


def _url(name, meeting, **extra):
    return reverse(name, kwargs={"slug": meeting.engagement.slug, "pk": meeting.pk, **extra})


def test_the_meetings_page_shows_upcoming_and_past_in_the_viewers_zone(
    client, engagement, team, meeting, started
):
    client.force_login(team["consultant"])  # America/New_York
    response = client.get(reverse("rhythm:meeting-list", args=[engagement.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Upcoming") < page.index("Go-live") < page.index("Past")
    assert page.index("Past") < page.index("Sprint review")
    local = meeting.starts_at.astimezone(dt.timezone(dt.timedelta(0))).astimezone(
        __import__("zoneinfo").ZoneInfo("America/New_York")
    )
    assert local.strftime("%H:%M") in page
    assert "America/New_York" in page
    assert "0 of 3 accepted" in page
    # Only the PM and agency admins schedule ad-hoc meetings.
    assert "Schedule an ad-hoc meeting" not in page


def test_a_review_without_consultant_is_flagged_on_the_meetings_page(client, engagement, team):
    Meeting.objects.create(
        engagement=engagement,
        kind=Meeting.Kind.ROADMAP_REVIEW,
        starts_at=timezone.now() + dt.timedelta(days=3),
        ends_at=timezone.now() + dt.timedelta(days=3, hours=1),
        missing_roles=["consultant"],
    )
    client.force_login(team["pm"])
    page = client.get(reverse("rhythm:meeting-list", args=[engagement.slug])).content.decode()
    assert "No consultant" in page


def test_the_pm_schedules_an_ad_hoc_meeting_in_their_zone(client, engagement, team):
    client.force_login(team["pm"])  # Europe/Paris
    response = client.post(
        reverse("rhythm:meeting-list", args=[engagement.slug]),
        {
            "title": "Payment provider",
            "starts_at": "2030-03-05T14:00",
            "ends_at": "2030-03-05T15:00",
            "required": [team["director"].pk],
            "optional": [team["consultant"].pk],
        },
    )
    meeting = Meeting.objects.get(title="Payment provider")
    assert response.status_code == 302
    assert response["Location"] == _url("rhythm:meeting-detail", meeting)
    assert meeting.starts_at == dt.datetime(2030, 3, 5, 13, 0, tzinfo=dt.UTC)
    assert meeting.kind == Meeting.Kind.AD_HOC
    assert set(meeting.attendees.values_list("person__email", "required")) == {
        ("pm@atelier.example", True),
        ("director@nordfer.example", True),
        ("consultant@atelier.example", False),
    }


def test_a_consultant_may_not_schedule_an_ad_hoc_meeting(client, engagement, team):
    client.force_login(team["consultant"])
    response = client.post(
        reverse("rhythm:meeting-list", args=[engagement.slug]),
        {"title": "Sneaky", "starts_at": "2030-03-05T14:00", "ends_at": "2030-03-05T15:00"},
    )
    assert response.status_code == 403
    assert not Meeting.objects.exists()


def test_an_attendee_answers_the_invitation(client, engagement, team, meeting):
    client.force_login(team["director"])
    response = client.post(_url("rhythm:meeting-respond", meeting), {"response": "accepted"})
    assert response.status_code == 302
    assert Attendee.objects.get(meeting=meeting, person=team["director"]).response == "accepted"
    page = client.get(_url("rhythm:meeting-detail", meeting)).content.decode()
    # The director reads Tandem in French (their profile's language).
    assert "Acceptations : 1 sur 3 participants." in page


def test_someone_not_invited_cannot_answer(client, engagement, team, meeting):
    developer = member(engagement, Role.DEVELOPER)
    client.force_login(developer)
    response = client.post(_url("rhythm:meeting-respond", meeting), {"response": "accepted"})
    assert response.status_code == 409
    assert "You are not invited to this meeting." in response.content.decode()
    assert not Attendee.objects.filter(person=developer).exists()


def test_agenda_items_are_added_edited_and_deleted_with_htmx(client, engagement, team, meeting):
    client.force_login(team["consultant"])
    response = client.post(
        _url("rhythm:agenda-item-add", meeting),
        {"title": "Klarna", "duration_minutes": 10, "presenter": team["consultant"].pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.templates[0].name == "rhythm/_agenda.html"
    item = AgendaItem.objects.get(meeting=meeting)
    assert (item.title, item.duration_minutes, item.presenter) == (
        "Klarna",
        10,
        team["consultant"],
    )
    assert f'id="item-{item.pk}"' in response.content.decode()

    form = client.get(
        _url("rhythm:agenda-item-update", meeting, item_pk=item.pk), HTTP_HX_REQUEST="true"
    )
    assert form.templates[0].name == "rhythm/_agenda_item_form.html"
    client.post(
        _url("rhythm:agenda-item-update", meeting, item_pk=item.pk),
        {"title": "Klarna pay later", "duration_minutes": 15, "presenter": ""},
        HTTP_HX_REQUEST="true",
    )
    item.refresh_from_db()
    assert (item.title, item.duration_minutes, item.presenter) == ("Klarna pay later", 15, None)

    response = client.post(_url("rhythm:agenda-item-delete", meeting, item_pk=item.pk))
    assert response.status_code == 302
    assert not AgendaItem.objects.filter(meeting=meeting).exists()


def test_an_agenda_item_about_a_ticket_links_to_the_ticket(client, engagement, team, meeting):
    agenda_item_add(meeting=meeting, title="NORD-7 Express checkout", ticket_key="NORD-7")
    agenda_item_add(meeting=meeting, title="Holiday planning")
    client.force_login(team["director"])

    content = client.get(_url("rhythm:meeting-detail", meeting)).content.decode()

    ticket_url = reverse("backlog:ticket-detail", args=[engagement.slug, "NORD-7"])
    assert f'<a href="{ticket_url}">NORD-7 Express checkout</a>' in content
    assert '<span class="agenda-item__title fw-medium">Holiday planning</span>' in content


def test_a_stakeholder_may_read_but_not_edit_the_agenda(client, engagement, team, meeting):
    stakeholder = member(engagement, Role.STAKEHOLDER)
    client.force_login(stakeholder)
    assert client.get(_url("rhythm:meeting-detail", meeting)).status_code == 200
    response = client.post(_url("rhythm:agenda-item-add", meeting), {"title": "Mine"})
    assert response.status_code == 403
    assert not AgendaItem.objects.exists()


def test_a_follow_up_becomes_an_action_item_then_a_ticket_in_one_click(
    client, engagement, team, meeting
):
    item = agenda_item_add(meeting=meeting, title="Loyalty programme")
    client.force_login(team["pm"])
    response = client.post(
        _url("rhythm:outcome-record", meeting),
        {
            "prefix": f"item-{item.pk}",
            f"item-{item.pk}-agenda_item": item.pk,
            f"item-{item.pk}-kind": "follow_up",
            f"item-{item.pk}-text": "Spec the loyalty programme",
            f"item-{item.pk}-owner": team["consultant"].pk,
            f"item-{item.pk}-due_date": "2030-01-15",
        },
    )
    assert response.status_code == 302
    action = ActionItem.objects.get()
    assert (action.title, action.owner, action.due_date, action.outcome.agenda_item) == (
        "Spec the loyalty programme",
        team["consultant"],
        dt.date(2030, 1, 15),
        item,
    )
    choice = {"kind": "improvement", "origin": "client_request"}
    response = client.post(_url("rhythm:action-item-to-ticket", meeting, item_pk=action.pk), choice)
    assert response.status_code == 302
    action.refresh_from_db()
    ticket = Ticket.objects.get()
    assert (action.ticket_key, ticket.title) == (ticket.key, "Spec the loyalty programme")
    # A second click files nothing and says why.
    response = client.post(_url("rhythm:action-item-to-ticket", meeting, item_pk=action.pk), choice)
    assert response.status_code == 409
    assert f"already became {ticket.key}" in response.content.decode()
    assert Ticket.objects.count() == 1


def test_a_follow_up_without_owner_is_refused_with_its_reason(client, engagement, team, meeting):
    client.force_login(team["pm"])
    response = client.post(
        _url("rhythm:outcome-record", meeting),
        {"prefix": "meeting", "meeting-kind": "follow_up", "meeting-text": "Call the PSP"},
    )
    assert response.status_code == 409
    assert "A follow-up needs an owner and a due date." in response.content.decode()
    assert not Outcome.objects.exists()


def test_notes_are_saved_and_a_stale_version_is_refused(client, engagement, team, meeting):
    client.force_login(team["pm"])
    client.post(_url("rhythm:meeting-notes", meeting), {"body": "# Notes\n\nFirst", "version": 0})
    notes = MeetingNotes.objects.get(meeting=meeting)
    assert (notes.body, notes.version) == ("# Notes\n\nFirst", 1)
    meeting_notes_save(meeting=meeting, actor=team["director"], body="Director's", version=1)
    response = client.post(
        _url("rhythm:meeting-notes", meeting), {"body": "PM's late edit", "version": 1}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved these notes meanwhile" in page
    assert "PM&#x27;s late edit" in page  # the draft is kept in the editor
    notes.refresh_from_db()
    assert (notes.body, notes.version) == ("Director's", 2)


def test_marking_held_emails_the_minutes_once_and_freezes_the_meeting(
    client, engagement, team, started
):
    item = started.agenda_items.get()
    outcome_record(
        meeting=started, actor=team["pm"], kind="decision", text="Adopt Klarna", agenda_item=item
    )
    client.force_login(team["director"])
    response = client.post(
        _url("rhythm:meeting-mark-held", started),
        {"attended": [team["pm"].pk, team["director"].pk]},
    )
    assert response.status_code == 302
    started.refresh_from_db()
    assert started.status == Meeting.Status.HELD
    assert set(
        Attendee.objects.filter(meeting=started, attended=True).values_list(
            "person__email", flat=True
        )
    ) == {"pm@atelier.example", "director@nordfer.example"}
    notices_send(now=timezone.now())
    notices_send(now=timezone.now())
    minutes = [m for m in mail.outbox if ".minutes." in m.extra_headers["Message-ID"]]
    assert sorted(m.to[0] for m in minutes) == [
        "consultant@atelier.example",
        "director@nordfer.example",
        "pm@atelier.example",
    ]

    # Marking it held again is refused, with the reason, and sends nothing more.
    client.force_login(team["pm"])  # the director reads French
    response = client.post(_url("rhythm:meeting-mark-held", started), {})
    assert response.status_code == 409
    assert "its agenda and outcomes are frozen" in response.content.decode()
    assert MeetingNotice.objects.filter(kind="minutes").count() == 3


def test_a_held_meeting_refuses_agenda_outcome_and_notes_changes_with_the_reason(
    client, engagement, team, started
):
    meeting_mark_held(meeting=started)
    item = started.agenda_items.get()
    client.force_login(team["pm"])
    page = client.get(_url("rhythm:meeting-detail", started)).content.decode()
    assert "This meeting was marked held: its agenda and outcomes are frozen." in page
    assert "Add an agenda item" not in page
    reason = "This meeting was marked held: its agenda and outcomes are frozen."
    attempts = [
        (_url("rhythm:agenda-item-add", started), {"title": "Late", "duration_minutes": 5}),
        (
            _url("rhythm:agenda-item-update", started, item_pk=item.pk),
            {"title": "Renamed", "duration_minutes": 5},
        ),
        (_url("rhythm:agenda-item-delete", started, item_pk=item.pk), {}),
        (
            _url("rhythm:outcome-record", started),
            {"prefix": "meeting", "meeting-kind": "decision", "meeting-text": "Late"},
        ),
        (_url("rhythm:meeting-notes", started), {"body": "Late", "version": 0}),
    ]
    for url, data in attempts:
        response = client.post(url, data)
        assert response.status_code == 409, url
        assert reason in response.content.decode()
    htmx = client.post(
        _url("rhythm:agenda-item-add", started),
        {"title": "Late", "duration_minutes": 5},
        HTTP_HX_REQUEST="true",
    )
    assert reason in htmx.content.decode()
    item.refresh_from_db()
    assert item.title == "Checkout A/B test"
    assert AgendaItem.objects.filter(meeting=started).count() == 1
    assert not Outcome.objects.exists()
    assert not MeetingNotes.objects.exists()


def test_only_the_pm_or_the_director_marks_a_meeting_held(client, engagement, team, started):
    client.force_login(team["consultant"])
    response = client.post(_url("rhythm:meeting-mark-held", started), {})
    assert response.status_code == 403
    started.refresh_from_db()
    assert started.status == Meeting.Status.SCHEDULED


def test_the_pm_moves_then_cancels_one_occurrence(client, engagement, team, meeting):
    client.force_login(team["pm"])
    response = client.post(
        _url("rhythm:meeting-move", meeting),
        {"starts_at": "2031-05-06T09:30", "ends_at": "2031-05-06T10:00"},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.starts_at == dt.datetime(2031, 5, 6, 7, 30, tzinfo=dt.UTC)
    assert meeting.sequence == 1
    response = client.post(_url("rhythm:meeting-cancel", meeting))
    meeting.refresh_from_db()
    assert (response.status_code, meeting.status) == (302, Meeting.Status.CANCELLED)
    page = client.get(_url("rhythm:meeting-detail", meeting)).content.decode()
    assert "This meeting was cancelled." in page


def test_the_minutes_print(client, engagement, team, started):
    outcome_record(meeting=started, actor=team["pm"], kind="decision", text="Adopt Klarna")
    client.force_login(team["director"])
    response = client.get(_url("rhythm:meeting-minutes", started))
    assert response.status_code == 200
    assert "Adopt Klarna" in response.content.decode()


def test_the_decision_log_lists_every_decision_with_its_meeting(
    client, engagement, team, meeting, started
):
    outcome_record(meeting=started, actor=team["pm"], kind="decision", text="Adopt Klarna")
    outcome_record(meeting=meeting, actor=team["pm"], kind="decision", text="Drop PayPal")
    outcome_record(meeting=meeting, actor=team["pm"], kind="information", text="FYI only")
    client.force_login(team["director"])
    page = client.get(reverse("rhythm:decision-log", args=[engagement.slug])).content.decode()
    assert page.index("Drop PayPal") < page.index("Adopt Klarna")
    assert "FYI only" not in page
    assert _url("rhythm:meeting-detail", started) in page


def test_action_items_show_overdue_and_are_marked_done(client, engagement, team, meeting):
    today = timezone.localdate()
    late = ActionItem.objects.create(
        engagement=engagement,
        title="Chase the ERP vendor",
        owner=team["director"],
        due_date=today - dt.timedelta(days=2),
    )
    ActionItem.objects.create(
        engagement=engagement,
        title="Book the venue",
        owner=team["pm"],
        due_date=today + dt.timedelta(days=2),
    )
    client.force_login(team["director"])
    url = reverse("rhythm:action-items", args=[engagement.slug])
    page = client.get(url).content.decode()
    assert page.count("En retard</span>") == 1  # the director's pages are in French
    assert page.index("Chase the ERP vendor") < page.index("Book the venue")
    response = client.post(
        reverse("rhythm:action-item-done", args=[engagement.slug, late.pk]), {"done": "1"}
    )
    assert response.status_code == 302
    late.refresh_from_db()
    assert late.status == ActionItem.Status.DONE
    assert '<th scope="row">Chase the ERP vendor</th>' not in client.get(url).content.decode()


def test_a_stakeholder_may_not_close_someone_elses_action_item(client, engagement, team):
    item = ActionItem.objects.create(
        engagement=engagement, title="Book", owner=team["pm"], due_date=dt.date(2030, 1, 1)
    )
    client.force_login(member(engagement, Role.STAKEHOLDER))
    response = client.post(reverse("rhythm:action-item-done", args=[engagement.slug, item.pk]))
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == ActionItem.Status.OPEN


def test_the_inbox_badge_counts_unread_entries_and_they_are_marked_read(client, team):
    person = team["director"]
    entries = [
        Notification.objects.create(person=person, kind="test", title=f"Entry {n}")
        for n in range(3)
    ]
    Notification.objects.create(person=team["pm"], kind="test", title="Not yours")
    client.force_login(person)
    page = client.get(reverse("rhythm:inbox")).content.decode()
    # The director reads Tandem in French (their profile's language).
    assert "3 non lues" in page
    assert "Not yours" not in page
    client.post(reverse("rhythm:inbox-read", args=[entries[0].pk]))
    assert "2 non lues" in client.get(reverse("rhythm:inbox")).content.decode()
    # Another person's entry is not found, and stays unread.
    other = Notification.objects.get(title="Not yours")
    assert client.post(reverse("rhythm:inbox-read", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None
    client.post(reverse("rhythm:inbox-read-all"))
    page = client.get(reverse("rhythm:inbox")).content.decode()
    assert " non lue" not in page
    assert Notification.objects.filter(person=person, read_at__isnull=True).count() == 0


def test_the_badge_costs_one_query(client, team, django_assert_num_queries):
    from collab.rhythm.context_processors import inbox

    request = client.get(reverse("rhythm:inbox")).wsgi_request
    request.user = team["director"]
    Notification.objects.create(person=team["director"], kind="test", title="One")
    with django_assert_num_queries(1):
        assert inbox(request) == {"inbox_unread": 1}


def test_preferences_are_saved_and_linked_from_the_profile(client, team):
    person = team["consultant"]
    client.force_login(person)
    profile = client.get(reverse("collab:profile")).content.decode()
    assert reverse("rhythm:preferences") in profile
    response = client.post(
        reverse("rhythm:preferences"),
        {"reminder_opt_out": "on", "notification_mode": "daily_digest"},
    )
    assert response.status_code == 302
    preferences = PersonPreferences.objects.get(person=person)
    assert (preferences.reminder_opt_out, preferences.notification_mode) == (True, "daily_digest")


def test_the_calendar_feed_parses_and_regenerating_kills_the_old_address(
    client, engagement, team, meeting
):
    person = team["consultant"]
    client.force_login(person)
    assert (
        "You have no calendar address yet."
        in client.get(reverse("rhythm:preferences")).content.decode()
    )
    client.post(reverse("rhythm:calendar-token-regenerate"))
    token = PersonPreferences.objects.get(person=person).calendar_token
    page = client.get(reverse("rhythm:preferences")).content.decode()
    feed_url = "http://testserver" + reverse("rhythm:calendar-feed", args=[token])
    assert feed_url in page

    client.logout()  # the feed is public: the token is the secret
    response = client.get(reverse("rhythm:calendar-feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(event["UID"]) for event in events] == [f"meeting-{meeting.pk}@tandem"]

    client.force_login(person)
    client.post(reverse("rhythm:calendar-token-regenerate"))
    client.logout()
    assert client.get(reverse("rhythm:calendar-feed", args=[token])).status_code == 404
    assert client.get(reverse("rhythm:calendar-feed", args=["not-a-token"])).status_code == 404


def test_another_engagements_member_gets_404_on_every_page(
    client, engagement, other_engagement, team, started
):
    item = started.agenda_items.get()
    action = ActionItem.objects.create(
        engagement=engagement,
        meeting=started,
        title="Secret action",
        owner=team["pm"],
        due_date=dt.date(2030, 1, 1),
    )
    stranger = member(other_engagement, Role.PROJECT_MANAGER)
    client.force_login(stranger)
    slug = engagement.slug
    gets = [
        reverse("rhythm:meeting-list", args=[slug]),
        _url("rhythm:meeting-detail", started),
        _url("rhythm:meeting-minutes", started),
        _url("rhythm:agenda-item-update", started, item_pk=item.pk),
        reverse("rhythm:decision-log", args=[slug]),
        reverse("rhythm:action-items", args=[slug]),
    ]
    posts = [
        reverse("rhythm:meeting-list", args=[slug]),
        _url("rhythm:meeting-respond", started),
        _url("rhythm:agenda-item-add", started),
        _url("rhythm:agenda-item-update", started, item_pk=item.pk),
        _url("rhythm:agenda-item-delete", started, item_pk=item.pk),
        _url("rhythm:outcome-record", started),
        _url("rhythm:meeting-notes", started),
        _url("rhythm:meeting-mark-held", started),
        _url("rhythm:meeting-cancel", started),
        _url("rhythm:meeting-move", started),
        _url("rhythm:action-item-to-ticket", started, item_pk=action.pk),
        reverse("rhythm:action-item-done", args=[slug, action.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, {"title": "x", "response": "accepted"}).status_code == 404, url
    started.refresh_from_db()
    action.refresh_from_db()
    assert (started.status, started.sequence, action.status) == ("scheduled", 0, "open")
    assert AgendaItem.objects.filter(meeting=started).count() == 1


def test_a_meeting_of_another_engagement_is_not_found_through_mine(
    client, engagement, other_engagement, team
):
    theirs = _meeting(other_engagement, member(other_engagement, Role.PROJECT_MANAGER))
    client.force_login(team["pm"])
    url = reverse("rhythm:meeting-detail", args=[engagement.slug, theirs.pk])
    assert client.get(url).status_code == 404
    item = agenda_item_add(meeting=theirs, title="Theirs")
    mine = _meeting(engagement, team["pm"])
    response = client.post(_url("rhythm:agenda-item-delete", mine, item_pk=item.pk))
    assert response.status_code == 404
    assert AgendaItem.objects.filter(pk=item.pk).exists()


def _crowd(engagement, size):
    return [UserFactory() for _ in range(size)]


@pytest.mark.parametrize("size", [2, 20])
def test_the_meetings_page_costs_the_same_queries_whatever_the_attendees(
    client, engagement, team, django_assert_num_queries, size
):
    people = _crowd(engagement, size)
    for days in (2, 3, -3):
        _meeting(engagement, team["pm"], starts_in=dt.timedelta(days=days), people=people)
    client.force_login(team["pm"])
    url = reverse("rhythm:meeting-list", args=[engagement.slug])
    client.get(url)
    with django_assert_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("size", [2, 20])
def test_the_meeting_page_costs_the_same_queries_whatever_the_attendees_and_items(
    client, engagement, team, django_assert_num_queries, size
):
    people = _crowd(engagement, size)
    meeting = _meeting(engagement, team["pm"], people=people)
    for n in range(size):
        item = agenda_item_add(meeting=meeting, title=f"Item {n}", presenter=people[n])
        outcome_record(
            meeting=meeting,
            actor=team["pm"],
            kind="follow_up",
            text=f"Follow {n}",
            agenda_item=item,
            owner=people[n],
            due_date=dt.date(2030, 1, 1),
        )
    meeting_notes_save(meeting=meeting, actor=team["pm"], body="Notes")
    client.force_login(team["pm"])
    url = _url("rhythm:meeting-detail", meeting)
    client.get(url)
    with django_assert_num_queries(15):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('class="agenda-item ') == size
