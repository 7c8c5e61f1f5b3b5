"""What meetings come to: outcomes, action items, attendance, notes, and marking one held."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.models import User
from collab.rhythm.agenda import agenda_items_carry_over, ensure_editable
from collab.rhythm.ics import meeting_url
from collab.rhythm.models import (
    ActionItem,
    AgendaItem,
    Attendee,
    Meeting,
    MeetingNotes,
    MeetingNotice,
    Outcome,
)
from collab.rhythm.notify import meeting_label, meeting_notices_create, notifications_write
from collab.webhooks.models import WebhookEvent
from collab.webhooks.services import webhook_event_emit


def meeting_decision_log(*, meeting: Meeting, actor: User, text: str) -> Outcome:
    """Record a decision taken in a meeting by another part of Tandem (a roadmap review's
    session): it joins the meeting's minutes and the engagement's decision log. Unlike
    ``outcome_record`` it is accepted once the meeting is held, since the review session, not
    the meeting, decides when its decisions are taken."""
    return Outcome.objects.create(
        engagement_id=meeting.engagement_id,
        meeting=meeting,
        kind=Outcome.Kind.DECISION,
        text=text.strip(),
        recorded_by=actor,
    )


class StaleNotes(ValidationError):
    """Someone saved the notes after the version this edit started from."""


@transaction.atomic
def outcome_record(
    *,
    meeting: Meeting,
    actor: User,
    kind: str,
    text: str,
    agenda_item: AgendaItem | None = None,
    owner: User | None = None,
    due_date: dt.date | None = None,
) -> Outcome:
    """Record a decision, an information or a follow-up (then with an action item, which needs
    an owner and a due date) on a scheduled meeting."""
    ensure_editable(meeting)
    if kind not in Outcome.Kind.values:
        raise ValidationError({"kind": _("Choose decision, information or follow-up.")})
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise ValidationError({"agenda_item": _("This item belongs to another meeting.")})
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write what was decided or said.")})
    if kind == Outcome.Kind.FOLLOW_UP and (owner is None or due_date is None):
        raise ValidationError(_("A follow-up needs an owner and a due date."), code="follow_up")
    outcome = Outcome.objects.create(
        engagement_id=meeting.engagement_id,
        meeting=meeting,
        agenda_item=agenda_item,
        kind=kind,
        text=text,
        recorded_by=actor,
    )
    if kind == Outcome.Kind.FOLLOW_UP:
        action_item_create(
            engagement_id=meeting.engagement_id,
            meeting=meeting,
            outcome=outcome,
            title=text,
            owner=owner,
            due_date=due_date,
        )
    return outcome


def action_item_create(
    *,
    engagement_id: int,
    title: str,
    owner: User | None,
    due_date: dt.date | None,
    meeting: Meeting | None = None,
    outcome: Outcome | None = None,
) -> ActionItem:
    """Create an action item with an owner and a due date (the caller checks the owner's
    engagement)."""
    item = ActionItem(
        engagement_id=engagement_id,
        meeting=meeting,
        outcome=outcome,
        title=title.strip()[:300],
        owner=owner,
        due_date=due_date,
    )
    item.full_clean(exclude=["engagement", "meeting", "outcome"])
    item.save()
    if owner is not None:
        _tell_owner(item, owner)
    return item


def _tell_owner(item: ActionItem, owner: User) -> None:
    """The owner hears of their action item in their inbox (and so their digest), whether or
    not they were invited to the meeting that raised it."""

    def compose() -> tuple[str, str]:
        title = _("Action item for you: %(title)s") % {"title": item.title}
        body = _("Due %(date)s.") % {"date": item.due_date.isoformat()}
        if item.meeting is not None:
            body = _("From the meeting “%(meeting)s”. Due %(date)s.") % {
                "meeting": meeting_label(item.meeting),
                "date": item.due_date.isoformat(),
            }
        return title, body

    notifications_write(
        people=[owner],
        engagement_id=item.engagement_id,
        kind="action_item_assigned",
        compose=compose,
        url=f"{meeting_url(item.meeting)}#action-items" if item.meeting is not None else "",
    )


def action_item_complete(*, item: ActionItem, done: bool = True) -> ActionItem:
    """Mark an action item done (or open again)."""
    status = ActionItem.Status.DONE if done else ActionItem.Status.OPEN
    if item.status != status:
        item.status = status
        item.done_at = timezone.now() if done else None
        item.save(update_fields=["status", "done_at"])
    return item


def action_item_link_ticket(*, item: ActionItem, ticket_key: str, ticket_id: int) -> ActionItem:
    """Remember the ticket an action item became (by key: the core keeps no foreign key to the
    backlog)."""
    if item.ticket_id is not None:
        raise ValidationError(
            _("This action item already became %(key)s.") % {"key": item.ticket_key},
            code="already_ticket",
        )
    item.ticket_key, item.ticket_id = ticket_key, ticket_id
    item.save(update_fields=["ticket_key", "ticket_id"])
    return item


@transaction.atomic
def meeting_notes_save(
    *, meeting: Meeting, actor: User, body: str, version: int | None = None
) -> MeetingNotes:
    """Save a scheduled meeting's Markdown notes; ``version`` (the one the editor loaded)
    refuses to overwrite someone else's newer save."""
    ensure_editable(meeting)
    notes, created = MeetingNotes.objects.select_for_update().get_or_create(
        meeting=meeting,
        defaults={"engagement_id": meeting.engagement_id, "body": body, "updated_by": actor},
    )
    if created:
        return notes
    if version is not None and version != notes.version:
        raise StaleNotes(
            _("Someone else saved these notes meanwhile: reload them before saving."),
            code="stale",
        )
    notes.body = body
    notes.updated_by = actor
    notes.updated_at = timezone.now()
    notes.version += 1
    notes.save(update_fields=["body", "updated_by", "updated_at", "version"])
    return notes


