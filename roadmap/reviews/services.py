"""Every write of the roadmap reviews: a review per review meeting, its pack, the session,
decisions, the sign-off that freezes a snapshot, value realisation and overdue reminders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from backlog.models import Status, Ticket
from collab.models import Engagement, ReviewCadence, User
from collab.rhythm.models import Meeting
from collab.rhythm.notify import notifications_write
from collab.rhythm.outcomes import meeting_decision_log
from collab.rhythm.scheduling import PERIOD_MONTHS
from collab.webhooks.models import WebhookEvent
from collab.webhooks.services import webhook_event_emit
from roadmap.reviews.models import (
    Review,
    ReviewDecision,
    ReviewSnapshot,
    ReviewState,
    ValueRealisation,
)
from roadmap.reviews.pack import pack_build
from roadmap.reviews.selectors import (
    Refusal,
    done_at_expression,
    overdue_filter,
    review_sign_off_refusals,
    roadmap_settings_get,
)
from roadmap.reviews.snapshot import snapshot_document
from roles.models import Role
from roles.selectors import people_holding


def _months_before(moment: dt.datetime, months: int) -> dt.datetime:
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    return moment.replace(year=year, month=month + 1, day=min(moment.day, 28))


def _period_start(meeting: Meeting) -> dt.datetime:
    previous = (
        Review.objects.filter(engagement_id=meeting.engagement_id, period_end__lt=meeting.starts_at)
        .order_by("-period_end")
        .values_list("period_end", flat=True)
        .first()
    )
    if previous is not None:
        return previous
    months = PERIOD_MONTHS[ReviewCadence(meeting.engagement.review_cadence)]
    return _months_before(meeting.starts_at, months)


def review_for_meeting(*, meeting: Meeting, now: dt.datetime | None = None) -> Review:
    """The review of a roadmap-review meeting, created with its pack on first call (one per
    meeting: calling it again, even concurrently, returns the same review). Its period runs from
    the previous review's meeting (or one cadence period back) to this meeting."""
    if meeting.kind != Meeting.Kind.ROADMAP_REVIEW:
        raise ValidationError(_("Only a roadmap-review meeting has a review."), code="not_review")
    existing = Review.objects.filter(meeting=meeting).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    review = Review(
        engagement_id=meeting.engagement_id,
        meeting=meeting,
        period_start=_period_start(meeting),
        period_end=meeting.starts_at,
        created_at=now,
    )
    review.engagement = meeting.engagement
    try:
        with transaction.atomic():
            review.full_clean(exclude=["engagement", "meeting", "pack"])
            review.save()
            _pack_store(review, now)
    except IntegrityError:
        return Review.objects.get(meeting=meeting)
    return review


def _pack_store(review: Review, now: dt.datetime) -> None:
    review.pack = pack_build(review, now=now)
    review.pack_built_at = now
    review.save(update_fields=["pack", "pack_built_at"])


def reviews_prepare(*, now: dt.datetime | None = None) -> int:
    """Give every roadmap-review meeting not cancelled its review (idempotent) and refresh the
    packs of reviews still preparing whose meeting has not started; returns how many reviews
    were created."""
    now = now or timezone.now()
    meetings = (
        Meeting.objects.filter(kind=Meeting.Kind.ROADMAP_REVIEW, review__isnull=True)
        .exclude(status=Meeting.Status.CANCELLED)
        .select_related("engagement")
        .order_by("starts_at", "pk")
    )
    created = 0
    for meeting in meetings:
        review_for_meeting(meeting=meeting, now=now)
        created += 1
    preparing = Review.objects.filter(
        state=ReviewState.PREPARING, meeting__starts_at__gt=now
    ).select_related("engagement")
    for review in preparing:
        review_pack_refresh(review=review, now=now)
    return created


def _locked(review: Review) -> Review:
    return (
        Review.objects.select_for_update(of=("self",))
        .select_related("engagement", "meeting")
        .get(pk=review.pk)
    )


@transaction.atomic
def review_pack_refresh(*, review: Review, now: dt.datetime | None = None) -> Review:
    """Rebuild the pack from today's backlog and roadmap; only while the review is preparing
    (once the session starts the pack stays as the session saw it)."""
    review = _locked(review)
    if review.state != ReviewState.PREPARING:
        raise ValidationError(
            _("The session has started: the preparation pack can no longer be refreshed."),
            code="not_preparing",
        )
    _pack_store(review, now or timezone.now())
    return review


@transaction.atomic
def review_start(*, actor: User, review: Review, now: dt.datetime | None = None) -> Review:
    """Open the session: the pack is built one last time and then kept as it is."""
    review = _locked(review)
    if review.state != ReviewState.PREPARING:
        raise ValidationError(_("This review's session has already started."), code="started")
    if review.meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("The review meeting was cancelled."), code="cancelled")
    now = now or timezone.now()
    zone = ZoneInfo(review.meeting.time_zone or review.engagement.sync_time_zone)
    meeting_day = review.meeting.starts_at.astimezone(zone).date()
    if now.astimezone(zone).date() < meeting_day:
        raise ValidationError(
            _("The session starts on the day of the review meeting (%(date)s), not before.")
            % {"date": meeting_day.isoformat()},
            code="too_early",
        )
    _pack_store(review, now)
    review.state = ReviewState.IN_SESSION
    review.session_started_at = now
    review.save(update_fields=["state", "session_started_at"])
    return review


