"""The dashboard's routes of the collaboration core."""

from django.urls import path

from collab import views

app_name = "collab"
urlpatterns = [
    path("", views.home, name="home"),
    path("engagements/", views.engagement_list, name="engagement-list"),
    path("engagements/new/", views.engagement_create, name="engagement-create"),
    path("engagements/<slug:slug>/", views.engagement_detail, name="engagement-detail"),
    path("engagements/<slug:slug>/edit/", views.engagement_update, name="engagement-update"),
    path("settings/", views.profile, name="profile"),
    path("language/", views.language_switch, name="language-switch"),
]
