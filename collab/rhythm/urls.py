"""The dashboard's routes of the rhythm: meetings, decisions, action items, the inbox, the
notification settings and the private calendar feed."""

from django.urls import path

from collab.rhythm import views

app_name = "rhythm"

_M = "engagements/<slug:slug>/meetings/<int:pk>/"

urlpatterns = [
    path("engagements/<slug:slug>/meetings/", views.meeting_list, name="meeting-list"),
    path(_M, views.meeting_detail, name="meeting-detail"),
    path(f"{_M}respond/", views.meeting_respond, name="meeting-respond"),
    path(f"{_M}agenda/", views.agenda_item_add, name="agenda-item-add"),
    path(f"{_M}agenda/<int:item_pk>/", views.agenda_item_update, name="agenda-item-update"),
    path(f"{_M}agenda/<int:item_pk>/delete/", views.agenda_item_delete, name="agenda-item-delete"),
    path(f"{_M}outcomes/", views.outcome_record, name="outcome-record"),
    path(f"{_M}notes/", views.meeting_notes, name="meeting-notes"),
    path(f"{_M}held/", views.meeting_mark_held, name="meeting-mark-held"),
    path(f"{_M}cancel/", views.meeting_cancel, name="meeting-cancel"),
    path(f"{_M}move/", views.meeting_move, name="meeting-move"),
    path(
        f"{_M}action-items/<int:item_pk>/ticket/",
        views.action_item_to_ticket,
        name="action-item-to-ticket",
    ),
    path(f"{_M}minutes/", views.meeting_minutes, name="meeting-minutes"),
    path("engagements/<slug:slug>/decisions/", views.decision_log, name="decision-log"),
    path("engagements/<slug:slug>/action-items/", views.action_item_list, name="action-items"),
    path(
        "engagements/<slug:slug>/action-items/<int:pk>/done/",
        views.action_item_done,
        name="action-item-done",
    ),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", views.inbox_read, name="inbox-read"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox-read-all"),
    path("settings/notifications/", views.preferences, name="preferences"),
    path(
        "settings/notifications/calendar-token/",
        views.calendar_token_regenerate,
        name="calendar-token-regenerate",
    ),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
]
