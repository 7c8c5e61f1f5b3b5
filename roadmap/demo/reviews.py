"""The demo roadmap reviews: past reviews held at their cadence's slots and signed off by the
director with the consultant present (Nordfer one, Maison Lila two, with a pinned rank, a roadmap
item's quarter and another's status changed between them so the last review's difference has
something to show), each engagement's next
review given its preparation pack, and value realisation: every done ticket with value figures
noted, the director asked about those done long enough ago, and one answer recorded.

Past reviews are written only while the engagement has no signed-off review; the next review's
pack only while it has none; the realisation sweep is idempotent and the answer is recorded
once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from backlog.models import Ticket
from backlog.services import ticket_pin_rank
from collab.models import Engagement, ReviewCadence, User
from collab.rhythm.models import Attendee, Meeting
from collab.rhythm.scheduling import PERIOD_MONTHS, Slot, period_start, review_slot_of
from collab.rhythm.services import (
    attendance_set,
    meeting_create,
    meeting_mark_held,
    rhythm_settings_get,
)
from roadmap.dashboard.selectors import current_quarter
from roadmap.demo.tickets import demo_people, demo_tickets_titled
from roadmap.models import RoadmapItem, RoadmapItemStatus
from roadmap.reviews.models import Review, ReviewState, ValueRealisation
from roadmap.reviews.services import (
    review_decision_add,
    review_for_meeting,
    review_sign_off,
    review_start,
    value_realisation_record,
    value_realisations_sweep,
)
from roadmap.services import roadmap_item_update
from roles.models import Role
from roles.rhythm import meeting_people


@dataclass(frozen=True)
class ItemThen:
    """How a roadmap item stood at a past review: its quarter (an offset from the current one)
    and status. Once that review is signed off the item goes back to where the strategy puts it,
    so the next review's snapshot shows the move."""

    title: str
    place: int
    status: str


@dataclass(frozen=True)
class DemoReview:
    """A past review: its decisions (text, the demo ticket it names or ""), the roadmap items
    that stood elsewhere at the time, and the demo ticket the director pinned at rank 1 after
    it, if any."""

    decisions: tuple[tuple[str, str], ...]
    then_pin: str = ""
    items_then: tuple[ItemThen, ...] = ()


# Past reviews of each engagement, oldest first.
REVIEWS: dict[str, tuple[DemoReview, ...]] = {
    "nordfer": (
        DemoReview(
            (
                (
                    "Punch-out to SAP Ariba waits for next quarter: quick order comes first.",
                    "Punch-out to SAP Ariba",
                ),
                (
                    "Next quarter is over capacity: the spare parts finder slips unless a second "
                    "developer joins.",
                    "Spare parts finder by machine serial number",
                ),
            )
        ),
    ),
    "maison-lila": (
        DemoReview(
            (
                (
                    "The size guide moves forward to next quarter, ahead of everything else.",
                    "Size guide with fit feedback from returns",
                ),
                (
                    "The loyalty programme waits for the size guide's first results.",
                    "Loyalty programme with points and tiers",
                ),
            ),
            then_pin="Customer reviews with photos",
            items_then=(
                ItemThen("Size guide with fit feedback", 1, RoadmapItemStatus.PLANNED),
                ItemThen("Apple Pay on every iPhone", -1, RoadmapItemStatus.IN_PROGRESS),
            ),
        ),
        DemoReview(
            (
                (
                    "Customer reviews with photos go to the top of the backlog.",
                    "Customer reviews with photos",
                ),
                (
                    "Checkout extensibility goes live before Shopify's deadline, whatever else "
                    "waits.",
                    "Move to Shopify checkout extensibility",
                ),
            )
        ),
    ),
}

# The done ticket whose realised value the director records, and what they record.
REALISED = ("nordfer", "Company accounts with buyer roles and spending limits", Decimal("152000"))
REALISED_NOTE = "Twelve more companies order online every month since their accounts opened."


def _months_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def past_review_slots(*, engagement: Engagement, now: dt.datetime, count: int) -> list[Slot]:
    """The last ``count`` review slots of the engagement's cadence that have ended, oldest
    first."""
    months = PERIOD_MONTHS[ReviewCadence(engagement.review_cadence)]
    duration = rhythm_settings_get(engagement=engagement).review_duration_minutes
    period = period_start(now.astimezone(ZoneInfo(engagement.sync_time_zone)).date(), months)
    slots: list[Slot] = []
    while len(slots) < count:
        slot = review_slot_of(engagement=engagement, period=period, duration_minutes=duration)
        if slot.ends_at <= now:
            slots.append(slot)
        period = _months_back(period, months)
    return slots[::-1]


def _review_meeting(engagement: Engagement, slot: Slot, organizer: User) -> Meeting:
    """The review meeting of the slot: the one the scheduler created, or one created now."""
    existing = Meeting.objects.filter(
        engagement=engagement,
        kind=Meeting.Kind.ROADMAP_REVIEW,
        occurrence_date=slot.occurrence_date,
    ).first()
    if existing is not None:
        return existing
    return meeting_create(
        engagement=engagement,
        organizer=organizer,
        title="",
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        attendees=meeting_people(engagement, Meeting.Kind.ROADMAP_REVIEW).attendees,
        kind=Meeting.Kind.ROADMAP_REVIEW,
    )


