"""In-app notifications and meeting notices (emails about a change), written with the change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from collab.common.tasks import enqueue_on_commit
from collab.models import User
from collab.rhythm.models import (
    DeliveryState,
    Meeting,
    MeetingNotice,
    Notification,
    PersonPreferences,
)

NOTICES_TASK = "collab.rhythm.tasks.notices_send_task"


def meeting_label(meeting: Meeting) -> str:
    """The meeting's name in the active language: its title, or its kind and engagement."""
    if meeting.title:
        return meeting.title
    return _("%(kind)s — %(engagement)s") % {
        "kind": Meeting.Kind(meeting.kind).label,
        "engagement": meeting.engagement.name,
    }


def notice_message_id(*, meeting_id: int, person_id: int, kind: str, sequence: int) -> str:
    return f"<notice.{meeting_id}.{person_id}.{kind}.{sequence}@tandem>"


def _notice_titles(kind: str) -> str:
    return {
        MeetingNotice.Kind.UPDATE: _("Invitation: %(meeting)s"),
        MeetingNotice.Kind.CANCEL: _("Cancelled: %(meeting)s"),
        MeetingNotice.Kind.MINUTES: _("Minutes: %(meeting)s"),
    }[kind]


def notifications_write(
    *,
    people: Iterable[User],
    engagement_id: int,
    kind: str,
    compose: Callable[[], tuple[str, str]],
    url: str = "",
    now: dt.datetime | None = None,
) -> int:
    """One inbox entry per person, its ``(title, body)`` composed in that person's language;
    every in-app notice of Tandem is written here."""
    now = now or timezone.now()
    rows = []
    for person in people:
        with translation.override(person.language):
            title, body = compose()
        rows.append(
            Notification(
                person=person,
                engagement_id=engagement_id,
                kind=kind,
                title=title[:200],
                body=body,
                url=url,
                created_at=now,
            )
        )
    Notification.objects.bulk_create(rows)
    return len(rows)


def notifications_add(
    *, people: Iterable[User], meeting: Meeting, kind: str, url: str = ""
) -> None:
    """One inbox entry per person about a meeting, each in that person's language."""
    notifications_write(
        people=people,
        engagement_id=meeting.engagement_id,
        kind=f"meeting_{kind}",
        compose=lambda: (_notice_titles(kind) % {"meeting": meeting_label(meeting)}, ""),
        url=url,
    )


def meeting_notices_create(*, meeting: Meeting, kind: str) -> int:
    """Write one notice per attendee for this change of the meeting (ledger rows the sweep
    sends once), plus an inbox entry each, and ask a worker to send them after commit.

    People who chose the daily digest get no separate email for an updated invitation or a
    cancellation (the digest lists them); the minutes go to every attendee."""
    attendees = list(meeting.attendees.select_related("person", "person__preferences"))
    people = [attendee.person for attendee in attendees if attendee.person.is_active]
    rows = []
    for person in people:
        digest = (
            kind != MeetingNotice.Kind.MINUTES
            and _mode(person) == PersonPreferences.NotificationMode.DAILY_DIGEST
        )
        rows.append(
            MeetingNotice(
                engagement_id=meeting.engagement_id,
                meeting=meeting,
                person=person,
                kind=kind,
                sequence=meeting.sequence,
                state=DeliveryState.SKIPPED if digest else DeliveryState.PENDING,
                note="daily digest" if digest else "",
                message_id=notice_message_id(
                    meeting_id=meeting.pk, person_id=person.pk, kind=kind, sequence=meeting.sequence
                ),
            )
        )
    MeetingNotice.objects.bulk_create(rows, ignore_conflicts=True)
    notifications_add(people=people, meeting=meeting, kind=kind)
    enqueue_on_commit(NOTICES_TASK)
    return len(rows)


def _mode(person: User) -> str:
    try:
        return person.preferences.notification_mode
    except PersonPreferences.DoesNotExist:
        return PersonPreferences.NotificationMode.IMMEDIATE


def tickets_unrouted_notify(
    *, engagement_id: int, people: Iterable[User], tickets: list[tuple[str, str, str]]
) -> int:
    """Tell each person (the engagement's project managers), in their language, that tickets
    were filed that nobody holds the responsible role for: one inbox entry per person for one
    ticket ``(key, title, url)``, or one listing the keys when a batch filed several. The
    backlog calls it after the filing commits."""
    if not tickets:
        return 0
    keys = ", ".join(key for key, _title, _url in tickets)

    def compose() -> tuple[str, str]:
        if len(tickets) == 1:
            key, ticket_title = tickets[0][:2]
            return (
                _("%(key)s is unrouted: %(title)s") % {"key": key, "title": ticket_title},
                _("Nobody holds the role responsible for it on this engagement: route it."),
            )
        return (
            _("%(count)d tickets are unrouted") % {"count": len(tickets)},
            _("Nobody holds the role responsible for them on this engagement: %(keys)s.")
            % {"keys": keys},
        )

    return notifications_write(
        people=people,
        engagement_id=engagement_id,
        kind="ticket_unrouted",
        compose=compose,
        url=tickets[0][2] if len(tickets) == 1 else "",
    )
