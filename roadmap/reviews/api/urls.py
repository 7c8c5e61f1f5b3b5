"""Routes of the roadmap reviews' API."""

from django.urls import path

from roadmap.reviews.api import views

R = "engagements/<slug:slug>/reviews/"
urlpatterns = [
    path(R, views.ReviewListApi.as_view(), name="api-review-list"),
    path(f"{R}<int:pk>/", views.ReviewDetailApi.as_view(), name="api-review-detail"),
    path(f"{R}<int:pk>/pack/", views.ReviewPackApi.as_view(), name="api-review-pack"),
    path(f"{R}<int:pk>/snapshot/", views.ReviewSnapshotApi.as_view(), name="api-review-snapshot"),
    path(f"{R}<int:pk>/diff/", views.ReviewDiffApi.as_view(), name="api-review-diff"),
    path(f"{R}<int:pk>/sign-off/", views.ReviewSignOffApi.as_view(), name="api-review-sign-off"),
    path(
        f"{R}<int:pk>/decisions/",
        views.ReviewDecisionListApi.as_view(),
        name="api-review-decision-list",
    ),
]
