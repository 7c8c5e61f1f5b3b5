"""Admin of the strategic objectives, roadmap items and settings (alignment changes, ticket
links and moves with rules go through roadmap.services)."""

from django.contrib import admin

from roadmap.models import RoadmapItem, RoadmapSettings, StrategicObjective


@admin.register(StrategicObjective)
class StrategicObjectiveAdmin(admin.ModelAdmin):
    list_display = ("title", "engagement", "kpi", "target", "status", "weight", "position")
    list_filter = ("engagement",)
    search_fields = ("title",)

    def get_readonly_fields(self, request, obj=None):
        # A new weight changes every aligned ticket's score: roadmap.services.objective_update.
        return ("weight",) if obj is not None else ()


@admin.register(RoadmapItem)
class RoadmapItemAdmin(admin.ModelAdmin):
    list_display = ("title", "engagement", "quarter", "lane", "status", "position")
    list_filter = ("engagement", "status", "lane")
    search_fields = ("title",)
    # Objectives and tickets must stay in the item's engagement: roadmap.services checks it.
    readonly_fields = ("engagement", "objectives", "tickets", "created_at", "updated_at")

    def has_add_permission(self, request):
        return False


@admin.register(RoadmapSettings)
class RoadmapSettingsAdmin(admin.ModelAdmin):
    list_display = ("engagement", "capacity_days_per_quarter", "value_realisation_weeks")
    readonly_fields = ("engagement",)


from roadmap.reviews import admin as reviews_admin  # noqa: E402, F401  (registers them)
