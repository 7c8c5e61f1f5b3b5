"""The dashboard's routes of the rhythm: meetings, decisions, action items, the inbox, the
notification settings and the private calendar feed."""

from django.urls import path

from collab.rhythm.views import action_items, agenda, inbox, meetings, outcomes

app_name = "rhythm"

_M = "engagements/<slug:slug>/meetings/<int:pk>/"

urlpatterns = [
    path("engagements/<slug:slug>/meetings/", meetings.meeting_list, name="meeting-list"),
    path(_M, meetings.meeting_detail, name="meeting-detail"),
    path(f"{_M}respond/", meetings.meeting_respond, name="meeting-respond"),
    path(f"{_M}agenda/", agenda.agenda_item_add, name="agenda-item-add"),
    path(f"{_M}agenda/refresh/", agenda.agenda_refresh, name="agenda-refresh"),
    path(f"{_M}agenda/<int:item_pk>/", agenda.agenda_item_update, name="agenda-item-update"),
    path(f"{_M}agenda/<int:item_pk>/delete/", agenda.agenda_item_delete, name="agenda-item-delete"),
    path(f"{_M}outcomes/", outcomes.outcome_record, name="outcome-record"),
    path(f"{_M}notes/", outcomes.meeting_notes, name="meeting-notes"),
    path(f"{_M}held/", meetings.meeting_mark_held, name="meeting-mark-held"),
    path(f"{_M}cancel/", meetings.meeting_cancel, name="meeting-cancel"),
    path(f"{_M}move/", meetings.meeting_move, name="meeting-move"),
    path(
        f"{_M}action-items/<int:item_pk>/ticket/",
        action_items.action_item_to_ticket,
        name="action-item-to-ticket",
    ),
    path(f"{_M}minutes/", meetings.meeting_minutes, name="meeting-minutes"),
    path("engagements/<slug:slug>/decisions/", outcomes.decision_log, name="decision-log"),
    path(
        "engagements/<slug:slug>/action-items/", action_items.action_item_list, name="action-items"
    ),
    path(
        "engagements/<slug:slug>/action-items/<int:pk>/done/",
        action_items.action_item_done,
        name="action-item-done",
    ),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", inbox.inbox_read, name="inbox-read"),
    path("inbox/read-all/", inbox.inbox_read_all, name="inbox-read-all"),
    path("settings/notifications/", inbox.preferences, name="preferences"),
    path(
        "settings/notifications/calendar-token/",
        inbox.calendar_token_regenerate,
        name="calendar-token-regenerate",
    ),
    path("calendar/<str:token>.ics", inbox.calendar_feed, name="calendar-feed"),
]
