"""The dashboard's routes of time: the timesheet, the team's week, entries, the ticket card."""

from django.urls import path

from backlog.timesheets import views

app_name = "timesheets"

_E = "engagements/<slug:slug>/time/"
_T = "engagements/<slug:slug>/time/tickets/<str:key>/"

urlpatterns = [
    path(_E, views.timesheet, name="timesheet"),
    path(f"{_E}team/", views.team_week, name="team"),
    path(f"{_E}people/<int:person_id>/", views.person_week, name="person-week"),
    path(
        f"{_E}people/<int:person_id>/approve/",
        views.person_week_approve,
        name="person-week-approve",
    ),
    path(
        f"{_E}people/<int:person_id>/return/", views.person_week_return, name="person-week-return"
    ),
    path(f"{_E}entries/", views.entry_list, name="entry-list"),
    path(f"{_E}entries/<int:pk>/", views.entry_detail, name="entry-detail"),
    path(f"{_E}entries/<int:pk>/delete/", views.entry_delete, name="entry-delete"),
    path(_T, views.ticket_time, name="ticket-time"),
    path(f"{_T}timer/start/", views.timer_start, name="timer-start"),
    path(f"{_T}timer/stop/", views.timer_stop, name="timer-stop"),
    path(f"{_T}timer/discard/", views.timer_discard, name="timer-discard"),
]
