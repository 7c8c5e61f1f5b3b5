"""The time pages: the timesheet filled and saved, refusals shown with what was typed, the
ticket card, the approval, what the client sees, isolation and query counts."""

import datetime

import pytest
from django.urls import reverse

from backlog.timesheets.models import TimeEntry, TimesheetWeek
from backlog.timesheets.services import time_entry_create, timesheet_week_approve
from collab.rhythm.models import Notification
from roles.models import Role
from tests.backlog.factories import TicketFactory
from tests.factories import member
from tests.timesheets.conftest import MONDAY

pytestmark = pytest.mark.django_db


def _sheet(engagement):
    return reverse("timesheets:timesheet", args=[engagement.slug])


def test_timesheet_adds_a_row_and_saves_the_week(client, engagement, developer, ticket):
    client.force_login(developer)
    response = client.post(
        _sheet(engagement), {"week": "2026-03-09", "add": "1", "add_ticket": ticket.key}
    )
    assert response.status_code == 200
    key = f"{ticket.pk}-developer"
    assert f'name="c-{key}-0"' in response.content.decode()
    response = client.post(
        _sheet(engagement),
        {
            "week": "2026-03-09",
            "rows": [key, "0-developer"],
            f"c-{key}-0": "1h30",
            f"c-{key}-1": "2",
            "c-0-developer-2": "45m",
            "save": "week",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Time saved." in response["HX-Trigger"]
    assert sorted(TimeEntry.objects.values_list("date", "minutes", "ticket")) == [
        (MONDAY, 90, ticket.pk),
        (MONDAY + datetime.timedelta(days=1), 120, ticket.pk),
        (MONDAY + datetime.timedelta(days=2), 45, None),
    ]
    body = response.content.decode()
    assert "4h15" in body  # the week's total


def test_timesheet_refusals_keep_what_was_typed(client, engagement, developer, ticket):
    client.force_login(developer)
    key = f"{ticket.pk}-developer"
    response = client.post(
        _sheet(engagement),
        {
            "week": "2026-03-09",
            "rows": [key],
            f"c-{key}-0": "lots",
            f"c-{key}-1": "1h",
            f"c-{key}-4": "2h",  # Friday the 13th: the future
            "save": f"row:{key}",
        },
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "“lots” is not a duration" in body and 'value="lots"' in body
    assert "Time cannot be logged for a day in the future." in body and 'value="2h"' in body
    assert list(TimeEntry.objects.values_list("minutes", flat=True)) == [60]


def test_emptying_a_cell_deletes_its_entry(client, engagement, developer, log):
    entry = log(developer, minutes=60)
    client.force_login(developer)
    client.post(
        _sheet(engagement),
        {"week": "2026-03-09", "rows": ["0-developer"], "c-0-developer-0": "", "save": "week"},
    )
    assert not TimeEntry.objects.filter(pk=entry.pk).exists()


def test_approved_week_is_read_only(client, engagement, developer, manager, log):
    log(developer, minutes=60)
    timesheet_week_approve(actor=manager, engagement=engagement, person=developer, week_of=MONDAY)
    client.force_login(developer)
    response = client.post(
        _sheet(engagement),
        {"week": "2026-03-09", "rows": ["0-developer"], "c-0-developer-0": "3h", "save": "week"},
    )
    assert response.status_code == 422
    assert "approved and is locked" in response.content.decode()
    assert TimeEntry.objects.get().minutes == 60


def test_ticket_card_quick_add_and_timer(client, engagement, developer, ticket, time_machine):
    client.force_login(developer)
    url = reverse("timesheets:ticket-time", args=[engagement.slug, ticket.key])
    response = client.get(url)
    assert "0h" in response.content.decode() and "estimate 16h" in response.content.decode()
    response = client.post(
        url,
        {
            "duration": "1h30",
            "date": "2026-03-11",
            "billable": "on",
            "note": "x",
            "note_internal": "on",
        },
    )
    assert response.status_code == 200
    assert TimeEntry.objects.get().note_internal
    assert "1h30 logged on" in response["HX-Trigger"]
    response = client.post(url, {"duration": "2", "date": "2026-03-20"})
    assert response.status_code == 422
    assert "Time cannot be logged for a day in the future." in response.content.decode()
    client.post(reverse("timesheets:timer-start", args=[engagement.slug, ticket.key]))
    time_machine.shift(datetime.timedelta(minutes=30))
    response = client.post(reverse("timesheets:timer-stop", args=[engagement.slug, ticket.key]))
    assert "30m logged." in response["HX-Trigger"]
    assert "2h" in response.content.decode()  # 1h30 + 30m
    assert sorted(TimeEntry.objects.values_list("minutes", flat=True)) == [30, 90]


def test_quick_add_asks_the_role_only_when_several(client, engagement, multi, ticket):
    client.force_login(multi)
    url = reverse("timesheets:ticket-time", args=[engagement.slug, ticket.key])
    assert 'name="role"' in client.get(url).content.decode()
    response = client.post(url, {"duration": "1", "date": "2026-03-11"})
    assert response.status_code == 422 and not TimeEntry.objects.exists()
    client.post(url, {"duration": "1", "date": "2026-03-11", "role": "tester"})
    assert TimeEntry.objects.get().role == "tester"


def test_manager_approves_and_returns(client, engagement, developer, manager, log):
    log(developer, minutes=60)
    client.force_login(manager)
    team = client.get(reverse("timesheets:team", args=[engagement.slug]) + "?week=2026-03-09")
    assert "Dev One" in team.content.decode()
    approve = reverse("timesheets:person-week-approve", args=[engagement.slug, developer.pk])
    client.post(approve, {"week": "2026-03-09"})
    assert TimesheetWeek.objects.get().status == "approved"
    returned = reverse("timesheets:person-week-return", args=[engagement.slug, developer.pk])
    response = client.post(returned, {"week": "2026-03-09", "reason": ""})
    assert response.status_code == 422
    client.post(returned, {"week": "2026-03-09", "reason": "Wrong ticket"})
    assert TimesheetWeek.objects.get().status == "returned"
    assert Notification.objects.filter(person=developer, kind="time_returned").count() == 1
    client.force_login(developer)
    assert "Wrong ticket" in client.get(_sheet(engagement) + "?week=2026-03-09").content.decode()


def test_only_the_project_manager_approves(client, engagement, developer, log):
    log(developer)
    client.force_login(developer)
    url = reverse("timesheets:person-week-approve", args=[engagement.slug, developer.pk])
    assert client.post(url, {"week": "2026-03-09"}).status_code == 403
    assert not TimesheetWeek.objects.exists()


def test_client_sees_only_approved_billable_time_without_internal_notes(
    client, engagement, developer, manager, director, ticket, log
):
    log(developer, ticket=ticket, minutes=60, note="secret-internal", note_internal=True)
    log(developer, minutes=30, billable=False, note="not-billed")
    last = MONDAY - datetime.timedelta(days=7)
    log(developer, day=last, minutes=120, note="shown-note")
    log(developer, day=last, minutes=15, note="hidden-internal", note_internal=True)
    timesheet_week_approve(actor=manager, engagement=engagement, person=developer, week_of=last)
    client.force_login(director)
    body = client.get(reverse("timesheets:entry-list", args=[engagement.slug])).content.decode()
    assert "shown-note" in body and "2h" in body
    assert "secret-internal" not in body and "not-billed" not in body
    assert "hidden-internal" not in body
    hidden = TimeEntry.objects.get(note="secret-internal")
    url = reverse("timesheets:entry-detail", args=[engagement.slug, hidden.pk])
    assert client.get(url).status_code == 404
    internal = TimeEntry.objects.get(note="hidden-internal")
    detail = client.get(reverse("timesheets:entry-detail", args=[engagement.slug, internal.pk]))
    assert detail.status_code == 200 and "hidden-internal" not in detail.content.decode()
    card = client.get(reverse("timesheets:ticket-time", args=[engagement.slug, ticket.key]))
    assert "<strong>0h</strong>" in card.content.decode()
    assert client.get(_sheet(engagement)).status_code == 403
    assert client.get(reverse("timesheets:team", args=[engagement.slug])).status_code == 403


def test_another_engagements_person_gets_404_everywhere(client, engagement, developer, log, ticket):
    from tests.factories import EngagementFactory

    entry = log(developer)
    stranger = member(EngagementFactory(), Role.PROJECT_MANAGER)
    client.force_login(stranger)
    s = engagement.slug
    for url in [
        reverse("timesheets:timesheet", args=[s]),
        reverse("timesheets:team", args=[s]),
        reverse("timesheets:person-week", args=[s, developer.pk]),
        reverse("timesheets:entry-list", args=[s]),
        reverse("timesheets:entry-detail", args=[s, entry.pk]),
        reverse("timesheets:ticket-time", args=[s, ticket.key]),
    ]:
        assert client.get(url).status_code == 404, url
    for url in [
        reverse("timesheets:person-week-approve", args=[s, developer.pk]),
        reverse("timesheets:entry-delete", args=[s, entry.pk]),
        reverse("timesheets:timer-start", args=[s, ticket.key]),
    ]:
        assert client.post(url, {"week": "2026-03-09"}).status_code == 404, url
    assert TimeEntry.objects.count() == 1 and not TimesheetWeek.objects.exists()


def test_a_colleague_cannot_change_someone_elses_entry(client, engagement, developer, log):
    entry = log(developer)
    colleague = member(engagement, Role.DEVELOPER)
    client.force_login(colleague)
    url = reverse("timesheets:entry-detail", args=[engagement.slug, entry.pk])
    assert client.post(url, {"minutes": "3h"}).status_code == 404
    delete = reverse("timesheets:entry-delete", args=[engagement.slug, entry.pk])
    assert client.post(delete).status_code == 404
    assert TimeEntry.objects.get().minutes == 60


def test_entry_edit_and_history(client, engagement, developer, log):
    entry = log(developer, minutes=60)
    client.force_login(developer)
    url = reverse("timesheets:entry-detail", args=[engagement.slug, entry.pk])
    response = client.post(
        url, {"date": "2026-03-10", "minutes": "2h", "ticket": "", "role": "developer", "note": "n"}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.minutes, entry.date, entry.billable) == (120, datetime.date(2026, 3, 10), False)
    body = client.get(url).content.decode()
    assert "Changed" in body and "Created" in body
    assert "Duration</span> 1h → 2h" in body
    assert "Billable</span> Yes → No" in body


def _fill(engagement, person, tickets):
    for n, ticket in enumerate(tickets):
        time_entry_create(
            actor=person,
            engagement=engagement,
            person=person,
            date=MONDAY + datetime.timedelta(days=n % 3),
            minutes=30,
            ticket=ticket,
        )


@pytest.mark.parametrize("count", [1, 12])
def test_timesheet_queries_do_not_grow(
    client, engagement, developer, count, django_assert_num_queries
):
    _fill(engagement, developer, [TicketFactory(engagement=engagement) for _ in range(count)])
    client.force_login(developer)
    url = _sheet(engagement) + "?week=2026-03-09"
    client.get(url)
    with django_assert_num_queries(QUERIES["timesheet"]):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("count", [1, 12])
def test_entry_list_queries_do_not_grow(
    client, engagement, developer, count, django_assert_num_queries
):
    _fill(engagement, developer, [TicketFactory(engagement=engagement) for _ in range(count)])
    client.force_login(developer)
    url = reverse("timesheets:entry-list", args=[engagement.slug])
    client.get(url)
    with django_assert_num_queries(QUERIES["entries"]):
        assert client.get(url).status_code == 200


# The shell (session, person, the engagement with the person's roles, inbox) and the page's
# own reads.
QUERIES = {"timesheet": 9, "entries": 8}


def test_the_palette_offers_the_timesheet_to_those_who_log_time(
    client, engagement, developer, director
):
    palette = reverse("search:palette")
    query = {"q": "timesheet", "engagement": engagement.slug}
    client.force_login(developer)
    assert _sheet(engagement) in client.get(palette, query).content.decode()
    client.force_login(director)
    assert _sheet(engagement) not in client.get(palette, query).content.decode()


def test_a_refusal_reads_in_the_persons_language(client, engagement, developer, ticket):
    developer.language = "fr"
    developer.save()
    client.force_login(developer)
    url = reverse("timesheets:ticket-time", args=[engagement.slug, ticket.key])
    response = client.post(url, {"duration": "1h", "date": "2026-03-20"})
    assert response.status_code == 422
    assert "On ne peut pas saisir de temps pour un jour à venir." in response.content.decode()
