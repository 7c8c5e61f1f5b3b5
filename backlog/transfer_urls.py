"""The backlog's CSV routes: export of the filtered backlog and import (dry run, confirm)."""

from django.urls import path

from backlog import transfer_views

app_name = "backlog_transfer"
urlpatterns = [
    path(
        "engagements/<slug:slug>/backlog/export.csv",
        transfer_views.ticket_export,
        name="export",
    ),
    path(
        "engagements/<slug:slug>/backlog/import/",
        transfer_views.ticket_import,
        name="import",
    ),
]
