"""Routes of the core resources, the API root, its schema and its docs."""

from django.urls import path

from collab.api import views

urlpatterns = [
    path("", views.ApiRootApi.as_view(), name="api-root"),
    path("schema/", views.SchemaApi.as_view(), name="api-schema"),
    path("docs/", views.DocsApi.as_view(), name="api-docs"),
    path("me/", views.MeApi.as_view(), name="api-me"),
    path("engagements/", views.EngagementListApi.as_view(), name="api-engagement-list"),
    path(
        "engagements/<slug:slug>/",
        views.EngagementDetailApi.as_view(),
        name="api-engagement-detail",
    ),
]
