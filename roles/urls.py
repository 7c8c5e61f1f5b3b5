"""The dashboard's routes of roles: team, invitations, API tokens."""

from django.urls import path

from roles import views

app_name = "roles"
urlpatterns = [
    path("engagements/<slug:slug>/team/", views.team, name="team"),
    path(
        "engagements/<slug:slug>/team/<int:pk>/",
        views.assignment_update,
        name="assignment-update",
    ),
    path(
        "engagements/<slug:slug>/team/<int:pk>/remove/",
        views.assignment_remove,
        name="assignment-remove",
    ),
    path("engagements/<slug:slug>/tokens/", views.api_tokens, name="api-tokens"),
    path(
        "engagements/<slug:slug>/tokens/<int:pk>/revoke/",
        views.api_token_revoke_view,
        name="api-token-revoke",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
