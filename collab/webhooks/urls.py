"""The dashboard's routes of the webhooks."""

from django.urls import path

from collab.webhooks import views

app_name = "webhooks"

_W = "engagements/<slug:slug>/webhooks/<int:pk>/"

urlpatterns = [
    path("engagements/<slug:slug>/webhooks/", views.webhook_list, name="webhook-list"),
    path(_W, views.webhook_detail, name="webhook-detail"),
    path(f"{_W}ping/", views.webhook_ping, name="webhook-ping"),
    path(f"{_W}active/", views.webhook_set_active, name="webhook-set-active"),
    path(f"{_W}secret/", views.webhook_secret_rotate, name="webhook-secret-rotate"),
    path(f"{_W}delete/", views.webhook_delete, name="webhook-delete"),
    path(
        f"{_W}deliveries/<int:item_pk>/redeliver/",
        views.delivery_redeliver,
        name="delivery-redeliver",
    ),
]
