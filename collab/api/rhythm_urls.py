"""Routes of the rhythm API, nested under their engagement."""

from django.urls import path

from collab.api import rhythm

MEETING = "engagements/<slug:slug>/meetings/<int:pk>/"

urlpatterns = [
    path(
        "engagements/<slug:slug>/meetings/",
        rhythm.MeetingListApi.as_view(),
        name="api-meeting-list",
    ),
    path(MEETING, rhythm.MeetingDetailApi.as_view(), name="api-meeting-detail"),
    path(
        f"{MEETING}attendees/",
        rhythm.MeetingAttendeesApi.as_view(),
        name="api-meeting-attendees",
    ),
    path(f"{MEETING}agenda/", rhythm.MeetingAgendaApi.as_view(), name="api-meeting-agenda"),
    path(
        "engagements/<slug:slug>/decisions/",
        rhythm.DecisionListApi.as_view(),
        name="api-decision-list",
    ),
    path(
        "engagements/<slug:slug>/action-items/",
        rhythm.ActionItemListApi.as_view(),
        name="api-action-item-list",
    ),
    path(
        "engagements/<slug:slug>/action-items/<int:pk>/",
        rhythm.ActionItemDetailApi.as_view(),
        name="api-action-item-detail",
    ),
]
