"""Time in the admin, read-only: entries, weeks, their history and running timers change only
through the time pages and API (their rules: a role held that day, 24 hours a day, the lock of
an approved week)."""

from django.contrib import admin

from backlog.models import (
    Budget,
    BudgetAlert,
    BudgetPeriod,
    RunningTimer,
    TimeEntry,
    TimeEntryChange,
    TimesheetWeek,
)
from collab.common.admin import ReadOnlyAdmin


@admin.register(TimeEntry)
class TimeEntryAdmin(ReadOnlyAdmin):
    list_display = ("engagement", "person", "date", "minutes", "ticket", "role", "billable")
    list_filter = ("engagement", "role", "billable", "date")
    search_fields = ("person__email", "person__display_name", "note")
    list_select_related = ("engagement", "person", "ticket__engagement")
    date_hierarchy = "date"


@admin.register(TimesheetWeek)
class TimesheetWeekAdmin(ReadOnlyAdmin):
    list_display = ("engagement", "person", "week_start", "status", "decided_by", "decided_at")
    list_filter = ("engagement", "status")
    search_fields = ("person__email", "person__display_name", "reason")
    list_select_related = ("engagement", "person", "decided_by")


@admin.register(TimeEntryChange)
class TimeEntryChangeAdmin(ReadOnlyAdmin):
    list_display = ("engagement", "entry_ref", "action", "actor", "at")
    list_filter = ("engagement", "action")
    search_fields = ("entry_ref",)
    list_select_related = ("engagement", "actor")
    date_hierarchy = "at"


@admin.register(RunningTimer)
class RunningTimerAdmin(ReadOnlyAdmin):
    list_display = ("person", "engagement", "ticket", "role", "started_at")
    search_fields = ("person__email", "person__display_name")
    list_select_related = ("person", "engagement", "ticket__engagement")


@admin.register(Budget)
class BudgetAdmin(ReadOnlyAdmin):
    """Budgets change through the Budget page and the API (their periods and rollover follow)."""

    list_display = ("engagement", "name", "kind", "unit", "amount", "starts_on", "ends_on")
    list_filter = ("engagement", "kind", "unit")
    search_fields = ("name",)
    list_select_related = ("engagement",)


@admin.register(BudgetPeriod)
class BudgetPeriodAdmin(ReadOnlyAdmin):
    list_display = ("engagement", "budget", "starts_on", "ends_on", "allowance", "carried_in")
    list_filter = ("engagement",)
    list_select_related = ("engagement", "budget__engagement")


@admin.register(BudgetAlert)
class BudgetAlertAdmin(ReadOnlyAdmin):
    """One alert to one person: claimed, sent and retried by the sweep only."""

    list_display = ("engagement", "period", "threshold", "person", "state", "sent_at")
    list_filter = ("engagement", "state", "threshold")
    list_select_related = ("engagement", "period", "person")
