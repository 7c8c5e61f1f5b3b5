"""The demo meetings: the last three weekly syncs of each engagement, held, with their agenda,
attendance, notes, decisions and action items (one done, one overdue), then what the hourly
scheduler of ``make run`` keeps ahead: the next eight syncs, the next roadmap review, and the
next sync's agenda prepared from the backlog.

The past syncs are the occurrences the scheduler would have created three weeks ago (it runs
with that date), so they are keyed on their week like every sync; they are written only while
the engagement has no held sync. Scheduling again and preparing an agenda already prepared
write nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from backlog.models import Ticket
from collab.models import Engagement, User
from collab.rhythm.backlog_bridge import agenda_facts
from collab.rhythm.models import (
    ActionItem,
    Attendee,
    DeliveryState,
    Meeting,
    MeetingNotice,
    Outcome,
)
from collab.rhythm.scheduling import sync_slots
from collab.rhythm.selectors import agenda_since
from collab.rhythm.services import (
    action_item_complete,
    agenda_build,
    agenda_item_add,
    meeting_mark_held,
    meeting_notes_save,
    outcome_record,
)
from roadmap.demo.tickets import demo_people, demo_tickets_titled
from roles.models import Role
from roles.rhythm import engagement_meetings_schedule

HELD_SYNCS = 3
DECISION, INFORMATION, FOLLOW_UP = (
    Outcome.Kind.DECISION,
    Outcome.Kind.INFORMATION,
    Outcome.Kind.FOLLOW_UP,
)


@dataclass(frozen=True)
class DemoOutcome:
    """What an agenda item came to; a follow-up names the role of its owner and is due
    ``due_days`` after the meeting (``done``: its owner has done it since)."""

    kind: str
    text: str
    owner: Role | None = None
    due_days: int = 0
    done: bool = False


@dataclass(frozen=True)
class DemoSync:
    topic: str
    outcomes: tuple[DemoOutcome, ...]
    ticket: str = ""  # the demo ticket the topic is about
    absent: tuple[Role, ...] = ()  # roles whose holders did not come
    notes: str = ""


# The three last syncs of each engagement, oldest first.
SYNCS: dict[str, tuple[DemoSync, ...]] = {
    "nordfer": (
        DemoSync(
            "Price lists: the import format from the ERP",
            (
                DemoOutcome(
                    DECISION,
                    "Price lists come from the ERP's nightly export; nobody edits them in "
                    "Adobe Commerce.",
                ),
                DemoOutcome(
                    FOLLOW_UP,
                    "Send a sample of the ERP price export with three real customers",
                    Role.DIRECTOR,
                    7,
                    done=True,
                ),
            ),
            ticket="Customer-specific price lists",
        ),
        DemoSync(
            "Adobe Commerce 2.4.8: the upgrade window",
            (
                DemoOutcome(
                    DECISION,
                    "The upgrade goes live on a Sunday morning, with the shop in maintenance "
                    "for two hours at most.",
                ),
                DemoOutcome(INFORMATION, "The APSB25-08 patch is on staging, ready for review."),
                DemoOutcome(
                    FOLLOW_UP,
                    "Confirm the maintenance window with the customer service team",
                    Role.STAKEHOLDER,
                    3,
                ),
            ),
            ticket="Upgrade Adobe Commerce to 2.4.8",
            absent=(Role.TESTER,),
        ),
        DemoSync(
            "Quick order by SKU: director and stakeholder disagree",
            (
                DemoOutcome(
                    DECISION,
                    "Quick order takes 200 lines at most; longer lists go through the CSV import.",
                ),
                DemoOutcome(INFORMATION, "Sprint 24 started with seven tickets."),
            ),
            ticket="Quick order by SKU list",
            notes="Karim will bring two real order lists from the purchasing team next week.",
        ),
    ),
    "maison-lila": (
        DemoSync(
            "Returns: what last season's size data says",
            (
                DemoOutcome(
                    DECISION,
                    "The size guide comes before the loyalty programme: returns cost more.",
                ),
                DemoOutcome(
                    FOLLOW_UP,
                    "Export last season's returns with their reasons",
                    Role.DIRECTOR,
                    7,
                    done=True,
                ),
            ),
            ticket="Size guide with fit feedback from returns",
        ),
        DemoSync(
            "Autumn collection: launch day",
            (
                DemoOutcome(
                    DECISION,
                    "The collection goes live at 8:00 on launch day, with a code freeze two "
                    "days before.",
                ),
                DemoOutcome(
                    FOLLOW_UP,
                    "Send the final product photos for the launch page",
                    Role.DIRECTOR,
                    3,
                ),
            ),
            ticket="Autumn collection launch page",
            absent=(Role.BUSINESS_ANALYST,),
        ),
        DemoSync(
            "Discount codes refused on sale items",
            (
                DemoOutcome(
                    INFORMATION,
                    "The fix is in progress; meanwhile customer service refunds the difference.",
                ),
                DemoOutcome(DECISION, "No new discount campaign until the fix is live."),
            ),
            ticket="Discount codes refused on sale items",
            notes="Inès asked for a weekly count of the refunds made by customer service.",
        ),
    ),
    "cave-saint-roch": (
        DemoSync(
            "Wine subscription: the billing day",
            (
                DemoOutcome(DECISION, "Subscribers are charged on the first Monday of the month."),
                DemoOutcome(
                    FOLLOW_UP,
                    "Choose the payment provider for recurring payments",
                    Role.DIRECTOR,
                    7,
                    done=True,
                ),
            ),
            ticket="Monthly wine subscription",
        ),
        DemoSync(
            "Alcohol shipping rules",
            (
                DemoOutcome(
                    DECISION,
                    "Until the rules are checked country by country, we ship to France, Belgium "
                    "and Germany only.",
                ),
                DemoOutcome(
                    FOLLOW_UP,
                    "Ask the carrier for the countries where it delivers wine",
                    Role.PROJECT_MANAGER,
                    3,
                ),
            ),
            ticket="Shipping rules for alcohol per EU country",
        ),
        DemoSync(
            "Gift boxes before the holidays",
            (
                DemoOutcome(DECISION, "The gift boxes builder comes right after the subscription."),
                DemoOutcome(
                    INFORMATION,
                    "Nobody holds the consultant role: the next roadmap review needs one.",
                ),
            ),
            ticket="Gift boxes builder",
        ),
    ),
}


def _holders(engagement: Engagement) -> dict[Role, User]:
    return {Role(role): person for role, person in demo_people(engagement).items()}


def _hold_sync(
    meeting: Meeting, spec: DemoSync, people: dict[Role, User], tickets: dict[str, Ticket]
) -> None:
    """Record what the sync came to, then mark it held the way its project manager would."""
    chair = people[Role.PROJECT_MANAGER]
    ticket = tickets.get(spec.ticket)
    item = agenda_item_add(
        meeting=meeting,
        title=spec.topic,
        duration_minutes=15,
        presenter=chair,
        ticket_key=ticket.key if ticket else "",
        ticket_id=ticket.pk if ticket else None,
    )
    day = meeting.starts_at.astimezone(ZoneInfo(meeting.time_zone)).date()
    for outcome in spec.outcomes:
        outcome_record(
            meeting=meeting,
            actor=chair,
            kind=outcome.kind,
            text=outcome.text,
            agenda_item=item,
            owner=people[outcome.owner] if outcome.owner else None,
            due_date=day + dt.timedelta(days=outcome.due_days) if outcome.owner else None,
        )
    if spec.notes:
        meeting_notes_save(meeting=meeting, actor=chair, body=spec.notes)
    absent = {people[role].pk for role in spec.absent if role in people}
    invited = Attendee.objects.filter(meeting=meeting).select_related("person")
    meeting_mark_held(
        meeting=meeting,
        attended=[a.person for a in invited if a.person_id not in absent],
        now=meeting.ends_at + dt.timedelta(minutes=10),
    )
    for outcome in spec.outcomes:
        if outcome.done:
            for action in ActionItem.objects.filter(meeting=meeting, title=outcome.text):
                action_item_complete(item=action)


def _past_syncs(engagement: Engagement, now: dt.datetime) -> int:
    """The last three syncs that have ended, scheduled as the scheduler did back then, and
    held; returns how many were held."""
    specs = SYNCS.get(engagement.slug, ())
    ended = [
        slot
        for slot in sync_slots(engagement=engagement, now=now - dt.timedelta(days=35), count=6)
        if slot.ends_at <= now
    ][-len(specs) :]
    if not ended:
        return 0
    engagement_meetings_schedule(
        engagement=engagement, now=ended[0].starts_at - dt.timedelta(minutes=1)
    )
    people = _holders(engagement)
    tickets = demo_tickets_titled(engagement, [spec.ticket for spec in specs])
    held = 0
    for slot, spec in zip(ended, specs, strict=False):
        meeting = Meeting.objects.filter(
            engagement=engagement,
            kind=Meeting.Kind.WEEKLY_SYNC,
            occurrence_date=slot.occurrence_date,
            status=Meeting.Status.SCHEDULED,
        ).first()
        if meeting is None:
            continue
        _hold_sync(meeting, spec, people, tickets)
        held += 1
    return held


def _next_agenda(engagement: Engagement, now: dt.datetime) -> bool:
    """Prepare the next sync's agenda unless it already is; returns whether it was."""
    meeting = (
        Meeting.objects.filter(
            engagement=engagement,
            kind=Meeting.Kind.WEEKLY_SYNC,
            status=Meeting.Status.SCHEDULED,
            starts_at__gt=now,
        )
        .select_related("engagement")
        .order_by("starts_at")
        .first()
    )
    if meeting is None or meeting.agenda_built_at is not None:
        return False
    agenda_build(
        meeting=meeting, facts=agenda_facts(engagement, agenda_since(meeting=meeting)), now=now
    )
    return True


