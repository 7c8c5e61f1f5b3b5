"""The dashboard's routes of the roadmap."""

from django.urls import path

from roadmap import views

app_name = "roadmap"
urlpatterns = [
    path(
        "engagements/<slug:slug>/backlog/<str:key>/alignment/",
        views.ticket_alignment,
        name="ticket-alignment",
    ),
    path(
        "engagements/<slug:slug>/objectives/",
        views.objective_list,
        name="objective-list",
    ),
    path(
        "engagements/<slug:slug>/objectives/<int:pk>/",
        views.objective_update,
        name="objective-update",
    ),
    path("engagements/<slug:slug>/roadmap/", views.roadmap_board, name="board"),
    path(
        "engagements/<slug:slug>/roadmap/settings/",
        views.roadmap_settings,
        name="settings",
    ),
    path(
        "engagements/<slug:slug>/roadmap/items/new/",
        views.item_create,
        name="item-create",
    ),
    path(
        "engagements/<slug:slug>/roadmap/items/<int:pk>/",
        views.item_update,
        name="item-update",
    ),
    path(
        "engagements/<slug:slug>/roadmap/items/<int:pk>/move/",
        views.item_move,
        name="item-move",
    ),
]
