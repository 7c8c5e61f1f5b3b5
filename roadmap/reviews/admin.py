"""Read-only admin of the reviews: every write goes through roadmap.reviews.services, and a
signed-off snapshot never changes."""

from django.contrib import admin

from collab.common.admin import ReadOnlyAdmin, ReadOnlyInline
from roadmap.reviews.models import Review, ReviewDecision, ReviewSnapshot, ValueRealisation


class ReviewDecisionInline(ReadOnlyInline):
    model = ReviewDecision
    fields = ("text", "ticket", "recorded_by", "created_at")
    select_related = ("ticket__engagement", "recorded_by")


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = (
        "engagement",
        "__str__",
        "period_end",
        "state",
        "signed_off_by",
        "signed_off_at",
    )
    list_display_links = ("__str__",)
    list_filter = ("engagement", "state", "period_end")
    list_select_related = ("engagement", "signed_off_by")
    search_fields = ("engagement__name", "meeting__title")
    date_hierarchy = "period_end"
    ordering = ("-period_end", "-pk")
    inlines = (ReviewDecisionInline,)


@admin.register(ReviewSnapshot)
class ReviewSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("engagement", "review", "taken_at", "frozen")
    list_display_links = ("review",)
    list_filter = ("engagement", "taken_at")
    list_select_related = ("engagement", "review")
    search_fields = ("engagement__name",)
    date_hierarchy = "taken_at"
    ordering = ("-taken_at", "-pk")


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ReadOnlyAdmin):
    list_display = ("engagement", "review", "text", "ticket", "recorded_by", "created_at")
    list_display_links = ("text",)
    list_filter = ("engagement", "created_at")
    list_select_related = ("engagement", "review", "ticket__engagement", "recorded_by")
    search_fields = ("text", "ticket__title")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")


@admin.register(ValueRealisation)
class ValueRealisationAdmin(ReadOnlyAdmin):
    list_display = (
        "engagement",
        "ticket",
        "estimated_annual_value",
        "realised_annual_value",
        "done_at",
        "requested_at",
        "recorded_at",
    )
    list_display_links = ("ticket",)
    list_filter = (
        "engagement",
        ("requested_at", admin.EmptyFieldListFilter),
        ("realised_annual_value", admin.EmptyFieldListFilter),
        "done_at",
    )
    list_select_related = ("engagement", "ticket__engagement")
    search_fields = ("ticket__title", "note")
    date_hierarchy = "done_at"
    ordering = ("-done_at", "-pk")
