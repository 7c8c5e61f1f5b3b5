"""Admin of roles: assignments and invitations."""

from django.contrib import admin

from roles.models import Invitation, RoleAssignment


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = (
        "person",
        "role",
        "engagement",
        "allocation_percent",
        "start_date",
        "end_date",
    )
    list_filter = ("role", "engagement", "start_date", "end_date")
    search_fields = ("person__email", "person__display_name", "engagement__name")
    list_select_related = ("person", "engagement")
    autocomplete_fields = ("person", "engagement")
    date_hierarchy = "start_date"
    readonly_fields = ("created_at",)

    def get_readonly_fields(self, request, obj=None):
        # Like roles.services.role_assignment_update: only the allocation and the dates change;
        # another person, role or engagement is another assignment.
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "engagement", "person", "role") if obj is not None else fields


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are sent from the team page (which emails a signed link); here they are
    inspected, and an unused one may be shortened or extended."""

    list_display = (
        "email",
        "engagement",
        "role",
        "allocation_percent",
        "invited_by",
        "created_at",
        "expires_at",
        "sent_at",
        "accepted_at",
    )
    list_filter = (
        "role",
        ("sent_at", admin.EmptyFieldListFilter),
        ("accepted_at", admin.EmptyFieldListFilter),
        "engagement",
    )
    search_fields = ("email", "engagement__name")
    list_select_related = ("engagement", "invited_by")
    fields = (
        "email",
        "engagement",
        "role",
        "allocation_percent",
        "invited_by",
        "created_at",
        "expires_at",
        "sent_at",
        "accepted_at",
        "accepted_by",
    )
    readonly_fields = (
        "email",
        "engagement",
        "role",
        "allocation_percent",
        "invited_by",
        "created_at",
        "sent_at",
        "accepted_at",
        "accepted_by",
    )
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False