@transaction.atomic
def review_decision_add(
    *, actor: User, review: Review, text: str, ticket: Ticket | None = None
) -> ReviewDecision:
    """Record a decision of the session; only while the review is in session, and a ticket it
    names belongs to the review's engagement. It also becomes a decision of the review meeting,
    so the minutes and the engagement's decision log show it."""
    if review.state != ReviewState.IN_SESSION:
        raise ValidationError(
            _("Decisions are recorded during the session only."), code="not_in_session"
        )
    if ticket is not None and ticket.engagement_id != review.engagement_id:
        raise ValidationError({"ticket": _("This ticket is not in this engagement.")})
    decision = ReviewDecision(
        engagement_id=review.engagement_id,
        review=review,
        text=text.strip(),
        ticket=ticket,
        recorded_by=actor,
    )
    decision.full_clean(exclude=["engagement", "review", "ticket", "recorded_by"])
    decision.save()
    meeting_decision_log(
        meeting=review.meeting,
        actor=actor,
        text=f"{ticket.key}: {decision.text}" if ticket is not None else decision.text,
    )
    return decision


class SignOffRefused(ValidationError):
    """The review cannot be signed off now; ``reasons`` says why, each a sentence, and
    ``refusals`` the same with a link to what is missing."""

    def __init__(self, refusals: list[Refusal]) -> None:
        self.reasons = [refusal.text for refusal in refusals]
        super().__init__(self.reasons, code="sign_off_refused")
        self.refusals = refusals


@transaction.atomic
def review_sign_off(
    *, actor: User, review: Review, now: dt.datetime | None = None
) -> ReviewSnapshot:
    """The director signs off the review in session, once director and consultant were marked
    present: the review is signed off and a snapshot of the ranked backlog, the roadmap by
    quarter and the objectives is frozen with it. Otherwise ``SignOffRefused`` with every
    reason, and nothing changes."""
    review = _locked(review)
    reasons = review_sign_off_refusals(review=review, actor=actor)
    if reasons:
        raise SignOffRefused(reasons)
    now = now or timezone.now()
    review.state = ReviewState.SIGNED_OFF
    review.signed_off_by = actor
    review.signed_off_at = now
    review.save(update_fields=["state", "signed_off_by", "signed_off_at"])
    snapshot = ReviewSnapshot.objects.create(
        engagement_id=review.engagement_id,
        review=review,
        data=snapshot_document(
            engagement=review.engagement,
            taken_at=now,
            period_start=review.period_start,
            period_end=review.period_end,
        ),
        taken_at=now,
        frozen=True,
    )
    webhook_event_emit(
        engagement=review.engagement,
        event=WebhookEvent.REVIEW_SIGNED_OFF,
        data=review_webhook_data(review=review, snapshot=snapshot),
    )
    return snapshot


def review_webhook_data(*, review: Review, snapshot: ReviewSnapshot) -> dict[str, Any]:
    """A signed-off review as the ``review.signed_off`` event describes it (no personal data
    but the signer's display name)."""
    engagement = review.engagement
    return {
        "review_id": review.pk,
        "meeting_id": review.meeting_id,
        "period_start": review.period_start,
        "period_end": review.period_end,
        "signed_off_at": review.signed_off_at,
        "signed_off_by": str(review.signed_off_by) if review.signed_off_by else None,
        "snapshot_id": snapshot.pk,
        "url": settings.SITE_URL
        + reverse("reviews:review-detail", args=[engagement.slug, review.pk]),
    }


def frozen_reason() -> str:
    return _("A signed-off review's snapshot is frozen: it can no longer change.")


def snapshot_change(*, snapshot: ReviewSnapshot, changes: Mapping[str, Any]) -> NoReturn:
    """Refused, always: what a review agreed stays as it was signed (the database refuses it
    too on PostgreSQL)."""
    raise ValidationError(frozen_reason(), code="frozen")


def snapshot_delete(*, snapshot: ReviewSnapshot) -> NoReturn:
    """Refused, always: a signed-off review's snapshot is kept."""
    raise ValidationError(frozen_reason(), code="frozen")


def _notify(
    *,
    people: Iterable[User],
    engagement: Engagement,
    kind: str,
    title: Callable[[], str],
    url: str,
    now: dt.datetime,
) -> int:
    """One in-app notification per person, written in that person's language."""
    return notifications_write(
        people=people,
        engagement_id=engagement.pk,
        kind=kind,
        compose=lambda: (title(), ""),
        url=url,
        now=now,
    )


