"""The dashboard's routes of time: the timesheet, the team's week, entries (and their CSV export
and import), budgets, the ticket card."""

from django.urls import path

from backlog.timesheets.views import (
    approval,
    budgets,
    entries,
    observed,
    ticket,
    timesheet,
    transfer,
)

app_name = "timesheets"

_E = "engagements/<slug:slug>/time/"
_T = "engagements/<slug:slug>/time/tickets/<str:key>/"

urlpatterns = [
    path(_E, timesheet.timesheet, name="timesheet"),
    path(f"{_E}team/", approval.team_week, name="team"),
    path(f"{_E}people/<int:person_id>/", approval.person_week, name="person-week"),
    path(
        f"{_E}people/<int:person_id>/approve/",
        approval.person_week_approve,
        name="person-week-approve",
    ),
    path(
        f"{_E}people/<int:person_id>/return/",
        approval.person_week_return,
        name="person-week-return",
    ),
    path(f"{_E}entries/", entries.entry_list, name="entry-list"),
    path(f"{_E}export.csv", transfer.time_export, name="export"),
    path(f"{_E}import/", transfer.time_import_page, name="import"),
    path(f"{_E}entries/<int:pk>/", entries.entry_detail, name="entry-detail"),
    path(f"{_E}entries/<int:pk>/delete/", entries.entry_delete, name="entry-delete"),
    path(f"{_E}roles/", observed.observed_roles_page, name="observed-roles"),
    path(f"{_E}budgets/", budgets.budget_page, name="budgets"),
    path(f"{_E}budgets/new/", budgets.budget_create, name="budget-create"),
    path(f"{_E}budgets/<int:pk>/", budgets.budget_edit, name="budget-edit"),
    path(f"{_E}budgets/<int:pk>/delete/", budgets.budget_delete, name="budget-delete"),
    path(_T, ticket.ticket_time, name="ticket-time"),
    path(f"{_T}timer/start/", ticket.timer_start, name="timer-start"),
    path(f"{_T}timer/stop/", ticket.timer_stop, name="timer-stop"),
    path(f"{_T}timer/discard/", ticket.timer_discard, name="timer-discard"),
]
