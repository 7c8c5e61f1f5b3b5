"""Routes of the time API, nested under their engagement."""

from django.urls import path

from backlog.timesheets.api import budget_views, views

urlpatterns = [
    path(
        "engagements/<slug:slug>/time-entries/",
        views.TimeEntryListApi.as_view(),
        name="api-time-entry-list",
    ),
    path(
        "engagements/<slug:slug>/time-entries/<int:pk>/",
        views.TimeEntryDetailApi.as_view(),
        name="api-time-entry-detail",
    ),
    path(
        "engagements/<slug:slug>/timesheet-weeks/",
        views.TimesheetWeekListApi.as_view(),
        name="api-timesheet-week-list",
    ),
    path(
        "engagements/<slug:slug>/timesheet-weeks/approve/",
        views.TimesheetWeekApproveApi.as_view(),
        name="api-timesheet-week-approve",
    ),
    path(
        "engagements/<slug:slug>/timesheet-weeks/return/",
        views.TimesheetWeekReturnApi.as_view(),
        name="api-timesheet-week-return",
    ),
    path(
        "engagements/<slug:slug>/budgets/",
        budget_views.BudgetListApi.as_view(),
        name="api-budget-list",
    ),
    path(
        "engagements/<slug:slug>/budgets/<int:pk>/",
        budget_views.BudgetDetailApi.as_view(),
        name="api-budget-detail",
    ),
    path(
        "engagements/<slug:slug>/budgets/<int:pk>/periods/",
        budget_views.BudgetPeriodListApi.as_view(),
        name="api-budget-period-list",
    ),
    path(
        "engagements/<slug:slug>/budgets/<int:pk>/periods/<int:period_id>/",
        budget_views.BudgetPeriodDetailApi.as_view(),
        name="api-budget-period-detail",
    ),
]