def _realisation_request_title(*, key: str, weeks: int) -> str:
    return _("%(key)s was done %(weeks)s weeks ago: what value did it bring?") % {
        "key": key,
        "weeks": weeks,
    }


def _overdue_review_title(*, day: dt.datetime, name: str) -> str:
    return _("The roadmap review of %(date)s (%(engagement)s) is not signed off yet.") % {
        "date": day.date().isoformat(),
        "engagement": name,
    }


@dataclass(frozen=True)
class RealisationSweep:
    recorded: int
    requested: int


def value_realisations_sweep(*, now: dt.datetime | None = None) -> RealisationSweep:
    """Note the estimated annual value of each newly done ticket with value figures, and once
    the engagement's delay (8 weeks by default) has passed since done, ask its director — once
    per ticket — to record the value actually obtained."""
    now = now or timezone.now()
    new = (
        Ticket.objects.filter(status=Status.DONE, realisation__isnull=True)
        .annotate(done_at=done_at_expression())
        .filter(annual_value__isnull=False)
        .values_list("pk", "engagement_id", "done_at", "annual_value")
    )
    rows = [
        ValueRealisation(
            engagement_id=engagement_id,
            ticket_id=ticket_id,
            done_at=done_at,
            # Never None: the rows are filtered on a stored annual value.
            estimated_annual_value=value or Decimal(0),
        )
        for ticket_id, engagement_id, done_at, value in new
    ]
    ValueRealisation.objects.bulk_create(rows, ignore_conflicts=True)
    requested = 0
    for engagement in Engagement.objects.filter(
        pk__in=ValueRealisation.objects.filter(requested_at__isnull=True).values("engagement_id")
    ):
        requested += _realisations_request(engagement=engagement, now=now)
    return RealisationSweep(recorded=len(rows), requested=requested)


@transaction.atomic
def _realisations_request(*, engagement: Engagement, now: dt.datetime) -> int:
    weeks = roadmap_settings_get(engagement=engagement).value_realisation_weeks
    due = list(
        ValueRealisation.objects.select_for_update(skip_locked=True)
        .filter(
            engagement=engagement,
            requested_at__isnull=True,
            done_at__lte=now - dt.timedelta(weeks=weeks),
        )
        .select_related("ticket")
        .order_by("done_at", "pk")
    )
    if not due:
        return 0
    ValueRealisation.objects.filter(pk__in=[row.pk for row in due]).update(requested_at=now)
    directors = list(people_holding(engagement=engagement, roles=[Role.DIRECTOR]))
    url = reverse("reviews:value-realisation", args=[engagement.slug])
    for row in due:
        key = f"{engagement.key_prefix}-{row.ticket.number}"
        _notify(
            people=directors,
            engagement=engagement,
            kind="value_realisation",
            title=partial(_realisation_request_title, key=key, weeks=weeks),
            url=url,
            now=now,
        )
    return len(due)


@transaction.atomic
def value_realisation_record(
    *,
    actor: User,
    realisation: ValueRealisation,
    realised_annual_value: Decimal,
    note: str = "",
    now: dt.datetime | None = None,
) -> ValueRealisation:
    """Record the annual value a done ticket actually brings (not negative); recording again
    corrects it."""
    if realised_annual_value < 0:
        raise ValidationError(
            {"realised_annual_value": _("The realised value cannot be negative.")}
        )
    realisation = ValueRealisation.objects.select_for_update().get(pk=realisation.pk)
    realisation.realised_annual_value = realised_annual_value
    realisation.note = note.strip()
    realisation.recorded_by = actor
    realisation.recorded_at = now or timezone.now()
    realisation.full_clean(exclude=["engagement", "ticket", "recorded_by"])
    realisation.save()
    return realisation


def overdue_reviews_remind(*, now: dt.datetime | None = None) -> int:
    """Remind the director and the consultant of each overdue review, at most once per (UTC)
    day: the review's reminder date is claimed with a conditional update, so a second run the
    same day sends nothing. Returns how many notifications were written."""
    now = now or timezone.now()
    today = now.date()
    sent = 0
    candidates = (
        Review.objects.filter(overdue_filter(now))
        .exclude(overdue_reminded_on=today)
        .select_related("engagement", "meeting")
        .order_by("pk")
    )
    for review in candidates:
        with transaction.atomic():
            claimed = (
                Review.objects.filter(pk=review.pk)
                .exclude(overdue_reminded_on=today)
                .update(overdue_reminded_on=today)
            )
            if not claimed:
                continue
            engagement = review.engagement
            day = review.meeting.starts_at
            sent += _notify(
                people=people_holding(
                    engagement=engagement, roles=[Role.DIRECTOR, Role.CONSULTANT]
                ),
                engagement=engagement,
                kind="review_overdue",
                title=partial(_overdue_review_title, day=day, name=engagement.name),
                url=reverse("reviews:review-detail", args=[engagement.slug, review.pk]),
                now=now,
            )
    return sent
