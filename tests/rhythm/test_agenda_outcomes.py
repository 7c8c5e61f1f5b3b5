import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from icalendar import Calendar

from backlog.models import Status, Ticket
from backlog.services import ticket_create
from collab.rhythm import backlog_bridge
from collab.rhythm.models import ActionItem, AgendaItem, Meeting, MeetingNotice, Outcome
from collab.rhythm.reminders import reminders_sweep
from collab.rhythm.selectors import (
    agenda_item_history,
    calendar_feed_for_token,
    decision_log,
    meeting_detail,
)
from collab.rhythm.services import (
    agenda_build,
    agenda_item_add,
    calendar_token_regenerate,
    meeting_mark_held,
    outcome_record,
    person_preferences_get_or_create,
)
from roles.rhythm import engagement_meetings_schedule

UTC = dt.UTC
pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 12, tzinfo=UTC)


@pytest.fixture
def syncs(engagement, team):
    engagement_meetings_schedule(engagement=engagement, now=NOW)
    return list(Meeting.objects.filter(kind=Meeting.Kind.WEEKLY_SYNC).order_by("starts_at"))


def test_the_agenda_is_prepared_from_what_changed_in_the_backlog(engagement, team, syncs):
    with time_machine.travel(NOW, tick=False):
        new = ticket_create(
            actor=team["pm"], engagement=engagement, title="Gift cards", kind="feature"
        )
        blocked = ticket_create(
            actor=team["pm"], engagement=engagement, title="ERP sync", kind="improvement"
        )
    Ticket.objects.filter(pk=blocked.pk).update(status=Status.ON_HOLD, needs_alignment=True)
    facts = backlog_bridge.agenda_facts(engagement, NOW - dt.timedelta(days=1))
    agenda_build(meeting=syncs[0], facts=facts, now=NOW)

    detail = meeting_detail(engagement=engagement, pk=syncs[0].pk)
    assert [(s.key, [i.ticket_key for i in s.items.all()]) for s in detail.sections] == [
        ("new", [new.key, blocked.key]),
        ("alignment", [blocked.key]),
        ("blocked", [blocked.key]),
    ]
    assert detail.sections[0].label == "New tickets"


def test_an_open_item_carries_over_once_with_its_history(engagement, team, syncs):
    first, second = syncs[0], syncs[1]
    decided = agenda_item_add(meeting=first, title="Black Friday banner")
    left_open = agenda_item_add(meeting=first, title="Checkout A/B test", ticket_key="NORD-7")
    outcome_record(
        meeting=first, actor=team["pm"], kind="decision", text="Go live 20 Nov", agenda_item=decided
    )
    with time_machine.travel(first.starts_at + dt.timedelta(hours=1), tick=False):
        meeting_mark_held(meeting=first, attended=[team["pm"], team["director"]])
    (carried,) = AgendaItem.objects.filter(meeting=second)
    assert (carried.title, carried.ticket_key, carried.carried_from) == (
        "Checkout A/B test",
        "NORD-7",
        left_open,
    )
    assert agenda_item_history(item=carried) == [left_open, carried]
    # Carried once: preparing again or carrying again does not duplicate it.
    from collab.rhythm.agenda import agenda_items_carry_over

    agenda_items_carry_over(meeting=Meeting.objects.get(pk=first.pk))
    agenda_build(meeting=second, facts=backlog_bridge.AgendaFacts(), now=NOW)
    assert AgendaItem.objects.filter(meeting=second).count() == 1


def test_a_held_meeting_is_frozen_and_its_minutes_go_out_once(engagement, team, syncs):
    first = syncs[0]
    outcome_record(meeting=first, actor=team["pm"], kind="decision", text="Adopt Klarna")
    outcome_record(
        meeting=first,
        actor=team["pm"],
        kind="follow_up",
        text="Send the Klarna contract",
        owner=team["director"],
        due_date=dt.date(2026, 3, 10),
    )
    with pytest.raises(ValidationError, match="not started"):
        meeting_mark_held(meeting=first, now=NOW)
    held_at = first.starts_at + dt.timedelta(hours=1)
    with time_machine.travel(held_at, tick=False):
        meeting_mark_held(meeting=first, attended=[team["pm"]])
        with pytest.raises(ValidationError, match="frozen"):
            agenda_item_add(meeting=first, title="Late topic")
        with pytest.raises(ValidationError, match="frozen"):
            meeting_mark_held(meeting=first)
        reminders_sweep()
        reminders_sweep()
    minutes = [m for m in mail.outbox if ".minutes." in m.extra_headers["Message-ID"]]
    assert sorted(m.to[0] for m in minutes) == [
        "consultant@atelier.example",
        "director@nordfer.example",
        "pm@atelier.example",
    ]
    pm_minutes = next(m for m in minutes if m.to == ["pm@atelier.example"])
    assert "Adopt Klarna" in pm_minutes.body
    assert "Send the Klarna contract — Claire Dubois" in pm_minutes.body
    assert "Attended: Julien Moreau" in pm_minutes.body
    assert MeetingNotice.objects.filter(kind="minutes", state="sent").count() == 3
    assert AgendaItem.objects.filter(meeting=first).count() == 0
    assert [o.text for o in decision_log(engagement=engagement)] == ["Adopt Klarna"]


def test_an_action_item_becomes_a_ticket_once(engagement, team, syncs):
    outcome = outcome_record(
        meeting=syncs[0],
        actor=team["pm"],
        kind="follow_up",
        text="Spec the loyalty programme",
        owner=team["pm"],
        due_date=dt.date(2026, 3, 10),
    )
    item = ActionItem.objects.get(outcome=outcome)
    backlog_bridge.action_item_to_ticket(
        actor=team["pm"], item=item, kind="improvement", origin="client_request"
    )
    item.refresh_from_db()
    ticket = Ticket.objects.get(pk=item.ticket_id)
    assert (item.ticket_key, ticket.title) == ("NORD-1", "Spec the loyalty programme")
    with pytest.raises(ValidationError, match="already became NORD-1"):
        backlog_bridge.action_item_to_ticket(
            actor=team["pm"], item=item, kind="improvement", origin="client_request"
        )
    assert Ticket.objects.count() == 1
    assert Outcome.objects.filter(kind="follow_up").count() == 1


def test_the_calendar_feed_parses_and_a_regenerated_token_kills_the_old_url(
    engagement, team, syncs
):
    preferences = person_preferences_get_or_create(person=team["consultant"])
    old_token = preferences.calendar_token
    with time_machine.travel(NOW, tick=False):
        feed = calendar_feed_for_token(old_token)
    calendar = Calendar.from_ical(feed)
    events = calendar.walk("VEVENT")
    assert len(events) == 9
    assert {str(e["UID"]) for e in events} == {
        f"meeting-{m.pk}@tandem" for m in Meeting.objects.all()
    }
    assert "METHOD" not in calendar
    assert calendar_feed_for_token("not-a-token") is None
    new_token = calendar_token_regenerate(person=team["consultant"]).calendar_token
    assert new_token != old_token
    assert calendar_feed_for_token(old_token) is None
    assert calendar_feed_for_token(new_token) is not None
