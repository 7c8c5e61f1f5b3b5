"""Analysis and verdicts: stakeholder scores, criteria, success metrics, impact analyses, QA
verdicts and client acceptances. Each is written by a service that keeps a rule (a score moves
the ticket's alignment flag, a criterion and a verdict decide whether it may be ready or done,
only a tester records a verdict): read-only here."""

from django.contrib import admin
from django.template.defaultfilters import truncatechars
from django.utils.translation import gettext_lazy as _

from backlog.models import (
    AcceptanceCriterion,
    ClientAcceptance,
    ImpactAnalysis,
    QACriterionResult,
    QAException,
    QAVerdict,
    StakeholderScore,
    SuccessMetric,
    Ticket,
)
from collab.common.admin import ReadOnlyAdmin, ReadOnlyInline


@admin.register(StakeholderScore)
class StakeholderScoreAdmin(ReadOnlyAdmin):
    list_display = ("engagement", "ticket", "person", "score", "updated_at")
    list_display_links = ("ticket",)
    list_filter = ("engagement", "score", "updated_at")
    search_fields = ("ticket__title", "person__email", "comment")
    list_select_related = ("engagement", "ticket__engagement", "person")
    date_hierarchy = "updated_at"
    ordering = ("-updated_at", "-pk")


@admin.register(AcceptanceCriterion)
class AcceptanceCriterionAdmin(ReadOnlyAdmin):
    list_display = ("engagement", "ticket", "order", "summary", "author", "created_at")
    list_display_links = ("summary",)
    list_filter = ("engagement", "created_at")
    search_fields = ("text", "given", "when", "then", "ticket__title")
    list_select_related = ("engagement", "ticket__engagement", "author")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")

    @admin.display(description=_("criterion"))
    def summary(self, criterion: AcceptanceCriterion) -> str:
        return truncatechars(criterion.text, 80)


@admin.register(SuccessMetric)
class SuccessMetricAdmin(ReadOnlyAdmin):
    list_display = ("engagement", "ticket", "name", "target", "author", "created_at")
    list_display_links = ("name",)
    list_filter = ("engagement", "created_at")
    search_fields = ("name", "target", "ticket__title")
    list_select_related = ("engagement", "ticket__engagement", "author")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")


@admin.register(ImpactAnalysis)
class ImpactAnalysisAdmin(ReadOnlyAdmin):
    list_display = ("engagement", "ticket", "risk_level", "author", "updated_at")
    list_display_links = ("ticket",)
    list_filter = ("engagement", "risk_level", "updated_at")
    search_fields = ("affected_areas", "ticket__title")
    list_select_related = ("engagement", "ticket__engagement", "author")
    date_hierarchy = "updated_at"
    ordering = ("-updated_at", "-pk")


class QACriterionResultInline(ReadOnlyInline):
    model = QACriterionResult
    fields = ("criterion", "passed")
    select_related = ("criterion",)


@admin.register(QAVerdict)
class QAVerdictAdmin(ReadOnlyAdmin):
    list_display = ("engagement", "ticket", "tester", "passed", "self_verified", "recorded_at")
    list_display_links = ("ticket",)
    list_filter = ("engagement", "passed", "self_verified", "recorded_at")
    search_fields = ("ticket__title", "notes", "tester__email")
    list_select_related = ("engagement", "ticket__engagement", "tester")
    date_hierarchy = "recorded_at"
    ordering = ("-recorded_at", "-pk")
    inlines = (QACriterionResultInline,)


@admin.register(QACriterionResult)
class QACriterionResultAdmin(ReadOnlyAdmin):
    list_display = ("engagement", "ticket", "verdict", "criterion", "passed")
    list_display_links = ("verdict",)
    list_filter = ("engagement", "passed", "verdict__recorded_at")
    search_fields = ("criterion__text", "verdict__ticket__title")
    list_select_related = ("engagement", "verdict__ticket__engagement", "criterion")
    date_hierarchy = "verdict__recorded_at"
    ordering = ("-verdict__recorded_at", "pk")

    @admin.display(description=_("ticket"))
    def ticket(self, result: QACriterionResult) -> Ticket:
        return result.verdict.ticket


@admin.register(ClientAcceptance)
class ClientAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ("engagement", "ticket", "person", "decision", "decided_at")
    list_display_links = ("ticket",)
    list_filter = ("engagement", "decision", "decided_at")
    search_fields = ("ticket__title", "reason", "person__email")
    list_select_related = ("engagement", "ticket__engagement", "person")
    date_hierarchy = "decided_at"
    ordering = ("-decided_at", "-pk")


@admin.register(QAException)
class QAExceptionAdmin(ReadOnlyAdmin):
    list_display = ("engagement", "ticket", "person", "granted_by", "granted_at")
    list_display_links = ("ticket",)
    list_filter = ("engagement", "granted_at")
    search_fields = ("ticket__title", "reason", "person__email")
    list_select_related = ("engagement", "ticket__engagement", "person", "granted_by")
    date_hierarchy = "granted_at"
    ordering = ("-granted_at", "-pk")
