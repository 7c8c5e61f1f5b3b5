"""Budget alerts at 80 % and 100 % of a period, each sent once per period and person, from the
ledger (``collab.rhythm.ledger``, as reminders are).

Each sweep (every 15 minutes, and after commit when a week is approved):

1. brings every budget's periods up to date (new periods written, ended ones closed with their
   rollover);
2. writes the alert rows now due (INSERT … ON CONFLICT DO NOTHING, unique per period, threshold
   and person): for each period holding today, or ended in the last ``LATE_DAYS`` days (a week
   approved after the period ended still counts), that reached a threshold, one row per
   project manager and director of the engagement. A period found past 100 % with no 80 % row
   gets its 80 % row already skipped: the 100 % alert says more. With the first rows of a
   period and threshold, in the same transaction, its ``budget.alert`` webhook event;
3. claims chunks with ``SELECT … FOR UPDATE SKIP LOCKED`` and sends each alert by email in its
   recipient's language, its in-app notice written in the same transaction that marks it sent.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from backlog.timesheets.budgets import budget_periods_sync_all
from backlog.timesheets.burn import PeriodBurn, current_burns, hours_text
from backlog.timesheets.events import ReachedThreshold, budget_alerts_emit
from backlog.timesheets.models import Budget, BudgetAlert, BudgetPeriod
from collab.common.money import money_text
from collab.common.sweeps import Budget as TimeBudget
from collab.rhythm import ledger
from collab.rhythm.models import DeliveryState, Notification
from collab.rhythm.sending import SweepResult, drain, send_chunk
from roles.models import Role, RoleAssignment

LATE_DAYS = 7
THRESHOLDS = (BudgetAlert.Threshold.WARNING, BudgetAlert.Threshold.SPENT)


def alert_message_id(*, period_id: int, threshold: int, person_id: int) -> str:
    """The stable Message-ID of an alert, derived from its ledger key."""
    return f"<budget-alert.{period_id}.{threshold}.{person_id}@tandem>"


def _recipients(engagement_ids: set[int], today: dt.date) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    rows = (
        RoleAssignment.objects.active(on=today)
        .filter(
            engagement_id__in=engagement_ids,
            role__in=[Role.PROJECT_MANAGER, Role.DIRECTOR],
            person__is_active=True,
        )
        .values_list("engagement_id", "person_id")
        .distinct()
        .order_by("engagement_id", "person_id")
    )
    for engagement_id, person_id in rows:
        found[engagement_id].append(person_id)
    return found


@transaction.atomic
def budget_alerts_materialise(*, now: dt.datetime) -> int:
    """Write the alert rows now due, each once (see the module's docstring), and with the
    first rows of a period and threshold its ``budget.alert`` webhook event, in the same
    transaction."""
    today = now.date()
    burns = [
        burn
        for group in current_burns(
            today=today, ended_since=today - dt.timedelta(days=LATE_DAYS)
        ).values()
        for burn in group
        if burn.percent >= BudgetAlert.Threshold.WARNING
    ]
    if not burns:
        return 0
    people = _recipients({burn.period.engagement_id for burn in burns}, today)
    # Two sweeps at once: the periods are locked (in a fixed order) before their alerts are
    # read, so that each alert row, and each webhook event, is written by one of them only.
    period_ids = sorted(burn.period.pk for burn in burns)
    list(BudgetPeriod.objects.select_for_update().filter(pk__in=period_ids).order_by("pk"))
    existing = set(
        BudgetAlert.objects.filter(period__in=period_ids).values_list(
            "period_id", "threshold", "person_id"
        )
    )
    reached_before = {(period_id, threshold) for period_id, threshold, _person in existing}
    reached: dict[tuple[int, int], ReachedThreshold] = {}
    rows = []
    for burn in burns:
        period = burn.period
        for person_id in people.get(period.engagement_id, []):
            for threshold in THRESHOLDS:
                if burn.percent < threshold or (period.pk, threshold, person_id) in existing:
                    continue
                superseded = (
                    threshold == BudgetAlert.Threshold.WARNING
                    and burn.percent >= BudgetAlert.Threshold.SPENT
                )
                if not superseded and (period.pk, threshold) not in reached_before:
                    reached[period.pk, threshold] = ReachedThreshold(burn=burn, threshold=threshold)
                rows.append(
                    BudgetAlert(
                        engagement_id=period.engagement_id,
                        period_id=period.pk,
                        person_id=person_id,
                        threshold=threshold,
                        percent=burn.percent,
                        next_attempt_at=now,
                        state=DeliveryState.SKIPPED if superseded else DeliveryState.PENDING,
                        note="superseded by the 100 % alert" if superseded else "",
                        message_id=alert_message_id(
                            period_id=period.pk, threshold=threshold, person_id=person_id
                        ),
                    )
                )
    BudgetAlert.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    budget_alerts_emit(reached=reached.values())
    return len(rows)


def _figure(value: Decimal, budget: Budget, currency: str) -> str:
    if budget.unit == Budget.Unit.MONEY:
        return money_text(value, currency)
    return hours_text(value)


def budget_page_url(slug: str) -> str:
    return settings.SITE_URL + reverse("timesheets:budgets", args=[slug])


def budget_alert_message(alert: BudgetAlert) -> tuple[EmailMultiAlternatives, Notification]:
    person, period = alert.person, alert.period
    budget, engagement = period.budget, alert.engagement
    with translation.override(person.language), timezone.override(ZoneInfo(person.time_zone)):
        if alert.threshold >= BudgetAlert.Threshold.SPENT:
            subject = _("Budget spent: %(budget)s has used %(percent)s %% (%(engagement)s)")
        else:
            subject = _("Budget alert: %(budget)s has used %(percent)s %% (%(engagement)s)")
        subject = subject % {
            "budget": budget.name,
            "percent": alert.percent,
            "engagement": engagement.name,
        }
        context = {
            "person": person,
            "subject": subject,
            "budget": budget,
            "engagement": engagement,
            "period": period,
            "percent": alert.percent,
            "threshold": alert.threshold,
            "total": _figure(period.total, budget, engagement.currency),
            "url": budget_page_url(engagement.slug),
        }
        text = render_to_string("timesheets/email/budget_alert.txt", context)
        html = render_to_string("timesheets/email/budget_alert.html", context)
    message = EmailMultiAlternatives(
        subject, text, to=[person.email], headers={"Message-ID": alert.message_id}
    )
    message.attach_alternative(html, "text/html")
    notification = Notification(
        person=person,
        engagement_id=engagement.pk,
        kind="budget_alert",
        title=subject[:200],
        url=reverse("timesheets:budgets", args=[engagement.slug]),
    )
    return message, notification


def _mark_with_notices(notifications: dict[int, Notification]):
    def mark(token: str, pks: list[int]) -> None:
        """Mark accepted alerts sent and write exactly their in-app notices, together."""
        now = timezone.now()
        with transaction.atomic():
            ours = ledger.mark_sent_returning(BudgetAlert, token=token, ids=pks, now=now)
            for pk in ours:
                notifications[pk].created_at = now
            Notification.objects.bulk_create([notifications[pk] for pk in ours])

    return mark


def budget_alerts_send(*, now: dt.datetime, limit: int | None = None) -> SweepResult:
    """Claim a chunk of due alerts and send each; whatever the chunk could not finish goes
    back to pending."""
    token, ids = ledger.claim(BudgetAlert, now=now, limit=limit)
    if not ids:
        return SweepResult()
    try:
        alerts = BudgetAlert.objects.filter(pk__in=ids).select_related(
            "period__budget", "engagement", "person"
        )
        prepared: list[tuple[int, EmailMultiAlternatives]] = []
        notifications: dict[int, Notification] = {}
        for alert in alerts:
            message, notification = budget_alert_message(alert)
            prepared.append((alert.pk, message))
            notifications[alert.pk] = notification
        sent, failed = send_chunk(BudgetAlert, token, prepared, _mark_with_notices(notifications))
    finally:
        ledger.release_unsent(BudgetAlert, token=token, ids=ids)
    return SweepResult(sent=sent, failed=failed)


def budget_alerts_sweep(
    *, now: dt.datetime | None = None, budget: TimeBudget | None = None
) -> SweepResult:
    """One run: periods brought up to date, alerts now due written, then sent chunk by chunk
    until none is due or the time budget is spent (``more``: the task chains another run)."""
    budget = budget or TimeBudget()
    moment = now or timezone.now()
    budget_periods_sync_all(today=moment.date())
    materialised = budget_alerts_materialise(now=moment)
    sent = drain(lambda: budget_alerts_send(now=now or timezone.now()), budget)
    return SweepResult(materialised=materialised) + sent


__all__ = [
    "PeriodBurn",
    "alert_message_id",
    "budget_alerts_materialise",
    "budget_alerts_send",
    "budget_alerts_sweep",
]
