"""Read-mostly admin of the backlog: rows with workflow rules change through the services."""

from django.contrib import admin

from backlog.models import (
    Label,
    ResponsibilityPolicy,
    ScoringSettings,
    Sprint,
    Ticket,
    TicketHistory,
)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("__str__", "engagement", "kind", "status", "assignee", "unrouted", "updated_at")
    list_filter = ("engagement", "kind", "status", "origin", "unrouted")
    search_fields = ("title", "external_ref")
    list_select_related = ("engagement", "assignee")
    readonly_fields = [field.name for field in Ticket._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TicketHistory)
class TicketHistoryAdmin(admin.ModelAdmin):
    list_display = ("ticket", "field", "before", "after", "actor", "at")
    list_filter = ("field",)
    list_select_related = ("ticket__engagement", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Sprint)
class SprintAdmin(admin.ModelAdmin):
    list_display = ("name", "engagement", "start", "end")
    list_filter = ("engagement",)


@admin.register(ScoringSettings)
class ScoringSettingsAdmin(admin.ModelAdmin):
    list_display = ("engagement", "model", "requires_client_acceptance", "qa_required")


@admin.register(ResponsibilityPolicy)
class ResponsibilityPolicyAdmin(admin.ModelAdmin):
    list_display = ("engagement", "kind", "role")
    list_filter = ("engagement",)


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ("name", "engagement")
    list_filter = ("engagement",)
