"""FilterSets of roles, shared by the dashboard and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from roles.models import Role, RoleAssignment


class RoleAssignmentFilter(django_filters.FilterSet):
    """Assignments by role and by the person's email address (case does not matter)."""

    role = django_filters.ChoiceFilter(choices=Role.choices, label=_("role"))
    person = django_filters.CharFilter(
        field_name="person__email", lookup_expr="iexact", label=_("person's email address")
    )

    class Meta:
        model = RoleAssignment
        fields = ["role", "person"]
