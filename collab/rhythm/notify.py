"""In-app notifications and meeting notices (emails about a change), written with the change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from collab.common.tasks import enqueue_on_commit
from collab.models import User
from collab.rhythm.models import (
    Attendee,
    DeliveryState,
    Meeting,
    MeetingNotice,
    Notification,
    PersonPreferences,
)

NOTICES_TASK = "collab.rhythm.tasks.notices_send_task"
# The note of a notice left to the person's daily digest (which attaches its .ics).
DIGEST_NOTE = "daily digest"


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
    rows = [_notice_row(meeting, person, kind) for person in people]
    MeetingNotice.objects.bulk_create(rows, ignore_conflicts=True)
    notifications_add(people=people, meeting=meeting, kind=kind)
    enqueue_on_commit(NOTICES_TASK)
    return len(rows)


def _notice_row(meeting: Meeting, person: User, kind: str) -> MeetingNotice:
    digest = (
        kind != MeetingNotice.Kind.MINUTES
        and _mode(person) == PersonPreferences.NotificationMode.DAILY_DIGEST
    )
    return MeetingNotice(
        engagement_id=meeting.engagement_id,
        meeting=meeting,
        person=person,
        kind=kind,
        sequence=meeting.sequence,
        state=DeliveryState.SKIPPED if digest else DeliveryState.PENDING,
        note=DIGEST_NOTE if digest else "",
        message_id=notice_message_id(
            meeting_id=meeting.pk, person_id=person.pk, kind=kind, sequence=meeting.sequence
        ),
    )


def meeting_invitations_create(*, attendees: Iterable[Attendee]) -> int:
    """Invite people just added to scheduled occurrences (a cadence's syncs and reviews): one
    invitation per person and occurrence, at the occurrence's current sequence, so the ledger's
    unique key keeps a second scheduling run from sending it again. Digest readers get it in
    their digest, with its .ics."""
    # A meeting already started (demo data scheduled in the past) needs no invitation.
    now = timezone.now()
    attendees = [a for a in attendees if a.person.is_active and a.meeting.starts_at > now]
    if not attendees:
        return 0
    by_person: dict[int, User] = {
        person.pk: person
        for person in User.objects.filter(pk__in={a.person_id for a in attendees}).select_related(
            "preferences"
        )
    }
    rows = [
        _notice_row(attendee.meeting, by_person[attendee.person_id], MeetingNotice.Kind.UPDATE)
        for attendee in attendees
    ]
    MeetingNotice.objects.bulk_create(rows, ignore_conflicts=True)
    for attendee in attendees:
        notifications_add(
            people=[by_person[attendee.person_id]],
            meeting=attendee.meeting,
            kind=MeetingNotice.Kind.UPDATE,
        )
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
