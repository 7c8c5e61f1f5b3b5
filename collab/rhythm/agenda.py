"""A weekly sync's agenda, prepared from what changed since the last held sync.

The backlog facts come in as an ``AgendaFacts`` value (read by ``collab.rhythm.backlog_bridge``),
so this module never imports the backlog. Generated items are replaced when the agenda is
prepared again; items added by hand and carried-over items stay. Once the meeting is held (or
cancelled) the agenda is frozen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from collab.models import User
from collab.rhythm.models import AGENDA_SECTION_TITLES, AgendaItem, AgendaSection, Meeting
from collab.rhythm.selectors import action_items_overdue


@dataclass(frozen=True)
class TicketFact:
    id: int
    key: str
    title: str
    status: str
    assignee_id: int | None = None


@dataclass(frozen=True)
class SprintFact:
    name: str
    done: int
    total: int
    ends_on: dt.date


@dataclass(frozen=True)
class AgendaFacts:
    """What the backlog says for a sync's agenda."""

    new_tickets: list[TicketFact] = field(default_factory=list)
    awaiting_decision: list[TicketFact] = field(default_factory=list)
    needs_alignment: list[TicketFact] = field(default_factory=list)
    qa_failures: list[TicketFact] = field(default_factory=list)
    blocked: list[TicketFact] = field(default_factory=list)
    sprint: SprintFact | None = None
    # Where the tickets of items already on the agenda (carried over or added by hand) stand
    # now, by ticket id; a ticket missing here was deleted.
    current: dict[int, TicketFact] = field(default_factory=dict)


SECTIONS = tuple(AGENDA_SECTION_TITLES.items())
ORDER = {key: position for position, (key, _title) in enumerate(SECTIONS)}
TICKET_MINUTES = 3


def ensure_editable(meeting: Meeting) -> None:
    """Refuse any change to the agenda or outcomes of a meeting no longer scheduled (read from
    the database: the caller's copy may predate someone marking it held)."""
    meeting.status = Meeting.objects.values_list("status", flat=True).get(pk=meeting.pk)
    if meeting.status == Meeting.Status.HELD:
        raise ValidationError(
            _("This meeting was marked held: its agenda and outcomes are frozen."), code="frozen"
        )
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("This meeting was cancelled."), code="frozen")


def section_for(meeting: Meeting, key: str) -> AgendaSection:
    """The generated section ``key`` of a meeting, created when missing."""
    # Stored in English; ``AgendaSection.label`` shows it in the reader's language.
    with translation.override("en"):
        section, _created = AgendaSection.objects.get_or_create(
            meeting=meeting,
            key=key,
            defaults={
                "engagement_id": meeting.engagement_id,
                "title": str(AGENDA_SECTION_TITLES[key]),
                "order": ORDER[key],
            },
        )
    return section


def _ticket_items(key: str, tickets: list[TicketFact]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (
            key,
            {
                "title": f"{ticket.key} {ticket.title}",
                "ticket_key": ticket.key,
                "ticket_id": ticket.id,
                "ticket_status": ticket.status,
                "presenter_id": ticket.assignee_id,
                "duration_minutes": TICKET_MINUTES,
            },
        )
        for ticket in tickets
    ]


def _planned_items(
    meeting: Meeting, facts: AgendaFacts, now: dt.datetime
) -> list[tuple[str, dict[str, Any]]]:
    planned = [
        *_ticket_items("new", facts.new_tickets),
        *_ticket_items("decisions", facts.awaiting_decision),
        *_ticket_items("alignment", facts.needs_alignment),
        *_ticket_items("qa", facts.qa_failures),
        *_ticket_items("blocked", facts.blocked),
    ]
    if facts.sprint is not None:
        planned.append(
            (
                "sprint",
                {
                    "title": _("%(sprint)s: %(done)d of %(total)d tickets done")
                    % {
                        "sprint": facts.sprint.name,
                        "done": facts.sprint.done,
                        "total": facts.sprint.total,
                    },
                    "duration_minutes": 5,
                },
            )
        )
    for item in action_items_overdue(engagement=meeting.engagement, today=now.date()):
        planned.append(
            (
                "actions",
                {
                    "title": _("%(title)s (%(owner)s, due %(due)s)")
                    % {"title": item.title, "owner": item.owner, "due": item.due_date.isoformat()},
                    "presenter_id": item.owner_id,
                    "duration_minutes": 2,
                },
            )
        )
    review = (
        Meeting.objects.filter(
            engagement=meeting.engagement,
            kind=Meeting.Kind.ROADMAP_REVIEW,
            status=Meeting.Status.SCHEDULED,
            starts_at__gt=meeting.starts_at,
            starts_at__lte=meeting.starts_at + dt.timedelta(days=14),
        )
        .order_by("starts_at")
        .first()
    )
    if review is not None:
        planned.append(
            (
                "review",
                {
                    "title": _("Prepare the roadmap review of %(date)s")
                    % {"date": review.starts_at.date().isoformat()},
                    "duration_minutes": 5,
                },
            )
        )
    return planned