def _titled(engagement: Engagement, title: str) -> Ticket | None:
    if not title:
        return None
    return demo_tickets_titled(engagement, [title]).get(title)


def _items_as_then(
    engagement: Engagement, spec: DemoReview, now: dt.datetime
) -> list[tuple[RoadmapItem, dict[str, object]]]:
    """Put the spec's items where they stood at its review; answer how to put each back."""
    restore = []
    for then in spec.items_then:
        item = RoadmapItem.objects.get(engagement=engagement, title=then.title)
        restore.append(
            (
                item,
                {
                    "quarter": item.quarter,
                    "lane": item.lane,
                    "position": item.position,
                    "status": item.status,
                },
            )
        )
        roadmap_item_update(
            item=item,
            data={"quarter": str(current_quarter(now) + then.place), "status": then.status},
        )
    return restore


def _hold_review(
    engagement: Engagement,
    slot: Slot,
    spec: DemoReview,
    people: dict[str, User],
    now: dt.datetime,
) -> None:
    """Prepare, run and sign off the review of a past slot, then mark its meeting held."""
    director, consultant = people[Role.DIRECTOR], people[Role.CONSULTANT]
    restore = _items_as_then(engagement, spec, now)
    meeting = _review_meeting(engagement, slot, consultant)
    review = review_for_meeting(meeting=meeting, now=slot.starts_at - dt.timedelta(days=7))
    review = review_start(actor=director, review=review, now=slot.starts_at)
    for text, title in spec.decisions:
        review_decision_add(
            actor=consultant, review=review, text=text, ticket=_titled(engagement, title)
        )
    for person in (director, consultant):
        attendance_set(meeting=meeting, person=person, attended=True)
    review_sign_off(actor=director, review=review, now=slot.starts_at + dt.timedelta(minutes=75))
    meeting_mark_held(
        meeting=meeting,
        attended=[
            a.person for a in Attendee.objects.filter(meeting=meeting).select_related("person")
        ],
        now=slot.ends_at,
    )
    for item, fields in restore:
        roadmap_item_update(item=item, data=fields)
    if spec.then_pin:
        # Between this review and the next, the director pinned a ticket to the top.
        pinned = _titled(engagement, spec.then_pin)
        if pinned is not None:  # a demo ticket deleted since is left alone
            ticket_pin_rank(actor=director, ticket=pinned, rank=1)


def _next_review_pack(engagement: Engagement, now: dt.datetime) -> bool:
    """Give the next scheduled review its review and preparation pack (once)."""
    meeting = (
        Meeting.objects.filter(
            engagement=engagement,
            kind=Meeting.Kind.ROADMAP_REVIEW,
            status=Meeting.Status.SCHEDULED,
            starts_at__gt=now,
            review__isnull=True,
        )
        .select_related("engagement")
        .order_by("starts_at")
        .first()
    )
    if meeting is None:
        return False
    review_for_meeting(meeting=meeting, now=now)
    return True


def _realisations(write: Callable[[str], None], now: dt.datetime) -> None:
    sweep = value_realisations_sweep(now=now)
    slug, title, value = REALISED
    engagement = Engagement.objects.filter(slug=slug).first()
    ticket = demo_tickets_titled(engagement, [title]).get(title) if engagement else None
    realisation = (
        ValueRealisation.objects.filter(ticket=ticket).select_related("ticket__engagement").first()
        if ticket is not None
        else None
    )
    recorded = 0
    if realisation is not None and realisation.recorded_at is None:
        director = demo_people(realisation.ticket.engagement)[Role.DIRECTOR]
        value_realisation_record(
            actor=director,
            realisation=realisation,
            realised_annual_value=value,
            note=REALISED_NOTE,
            now=now,
        )
        recorded = 1
    write(
        f"Value realisation: {sweep.recorded} done tickets noted, {sweep.requested} asked of "
        f"their director, {recorded} recorded"
    )


def seed_reviews(
    *, engagements: Iterable[Engagement], write: Callable[[str], None], now: dt.datetime
) -> None:
    """Each engagement's past signed-off reviews (while it has none), its next review's pack,
    then value realisation."""
    for engagement in engagements:
        specs = REVIEWS.get(engagement.slug, ())
        signed = Review.objects.filter(engagement=engagement, state=ReviewState.SIGNED_OFF)
        held = 0
        if specs and not signed.exists():
            people = demo_people(engagement)
            slots = past_review_slots(engagement=engagement, now=now, count=len(specs))
            for slot, spec in zip(slots, specs, strict=True):
                _hold_review(engagement, slot, spec, people, now)
                held += 1
        prepared = _next_review_pack(engagement, now)
        write(
            f"{engagement.name}: {held} past reviews signed off, next review's pack "
            f"{'prepared' if prepared else 'already there'}"
        )
    _realisations(write, now)
