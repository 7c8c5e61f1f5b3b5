"""The dashboard's routes: the director home, the agency view, an engagement's overview."""

from django.urls import path

from roadmap.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("dashboard/", views.director_home, name="director-home"),
    path("dashboard/agency/", views.agency_view, name="agency-view"),
    path(
        "engagements/<slug:slug>/overview/",
        views.engagement_overview,
        name="engagement-overview",
    ),
]
