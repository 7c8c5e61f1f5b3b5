"""The REST API under /api/v1/: schema, docs and every app's resources."""

from django.urls import include, path

urlpatterns = [
    path("", include("collab.api.urls")),
    path("", include("collab.api.rhythm_urls")),
    path("", include("collab.api.webhook_urls")),
    path("", include("roles.api.urls")),
    path("", include("backlog.api.urls")),
    path("", include("backlog.timesheets.api.urls")),
    path("", include("roadmap.api.urls")),
    path("", include("roadmap.reviews.api.urls")),
]
