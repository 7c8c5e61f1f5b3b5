"""The rules of a time entry, each refusal, the approval lock and the history."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from backlog.timesheets.durations import duration_format, duration_parse
from backlog.timesheets.models import TimeEntry, TimeEntryChange, TimesheetWeek
from backlog.timesheets.services import (
    TimeLocked,
    time_entry_create,
    time_entry_delete,
    time_entry_update,
    timer_discard,
    timer_start,
    timer_stop,
    timesheet_week_approve,
    timesheet_week_return,
)
from collab.rhythm.models import Notification
from roles.models import Role
from tests.backlog.factories import TicketFactory
from tests.factories import EngagementFactory, RoleAssignmentFactory
from tests.timesheets.conftest import MONDAY

pytestmark = pytest.mark.django_db


def _refused(call, field):
    with pytest.raises(ValidationError) as caught:
        call()
    error = caught.value
    errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    assert field in errors, errors
    return errors[field][0]


def test_entry_takes_the_single_role_held(log, developer, ticket):
    entry = log(developer, ticket=ticket, minutes=90, note=" fixed ")
    assert (entry.role, entry.minutes, entry.note, entry.billable) == (
        "developer",
        90,
        "fixed",
        True,
    )
    change = TimeEntryChange.objects.get(entry_ref=entry.pk)
    assert change.action == "created"
    assert change.after["minutes"] == 90 and change.after["ticket"] == ticket.key


def test_future_day_is_refused(log, developer):
    message = _refused(lambda: log(developer, day=datetime.date(2026, 3, 12)), "date")
    assert message == "Time cannot be logged for a day in the future."
    assert not TimeEntry.objects.exists()


def test_today_in_the_persons_time_zone_counts(log, developer):
    # 15:00 UTC on the 11th is already the 12th in Auckland.
    developer.time_zone = "Pacific/Auckland"
    developer.save()
    entry = log(developer, day=datetime.date(2026, 3, 12))
    assert entry.date == datetime.date(2026, 3, 12)


def test_more_than_24_hours_a_day_across_engagements_is_refused(log, developer, engagement):
    other = EngagementFactory()
    RoleAssignmentFactory(engagement=other, person=developer, role=Role.DEVELOPER)
    time_entry_create(
        actor=developer, engagement=other, person=developer, date=MONDAY, minutes=20 * 60
    )
    message = _refused(lambda: log(developer, minutes=5 * 60), "minutes")
    assert "25h" in message and "a day has 24 hours" in message
    assert TimeEntry.objects.filter(engagement=engagement).count() == 0
    assert log(developer, minutes=4 * 60).minutes == 240


def test_no_role_on_that_day_is_refused(log, engagement):
    from tests.factories import UserFactory

    late = UserFactory(display_name="Late Joiner")
    RoleAssignmentFactory(
        engagement=engagement, person=late, role=Role.DEVELOPER, start_date=MONDAY
    )
    message = _refused(lambda: log(late, day=MONDAY - datetime.timedelta(days=1)), "date")
    assert message.startswith("Late Joiner holds no role on this engagement on")
    assert log(late).date == MONDAY


def test_ticket_of_another_engagement_is_refused(log, developer):
    foreign = TicketFactory(engagement=EngagementFactory())
    message = _refused(lambda: log(developer, ticket=foreign), "ticket")
    assert message == "This ticket belongs to another engagement."
    assert not TimeEntry.objects.exists()


def test_role_not_held_is_refused(log, developer):
    message = _refused(lambda: log(developer, role=Role.TESTER), "role")
    assert "does not hold the role “Tester”" in message


def test_several_roles_must_be_chosen(log, multi):
    message = _refused(lambda: log(multi), "role")
    assert "choose the one this work was done in" in message
    assert log(multi, role=Role.TESTER).role == "tester"


@pytest.mark.parametrize("minutes", [0, -30])
def test_duration_must_be_positive(log, developer, minutes):
    message = _refused(lambda: log(developer, minutes=minutes), "minutes")
    assert message == "A duration must be more than zero."


def test_update_keeps_the_rules_and_records_before_and_after(log, developer, ticket):
    entry = log(developer, minutes=60)
    _refused(
        lambda: time_entry_update(actor=developer, entry=entry, data={"minutes": 25 * 60}),
        "minutes",
    )
    entry = time_entry_update(
        actor=developer, entry=entry, data={"minutes": 120, "ticket": ticket, "note": "x"}
    )
    assert (entry.minutes, entry.version) == (120, 2)
    change = TimeEntryChange.objects.filter(action="updated").get()
    assert change.before["minutes"] == 60 and change.after["minutes"] == 120
    assert change.after["ticket"] == ticket.key and change.actor == developer


def test_approved_week_locks_its_entries(log, developer, manager, engagement):
    entry = log(developer)
    timesheet_week_approve(actor=manager, engagement=engagement, person=developer, week_of=MONDAY)
    entry.refresh_from_db()
    assert entry.approved_at is not None and entry.approved_by == manager
    with pytest.raises(TimeLocked):
        time_entry_update(actor=developer, entry=entry, data={"minutes": 30})
    with pytest.raises(TimeLocked):
        time_entry_delete(actor=developer, entry=entry)
    with pytest.raises(TimeLocked):
        log(developer, day=MONDAY + datetime.timedelta(days=1))
    entry.refresh_from_db()
    assert entry.minutes == 60 and TimeEntry.objects.count() == 1


def test_moving_an_entry_into_an_approved_week_is_refused(log, developer, manager, engagement):
    last_week = MONDAY - datetime.timedelta(days=7)
    log(developer, day=last_week)
    timesheet_week_approve(
        actor=manager, engagement=engagement, person=developer, week_of=last_week
    )
    entry = log(developer)
    with pytest.raises(TimeLocked):
        time_entry_update(actor=developer, entry=entry, data={"date": last_week})
    entry.refresh_from_db()
    assert entry.date == MONDAY


def test_return_unlocks_and_tells_the_person(log, developer, manager, engagement):
    entry = log(developer)
    timesheet_week_approve(actor=manager, engagement=engagement, person=developer, week_of=MONDAY)
    _refused(
        lambda: timesheet_week_return(
            actor=manager, engagement=engagement, person=developer, week_of=MONDAY, reason=" "
        ),
        "reason",
    )
    week = timesheet_week_return(
        actor=manager, engagement=engagement, person=developer, week_of=MONDAY, reason="Split it"
    )
    assert (week.status, week.reason) == ("returned", "Split it")
    entry.refresh_from_db()
    assert entry.approved_at is None
    notice = Notification.objects.get(person=developer)
    assert notice.title == "Your time for the week of 9 March 2026 was returned"
    assert notice.body == "Claire Dubois: Split it"
    assert notice.url.endswith("?week=2026-03-09")
    time_entry_update(actor=developer, entry=entry, data={"minutes": 45})
    assert list(
        TimeEntryChange.objects.filter(entry_ref=entry.pk).values_list("action", flat=True)
    ) == ["created", "approved", "returned", "updated"]


def test_an_empty_or_future_week_has_nothing_to_approve(developer, manager, engagement):
    _refused(
        lambda: timesheet_week_approve(
            actor=manager, engagement=engagement, person=developer, week_of=MONDAY
        ),
        "week",
    )
    _refused(
        lambda: timesheet_week_approve(
            actor=manager,
            engagement=engagement,
            person=developer,
            week_of=MONDAY + datetime.timedelta(days=7),
        ),
        "week",
    )
    assert not TimesheetWeek.objects.exists()


def test_delete_keeps_the_history(log, developer):
    entry = log(developer)
    pk = entry.pk
    time_entry_delete(actor=developer, entry=entry)
    assert not TimeEntry.objects.exists()
    assert list(TimeEntryChange.objects.filter(entry_ref=pk).values_list("action", flat=True)) == [
        "created",
        "deleted",
    ]


def test_timer_survives_and_stopping_logs_the_minutes(developer, engagement, ticket, time_machine):
    timer_start(person=developer, engagement=engagement, ticket=ticket)
    _refused(lambda: timer_start(person=developer, engagement=engagement), "__all__")
    time_machine.shift(datetime.timedelta(minutes=42, seconds=10))
    entry = timer_stop(person=developer)
    assert (entry.minutes, entry.ticket, entry.role) == (43, ticket, "developer")
    assert entry.date == datetime.date(2026, 3, 11)
    _refused(lambda: timer_stop(person=developer), "__all__")


def test_timer_needs_a_role_when_several_are_held(multi, engagement):
    _refused(lambda: timer_start(person=multi, engagement=engagement), "role")
    timer_start(person=multi, engagement=engagement, role=Role.TESTER)
    timer_discard(person=multi)
    _refused(lambda: timer_stop(person=multi), "__all__")


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("1h30", 90), ("90m", 90), ("1.5", 90), ("1,5", 90), ("2", 120), ("1:30", 90), ("", None)],
)
def test_durations_as_people_type_them(text, minutes):
    assert duration_parse(text) == minutes


def test_a_duration_that_is_not_one_is_refused():
    with pytest.raises(ValidationError) as caught:
        duration_parse("lots")
    assert caught.value.messages == ["“lots” is not a duration: write 1h30, 90m or 1.5 (hours)."]
    assert [duration_format(m) for m in (90, 120, 45, 0)] == ["1h30", "2h", "45m", ""]
