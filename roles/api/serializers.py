"""Input and output serializers of role assignments.

Inputs parse and type; roles.services enforces the rules (allocation 0 to 100, one assignment
per person, role and engagement, an end after the start). Nothing here saves a row.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from collab.api.serializers import RefuseUnchangeableFields
from roles.models import Role, RoleAssignment, assignment_today


class PersonBriefOutputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    display_name = serializers.CharField()


class RoleAssignmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    person = PersonBriefOutputSerializer()
    role = serializers.ChoiceField(choices=Role.choices)
    role_label = serializers.CharField(source="get_role_display")
    allocation_percent = serializers.IntegerField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    in_force = serializers.SerializerMethodField(
        help_text=_("Whether the assignment is in force today (started and not yet ended).")
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, assignment: RoleAssignment) -> str:
        return reverse(
            "api-role-assignment-detail",
            kwargs={"slug": self.context["engagement"].slug, "pk": assignment.pk},
            request=self.context.get("request"),
        )

    def get_in_force(self, assignment: RoleAssignment) -> bool:
        today = assignment_today()
        return assignment.start_date <= today and (
            assignment.end_date is None or assignment.end_date >= today
        )


class RoleAssignmentUpdateInputSerializer(RefuseUnchangeableFields):
    # A different person or role is a different assignment: remove this one and create another.
    unchangeable_fields = ("person", "role", "engagement")

    allocation_percent = serializers.IntegerField(
        required=False, help_text=_("Share of the person's working time, 0 to 100.")
    )
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False, allow_null=True)


class RoleAssignmentCreateInputSerializer(RoleAssignmentUpdateInputSerializer):
    unchangeable_fields = ("engagement",)

    person = serializers.EmailField(
        max_length=254,
        help_text=_(
            "Email address of the person. A person of the engagement's agency or client gets "
            "the role at once (201); anyone else is sent an invitation to accept (202)."
        ),
    )
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationOutputSerializer(serializers.Serializer):
    """An invitation sent instead of an assignment: the same answer whether or not the address
    has an account."""

    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)
    allocation_percent = serializers.IntegerField()
    expires_at = serializers.DateTimeField()
