"""Admin of the collaboration core: read-mostly; API keys are issued on the dashboard. The
rhythm's and the webhooks' admins live beside their models (imported at the end)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from collab.backlog_ranking_bridge import RANKING_FIELDS, engagement_ranking_inputs_changed
from collab.common.admin import ReadOnlyAdmin
from collab.models import ApiToken, Engagement, IdempotencyRecord, Organization, User
from collab.services import api_token_revoke


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("A person with this email address already exists."))
        return email


class UserChangeForm(DjangoUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """People log in with their email address; there is no username."""

    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = (
        "email",
        "display_name",
        "organization",
        "language",
        "time_zone",
        "is_active",
        "is_staff",
        "last_login",
    )
    list_filter = ("is_active", "is_staff", "is_superuser", "language", "organization")
    search_fields = ("email", "display_name")
    autocomplete_fields = ("organization",)
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("display_name", "organization", "time_zone", "language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "display_name", "usable_password", "password1", "password2"),
            },
        ),
    )


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "created_at")
    list_filter = ("kind",)
    search_fields = ("name",)
    readonly_fields = ("created_at",)


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "key_prefix",
        "agency",
        "client",
        "platform",
        "business_model",
        "status",
        "review_cadence",
    )
    list_filter = ("status", "platform", "business_model", "review_cadence", "agency")
    search_fields = ("name", "slug", "key_prefix", "client__name", "agency__name")
    list_select_related = ("agency", "client")
    autocomplete_fields = ("agency", "client")
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "slug", "key_prefix", "agency", "client", "status")}),
        (
            _("Business"),
            {
                "fields": (
                    "platform",
                    "business_model",
                    "currency",
                    "client_hourly_cost",
                    "agency_day_rate",
                    "strategy",
                )
            },
        ),
        (
            _("Rhythm"),
            {
                "fields": (
                    "sync_weekday",
                    "sync_time",
                    "sync_time_zone",
                    "sync_duration_minutes",
                    "review_cadence",
                )
            },
        ),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and RANKING_FIELDS.intersection(form.changed_data):
            # The stored ranking of its tickets reads the hourly cost (admin saves are atomic).
            engagement_ranking_inputs_changed(engagement=obj)

    def get_readonly_fields(self, request, obj=None):
        # Ticket keys and links are built from these: they never change once the engagement
        # exists.
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "slug", "key_prefix") if obj else fields


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued on the dashboard, which shows the key once; here they can only be
    inspected and revoked. The key's hash is never shown."""

    list_display = (
        "name",
        "engagement",
        "scope",
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("scope", ("revoked_at", admin.EmptyFieldListFilter), "engagement")
    search_fields = ("name", "prefix", "engagement__name")
    list_select_related = ("engagement", "created_by")
    fields = (
        "name",
        "engagement",
        "scope",
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = fields
    actions = ("revoke",)

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    """The first answers to creations sent with an ``Idempotency-Key``, replayed to a retry and
    purged after a day by a periodic task: read-only."""

    list_display = (
        "created_at",
        "principal_kind",
        "principal_id",
        "method",
        "path",
        "response_status",
        "key",
    )
    list_filter = ("principal_kind", "method", "response_status", "created_at")
    search_fields = ("key", "path")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")


from collab.rhythm import admin as rhythm_admin  # noqa: E402, F401  (registers them)
from collab.webhooks import admin as webhooks_admin  # noqa: E402, F401  (registers them)
