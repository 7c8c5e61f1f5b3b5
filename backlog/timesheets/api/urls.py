"""Routes of the time API, nested under their engagement."""

from django.urls import path

from backlog.timesheets.api import views

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
        "engagements/<slug:slug>/timesheet-weeks/approve/",
        views.TimesheetWeekApproveApi.as_view(),
        name="api-timesheet-week-approve",
    ),
    path(
        "engagements/<slug:slug>/timesheet-weeks/return/",
        views.TimesheetWeekReturnApi.as_view(),
        name="api-timesheet-week-return",
    ),
]
