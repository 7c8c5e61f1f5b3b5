"""Routes of strategic objectives, tickets' alignment with them, roadmap items and the board."""

from django.urls import path

from roadmap.api import views

urlpatterns = [
    path(
        "engagements/<slug:slug>/objectives/",
        views.ObjectiveListApi.as_view(),
        name="api-objective-list",
    ),
    path(
        "engagements/<slug:slug>/objectives/<int:pk>/",
        views.ObjectiveDetailApi.as_view(),
        name="api-objective-detail",
    ),
    path(
        "engagements/<slug:slug>/tickets/<str:key>/alignments/<int:pk>/",
        views.TicketAlignmentApi.as_view(),
        name="api-ticket-alignment",
    ),
    path(
        "engagements/<slug:slug>/roadmap-items/",
        views.RoadmapItemListApi.as_view(),
        name="api-roadmap-item-list",
    ),
    path(
        "engagements/<slug:slug>/roadmap-items/<int:pk>/",
        views.RoadmapItemDetailApi.as_view(),
        name="api-roadmap-item-detail",
    ),
    path(
        "engagements/<slug:slug>/roadmap/",
        views.RoadmapBoardApi.as_view(),
        name="api-roadmap-board",
    ),
]