@transaction.atomic
def agenda_build(
    *, meeting: Meeting, facts: AgendaFacts, now: dt.datetime | None = None
) -> list[AgendaItem]:
    """Prepare (or prepare again) a meeting's agenda from backlog facts, overdue action items
    and an upcoming roadmap review; hand-made and carried-over items are kept."""
    now = now or timezone.now()
    meeting = Meeting.objects.select_for_update().select_related("engagement").get(pk=meeting.pk)
    ensure_editable(meeting)
    AgendaItem.objects.filter(meeting=meeting, source=AgendaItem.Source.GENERATED).delete()
    planned = _planned_items(meeting, facts, now)
    sections: dict[str, AgendaSection] = {}
    rows = []
    for position, (key, values) in enumerate(planned):
        if key not in sections:
            sections[key] = section_for(meeting, key)
        rows.append(
            AgendaItem(
                engagement_id=meeting.engagement_id,
                meeting=meeting,
                section=sections[key],
                source=AgendaItem.Source.GENERATED,
                order=position,
                created_at=now,
                **values,
            )
        )
    AgendaItem.objects.bulk_create(rows)
    _refresh_kept_items(meeting, facts)
    # Generated sections left empty by this preparation go away.
    AgendaSection.objects.filter(meeting=meeting).exclude(key="").exclude(
        pk__in=AgendaItem.objects.filter(meeting=meeting).values("section_id")
    ).delete()
    meeting.agenda_built_at = now
    meeting.save(update_fields=["agenda_built_at"])
    return rows


def _refresh_kept_items(meeting: Meeting, facts: AgendaFacts) -> None:
    """Items kept across preparations (carried over, added by hand) that name a ticket show its
    current title and status, not those of the week they were written."""
    kept = AgendaItem.objects.filter(meeting=meeting, ticket_id__in=list(facts.current)).exclude(
        source=AgendaItem.Source.GENERATED
    )
    changed = []
    for item in kept:
        ticket = facts.current[item.ticket_id or 0]
        title = f"{ticket.key} {ticket.title}"[:300]
        if item.source == AgendaItem.Source.MANUAL and not item.title.startswith(ticket.key):
            title = item.title  # a hand-written title stays as its author wrote it
        if (item.title, item.ticket_key, item.ticket_status) != (title, ticket.key, ticket.status):
            item.title, item.ticket_key, item.ticket_status = title, ticket.key, ticket.status
            changed.append(item)
    AgendaItem.objects.bulk_update(changed, ["title", "ticket_key", "ticket_status"])


def agenda_ticket_ids(*, meeting: Meeting) -> list[int]:
    """The tickets named by a meeting's agenda items that survive a new preparation."""
    return list(
        AgendaItem.objects.filter(meeting=meeting, ticket_id__isnull=False)
        .exclude(source=AgendaItem.Source.GENERATED)
        .values_list("ticket_id", flat=True)
    )


def agenda_section_add(*, meeting: Meeting, title: str) -> AgendaSection:
    """Add a section by hand at the end of the agenda."""
    ensure_editable(meeting)
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Give the section a title.")})
    last = AgendaSection.objects.filter(meeting=meeting).order_by("-order").first()
    return AgendaSection.objects.create(
        engagement_id=meeting.engagement_id,
        meeting=meeting,
        title=title,
        order=(last.order + 1) if last else len(SECTIONS),
    )


def agenda_item_add(
    *,
    meeting: Meeting,
    title: str,
    section: AgendaSection | None = None,
    duration_minutes: int = 5,
    presenter: User | None = None,
    ticket_key: str = "",
    ticket_id: int | None = None,
) -> AgendaItem:
    """Add an item by hand (to "Other topics" unless a section of this meeting is given)."""
    ensure_editable(meeting)
    if section is None:
        section = section_for(meeting, "other")
    elif section.meeting_id != meeting.pk:
        raise ValidationError({"section": _("This section belongs to another meeting.")})
    item = AgendaItem(
        engagement_id=meeting.engagement_id,
        meeting=meeting,
        section=section,
        title=title.strip(),
        duration_minutes=duration_minutes,
        presenter=presenter,
        ticket_key=ticket_key,
        ticket_id=ticket_id,
        source=AgendaItem.Source.MANUAL,
        order=AgendaItem.objects.filter(section=section).count(),
    )
    item.full_clean(exclude=["carried_from"])
    item.save()
    return item


AGENDA_ITEM_EDITABLE = ("title", "duration_minutes", "presenter", "order")


def agenda_item_update(*, item: AgendaItem, data: dict[str, Any]) -> AgendaItem:
    """Change an item's title, duration, presenter or position."""
    ensure_editable(item.meeting)
    unknown = set(data) - set(AGENDA_ITEM_EDITABLE)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    for name, value in data.items():
        setattr(item, name, value)
    item.full_clean(exclude=["carried_from"])
    item.save(update_fields=list(data))
    return item


def agenda_item_delete(*, item: AgendaItem) -> None:
    """Remove an item from a scheduled meeting's agenda."""
    ensure_editable(item.meeting)
    item.delete()


def agenda_items_carry_over(*, meeting: Meeting) -> list[AgendaItem]:
    """Copy the items of a held meeting that got no outcome onto the next scheduled occurrence
    of the same kind, each once (a unique constraint), linked to where it came from."""
    if meeting.kind == Meeting.Kind.AD_HOC:
        return []
    following = (
        Meeting.objects.filter(
            engagement_id=meeting.engagement_id,
            kind=meeting.kind,
            status=Meeting.Status.SCHEDULED,
            starts_at__gt=meeting.starts_at,
        )
        .select_related("engagement")
        .order_by("starts_at")
        .first()
    )
    open_items = list(
        AgendaItem.objects.filter(meeting=meeting, outcomes__isnull=True).order_by(
            "section__order", "order", "pk"
        )
    )
    if following is None or not open_items:
        return []
    section = section_for(following, "carried")
    rows = [
        AgendaItem(
            engagement_id=meeting.engagement_id,
            meeting=following,
            section=section,
            title=item.title,
            duration_minutes=item.duration_minutes,
            presenter_id=item.presenter_id,
            ticket_key=item.ticket_key,
            ticket_id=item.ticket_id,
            ticket_status=item.ticket_status,
            source=AgendaItem.Source.CARRIED,
            carried_from=item,
            order=position,
        )
        for position, item in enumerate(open_items)
    ]
    AgendaItem.objects.bulk_create(rows, ignore_conflicts=True)
    return rows
