"""The rhythm in the Django admin: a meeting is cancelled through its service (attendees told,
a held one refused), its page lists attendees and agenda read-only, rhythm settings are saved
under the service's rules, calendar feeds get a new address."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from collab.models import (
    ActionItem,
    Meeting,
    MeetingNotice,
    PersonPreferences,
    RhythmSettings,
)
from collab.rhythm.services import (
    action_item_create,
    agenda_item_add,
    meeting_create,
    person_preferences_get_or_create,
)

pytestmark = pytest.mark.django_db


def act(client, route, action, objects):
    return client.post(
        reverse(route), {"action": action, "_selected_action": [obj.pk for obj in objects]}
    )


def told(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def meeting(engagement, team):
    starts_at = timezone.now() + dt.timedelta(days=3)
    meeting = meeting_create(
        engagement=engagement,
        organizer=team["pm"],
        title="Checkout workshop",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=1),
        attendees=[(team["director"], True), (team["consultant"], False)],
    )
    agenda_item_add(meeting=meeting, title="Punch-out catalogue")
    return meeting


def test_cancelling_a_meeting_tells_its_attendees_and_a_held_one_is_refused(
    superuser_client, meeting, engagement
):
    held = Meeting.objects.create(
        engagement=engagement,
        kind=Meeting.Kind.AD_HOC,
        title="Kick-off",
        starts_at=timezone.now() - dt.timedelta(days=7),
        ends_at=timezone.now() - dt.timedelta(days=7, hours=-1),
        status=Meeting.Status.HELD,
    )

    response = act(superuser_client, "admin:collab_meeting_changelist", "cancel", [meeting, held])

    meeting.refresh_from_db()
    held.refresh_from_db()
    assert (meeting.status, meeting.sequence) == ("cancelled", 1)
    assert held.status == "held"
    cancellations = MeetingNotice.objects.filter(meeting=meeting, kind="cancel")
    assert sorted(cancellations.values_list("person__email", flat=True)) == [
        "consultant@atelier.example",
        "director@nordfer.example",
        "pm@atelier.example",
    ]
    assert not MeetingNotice.objects.filter(meeting=held).exists()
    assert told(response) == [
        "1 meeting cancelled.",
        "Refused for 1 of the selection: This meeting is held: it can no longer be changed.",
    ]


def test_the_meeting_page_lists_attendees_and_agenda_read_only(superuser_client, meeting):
    item = meeting.agenda_items.get()

    content = superuser_client.get(
        reverse("admin:collab_meeting_change", args=[meeting.pk])
    ).content.decode()

    assert "Claire Dubois" in content
    assert "Sam Carter" in content
    assert "Punch-out catalogue" in content
    assert reverse("admin:collab_agendaitem_change", args=[item.pk]) in content
    assert 'name="attendees-0-person"' not in content
    assert 'name="agenda_items-0-title"' not in content
    assert 'name="_save"' not in content


def test_rhythm_settings_are_saved_through_their_rules(superuser_client, engagement):
    add = reverse("admin:collab_rhythmsettings_add")

    refused = superuser_client.post(
        add,
        {
            "engagement": engagement.pk,
            "reminder_offsets": "[60, 60]",
            "review_duration_minutes": 90,
        },
    )
    saved = superuser_client.post(
        add,
        {
            "engagement": engagement.pk,
            "reminder_offsets": "[60, 1440, 15]",
            "review_duration_minutes": 120,
        },
    )

    assert refused.status_code == 200
    assert "Give distinct offsets between 5 minutes and one week (10080 minutes)." in (
        refused.content.decode()
    )
    assert saved.status_code == 302
    settings = RhythmSettings.objects.get()
    assert (settings.engagement, settings.reminder_offsets, settings.review_duration_minutes) == (
        engagement,
        [1440, 60, 15],
        120,
    )


def test_a_bad_change_of_rhythm_settings_saves_nothing(superuser_client, engagement):
    settings = RhythmSettings.objects.create(engagement=engagement, reminder_offsets=[60])
    change = reverse("admin:collab_rhythmsettings_change", args=[settings.pk])

    page = superuser_client.get(change)
    response = superuser_client.post(
        change, {"reminder_offsets": "[2, 20000]", "review_duration_minutes": 10}
    )

    assert 'name="engagement"' not in page.content.decode()
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "reminder_offsets": [
            "Give distinct offsets between 5 minutes and one week (10080 minutes)."
        ],
        "review_duration_minutes": ["Ensure this value is greater than or equal to 15."],
    }
    settings.refresh_from_db()
    assert (settings.reminder_offsets, settings.review_duration_minutes) == ([60], 90)


def test_a_calendar_feed_gets_a_new_address(superuser_client, team):
    preferences = person_preferences_get_or_create(person=team["director"])
    old_token = preferences.calendar_token

    response = act(
        superuser_client,
        "admin:collab_personpreferences_changelist",
        "regenerate_calendar_token",
        [preferences],
    )

    preferences.refresh_from_db()
    assert preferences.calendar_token != old_token
    assert PersonPreferences.objects.count() == 1
    assert told(response) == ["1 calendar feed has a new address; the old one stopped working."]


def test_action_items_are_marked_done(superuser_client, engagement, team):
    item = action_item_create(
        engagement_id=engagement.pk,
        title="Send the catalogue",
        owner=team["pm"],
        due_date=dt.date(2026, 12, 1),
    )

    response = act(superuser_client, "admin:collab_actionitem_changelist", "mark_done", [item])

    item.refresh_from_db()
    assert item.status == ActionItem.Status.DONE
    assert item.done_at is not None
    assert told(response) == ["1 action item done."]
