import datetime as dt

import pytest
import time_machine
from django.core import mail

from collab.rhythm import backlog_bridge
from collab.rhythm.digest import digests_sweep
from collab.rhythm.models import ActionItem, DigestDelivery
from collab.rhythm.services import person_preferences_update

UTC = dt.UTC
pytestmark = pytest.mark.django_db


def _sweep(moment):
    with time_machine.travel(moment, tick=False):
        return digests_sweep(tickets_waiting=backlog_bridge.tickets_waiting_for)


def test_the_digest_goes_out_once_per_local_day_at_08_00_in_each_zone(engagement, team):
    for person in (team["pm"], team["consultant"]):
        person_preferences_update(person=person, data={"notification_mode": "daily_digest"})
        ActionItem.objects.create(
            engagement=engagement,
            title="Chase the ERP vendor",
            owner=person,
            due_date=dt.date(2026, 6, 1),
        )
    # 07:45 in Paris (05:45 UTC in summer): nobody yet.
    assert _sweep(dt.datetime(2026, 6, 10, 5, 45, tzinfo=UTC)).sent == 0
    # 08:00 in Paris: the Paris reader only; New York is at 02:00.
    assert _sweep(dt.datetime(2026, 6, 10, 6, 0, tzinfo=UTC)).sent == 1
    assert _sweep(dt.datetime(2026, 6, 10, 6, 15, tzinfo=UTC)).sent == 0
    # 08:00 in New York (12:00 UTC).
    assert _sweep(dt.datetime(2026, 6, 10, 11, 45, tzinfo=UTC)).sent == 0
    assert _sweep(dt.datetime(2026, 6, 10, 12, 0, tzinfo=UTC)).sent == 1
    assert _sweep(dt.datetime(2026, 6, 10, 20, 0, tzinfo=UTC)).sent == 0
    # The next local day, again once each.
    assert _sweep(dt.datetime(2026, 6, 11, 6, 0, tzinfo=UTC)).sent == 1

    assert [m.to[0] for m in mail.outbox] == [
        "pm@atelier.example",
        "consultant@atelier.example",
        "pm@atelier.example",
    ]
    assert "Chase the ERP vendor" in mail.outbox[0].body
    assert mail.outbox[0].subject == "Your Tandem day: 2026-06-10"
    html, mimetype = mail.outbox[0].alternatives[0]
    assert mimetype == "text/html"
    assert '<html lang="en">' in html
    assert "<title>Your Tandem day: 2026-06-10</title>" in html
    assert set(DigestDelivery.objects.values_list("person__email", "local_date")) == {
        ("pm@atelier.example", dt.date(2026, 6, 10)),
        ("consultant@atelier.example", dt.date(2026, 6, 10)),
        ("pm@atelier.example", dt.date(2026, 6, 11)),
    }


def test_immediate_readers_get_no_digest(engagement, team):
    assert _sweep(dt.datetime(2026, 6, 10, 12, 0, tzinfo=UTC)).materialised == 0
    assert mail.outbox == []