def seed_meetings(
    *, engagements: Iterable[Engagement], write: Callable[[str], None], now: dt.datetime
) -> None:
    """Each engagement's past syncs (while it has no held one), its upcoming meetings and the
    next sync's agenda."""
    for engagement in engagements:
        has_held = Meeting.objects.filter(
            engagement=engagement, kind=Meeting.Kind.WEEKLY_SYNC, status=Meeting.Status.HELD
        ).exists()
        held = 0 if has_held else _past_syncs(engagement, now)
        engagement_meetings_schedule(engagement=engagement, now=now)
        prepared = _next_agenda(engagement, now)
        ahead = Meeting.objects.filter(
            engagement=engagement, status=Meeting.Status.SCHEDULED, starts_at__gt=now
        ).count()
        write(
            f"{engagement.name}: {held} past syncs held, {ahead} meetings ahead, "
            f"next sync's agenda {'prepared' if prepared else 'already there'}"
        )


def past_meeting_notices_skip(*, engagements: Iterable[Engagement], now: dt.datetime) -> int:
    """The demo holds meetings in the past: their minutes, invitations and updates are history,
    not news, so the first start after seeding emails none of them (recorded as skipped)."""
    return MeetingNotice.objects.filter(
        engagement__in=list(engagements),
        state=DeliveryState.PENDING,
        meeting__starts_at__lt=now,
    ).update(state=DeliveryState.SKIPPED, note="demo data: meeting already past")
