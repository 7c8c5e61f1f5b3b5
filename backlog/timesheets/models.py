"""Time entries, approved weeks, the history of every change, and running timers."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backlog.models.tickets import Ticket
from collab.models import Engagement
from collab.rhythm.models import DeliveryLedger
from roles.models import Role

MINUTES_IN_A_DAY = 24 * 60
# A person-day of the effort estimate, in hours (effort is estimated in person-days).
WORKING_DAY_HOURS = 8


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of the week the day falls in (weeks run Monday to Sunday)."""
    return day - datetime.timedelta(days=day.weekday())


class TimeEntry(models.Model):
    """Minutes a person spent on an engagement on one day, in one of their roles, optionally
    on a ticket. Locked once its week is approved (``approved_at`` set)."""

    engagement = models.ForeignKey(
        Engagement,
        verbose_name=_("engagement"),
        on_delete=models.CASCADE,
        related_name="time_entries",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="time_entries",
    )
    date = models.DateField(_("date"))
    minutes = models.PositiveIntegerField(_("duration (minutes)"))
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="time_entries",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    billable = models.BooleanField(_("billable"), default=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    note_internal = models.BooleanField(
        _("internal note"),
        default=False,
        help_text=_("Hidden from the client's people."),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The row of a Toggl, Harvest or Clockify file this entry was imported from (a hash of the
    # row, see ``backlog.timesheets.csv_import``): the same file imported twice adds nothing.
    import_ref = models.CharField(_("imported from"), max_length=80, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gt=0, minutes__lte=MINUTES_IN_A_DAY),
                name="time_entry_minutes_range",
                violation_error_message=_("A duration is more than 0 and at most 24 hours."),
            ),
            models.UniqueConstraint(
                fields=["engagement", "import_ref"],
                condition=~Q(import_ref=""),
                name="time_entry_import_ref_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["engagement", "person", "date"]),
            models.Index(fields=["person", "date"]),
            models.Index(fields=["engagement", "ticket"]),
            models.Index(fields=["engagement", "-date", "-id"], name="time_entry_list"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.date} {self.minutes} min ({self.engagement})"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class TimesheetWeek(models.Model):
    """The project manager's decision on one person's week of one engagement: approved (its
    entries lock) or returned with a reason (the person corrects it)."""

    class Status(models.TextChoices):
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    engagement = models.ForeignKey(
        Engagement, verbose_name=_("engagement"), on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="timesheet_weeks",
    )
    week_start = models.DateField(_("week of"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    reason = models.TextField(_("reason"), blank=True, max_length=2000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)

    class Meta:
        verbose_name = _("timesheet week")
        verbose_name_plural = _("timesheet weeks")
        ordering = ["-week_start", "person_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "person", "week_start"], name="timesheet_week_unique"
            ),
            models.CheckConstraint(
                condition=Q(week_start__week_day=2), name="timesheet_week_starts_monday"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.week_start} {self.status}"


class TimeEntryChange(models.Model):
    """One change to a time entry: who, when, what it was before and after. Kept when the
    entry is deleted (``entry_ref`` still names it)."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Changed")
        DELETED = "deleted", _("Deleted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    engagement = models.ForeignKey(
        Engagement, verbose_name=_("engagement"), on_delete=models.CASCADE, related_name="+"
    )
    entry_ref = models.PositiveBigIntegerField(_("time entry"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    before = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    after = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("time entry change")
        verbose_name_plural = _("time entry changes")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["engagement", "entry_ref"])]

    def __str__(self) -> str:
        return f"{self.entry_ref} {self.action} {self.at:%Y-%m-%d %H:%M}"


class RunningTimer(models.Model):
    """A person's timer, kept on the server so that it survives a reload or another device;
    one per person. Stopping it records a time entry."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="running_timer"
    )
    engagement = models.ForeignKey(
        Engagement, verbose_name=_("engagement"), on_delete=models.CASCADE, related_name="+"
    )
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, null=True, related_name="+"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)

    class Meta:
        verbose_name = _("running timer")
        verbose_name_plural = _("running timers")

    def __str__(self) -> str:
        return f"{self.person} since {self.started_at:%H:%M}"


class Budget(models.Model):
    """What the client buys: a monthly or quarterly retainer (one period per calendar month or
    quarter from ``starts_on``, until ``ends_on`` if set) or a fixed project budget (one period
    from ``starts_on`` to ``ends_on``), in hours or in money at the engagement's day rate."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("Monthly retainer")
        QUARTERLY = "quarterly", _("Quarterly retainer")
        FIXED = "fixed", _("Fixed project budget")

    class Unit(models.TextChoices):
        HOURS = "hours", _("Hours")
        MONEY = "money", _("Money")

    class Rollover(models.TextChoices):
        NONE = "none", _("No rollover")
        CAPPED = "capped", _("Carry over unused hours, up to a limit")
        ALL = "all", _("Carry over all unused hours")

    engagement = models.ForeignKey(
        Engagement, verbose_name=_("engagement"), on_delete=models.CASCADE, related_name="budgets"
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    unit = models.CharField(_("unit"), max_length=5, choices=Unit.choices)
    amount = models.DecimalField(
        _("amount per period"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Hours, or money in the engagement's currency, for each period."),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    rollover = models.CharField(
        _("unused hours"), max_length=6, choices=Rollover.choices, default=Rollover.NONE
    )
    rollover_cap_hours = models.DecimalField(
        _("carry over at most (hours)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="budget_amount_positive"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="budget_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(kind="fixed") | Q(ends_on__isnull=False, rollover="none"),
                name="budget_fixed_has_end_no_rollover",
            ),
            models.CheckConstraint(
                condition=(Q(rollover="capped") & Q(rollover_cap_hours__gt=0))
                | (~Q(rollover="capped") & Q(rollover_cap_hours__isnull=True)),
                name="budget_rollover_cap",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.engagement})"


class BudgetPeriod(models.Model):
    """One period of a budget: its own allowance, what the previous period carried in, and,
    once it has ended, what it carried out (the rollover rule applied at its close)."""

    engagement = models.ForeignKey(
        Engagement, verbose_name=_("engagement"), on_delete=models.CASCADE, related_name="+"
    )
    budget = models.ForeignKey(
        Budget, verbose_name=_("budget"), on_delete=models.CASCADE, related_name="periods"
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    allowance = models.DecimalField(_("allowance"), max_digits=12, decimal_places=2)
    carried_in = models.DecimalField(_("carried over"), max_digits=12, decimal_places=2, default=0)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    carried_out = models.DecimalField(
        _("carried to the next period"), max_digits=12, decimal_places=2, default=0
    )

    class Meta:
        verbose_name = _("budget period")
        verbose_name_plural = _("budget periods")
        ordering = ["budget_id", "starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "starts_on"], name="budget_period_unique"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="budget_period_dates"
            ),
        ]
        indexes = [models.Index(fields=["engagement", "starts_on", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.budget_id} {self.starts_on} to {self.ends_on}"

    @property
    def total(self) -> Decimal:
        return self.allowance + self.carried_in


class BudgetAlert(DeliveryLedger):
    """The alert that a budget period reached a threshold (80 or 100 %), to one person (a
    project manager or the director of the engagement): sent once, by the ledger."""

    class Threshold(models.IntegerChoices):
        WARNING = 80, "80 %"
        SPENT = 100, "100 %"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(BudgetPeriod, on_delete=models.CASCADE, related_name="alerts")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    threshold = models.PositiveSmallIntegerField(choices=Threshold.choices)
    percent = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("budget alert")
        verbose_name_plural = _("budget alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "threshold", "person"], name="budget_alert_once"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="budget_alert_state")]

    def __str__(self) -> str:
        return f"{self.period_id}/{self.threshold}/{self.person_id}: {self.state}"
