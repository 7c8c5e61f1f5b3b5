"""Admin of the webhooks (registered from ``collab/admin.py``).

A subscription is created, edited and deleted on the engagement's webhook page, which checks
the target against the private-target rule and shows the secret once; here it is inspected (the
secret never shows), enabled, disabled or pinged, and a failed delivery sent again, each through
``collab.webhooks.services`` and refused when the service refuses. The delivery log is written
by the outbox and the sweep only.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from collab.common.admin import ReadOnlyAdmin, service_action_apply
from collab.webhooks.models import Webhook, WebhookDelivery
from collab.webhooks.services import (
    webhook_delivery_redeliver,
    webhook_ping,
    webhook_set_active,
)


@admin.register(Webhook)
class WebhookAdmin(ReadOnlyAdmin):
    list_display = (
        "engagement",
        "__str__",
        "target_url",
        "is_active",
        "consecutive_failures",
        "auto_disabled_at",
        "created_at",
        "delivery_log",
    )
    list_filter = (
        "engagement",
        "is_active",
        ("auto_disabled_at", admin.EmptyFieldListFilter),
        "created_at",
    )
    search_fields = ("target_url", "description", "engagement__name")
    list_select_related = ("engagement",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    fields = (
        "engagement",
        "target_url",
        "description",
        "events",
        "is_active",
        "consecutive_failures",
        "auto_disabled_at",
        "created_by",
        "created_at",
        "delivery_log",
    )
    readonly_fields = ("delivery_log",)
    actions = ("enable", "disable", "ping")

    @admin.display(description=_("delivery log"))
    def delivery_log(self, webhook: Webhook) -> str:
        url = reverse("admin:collab_webhookdelivery_changelist")
        return format_html(
            '<a href="{}?webhook__id__exact={}">{}</a>', url, webhook.pk, _("Deliveries")
        )

    @admin.action(
        description=_("Enable the selected webhooks (their failure count starts afresh)"),
        permissions=["service"],
    )
    def enable(self, request, queryset):
        service_action_apply(
            self,
            request,
            queryset.filter(is_active=False).order_by("pk"),
            lambda webhook: webhook_set_active(webhook=webhook, active=True),
            done=lambda count: (
                ngettext("%(count)d webhook enabled.", "%(count)d webhooks enabled.", count)
                % {"count": count}
            ),
        )

    @admin.action(description=_("Disable the selected webhooks"), permissions=["service"])
    def disable(self, request, queryset):
        service_action_apply(
            self,
            request,
            queryset.filter(is_active=True).order_by("pk"),
            lambda webhook: webhook_set_active(webhook=webhook, active=False),
            done=lambda count: (
                ngettext("%(count)d webhook disabled.", "%(count)d webhooks disabled.", count)
                % {"count": count}
            ),
        )

    @admin.action(
        description=_("Send a test ping to the selected webhooks"), permissions=["service"]
    )
    def ping(self, request, queryset):
        service_action_apply(
            self,
            request,
            queryset.select_related("engagement").order_by("pk"),
            lambda webhook: webhook_ping(webhook=webhook, actor=request.user),
            done=lambda count: (
                ngettext("%(count)d ping on its way.", "%(count)d pings on their way.", count)
                % {"count": count}
            ),
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "engagement",
        "event",
        "webhook",
        "state",
        "attempts",
        "response_status",
        "created_at",
        "delivered_at",
    )
    list_filter = ("engagement", "state", "event", "webhook", "created_at")
    search_fields = ("=event_id", "webhook__target_url", "error")
    list_select_related = ("engagement", "webhook")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    actions = ("redeliver",)

    @admin.action(
        description=_("Send the selected failed deliveries again"), permissions=["service"]
    )
    def redeliver(self, request, queryset):
        service_action_apply(
            self,
            request,
            queryset.order_by("pk"),
            lambda delivery: webhook_delivery_redeliver(delivery=delivery),
            done=lambda count: (
                ngettext(
                    "%(count)d delivery sent again.", "%(count)d deliveries sent again.", count
                )
                % {"count": count}
            ),
        )