def attendance_set(*, meeting: Meeting, person: User, attended: bool) -> Attendee:
    """Record whether an invited person came (before the meeting is marked held)."""
    ensure_editable(meeting)
    attendee = Attendee.objects.filter(meeting=meeting, person=person).first()
    if attendee is None:
        raise ValidationError(_("This person was not invited."), code="not_invited")
    attendee.attended = attended
    attendee.save(update_fields=["attended"])
    return attendee


@transaction.atomic
def meeting_mark_held(
    *,
    meeting: Meeting,
    attended: Iterable[User] | None = None,
    now: dt.datetime | None = None,
) -> Meeting:
    """Mark a meeting that has started as held: attendance is recorded (those not marked did
    not attend), the agenda freezes, items without an outcome carry over to the next
    occurrence, and the minutes are emailed to every attendee once."""
    now = now or timezone.now()
    meeting = Meeting.objects.select_for_update().select_related("engagement").get(pk=meeting.pk)
    ensure_editable(meeting)
    if meeting.starts_at > now:
        raise ValidationError(
            _("This meeting has not started yet: it cannot be marked held."), code="not_started"
        )
    if attended is not None:
        present = {person.pk for person in attended}
        Attendee.objects.filter(meeting=meeting).update(attended=False)
        Attendee.objects.filter(meeting=meeting, person_id__in=present).update(attended=True)
    else:
        Attendee.objects.filter(meeting=meeting, attended__isnull=True).update(attended=False)
    meeting.status = Meeting.Status.HELD
    meeting.held_at = now
    meeting.updated_at = now
    meeting.save(update_fields=["status", "held_at", "updated_at"])
    agenda_items_carry_over(meeting=meeting)
    meeting_notices_create(meeting=meeting, kind=MeetingNotice.Kind.MINUTES)
    webhook_event_emit(
        engagement=meeting.engagement,
        event=WebhookEvent.MEETING_HELD,
        data=meeting_webhook_data(meeting),
    )
    return meeting


def meeting_webhook_data(meeting: Meeting) -> dict[str, Any]:
    """A held meeting as the ``meeting.held`` event describes it: what, when, how many came
    (no names)."""
    attendance = list(meeting.attendees.values_list("attended", flat=True))
    return {
        "meeting_id": meeting.pk,
        "kind": meeting.kind,
        "title": meeting.title,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "held_at": meeting.held_at,
        "attendees": len(attendance),
        "attended": sum(1 for attended in attendance if attended),
        "url": meeting_url(meeting),
    }
