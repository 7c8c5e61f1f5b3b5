"""Time through the API: list (filters, what the client sees), create (idempotent, refusals),
change under If-Match, delete, approval lock, week decisions, isolation."""

import datetime

import pytest
from django.urls import reverse

from backlog.timesheets.models import TimeEntry, TimesheetWeek
from backlog.timesheets.services import timesheet_week_approve
from collab.services import api_token_create
from roles.models import Role
from tests.factories import EngagementFactory, member
from tests.timesheets.conftest import MONDAY

pytestmark = pytest.mark.django_db


def _list(engagement):
    return reverse("api-time-entry-list", args=[engagement.slug])


def _detail(engagement, pk):
    return reverse("api-time-entry-detail", args=[engagement.slug, pk])


def test_create_is_idempotent_and_refusals_are_problems(api_client, engagement, developer, ticket):
    api_client.force_authenticate(developer)
    body = {"date": "2026-03-10", "minutes": 90, "ticket": ticket.key, "note": "n"}
    first = api_client.post(_list(engagement), body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 201, first.json()
    again = api_client.post(_list(engagement), body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert again.json()["id"] == first.json()["id"] and TimeEntry.objects.count() == 1
    assert first.json()["role"] == "developer" and first.json()["ticket"] == ticket.key
    future = api_client.post(
        _list(engagement), {"date": "2026-03-20", "minutes": 30}, format="json"
    )
    assert future.status_code == 400
    assert future["Content-Type"] == "application/problem+json"
    assert future.json()["errors"]["date"] == ["Time cannot be logged for a day in the future."]
    foreign = api_client.post(
        _list(engagement), {"date": "2026-03-10", "minutes": 30, "ticket": "OTHER-1"}, format="json"
    )
    assert foreign.status_code == 400 and "ticket" in foreign.json()["errors"]
    unknown = api_client.post(
        _list(engagement), {"date": "2026-03-10", "minutes": 30, "cost": 5}, format="json"
    )
    assert unknown.status_code == 400 and "cost" in unknown.json()["errors"]
    assert TimeEntry.objects.count() == 1


def test_a_person_logs_only_their_own_time(api_client, engagement, developer, manager):
    api_client.force_authenticate(developer)
    response = api_client.post(
        _list(engagement),
        {"date": "2026-03-10", "minutes": 30, "person": manager.pk},
        format="json",
    )
    assert response.status_code == 403 and not TimeEntry.objects.exists()


def test_a_write_token_logs_time_for_a_member(api_client, engagement, developer, admin_user):
    token = api_token_create(
        engagement=engagement, name="toggl", scope="write", created_by=admin_user
    ).raw_key
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    missing = api_client.post(
        _list(engagement), {"date": "2026-03-10", "minutes": 30}, format="json"
    )
    assert missing.status_code == 400 and "person" in missing.json()["errors"]
    made = api_client.post(
        _list(engagement),
        {"date": "2026-03-10", "minutes": 30, "person": developer.pk},
        format="json",
    )
    assert made.status_code == 201 and made.json()["person"]["id"] == developer.pk


def test_update_needs_if_match_and_approval_locks(api_client, engagement, developer, manager, log):
    entry = log(developer, minutes=60)
    api_client.force_authenticate(developer)
    read = api_client.get(_detail(engagement, entry.pk))
    etag = read["ETag"]
    assert (
        api_client.patch(_detail(engagement, entry.pk), {"minutes": 30}, format="json").status_code
        == 428
    )
    changed = api_client.patch(
        _detail(engagement, entry.pk), {"minutes": 30}, format="json", HTTP_IF_MATCH=etag
    )
    assert changed.status_code == 200 and changed.json()["minutes"] == 30
    stale = api_client.patch(
        _detail(engagement, entry.pk), {"minutes": 45}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    timesheet_week_approve(actor=manager, engagement=engagement, person=developer, week_of=MONDAY)
    locked = api_client.patch(
        _detail(engagement, entry.pk), {"minutes": 45}, format="json", HTTP_IF_MATCH="*"
    )
    assert locked.status_code == 409 and "locked" in locked.json()["detail"]
    assert api_client.delete(_detail(engagement, entry.pk)).status_code == 409
    entry.refresh_from_db()
    assert entry.minutes == 30


def test_delete(api_client, engagement, developer, log):
    entry = log(developer)
    api_client.force_authenticate(developer)
    assert api_client.delete(_detail(engagement, entry.pk)).status_code == 204
    assert not TimeEntry.objects.exists()


def test_list_filters_and_what_the_client_sees(
    api_client, engagement, developer, manager, director, ticket, log
):
    last = MONDAY - datetime.timedelta(days=7)
    log(developer, day=last, minutes=60, ticket=ticket, note="internal-x", note_internal=True)
    log(developer, day=last, minutes=30, billable=False)
    log(developer, minutes=15)
    timesheet_week_approve(actor=manager, engagement=engagement, person=developer, week_of=last)
    api_client.force_authenticate(manager)
    everything = api_client.get(_list(engagement)).json()["results"]
    assert [row["minutes"] for row in everything] == [15, 30, 60]
    assert everything[2]["note"] == "internal-x"
    filtered = api_client.get(
        _list(engagement), {"approved": "true", "billable": "true", "ticket": ticket.key}
    ).json()["results"]
    assert [row["minutes"] for row in filtered] == [60]
    ranged = api_client.get(_list(engagement), {"date_from": "2026-03-09"}).json()["results"]
    assert [row["minutes"] for row in ranged] == [15]
    api_client.force_authenticate(director)
    client_view = api_client.get(_list(engagement)).json()["results"]
    assert [(row["minutes"], row["note"]) for row in client_view] == [(60, "")]
    assert (
        api_client.post(
            _list(engagement), {"date": "2026-03-10", "minutes": 30}, format="json"
        ).status_code
        == 403
    )


def test_week_approve_and_return(api_client, engagement, developer, manager, log):
    log(developer)
    url = reverse("api-timesheet-week-approve", args=[engagement.slug])
    api_client.force_authenticate(developer)
    body = {"person": developer.pk, "week": "2026-03-10"}
    assert api_client.post(url, body, format="json").status_code == 403
    api_client.force_authenticate(manager)
    approved = api_client.post(url, body, format="json")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved" and approved.json()["week_start"] == "2026-03-09"
    back = reverse("api-timesheet-week-return", args=[engagement.slug])
    returned = api_client.post(back, {**body, "reason": "Split it"}, format="json")
    assert returned.json()["status"] == "returned"
    assert TimesheetWeek.objects.get().reason == "Split it"


def test_another_engagement_gets_404(api_client, engagement, developer, log):
    entry = log(developer)
    stranger = member(EngagementFactory(), Role.PROJECT_MANAGER)
    api_client.force_authenticate(stranger)
    assert api_client.get(_list(engagement)).status_code == 404
    assert api_client.get(_detail(engagement, entry.pk)).status_code == 404
    assert api_client.delete(_detail(engagement, entry.pk)).status_code == 404
    url = reverse("api-timesheet-week-approve", args=[engagement.slug])
    assert (
        api_client.post(
            url, {"person": developer.pk, "week": "2026-03-09"}, format="json"
        ).status_code
        == 404
    )
    assert TimeEntry.objects.count() == 1 and not TimesheetWeek.objects.exists()


@pytest.mark.parametrize("count", [1, 15])
def test_list_queries_do_not_grow(
    api_client, engagement, developer, count, log, django_assert_num_queries
):
    from tests.backlog.factories import TicketFactory

    for n in range(count):
        log(
            developer,
            day=MONDAY - datetime.timedelta(days=n),
            minutes=30,
            ticket=TicketFactory(engagement=engagement),
        )
    api_client.force_authenticate(developer)
    api_client.get(_list(engagement))
    with django_assert_num_queries(2):
        assert api_client.get(_list(engagement)).status_code == 200
