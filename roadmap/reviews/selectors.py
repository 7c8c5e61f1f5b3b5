"""Every read of the roadmap reviews: reviews, overdue ones, decisions, snapshots, value
realisation and the accuracy of value estimates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import DateTimeField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from backlog.models import Origin, Status, Ticket, TicketHistory
from collab.models import Engagement, User
from collab.rhythm.models import Attendee, Meeting
from roadmap.models import RoadmapSettings
from roadmap.quarters import Quarter
from roadmap.reviews.models import (
    Review,
    ReviewDecision,
    ReviewSnapshot,
    ReviewState,
    ValueRealisation,
)
from roles.models import Role, RoleAssignment
from roles.policy import Action, can


def roadmap_settings_get(*, engagement: Engagement) -> RoadmapSettings:
    """The engagement's roadmap settings, or the defaults (unsaved) until someone changes them."""
    try:
        return RoadmapSettings.objects.get(engagement=engagement)
    except RoadmapSettings.DoesNotExist:
        return RoadmapSettings(engagement=engagement)


def done_at_expression() -> Coalesce:
    """When a ticket was last moved to done (from its history), else its last update."""
    last_done = (
        TicketHistory.objects.filter(ticket=OuterRef("pk"), field="status", after=Status.DONE)
        .order_by("-at", "-pk")
        .values("at")[:1]
    )
    return Coalesce(Subquery(last_done, output_field=DateTimeField()), "updated_at")


def review_list(*, engagement: Engagement) -> QuerySet[Review]:
    """The engagement's reviews, latest first, with their meeting and who signed them off."""
    return (
        Review.objects.filter(engagement=engagement)
        .select_related("meeting", "signed_off_by", "engagement")
        .order_by("-period_end", "-pk")
    )


def review_get(*, engagement: Engagement, pk: int) -> Review | None:
    """One review of this engagement, or None (another engagement's is not found)."""
    return review_list(engagement=engagement).filter(pk=pk).first()


def overdue_filter(now: dt.datetime) -> Q:
    """Reviews whose meeting has ended without a sign-off (cancelled meetings excluded)."""
    return (
        Q(meeting__ends_at__lt=now)
        & ~Q(state=ReviewState.SIGNED_OFF)
        & ~Q(meeting__status=Meeting.Status.CANCELLED)
    )


def review_overdue(*, engagement: Engagement, now: dt.datetime | None = None) -> QuerySet[Review]:
    """The engagement's overdue reviews (meeting over, not signed off), oldest first."""
    now = now or timezone.now()
    return (
        Review.objects.filter(engagement=engagement)
        .filter(overdue_filter(now))
        .select_related("meeting")
        .order_by("period_end", "pk")
    )


def is_overdue(review: Review, *, now: dt.datetime | None = None) -> bool:
    """Whether this review's meeting is over without a sign-off."""
    now = now or timezone.now()
    return (
        review.state != ReviewState.SIGNED_OFF
        and review.meeting.status != Meeting.Status.CANCELLED
        and review.meeting.ends_at < now
    )


def decision_list(*, review: Review) -> QuerySet[ReviewDecision]:
    """A review's decisions in the order they were taken, with their ticket and author."""
    return (
        ReviewDecision.objects.filter(review=review)
        .select_related("recorded_by", "ticket", "ticket__engagement")
        .order_by("created_at", "pk")
    )


def initiatives_awaiting_answer(*, review: Review) -> QuerySet[Ticket]:
    """The agency initiatives proposed during the review's period that no client person has
    accepted or declined yet, in the order they were filed."""
    return (
        Ticket.objects.filter(
            engagement_id=review.engagement_id,
            origin=Origin.AGENCY_INITIATIVE,
            initiative_decision="",
            created_at__gte=review.period_start,
            created_at__lt=review.period_end,
        )
        .select_related("engagement")
        .order_by("number")
    )


def snapshot_list(*, engagement: Engagement) -> QuerySet[ReviewSnapshot]:
    """The engagement's snapshots, latest first, with their review (no documents loaded)."""
    return (
        ReviewSnapshot.objects.filter(engagement=engagement)
        .select_related("review", "review__signed_off_by", "review__meeting")
        .defer("data")
        .order_by("-taken_at", "-pk")
    )


def snapshot_of(*, review: Review) -> ReviewSnapshot | None:
    """The review's snapshot, or None before sign-off."""
    return ReviewSnapshot.objects.filter(review=review).first()


