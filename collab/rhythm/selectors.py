"""Reads of the rhythm: meetings, agendas, decisions, action items, inbox, calendar feed."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone, translation

from collab.models import Engagement, User
from collab.rhythm.ics import calendar_bytes, meeting_event, meeting_url
from collab.rhythm.models import (
    ActionItem,
    AgendaItem,
    AgendaSection,
    Attendee,
    Meeting,
    MeetingNotes,
    Notification,
    Outcome,
    PersonPreferences,
    RhythmSettings,
    default_reminder_offsets,
)
from collab.rhythm.notify import meeting_label

FEED_PAST_DAYS = 30
CALENDAR_TOKEN_FORM = re.compile(r"[A-Za-z0-9_-]{1,64}")


def meeting_list(
    *,
    engagement: Engagement,
    kind: str | None = None,
    starts_after: dt.datetime | None = None,
    starts_before: dt.datetime | None = None,
    upcoming: bool | None = None,
) -> QuerySet[Meeting]:
    """An engagement's meetings with their organizer and attendee counts (one query whatever
    the number of attendees); upcoming ones soonest first, past ones latest first."""
    queryset = (
        Meeting.objects.filter(engagement=engagement)
        .select_related("engagement", "organizer")
        .annotate(
            attendee_count=Count("attendees", distinct=True),
            accepted_count=Count(
                "attendees",
                filter=Q(attendees__response=Attendee.Response.ACCEPTED),
                distinct=True,
            ),
        )
    )
    if kind:
        queryset = queryset.filter(kind=kind)
    if starts_after:
        queryset = queryset.filter(starts_at__gte=starts_after)
    if starts_before:
        queryset = queryset.filter(starts_at__lt=starts_before)
    now = timezone.now()
    if upcoming is True:
        return queryset.filter(ends_at__gt=now).order_by("starts_at", "pk")
    if upcoming is False:
        return queryset.filter(ends_at__lte=now).order_by("-starts_at", "-pk")
    return queryset.order_by("starts_at", "pk")


def meeting_get(*, engagement: Engagement, pk: int) -> Meeting | None:
    """One meeting of this engagement, or None (another engagement's is not found)."""
    return (
        Meeting.objects.filter(engagement=engagement, pk=pk)
        .select_related("engagement", "organizer")
        .first()
    )


@dataclass(frozen=True)
class MeetingDetail:
    meeting: Meeting
    attendees: list[Attendee]
    sections: list[AgendaSection]
    outcomes: list[Outcome]
    action_items: list[ActionItem]
    notes: MeetingNotes | None

    @property
    def frozen(self) -> bool:
        return self.meeting.status != Meeting.Status.SCHEDULED


def meeting_detail(*, engagement: Engagement, pk: int) -> MeetingDetail | None:
    """A meeting with everything its page shows, in a fixed number of queries (attendees,
    sections with items and their outcomes, outcomes, action items, notes)."""
    meeting = meeting_get(engagement=engagement, pk=pk)
    if meeting is None:
        return None
    items = AgendaItem.objects.select_related(
        "presenter", "carried_from__meeting"
    ).prefetch_related(Prefetch("outcomes", queryset=Outcome.objects.order_by("created_at", "pk")))
    sections = list(
        AgendaSection.objects.filter(meeting=meeting)
        .prefetch_related(Prefetch("items", queryset=items.order_by("order", "pk")))
        .order_by("order", "pk")
    )
    return MeetingDetail(
        meeting=meeting,
        attendees=list(meeting.attendees.select_related("person").order_by("-required", "pk")),
        sections=sections,
        outcomes=list(
            Outcome.objects.filter(meeting=meeting)
            .select_related("agenda_item", "recorded_by")
            .order_by("created_at", "pk")
        ),
        action_items=list(
            ActionItem.objects.filter(meeting=meeting).select_related("owner").order_by("pk")
        ),
        notes=MeetingNotes.objects.filter(meeting=meeting).first(),
    )


def attendee_list(*, meeting: Meeting) -> QuerySet[Attendee]:
    """A meeting's attendees with their person, required ones first."""
    return meeting.attendees.select_related("person").order_by("-required", "pk")


def agenda_item_get(*, meeting: Meeting, pk: int) -> AgendaItem | None:
    """One agenda item of this meeting, or None (another meeting's is not found)."""
    return AgendaItem.objects.filter(meeting=meeting, pk=pk).select_related("meeting").first()


def action_item_get(*, engagement: Engagement, pk: int) -> ActionItem | None:
    """One action item of this engagement, or None (another engagement's is not found)."""
    return action_item_list(engagement=engagement).filter(pk=pk).first()


def meeting_notes_get(*, meeting: Meeting) -> MeetingNotes | None:
    """A meeting's notes with who saved them last, or None before the first save."""
    return MeetingNotes.objects.filter(meeting=meeting).select_related("updated_by").first()


def last_held_sync(*, engagement: Engagement, before: dt.datetime) -> Meeting | None:
    """The latest weekly sync marked held that started before ``before``."""
    return (
        Meeting.objects.filter(
            engagement=engagement,
            kind=Meeting.Kind.WEEKLY_SYNC,
            status=Meeting.Status.HELD,
            starts_at__lt=before,
        )
        .order_by("-starts_at")
        .first()
    )


def agenda_since(*, meeting: Meeting) -> dt.datetime:
    """Where "what changed" starts for a sync's agenda: when the last held sync was held, or a
    week before this meeting when none was."""
    previous = last_held_sync(engagement=meeting.engagement, before=meeting.starts_at)
    if previous is None:
        return meeting.starts_at - dt.timedelta(days=7)
    return previous.held_at or previous.starts_at


def agenda_item_history(*, item: AgendaItem) -> list[AgendaItem]:
    """Where a carried-over item came from, oldest meeting first (the item itself last)."""
    chain = [item]
    seen = {item.pk}
    current = item
    while current.carried_from_id and current.carried_from_id not in seen:
        current = AgendaItem.objects.select_related("meeting").get(pk=current.carried_from_id)
        seen.add(current.pk)
        chain.append(current)
    return list(reversed(chain))


def decision_log(*, engagement: Engagement) -> QuerySet[Outcome]:
    """Every decision of the engagement with its meeting and agenda item, latest meeting
    first."""
    return (
        Outcome.objects.filter(engagement=engagement, kind=Outcome.Kind.DECISION)
        .select_related("meeting", "agenda_item", "recorded_by")
        .order_by("-meeting__starts_at", "-created_at", "-pk")
    )


def action_item_list(
    *, engagement: Engagement, status: str | None = None, owner: User | None = None
) -> QuerySet[ActionItem]:
    """The engagement's action items with owner and meeting, by due date."""
    queryset = ActionItem.objects.filter(engagement=engagement).select_related("owner", "meeting")
    if status:
        queryset = queryset.filter(status=status)
    if owner is not None:
        queryset = queryset.filter(owner=owner)
    return queryset.order_by("due_date", "pk")


def action_items_overdue(*, engagement: Engagement, today: dt.date) -> QuerySet[ActionItem]:
    """Open action items past their due date."""
    return action_item_list(engagement=engagement, status=ActionItem.Status.OPEN).filter(
        due_date__lt=today
    )


def meetings_upcoming_for(
    *, person: User, now: dt.datetime | None = None, until: dt.datetime | None = None
) -> QuerySet[Meeting]:
    """Scheduled meetings a person attends that have not ended, soonest first."""
    now = now or timezone.now()
    queryset = Meeting.objects.filter(
        attendees__person=person, status=Meeting.Status.SCHEDULED, ends_at__gt=now
    ).select_related("engagement", "organizer")
    if until is not None:
        queryset = queryset.filter(starts_at__lt=until)
    return queryset.order_by("starts_at", "pk")


def review_missing_consultant_list(*, engagement: Engagement) -> list[Meeting]:
    """Scheduled roadmap reviews that no consultant attends (flagged on the dashboard); there
    is one scheduled review at a time, so the flag is read in Python (portable to SQLite)."""
    reviews = Meeting.objects.filter(
        engagement=engagement,
        kind=Meeting.Kind.ROADMAP_REVIEW,
        status=Meeting.Status.SCHEDULED,
    ).order_by("starts_at")
    return [review for review in reviews if review.missing_consultant]


def notification_list(*, person: User, unread_only: bool = False) -> QuerySet[Notification]:
    """A person's inbox, newest first."""
    queryset = Notification.objects.filter(person=person).select_related("engagement")
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset.order_by("-created_at", "-pk")


def notification_unread_count(*, person: User) -> int:
    """How many inbox entries the person has not read (the navigation badge)."""
    return Notification.objects.filter(person=person, read_at__isnull=True).count()


def preferences_get(*, person: User) -> PersonPreferences:
    """The person's preferences, or the defaults (unsaved, no feed token yet) until saved."""
    try:
        return PersonPreferences.objects.get(person=person)
    except PersonPreferences.DoesNotExist:
        return PersonPreferences(person=person, calendar_token="")


@dataclass(frozen=True)
class Minutes:
    decisions: list[Outcome]
    information: list[Outcome]
    action_items: list[ActionItem]
    attended: list[Attendee]
    absent: list[Attendee]
    notes: str


def minutes_get(*, meeting: Meeting) -> Minutes:
    """What the minutes of a meeting show: decisions, information, action items, attendance
    and notes (five queries)."""
    outcomes = list(
        Outcome.objects.filter(meeting=meeting)
        .select_related("agenda_item")
        .order_by("created_at", "pk")
    )
    attendees = list(meeting.attendees.select_related("person").order_by("-required", "pk"))
    notes = MeetingNotes.objects.filter(meeting=meeting).values_list("body", flat=True).first()
    return Minutes(
        decisions=[o for o in outcomes if o.kind == Outcome.Kind.DECISION],
        information=[o for o in outcomes if o.kind == Outcome.Kind.INFORMATION],
        action_items=list(
            ActionItem.objects.filter(meeting=meeting).select_related("owner").order_by("pk")
        ),
        attended=[a for a in attendees if a.attended],
        absent=[a for a in attendees if not a.attended],
        notes=notes or "",
    )


def _offsets(meeting: Meeting) -> list[int]:
    try:
        return list(meeting.engagement.rhythm_settings.reminder_offsets)
    except RhythmSettings.DoesNotExist:
        return default_reminder_offsets()


def calendar_feed_for_token(
    token: str, *, member_of: Callable[[User], Iterable[int]] | None = None
) -> bytes | None:
    """The private .ics feed of the person holding this token: their meetings from 30 days ago
    on (cancelled ones included, so calendars drop them), only of the engagements ``member_of``
    says they still belong to (the roles decide); None for an unknown token."""
    # Tokens are URL-safe Base64 (new_calendar_token): anything else, a NUL byte included,
    # is unknown without asking the database.
    if not CALENDAR_TOKEN_FORM.fullmatch(token):
        return None
    preferences = (
        PersonPreferences.objects.filter(calendar_token=token).select_related("person").first()
    )
    if preferences is None:
        return None
    person = preferences.person
    scope = Q() if member_of is None else Q(engagement_id__in=list(member_of(person)))
    meetings = list(
        Meeting.objects.filter(
            scope,
            attendees__person=person,
            starts_at__gte=timezone.now() - dt.timedelta(days=FEED_PAST_DAYS),
        )
        .select_related("engagement__rhythm_settings", "organizer")
        .prefetch_related(Prefetch("attendees", queryset=Attendee.objects.select_related("person")))
        .order_by("starts_at", "pk")
    )
    with translation.override(person.language):
        events = [
            meeting_event(
                meeting=meeting,
                attendees=meeting.attendees.all(),
                summary=meeting_label(meeting),
                description=meeting_url(meeting),
                alarm_offsets=[] if preferences.reminder_opt_out else _offsets(meeting),
                # A feed is a calendar of its own: each meeting under its own UID.
                as_occurrence=False,
            )
            for meeting in meetings
        ]
        return calendar_bytes(events=events, method=None, name="Tandem")
