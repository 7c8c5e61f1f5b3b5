"""The project's routes: the dashboard, accounts, health probes, the admin and the API."""

from django.contrib import admin
from django.urls import include, path

from collab import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("collab.auth_urls")),
    path("api/v1/", include("collab.api_urls")),
    path("", include("collab.web_urls")),
    path("", include("collab.rhythm.urls")),
    path("", include("collab.webhooks.urls")),
    path("", include("roles.urls")),
    # Before backlog.urls, whose engagements/<slug>/backlog/<key>/ would take backlog/import/.
    path("", include("backlog.transfer_urls")),
    path("", include("backlog.timesheets.urls")),
    path("", include("backlog.urls")),
    path("", include("roadmap.urls")),
    path("", include("roadmap.reviews.urls")),
    path("", include("roadmap.dashboard.urls")),
    path("", include("roadmap.search.urls")),
]

handler404 = "collab.common.errors.page_not_found"
handler500 = "collab.common.errors.server_error"