def snapshot_before(*, snapshot: ReviewSnapshot) -> ReviewSnapshot | None:
    """The snapshot taken just before this one in its engagement, or None."""
    return (
        ReviewSnapshot.objects.filter(engagement_id=snapshot.engagement_id)
        .filter(
            Q(taken_at__lt=snapshot.taken_at) | Q(taken_at=snapshot.taken_at, pk__lt=snapshot.pk)
        )
        .order_by("-taken_at", "-pk")
        .first()
    )


def attended_roles(*, review: Review) -> set[str]:
    """Which of the director and consultant roles someone attending the meeting holds."""
    attended = Attendee.objects.filter(meeting_id=review.meeting_id, attended=True).values(
        "person_id"
    )
    return set(
        RoleAssignment.objects.active()
        .filter(
            engagement_id=review.engagement_id,
            role__in=[Role.DIRECTOR, Role.CONSULTANT],
            person_id__in=attended,
        )
        .values_list("role", flat=True)
    )


@dataclass(frozen=True)
class Refusal:
    """Why something is refused, and where to go to fix it (``url`` empty when nowhere)."""

    text: str
    url: str = ""

    def __str__(self) -> str:
        return self.text


def review_sign_off_refusals(*, review: Review, actor: User | None) -> list[Refusal]:
    """Every reason this person may not sign off this review now, each with a link to what is
    missing; empty when they may.

    Rule: only the e-commerce director signs off, only during the session, and only once both
    the director and the consultant were marked present at the review meeting."""
    slug = review.engagement.slug
    review_url = reverse("reviews:review-detail", args=[slug, review.pk])
    attendance_url = reverse("rhythm:meeting-detail", args=[slug, review.meeting_id]) + "#attendees"
    reasons: list[Refusal] = []
    if actor is None or not can(actor, Action.SIGN_OFF_REVIEWS, review.engagement):
        reasons.append(
            Refusal(
                _("Only the e-commerce director can sign off a review."),
                reverse("roles:team", args=[slug]),
            )
        )
    if review.state == ReviewState.SIGNED_OFF:
        reasons.append(
            Refusal(
                _("This review is already signed off."),
                reverse("reviews:snapshot-detail", args=[slug, review.pk]),
            )
        )
    elif review.state != ReviewState.IN_SESSION:
        reasons.append(
            Refusal(
                _("The review session has not started: start it before signing off."),
                review_url + "#heading-session",
            )
        )
    present = attended_roles(review=review)
    if Role.DIRECTOR not in present:
        reasons.append(
            Refusal(
                _("The e-commerce director is not marked as present at the meeting."),
                attendance_url,
            )
        )
    if Role.CONSULTANT not in present:
        reasons.append(
            Refusal(
                _("The e-commerce consultant is not marked as present at the meeting."),
                attendance_url,
            )
        )
    return reasons


def value_realisation_list(*, engagement: Engagement) -> QuerySet[ValueRealisation]:
    """Done tickets with value figures of the engagement, latest done first."""
    return (
        ValueRealisation.objects.filter(engagement=engagement)
        .select_related("ticket", "ticket__engagement", "recorded_by")
        .order_by("-done_at", "-pk")
    )


def value_realisation_get(*, engagement: Engagement, pk: int) -> ValueRealisation | None:
    """One realisation of this engagement, or None."""
    return value_realisation_list(engagement=engagement).filter(pk=pk).first()


@dataclass(frozen=True)
class QuarterAccuracy:
    quarter: str
    tickets: int
    estimated: Decimal
    realised: Decimal
    accuracy: Decimal | None  # Σ realised / Σ estimated, None when nothing was estimated


def realisation_accuracy(*, engagement: Engagement) -> list[QuarterAccuracy]:
    """Per quarter of the done date (in the engagement's zone), over recorded realisations:
    Σ realised / Σ estimated, rounded to 2 places; oldest quarter first (one query)."""
    zone = ZoneInfo(engagement.sync_time_zone)
    totals: dict[Quarter, tuple[int, Decimal, Decimal]] = {}
    rows = ValueRealisation.objects.filter(
        engagement=engagement, realised_annual_value__isnull=False
    ).values_list("done_at", "estimated_annual_value", "realised_annual_value")
    for done_at, estimated, realised in rows:
        if realised is None:  # excluded by the query; the check narrows the type
            continue
        quarter = Quarter.of(done_at.astimezone(zone).date())
        count, estimated_sum, realised_sum = totals.get(quarter, (0, Decimal(0), Decimal(0)))
        totals[quarter] = (count + 1, estimated_sum + estimated, realised_sum + realised)
    return [
        QuarterAccuracy(
            quarter=str(quarter),
            tickets=count,
            estimated=estimated,
            realised=realised,
            accuracy=(realised / estimated).quantize(Decimal("0.01")) if estimated else None,
        )
        for quarter, (count, estimated, realised) in sorted(totals.items())
    ]
