"""The dashboard's routes of the roadmap reviews."""

from django.urls import path

from roadmap.reviews import views

app_name = "reviews"
R = "engagements/<slug:slug>/reviews/"
urlpatterns = [
    path(R, views.review_list, name="review-list"),
    path(f"{R}snapshots/", views.snapshot_list, name="snapshot-list"),
    path(f"{R}<int:pk>/", views.review_detail, name="review-detail"),
    path(f"{R}<int:pk>/refresh/", views.review_refresh, name="review-refresh"),
    path(f"{R}<int:pk>/start/", views.review_start, name="review-start"),
    path(f"{R}<int:pk>/decisions/", views.decision_add, name="decision-add"),
    path(
        f"{R}<int:pk>/initiatives/<str:key>/answer/",
        views.initiative_answer,
        name="initiative-answer",
    ),
    path(f"{R}<int:pk>/sign-off/", views.review_sign_off, name="review-sign-off"),
    path(f"{R}<int:pk>/snapshot/", views.snapshot_detail, name="snapshot-detail"),
    path(f"{R}<int:pk>/diff/", views.diff, name="diff"),
    path(f"{R}<int:pk>/diff/print/", views.diff_print, name="diff-print"),
    path("engagements/<slug:slug>/value/", views.value_realisation, name="value-realisation"),
]
