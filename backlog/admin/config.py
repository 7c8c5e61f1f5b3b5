"""How an engagement ranks and routes its backlog. The page *Scoring and workflow* is where
these settings are meant to change; the admin saves them through the same services, so the
same rules hold (a weight is not negative, new tickets go to an agency role)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from backlog.models import (
    BacklogFacet,
    BacklogMedians,
    RankingJob,
    ResponsibilityPolicy,
    ScoringSettings,
    SettingsChange,
)
from backlog.selectors import SCORING_SETTING_FIELDS
from backlog.services import (
    ROUTABLE_ROLES,
    engagement_rescore,
    responsibility_policy_update,
    scoring_settings_build,
    scoring_settings_update,
)
from collab.common.admin import EngagementFixedAdmin, ReadOnlyAdmin


class ScoringSettingsForm(forms.ModelForm):
    class Meta:
        model = ScoringSettings
        fields = ("engagement", *SCORING_SETTING_FIELDS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        engagement = cleaned.get("engagement") or (
            self.instance.engagement if self.instance.engagement_id else None
        )
        if engagement is not None and not self.errors:
            data = {name: cleaned[name] for name in SCORING_SETTING_FIELDS}
            try:
                scoring_settings_build(engagement=engagement, data=data)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(ScoringSettings)
class ScoringSettingsAdmin(EngagementFixedAdmin):
    """Saved by ``scoring_settings_update``; deleting the row returns the engagement to the
    defaults."""

    form = ScoringSettingsForm
    list_display = (
        "engagement",
        "model",
        "strategic_weight",
        "impact_analysis_threshold_days",
        "requires_client_acceptance",
        "qa_required",
        "separation_of_duties",
    )
    list_filter = ("model", "requires_client_acceptance", "qa_required", "separation_of_duties")
    search_fields = ("engagement__name", "engagement__slug")
    list_select_related = ("engagement",)
    ordering = ("engagement__name",)

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in SCORING_SETTING_FIELDS}
        scoring_settings_update(engagement=obj.engagement, data=data, actor=request.user)

    def delete_model(self, request, obj):
        # The engagement is the row's primary key, which the deletion clears.
        engagement = obj.engagement
        super().delete_model(request, obj)
        # Back to the defaults: the stored ranking follows (admin deletions are atomic).
        engagement_rescore(engagement=engagement)

    def delete_queryset(self, request, queryset):
        engagements = [settings_.engagement for settings_ in queryset.select_related("engagement")]
        super().delete_queryset(request, queryset)
        for engagement in engagements:
            engagement_rescore(engagement=engagement)


@admin.register(BacklogMedians)
class BacklogMediansAdmin(ReadOnlyAdmin):
    """Kept by ``backlog.services.ranking``; ``manage.py ranking_verify`` checks them."""

    list_display = ("engagement", "annual_value", "effort_days")
    search_fields = ("engagement__name", "engagement__slug")
    list_select_related = ("engagement",)


@admin.register(RankingJob)
class RankingJobAdmin(ReadOnlyAdmin):
    """Written by ``backlog.services.ranking_jobs`` (a Celery task and the sweep); the backlog
    page and the API show the same progress."""

    list_display = ("engagement", "state", "done", "total", "requested_at", "finished_at")
    list_filter = ("state",)
    search_fields = ("engagement__name", "engagement__slug")
    list_select_related = ("engagement",)


@admin.register(BacklogFacet)
class BacklogFacetAdmin(ReadOnlyAdmin):
    """Kept by the database's triggers (PostgreSQL); ``manage.py ranking_verify`` checks them."""

    list_display = ("engagement", "status", "kind", "origin", "quadrant", "tickets")
    list_filter = ("status", "kind")
    search_fields = ("engagement__name", "engagement__slug")
    list_select_related = ("engagement",)


class ResponsibilityPolicyForm(forms.ModelForm):
    role = forms.ChoiceField(
        label=_("role"),
        choices=lambda: [(role.value, role.label) for role in ROUTABLE_ROLES],
        error_messages={
            "invalid_choice": _(
                "%(value)s is not a role of the agency: new tickets go to someone of the agency."
            )
        },
    )

    class Meta:
        model = ResponsibilityPolicy
        fields = ("engagement", "kind", "role")


@admin.register(ResponsibilityPolicy)
class ResponsibilityPolicyAdmin(EngagementFixedAdmin):
    """Which agency role receives new tickets of a kind, saved by
    ``responsibility_policy_update`` (a client role is refused); deleting a row returns that
    kind to its default role."""

    form = ResponsibilityPolicyForm
    list_display = ("engagement", "kind", "role")
    list_filter = ("engagement", "kind", "role")
    search_fields = ("engagement__name", "engagement__slug")
    list_select_related = ("engagement",)
    ordering = ("engagement__name", "kind")

    def get_readonly_fields(self, request, obj=None):
        # A row is the routing of one kind: another kind is another row.
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "kind") if obj is not None else fields

    def save_model(self, request, obj, form, change):
        responsibility_policy_update(engagement=obj.engagement, routing={obj.kind: obj.role})
        obj.pk = ResponsibilityPolicy.objects.get(engagement=obj.engagement, kind=obj.kind).pk


@admin.register(SettingsChange)
class SettingsChangeAdmin(ReadOnlyAdmin):
    """The engagement's settings history, written by ``scoring_settings_update``."""

    list_display = ("engagement", "at", "actor", "__str__")
    list_filter = ("engagement", "at")
    search_fields = ("engagement__name", "actor__email")
    list_select_related = ("engagement", "actor")
    date_hierarchy = "at"
    ordering = ("-at", "-pk")
