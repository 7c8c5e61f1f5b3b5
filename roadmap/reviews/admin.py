"""Read-only admin of the reviews: every write goes through roadmap.reviews.services, and a
signed-off snapshot never changes."""

from django.contrib import admin

from roadmap.reviews.models import Review, ReviewDecision, ReviewSnapshot, ValueRealisation


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("engagement", "period_end", "state", "signed_off_at")
    list_filter = ("state",)


@admin.register(ReviewSnapshot)
class ReviewSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("engagement", "taken_at", "frozen")


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ReadOnlyAdmin):
    list_display = ("review", "text", "created_at")


@admin.register(ValueRealisation)
class ValueRealisationAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "estimated_annual_value", "realised_annual_value", "requested_at")
