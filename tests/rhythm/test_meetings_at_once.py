"""Meetings exist at once: opening an engagement or changing its cadence schedules its syncs
and next review in the same request (after commit), with no task run; the agenda is refreshed
on demand and carried-over items show where their ticket stands now."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from backlog.models import Ticket
from backlog.services import ticket_create
from collab.models import Engagement
from collab.rhythm.models import AgendaItem, Meeting
from collab.rhythm.services import agenda_item_add, meeting_mark_held
from roles.models import Role
from roles.rhythm import engagement_meetings_schedule
from tests.collab.test_views import engagement_form_data
from tests.factories import AgencyFactory, member

UTC = dt.UTC
pytestmark = pytest.mark.django_db
# A Wednesday; the form's sync is Thursday 09:30 Europe/Zurich, reviews monthly.
NOW = dt.datetime(2026, 3, 4, 12, tzinfo=UTC)
ZURICH = ZoneInfo("Europe/Zurich")


@pytest.fixture
def opener(engagement):
    person = member(engagement, Role.AGENCY_ADMIN, email="opener@atelier.example")
    person.organization = AgencyFactory()
    person.save()
    return person


def _starts(engagement, kind):
    return [
        m.starts_at.astimezone(ZURICH)
        for m in Meeting.objects.filter(engagement=engagement, kind=kind).order_by("starts_at")
    ]


def test_an_engagement_opened_on_the_page_has_its_syncs_and_review_at_once(
    client, opener, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []

    class Broker:
        def send_task(self, name, **kwargs):
            sent.append(name)

    monkeypatch.setattr("collab.common.tasks.current_app", Broker())
    client.force_login(opener)
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("collab:engagement-create"), engagement_form_data())

    assert response.status_code == 302
    verde = Engagement.objects.get(slug="verde")
    syncs = _starts(verde, Meeting.Kind.WEEKLY_SYNC)
    assert len(syncs) == 8
    assert syncs[0] == dt.datetime(2026, 3, 5, 9, 30, tzinfo=ZURICH)
    assert syncs[-1] == dt.datetime(2026, 4, 23, 9, 30, tzinfo=ZURICH)
    # Monthly review: the first Thursday of March (tomorrow), when that day's 30-minute sync
    # ends.
    assert _starts(verde, Meeting.Kind.ROADMAP_REVIEW) == [
        dt.datetime(2026, 3, 5, 10, 0, tzinfo=ZURICH)
    ]
    # No Celery task did it.
    assert [name for name in sent if "schedule" in name] == []


def test_an_engagement_opened_through_the_api_has_its_first_sync_at_once(
    api_client, opener, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(opener)
    # The API takes JSON's own types (issue 11's strict bodies): numbers as numbers.
    data = engagement_form_data()
    data["sync_weekday"] = 3
    data["sync_duration_minutes"] = 30
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = api_client.post("/api/v1/engagements/", data, format="json")

    assert response.status_code == 201, response.json().get("errors")
    verde = Engagement.objects.get(slug="verde")
    assert _starts(verde, Meeting.Kind.WEEKLY_SYNC)[0] == dt.datetime(
        2026, 3, 5, 9, 30, tzinfo=ZURICH
    )


def test_a_changed_cadence_moves_and_completes_the_syncs_in_the_same_request(
    client, engagement, team, django_capture_on_commit_callbacks
):
    admin = member(engagement, Role.AGENCY_ADMIN, email="admin@atelier.example")
    engagement_meetings_schedule(engagement=engagement, now=NOW)
    client.force_login(admin)
    data = engagement_form_data(
        name=engagement.name,
        sync_weekday="4",
        sync_time="14:00",
        sync_time_zone="Europe/Paris",
        review_cadence="quarterly",
    )
    del data["client_name"], data["slug"], data["key_prefix"]
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("collab:engagement-update", args=[engagement.slug]), data)

    assert response.status_code == 302
    paris = ZoneInfo("Europe/Paris")
    syncs = Meeting.objects.filter(
        engagement=engagement, kind=Meeting.Kind.WEEKLY_SYNC, starts_at__gt=NOW
    ).order_by("starts_at")
    assert {
        (m.starts_at.astimezone(paris).weekday(), m.starts_at.astimezone(paris).time())
        for m in syncs
    } == {(4, dt.time(14, 0))}
    # The eight Tuesdays moved to the Friday of their week, and this week's Friday, still to
    # come, was added.
    assert syncs.count() == 9
    assert syncs[0].starts_at == dt.datetime(2026, 3, 6, 14, 0, tzinfo=paris)


def test_a_settings_change_without_a_new_cadence_schedules_nothing(
    client, engagement, django_capture_on_commit_callbacks
):
    admin = member(engagement, Role.AGENCY_ADMIN, email="admin@atelier.example")
    engagement.status = Engagement.Status.PAUSED
    engagement.save()
    client.force_login(admin)
    data = engagement_form_data(name="Nordfer Group", status="paused")
    del data["client_name"], data["slug"], data["key_prefix"]
    data.update(
        sync_weekday=str(engagement.sync_weekday),
        sync_time=str(engagement.sync_time)[:5],
        sync_time_zone=engagement.sync_time_zone,
        sync_duration_minutes=str(engagement.sync_duration_minutes),
        review_cadence=engagement.review_cadence,
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("collab:engagement-update", args=[engagement.slug]), data)

    assert response.status_code == 302
    assert callbacks == []
    assert Meeting.objects.filter(engagement=engagement).count() == 0


# --- The agenda, on demand ----------------------------------------------------------------


@pytest.fixture
def syncs(engagement, team):
    engagement_meetings_schedule(engagement=engagement, now=NOW)
    return list(Meeting.objects.filter(kind=Meeting.Kind.WEEKLY_SYNC).order_by("starts_at"))


def test_refreshing_the_agenda_prepares_it_now_from_the_backlog(client, engagement, team, syncs):
    ticket = ticket_create(
        actor=team["pm"], engagement=engagement, title="Gift cards", kind="feature"
    )
    client.force_login(team["pm"])
    url = reverse("rhythm:agenda-refresh", args=[engagement.slug, syncs[0].pk])

    response = client.post(url)

    assert response.status_code == 302
    items = AgendaItem.objects.filter(meeting=syncs[0])
    assert [(i.section.key, i.title, i.ticket_status) for i in items] == [
        ("new", f"{ticket.key} Gift cards", "new")
    ]
    page = client.get(reverse("rhythm:meeting-detail", args=[engagement.slug, syncs[0].pk]))
    assert "Refresh the agenda from the backlog" in page.content.decode()


def test_refreshing_answers_the_agenda_fragment_to_htmx(client, engagement, team, syncs):
    ticket_create(actor=team["pm"], engagement=engagement, title="Gift cards", kind="feature")
    client.force_login(team["pm"])

    response = client.post(
        reverse("rhythm:agenda-refresh", args=[engagement.slug, syncs[0].pk]),
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert response.templates[0].name == "rhythm/_agenda.html"
    assert "NORD-1 Gift cards" in response.content.decode()


def test_only_editors_refresh_an_agenda_and_a_foreign_meeting_is_not_found(
    client, engagement, other_engagement, team, syncs
):
    stakeholder = member(engagement, Role.STAKEHOLDER, email="stake@nordfer.example")
    client.force_login(stakeholder)
    url = reverse("rhythm:agenda-refresh", args=[engagement.slug, syncs[0].pk])
    assert client.post(url).status_code == 403
    assert not AgendaItem.objects.exists()

    outsider = member(other_engagement, Role.PROJECT_MANAGER, email="pm@lila.example")
    client.force_login(outsider)
    assert client.post(url).status_code == 404
    foreign = reverse("rhythm:agenda-refresh", args=[other_engagement.slug, syncs[0].pk])
    assert client.post(foreign).status_code == 404
    assert Meeting.objects.get(pk=syncs[0].pk).agenda_built_at is None


def test_a_review_agenda_is_not_prepared_from_the_backlog(client, engagement, team, syncs):
    review = Meeting.objects.get(kind=Meeting.Kind.ROADMAP_REVIEW)
    client.force_login(team["pm"])

    response = client.post(reverse("rhythm:agenda-refresh", args=[engagement.slug, review.pk]))

    assert response.status_code == 409
    assert "Only a weekly sync" in response.content.decode()
    assert Meeting.objects.get(pk=review.pk).agenda_built_at is None


def test_a_carried_item_links_to_its_source_and_shows_its_ticket_as_it_is_now(
    client, engagement, team, syncs
):
    first, second = syncs[0], syncs[1]
    ticket = ticket_create(
        actor=team["pm"], engagement=engagement, title="Checkout A/B test", kind="improvement"
    )
    client.force_login(team["pm"])
    client.post(reverse("rhythm:agenda-refresh", args=[engagement.slug, first.pk]))
    source = AgendaItem.objects.get(meeting=first, ticket_id=ticket.pk, section__key="new")
    with time_machine.travel(first.starts_at + dt.timedelta(hours=1), tick=False):
        meeting_mark_held(meeting=first, attended=[team["pm"]])
    Ticket.objects.filter(pk=ticket.pk).update(title="Checkout A/B test, variant B", status="ready")

    with time_machine.travel(first.starts_at + dt.timedelta(hours=2), tick=False):
        client.post(reverse("rhythm:agenda-refresh", args=[engagement.slug, second.pk]))

    carried = AgendaItem.objects.get(meeting=second, source=AgendaItem.Source.CARRIED)
    assert (carried.title, carried.ticket_status, carried.carried_from_id) == (
        f"{ticket.key} Checkout A/B test, variant B",
        "ready",
        source.pk,
    )
    page = client.get(reverse("rhythm:meeting-detail", args=[engagement.slug, second.pk]))
    html = page.content.decode()
    source_url = reverse("rhythm:meeting-detail", args=[engagement.slug, first.pk])
    assert f'href="{source_url}#item-{source.pk}"' in html
    assert "Checkout A/B test, variant B" in html
    assert ">Ready<" in html


def test_a_hand_written_title_stays_while_its_ticket_status_is_refreshed(engagement, team, syncs):
    ticket = ticket_create(
        actor=team["pm"], engagement=engagement, title="ERP sync", kind="improvement"
    )
    item = agenda_item_add(
        meeting=syncs[0], title="Talk about the ERP", ticket_key=ticket.key, ticket_id=ticket.pk
    )
    from collab.rhythm.backlog_bridge import agenda_prepare

    agenda_prepare(meeting=syncs[0], now=NOW)

    item.refresh_from_db()
    assert (item.title, item.ticket_status) == ("Talk about the ERP", "new")


def test_a_new_team_member_is_on_the_upcoming_syncs_and_invited_at_once(
    engagement, team, syncs, django_capture_on_commit_callbacks
):
    from collab.models import User
    from collab.rhythm.models import Attendee, MeetingNotice, SeriesNotice
    from roles.services import role_assignment_create

    analyst = User.objects.create_user(email="ba@atelier.example", password="x-long-pass-42")
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        role_assignment_create(engagement=engagement, person=analyst, role=Role.BUSINESS_ANALYST)

    assert Attendee.objects.filter(person=analyst, required=False).count() == 8
    # Invited once, to the syncs' series (the review does not invite an analyst).
    assert SeriesNotice.objects.filter(person=analyst, kind="update").count() == 1
    assert not MeetingNotice.objects.filter(person=analyst).exists()
