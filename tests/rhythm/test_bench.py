"""The reminders part of ``manage.py bench`` at a tiny size: every reminder written once, one
in-app notice each, and nothing left behind."""

import pytest

from collab.models import Engagement, User
from collab.rhythm.bench import bench_reminders
from collab.rhythm.models import Meeting, Notification, ReminderDelivery


@pytest.mark.django_db
def test_the_reminder_bench_delivers_each_reminder_exactly_once_and_cleans_up():
    result = bench_reminders(n_meetings=3, reminders=12)

    assert (result.reminders, result.sent, result.emails_written, result.distinct_emails) == (
        12,
        12,
        12,
        12,
    )
    assert result.notices == 12
    assert result.exactly_once
    assert result.runs == 1
    assert not Engagement.objects.exists()
    assert not User.objects.exists()
    assert not Meeting.objects.exists()
    assert not ReminderDelivery.objects.exists()
    assert not Notification.objects.exists()
