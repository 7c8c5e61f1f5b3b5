"""Tickets and their activity, sprints, labels and the number counter."""

from django.contrib import admin
from django.template.defaultfilters import truncatechars
from django.utils.translation import gettext_lazy as _

from backlog.models import (
    AcceptanceCriterion,
    Attachment,
    Comment,
    Label,
    QAVerdict,
    Sprint,
    Ticket,
    TicketCounter,
    TicketHistory,
)
from collab.common.admin import EngagementFixedAdmin, ReadOnlyAdmin, ReadOnlyInline


class CriterionInline(ReadOnlyInline):
    model = AcceptanceCriterion
    fields = ("order", "text", "author", "created_at")
    select_related = ("author",)


class QAVerdictInline(ReadOnlyInline):
    model = QAVerdict
    fields = ("recorded_at", "tester", "passed", "notes")
    select_related = ("tester",)


class CommentInline(ReadOnlyInline):
    model = Comment
    fields = ("created_at", "author", "body")
    select_related = ("author",)


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    """Tickets change through the workflow and its guards (``backlog.services``): shown here
    with their criteria, QA verdicts and comments. Search by title, external reference or key
    (``NORD-42``)."""

    list_display = (
        "engagement",
        "__str__",
        "kind",
        "status",
        "origin",
        "assignee",
        "unrouted",
        "updated_at",
    )
    list_display_links = ("__str__",)
    list_filter = ("engagement", "kind", "status", "origin", "unrouted", "created_at")
    search_fields = ("title", "external_ref")
    list_select_related = ("engagement", "assignee")
    date_hierarchy = "created_at"
    ordering = ("engagement__name", "number")
    inlines = (CriterionInline, QAVerdictInline, CommentInline)

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        prefix, dash, number = search_term.strip().upper().rpartition("-")
        if dash and prefix and number.isdigit():
            by_key = queryset.filter(engagement__key_prefix=prefix, number=int(number))
            results = results | by_key
        return results, may_have_duplicates


@admin.register(TicketHistory)
class TicketHistoryAdmin(ReadOnlyAdmin):
    list_display = ("engagement", "ticket", "field", "before", "after", "actor", "at")
    list_display_links = ("ticket",)
    list_filter = ("engagement", "field", "at")
    search_fields = ("ticket__title", "field", "note")
    list_select_related = ("engagement", "ticket__engagement", "actor")
    date_hierarchy = "at"
    ordering = ("-at", "-pk")


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    """Comments belong to their author and the ticket's conversation: read-only."""

    list_display = ("engagement", "ticket", "author", "summary", "created_at")
    list_display_links = ("ticket",)
    list_filter = ("engagement", "created_at")
    search_fields = ("body", "ticket__title", "author__email")
    list_select_related = ("engagement", "ticket__engagement", "author")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")

    @admin.display(description=_("comment"))
    def summary(self, comment: Comment) -> str:
        return truncatechars(comment.body, 80)


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    """Files on tickets and comments, read-only: they are added and removed on the ticket page
    or through the API (the history records both). The stored file itself is never linked from
    here: only the ticket's people may read it, through the ticket page."""

    list_display = (
        "engagement",
        "ticket",
        "original_name",
        "content_type",
        "size",
        "uploaded_by",
        "created_at",
    )
    list_display_links = ("original_name",)
    list_filter = ("engagement", "content_type", "created_at")
    search_fields = ("original_name", "ticket__title", "uploaded_by__email")
    list_select_related = ("engagement", "ticket__engagement", "uploaded_by")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    exclude = ("file",)


@admin.register(TicketCounter)
class TicketCounterAdmin(ReadOnlyAdmin):
    """The last number handed out per engagement, bumped under a row lock by the filing
    service: changing it by hand would hand out a number twice."""

    list_display = ("engagement", "last_number")
    search_fields = ("engagement__name", "engagement__key_prefix")
    list_select_related = ("engagement",)
    ordering = ("engagement__name",)


@admin.register(Sprint)
class SprintAdmin(EngagementFixedAdmin):
    list_display = ("engagement", "name", "start", "end")
    list_display_links = ("name",)
    list_filter = ("engagement", "start")
    search_fields = ("name", "goal")
    list_select_related = ("engagement",)
    date_hierarchy = "start"
    ordering = ("-start", "name")
    readonly_fields = ("created_at",)


@admin.register(Label)
class LabelAdmin(EngagementFixedAdmin):
    list_display = ("engagement", "name")
    list_display_links = ("name",)
    list_filter = ("engagement",)
    search_fields = ("name",)
    list_select_related = ("engagement",)
    ordering = ("engagement__name", "name")
