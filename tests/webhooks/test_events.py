"""Each event is written by the service that makes the change, with its payload."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings as django_settings

from backlog.services import ticket_create, ticket_transition
from backlog.transfer.csv_import import tickets_import
from collab.rhythm.models import Attendee, Meeting
from collab.rhythm.services import meeting_mark_held
from collab.webhooks.models import WebhookDelivery
from collab.webhooks.services import webhook_set_active
from roadmap.reviews.services import review_for_meeting, review_sign_off, review_start
from roles.models import Role
from tests.factories import member

UTC = dt.UTC
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SITE = django_settings.SITE_URL


@pytest.fixture
def roles_in_force(engagement, admin_user, director, pm):
    consultant = member(engagement, Role.CONSULTANT, email="consultant@atelier.example")
    return {"admin": admin_user, "director": director, "pm": pm, "consultant": consultant}


def _data(webhook, event):
    return [
        (row.event, row.payload["type"], row.payload["data"])
        for row in WebhookDelivery.objects.filter(webhook=webhook, event=event).order_by("pk")
    ]


@pytest.mark.django_db
def test_filing_a_ticket_writes_a_ticket_created_event(engagement, roles_in_force, make_webhook):
    webhook = make_webhook()
    quiet = make_webhook(events=["meeting.held"])
    off = make_webhook()
    webhook_set_active(webhook=off, active=False)

    with time_machine.travel(NOW, tick=False):
        ticket = ticket_create(
            actor=roles_in_force["admin"],
            engagement=engagement,
            title="Punch-out catalogue",
            kind="feature",
            origin="client_request",
        )

    assert _data(webhook, "ticket.created") == [
        (
            "ticket.created",
            "ticket.created",
            {
                "key": "NORD-1",
                "title": "Punch-out catalogue",
                "kind": "feature",
                "origin": "client_request",
                "status": "new",
                "url": f"{SITE}/engagements/nordfer/backlog/NORD-1/",
                "created_at": "2026-12-01T09:00:00Z",
            },
        )
    ]
    row = WebhookDelivery.objects.get(webhook=webhook)
    assert row.payload["engagement"] == {"slug": "nordfer", "name": "Nordfer Industrie"}
    assert row.payload["id"] == str(row.event_id)
    assert (row.state, row.attempts, row.engagement_id) == ("pending", 0, engagement.pk)
    assert ticket.key == "NORD-1"
    assert WebhookDelivery.objects.filter(webhook__in=[quiet, off]).count() == 0


@pytest.mark.django_db
def test_moving_a_ticket_writes_a_status_changed_event(engagement, roles_in_force, make_webhook):
    webhook = make_webhook(events=["ticket.status_changed"])
    ticket = ticket_create(
        actor=roles_in_force["pm"],
        engagement=engagement,
        title="Slow search",
        kind="question",
        origin="client_request",
    )
    assert WebhookDelivery.objects.count() == 0

    with time_machine.travel(NOW, tick=False):
        ticket_transition(actor=roles_in_force["pm"], ticket=ticket, to_status="triage")

    assert _data(webhook, "ticket.status_changed") == [
        (
            "ticket.status_changed",
            "ticket.status_changed",
            {
                "key": "NORD-1",
                "title": "Slow search",
                "kind": "question",
                "origin": "client_request",
                "status": "triage",
                "url": f"{SITE}/engagements/nordfer/backlog/NORD-1/",
                "status_before": "new",
                "status_after": "triage",
                "note": "",
                "changed_at": "2026-12-01T09:00:00Z",
            },
        )
    ]


def _csv(size: int) -> bytes:
    lines = [f"Ticket {n},JIRA-{n},Task,To Do,,12/Mar/24 10:15 AM\n" for n in range(1, size + 1)]
    return ("Summary,Issue key,Issue Type,Status,Reporter,Created\n" + "".join(lines)).encode()


@pytest.mark.django_db
def test_a_csv_import_writes_one_event_per_ticket_and_webhook(
    engagement, roles_in_force, make_webhook
):
    first, second = make_webhook(), make_webhook(events=["ticket.created"])

    report = tickets_import(actor=roles_in_force["admin"], engagement=engagement, data=_csv(3))

    assert report.created == ["NORD-1", "NORD-2", "NORD-3"]
    rows = WebhookDelivery.objects.order_by("webhook_id", "pk")
    assert [(row.webhook_id, row.payload["data"]["key"]) for row in rows] == [
        (first.pk, "NORD-1"),
        (first.pk, "NORD-2"),
        (first.pk, "NORD-3"),
        (second.pk, "NORD-1"),
        (second.pk, "NORD-2"),
        (second.pk, "NORD-3"),
    ]
    by_key = {}
    for row in rows:
        by_key.setdefault(row.payload["data"]["key"], set()).add(row.event_id)
    # One event per ticket, the same id at each of the webhooks it goes to.
    assert all(len(ids) == 1 for ids in by_key.values())
    assert len({next(iter(ids)) for ids in by_key.values()}) == 3


@pytest.mark.parametrize("size", [5, 60])
@pytest.mark.django_db
def test_a_csv_import_with_webhooks_costs_the_same_queries_whatever_its_size(
    engagement, roles_in_force, make_webhook, django_assert_num_queries, size
):
    make_webhook()
    make_webhook(events=["ticket.created"])

    # Constant: the guards' two reads (workflow settings, a tester in force) are per import;
    # the stored ranking adds 3 (medians lock, settings, one UPDATE … FROM; rows without effort
    # cannot move the medians); the ticket counter is one upsert.
    with django_assert_num_queries(21):
        report = tickets_import(
            actor=roles_in_force["admin"], engagement=engagement, data=_csv(size)
        )

    assert len(report.created) == size
    assert WebhookDelivery.objects.count() == 2 * size


@pytest.mark.django_db
def test_signing_off_a_review_writes_a_review_signed_off_event(
    engagement, roles_in_force, make_webhook
):
    webhook = make_webhook(events=["review.signed_off"])
    starts_at = NOW - dt.timedelta(days=30)
    meeting = Meeting.objects.create(
        engagement=engagement,
        kind=Meeting.Kind.ROADMAP_REVIEW,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        status=Meeting.Status.HELD,
        held_at=starts_at + dt.timedelta(hours=2),
    )
    for person in (roles_in_force["director"], roles_in_force["consultant"]):
        Attendee.objects.create(
            engagement=engagement, meeting=meeting, person=person, required=True, attended=True
        )
    director = roles_in_force["director"]
    review = review_start(
        actor=director, review=review_for_meeting(meeting=meeting, now=starts_at), now=starts_at
    )
    assert WebhookDelivery.objects.count() == 0

    snapshot = review_sign_off(actor=director, review=review, now=NOW)

    review.refresh_from_db()
    assert _data(webhook, "review.signed_off") == [
        (
            "review.signed_off",
            "review.signed_off",
            {
                "review_id": review.pk,
                "meeting_id": meeting.pk,
                "period_start": review.period_start.isoformat().replace("+00:00", "Z"),
                "period_end": review.period_end.isoformat().replace("+00:00", "Z"),
                "signed_off_at": "2026-12-01T09:00:00Z",
                "signed_off_by": str(director),
                "snapshot_id": snapshot.pk,
                "url": f"{SITE}/engagements/nordfer/reviews/{review.pk}/",
            },
        )
    ]


@pytest.mark.django_db
def test_marking_a_meeting_held_writes_a_meeting_held_event(
    engagement, roles_in_force, make_webhook
):
    webhook = make_webhook(events=["meeting.held"])
    starts_at = NOW - dt.timedelta(hours=2)
    meeting = Meeting.objects.create(
        engagement=engagement,
        kind=Meeting.Kind.WEEKLY_SYNC,
        title="Sync 48",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=45),
    )
    for person in (roles_in_force["director"], roles_in_force["pm"]):
        Attendee.objects.create(engagement=engagement, meeting=meeting, person=person)

    meeting_mark_held(meeting=meeting, attended=[roles_in_force["pm"]], now=NOW)

    assert _data(webhook, "meeting.held") == [
        (
            "meeting.held",
            "meeting.held",
            {
                "meeting_id": meeting.pk,
                "kind": "weekly_sync",
                "title": "Sync 48",
                "starts_at": "2026-12-01T07:00:00Z",
                "ends_at": "2026-12-01T07:45:00Z",
                "held_at": "2026-12-01T09:00:00Z",
                "attendees": 2,
                "attended": 1,
                "url": f"{SITE}/engagements/nordfer/meetings/{meeting.pk}/",
            },
        )
    ]
