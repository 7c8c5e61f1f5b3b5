"""Someone removed from an engagement leaves its meetings (feed and mailbox); an action item
becomes a ticket of the kind and origin chosen, assigned to its owner and linking back; the
owner is told even when not invited."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from backlog.models import Ticket
from collab.rhythm.models import ActionItem, Attendee, Meeting, Notification
from collab.rhythm.reminders import reminders_sweep
from collab.rhythm.services import (
    meeting_move,
    outcome_record,
    person_preferences_get_or_create,
)
from roles.models import Role, RoleAssignment
from roles.rhythm import engagement_meetings_schedule
from roles.services import role_assignment_create, role_assignment_remove
from tests.factories import member

UTC = dt.UTC
pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 25, tzinfo=UTC)


@pytest.fixture
def syncs(engagement, team):
    with time_machine.travel(NOW, tick=False):
        engagement_meetings_schedule(engagement=engagement, now=NOW)
        reminders_sweep()
    mail.outbox.clear()
    return list(Meeting.objects.filter(kind=Meeting.Kind.WEEKLY_SYNC).order_by("starts_at"))


def _feed(client, person):
    token = person_preferences_get_or_create(person=person).calendar_token
    return client.get(reverse("rhythm:calendar-feed", args=[token])).content.decode()


def test_a_removed_member_leaves_future_meetings_feed_and_mailbox(client, engagement, team, syncs):
    consultant = team["consultant"]
    held = syncs[0]
    Meeting.objects.filter(pk=held.pk).update(
        starts_at=NOW - dt.timedelta(days=3), status=Meeting.Status.HELD
    )
    with time_machine.travel(NOW, tick=False):
        assert "Weekly sync" in _feed(client, consultant)
        (assignment,) = RoleAssignment.objects.filter(engagement=engagement, person=consultant)
        role_assignment_remove(assignment=assignment)

        assert not Attendee.objects.filter(
            person=consultant, meeting__status=Meeting.Status.SCHEDULED
        ).exists()
        # The past, held meeting keeps its attendance.
        assert Attendee.objects.filter(person=consultant, meeting=held).exists()
        feed = _feed(client, consultant)
        assert "BEGIN:VCALENDAR" in feed
        assert "BEGIN:VEVENT" not in feed
        assert "pm@atelier.example" not in feed

        inbox = Notification.objects.filter(person=consultant).count()
        moved = syncs[1].starts_at + dt.timedelta(hours=2)
        meeting_move(meeting=syncs[1], starts_at=moved, ends_at=moved + dt.timedelta(hours=1))
        reminders_sweep()

    # The consultant's only email since: the series' cancellation, sent with the removal, so
    # their calendar drops the recurring sync; nothing about the move.
    (cancellation,) = [m for m in mail.outbox if m.to == ["consultant@atelier.example"]]
    assert cancellation.subject == "Cancelled: Weekly sync — Nordfer Industrie"
    (part,) = [a for a in cancellation.attachments if a.get_content_type() == "text/calendar"]
    assert "METHOD:CANCEL" in part.get_content()
    assert sorted(m.to[0] for m in mail.outbox if m is not cancellation) == [
        "director@nordfer.example",
        "pm@atelier.example",
    ]
    assert Notification.objects.filter(person=consultant).count() == inbox


def test_someone_keeping_another_role_stays_on_the_meetings(engagement, team, syncs):
    consultant = team["consultant"]
    role_assignment_create(engagement=engagement, person=consultant, role=Role.BUSINESS_ANALYST)
    (assignment,) = RoleAssignment.objects.filter(
        engagement=engagement, person=consultant, role=Role.CONSULTANT
    )
    with time_machine.travel(NOW, tick=False):
        role_assignment_remove(assignment=assignment)

    assert Attendee.objects.filter(person=consultant, meeting__in=syncs).count() == len(syncs)


def _follow_up(engagement, team, sync, owner):
    outcome = outcome_record(
        meeting=sync,
        actor=team["pm"],
        kind="follow_up",
        text="Spec the loyalty programme",
        owner=owner,
        due_date=dt.date(2026, 4, 10),
    )
    return ActionItem.objects.get(outcome=outcome)


def test_the_owner_of_an_action_item_is_told_even_when_not_invited(engagement, team, syncs):
    developer = member(engagement, Role.DEVELOPER, email="dev@atelier.example", language="fr")
    assert not Attendee.objects.filter(person=developer).exists()

    item = _follow_up(engagement, team, syncs[0], developer)

    (notification,) = Notification.objects.filter(person=developer)
    assert notification.kind == "action_item_assigned"
    assert notification.title == "Action à votre charge : Spec the loyalty programme"
    assert notification.url.endswith(f"/engagements/nordfer/meetings/{syncs[0].pk}/#action-items")
    assert item.owner == developer


def test_an_action_item_becomes_the_ticket_the_person_chose(client, engagement, team, syncs):
    developer = member(engagement, Role.DEVELOPER, email="dev@atelier.example")
    item = _follow_up(engagement, team, syncs[0], developer)
    client.force_login(team["pm"])
    page = client.get(reverse("rhythm:meeting-detail", args=["nordfer", syncs[0].pk]))
    assert 'name="origin"' in page.content.decode()
    url = reverse("rhythm:action-item-to-ticket", args=["nordfer", syncs[0].pk, item.pk])

    response = client.post(url, {"kind": "feature", "origin": "agency_initiative"})

    assert response.status_code == 302
    item.refresh_from_db()
    ticket = Ticket.objects.get(pk=item.ticket_id)
    assert (ticket.key, ticket.kind, ticket.origin, ticket.assignee) == (
        "NORD-1",
        "feature",
        "agency_initiative",
        developer,
    )
    meeting_url = f"/engagements/nordfer/meetings/{syncs[0].pk}/#action-items"
    assert meeting_url in ticket.description
    assert "Agreed there: Spec the loyalty programme" in ticket.description


def test_an_action_item_needs_a_kind_and_an_origin(client, engagement, team, syncs):
    item = _follow_up(engagement, team, syncs[0], team["pm"])
    client.force_login(team["pm"])
    url = reverse("rhythm:action-item-to-ticket", args=["nordfer", syncs[0].pk, item.pk])

    response = client.post(url, {"kind": "feature"})

    assert response.status_code == 400
    assert Ticket.objects.count() == 0
    item.refresh_from_db()
    assert item.ticket_id is None


def test_an_owner_who_left_gets_the_ticket_routed_as_usual(client, engagement, team, syncs):
    developer = member(engagement, Role.DEVELOPER, email="dev@atelier.example")
    item = _follow_up(engagement, team, syncs[0], developer)
    RoleAssignment.objects.filter(person=developer).delete()
    client.force_login(team["pm"])
    url = reverse("rhythm:action-item-to-ticket", args=["nordfer", syncs[0].pk, item.pk])

    response = client.post(url, {"kind": "improvement", "origin": "client_request"})

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.assignee != developer


def test_a_foreign_action_item_is_not_found(client, engagement, other_engagement, team, syncs):
    item = _follow_up(engagement, team, syncs[0], team["pm"])
    outsider = member(other_engagement, Role.PROJECT_MANAGER, email="pm@lila.example")
    client.force_login(outsider)
    url = reverse("rhythm:action-item-to-ticket", args=["nordfer", syncs[0].pk, item.pk])

    assert client.post(url, {"kind": "feature", "origin": "client_request"}).status_code == 404
    assert Ticket.objects.count() == 0
