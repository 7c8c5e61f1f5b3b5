"""What the apps' admins share: read-only pages for the rows that only the system or the services
write, and admin actions that call a service and report what it refused."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import ngettext

# The admin's classes are generic for the type checker only (django-stubs).
if TYPE_CHECKING:
    ModelAdmin = admin.ModelAdmin[Any]
    TabularInline = admin.TabularInline[Any, Any]
else:
    ModelAdmin = admin.ModelAdmin
    TabularInline = admin.TabularInline


class ReadOnlyAdmin(ModelAdmin):
    """A ledger, a record or a row with rules: the admin shows it, every field read-only, and
    offers neither to add, change nor delete one (actions may still call a service)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_service_permission(self, request: HttpRequest) -> bool:
        """Actions that call a service (``permissions=["service"]``) need the model's change
        permission, though its pages stay read-only."""
        codename = get_permission_codename("change", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")


class EngagementFixedAdmin(ModelAdmin):
    """A row whose engagement never changes once created: what it holds belongs to that
    engagement, and moving it would mix two tenants' data."""

    autocomplete_fields = ("engagement",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "engagement") if obj is not None else fields


class ReadOnlyInline(TabularInline):
    """Rows shown on their parent's page, read-only, each linking to its own page; the
    relations they show are read in the same query (``select_related``)."""

    extra = 0
    can_delete = False
    show_change_link = True
    select_related: tuple[str, ...] = ()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        return queryset.select_related(*self.select_related) if self.select_related else queryset

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def service_action_apply[T: Model](
    model_admin: ModelAdmin,
    request: HttpRequest,
    objects: Iterable[T],
    service: Callable[[T], object],
    *,
    done: Callable[[int], str],
) -> int:
    """Call ``service`` on each object (each call its own transaction: a refusal leaves the
    others done), tell how many were done and, once per reason, what the service refused;
    returns how many were done."""
    count = 0
    refused: Counter[str] = Counter()
    for obj in objects:
        try:
            service(obj)
        except ValidationError as error:
            refused.update(set(error.messages))
        else:
            count += 1
    if count or not refused:
        model_admin.message_user(request, done(count), messages.SUCCESS)
    for reason, times in refused.items():
        model_admin.message_user(
            request,
            ngettext(
                "Refused for %(count)d of the selection: %(reason)s",
                "Refused for %(count)d of the selection: %(reason)s",
                times,
            )
            % {"count": times, "reason": reason},
            messages.WARNING,
        )
    return count
