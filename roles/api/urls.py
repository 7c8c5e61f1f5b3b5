"""Routes of role assignments, nested under their engagement."""

from django.urls import path

from roles.api import views

urlpatterns = [
    path(
        "engagements/<slug:slug>/role-assignments/",
        views.RoleAssignmentListApi.as_view(),
        name="api-role-assignment-list",
    ),
    path(
        "engagements/<slug:slug>/role-assignments/<int:pk>/",
        views.RoleAssignmentDetailApi.as_view(),
        name="api-role-assignment-detail",
    ),
]
