"""Admin of the strategic objectives, roadmap items and settings (alignment changes, ticket
links and moves with rules go through roadmap.services)."""

from django.contrib import admin

from collab.common.admin import EngagementFixedAdmin, ReadOnlyAdmin
from roadmap.models import RoadmapItem, RoadmapSettings, StrategicObjective, TicketAlignment


@admin.register(StrategicObjective)
class StrategicObjectiveAdmin(EngagementFixedAdmin):
    list_display = ("engagement", "title", "kpi", "target", "status", "weight", "position")
    list_display_links = ("title",)
    list_filter = ("engagement", "status")
    search_fields = ("title", "kpi", "description")
    list_select_related = ("engagement",)
    ordering = ("engagement__name", "position", "pk")

    def get_readonly_fields(self, request, obj=None):
        # A new weight changes every aligned ticket's score: roadmap.services.objective_update.
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "weight") if obj is not None else fields


@admin.register(TicketAlignment)
class TicketAlignmentAdmin(ReadOnlyAdmin):
    """How much a ticket serves an objective; the weighted sum is kept on the ticket by
    ``roadmap.services``, in the same transaction: read-only here."""

    list_display = ("engagement", "ticket", "objective", "level", "updated_by", "updated_at")
    list_display_links = ("ticket",)
    list_filter = ("engagement", "level", "updated_at")
    search_fields = ("ticket__title", "objective__title")
    list_select_related = ("engagement", "ticket__engagement", "objective", "updated_by")
    date_hierarchy = "updated_at"
    ordering = ("-updated_at", "-pk")


@admin.register(RoadmapItem)
class RoadmapItemAdmin(admin.ModelAdmin):
    list_display = ("engagement", "title", "quarter", "lane", "status", "position")
    list_display_links = ("title",)
    list_filter = ("engagement", "status", "lane", "quarter")
    search_fields = ("title", "description")
    list_select_related = ("engagement",)
    date_hierarchy = "created_at"
    ordering = ("engagement__name", "quarter", "position", "pk")
    # Objectives and tickets must stay in the item's engagement: roadmap.services checks it.
    readonly_fields = ("engagement", "objectives", "tickets", "created_at", "updated_at")

    def has_add_permission(self, request):
        return False


@admin.register(RoadmapSettings)
class RoadmapSettingsAdmin(admin.ModelAdmin):
    list_display = ("engagement", "capacity_days_per_quarter", "value_realisation_weeks")
    search_fields = ("engagement__name", "engagement__slug")
    list_select_related = ("engagement",)
    ordering = ("engagement__name",)
    readonly_fields = ("engagement",)


from roadmap.reviews import admin as reviews_admin  # noqa: E402, F401  (registers them)
