"""Role assignments of an engagement: the team, read by its members, managed by its admins.

An assignment is looked up only inside the engagement reached through the policy, so another
engagement's assignment answers 404 exactly like a missing one.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from collab.api.views import ENGAGEMENT_SLUG
from collab.common.lookup import found_or_404
from collab.common.pagination import CursorPagination
from collab.models import Engagement
from roles.api.serializers import (
    InvitationOutputSerializer,
    RoleAssignmentCreateInputSerializer,
    RoleAssignmentOutputSerializer,
    RoleAssignmentUpdateInputSerializer,
)
from roles.filters import RoleAssignmentFilter
from roles.models import RoleAssignment
from roles.policy import Action, engagement_for, require
from roles.selectors import role_assignment_get, role_assignment_list
from roles.services import role_assignment_remove, role_assignment_update, team_member_add

# drf-spectacular names a ``pk`` path variable ``id`` in the schema.
ASSIGNMENT_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The assignment's id."
)


def _assignment_or_404(*, engagement: Engagement, pk: int) -> RoleAssignment:
    return found_or_404(role_assignment_get(engagement=engagement, pk=pk), "role assignment")


def _output(assignment: RoleAssignment, *, engagement: Engagement, request: Request) -> dict:
    context = {"request": request, "engagement": engagement}
    return RoleAssignmentOutputSerializer(assignment, context=context).data


class RoleAssignmentPagination(CursorPagination):
    # Role never changes on an assignment, and the id breaks ties: a stable cursor.
    ordering = ("role", "pk")


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class RoleAssignmentListApi(GenericAPIView):
    """The engagement's team (assignments in force or not); admins add people to it."""

    # Only for the schema's introspection: rows are read through the policy and a selector.
    queryset = RoleAssignment.objects.none()
    filterset_class = RoleAssignmentFilter
    pagination_class = RoleAssignmentPagination
    serializer_class = RoleAssignmentOutputSerializer

    @extend_schema(responses=RoleAssignmentOutputSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        assignments = self.filter_queryset(role_assignment_list(engagement=engagement))
        page = self.paginate_queryset(assignments)
        serializer = RoleAssignmentOutputSerializer(
            page, many=True, context={"request": request, "engagement": engagement}
        )
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        request=RoleAssignmentCreateInputSerializer,
        responses={201: RoleAssignmentOutputSerializer, 202: InvitationOutputSerializer},
    )
    def post(self, request: Request, slug: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.MANAGE_TEAM, engagement)
        serializer = RoleAssignmentCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        try:
            added = team_member_add(
                engagement=engagement, added_by=request.user, email=data.pop("person"), **data
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                raise
            # The service's one refusal that names no field: the person already holds this
            # role here. Point it at the person, the field the client should change.
            raise ValidationError({"person": error.messages}) from None
        if added.assignment is None:
            invitation = InvitationOutputSerializer(added.invitation).data
            return Response(invitation, status=status.HTTP_202_ACCEPTED)
        body = _output(added.assignment, engagement=engagement, request=request)
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["url"]})


@extend_schema(parameters=[ENGAGEMENT_SLUG, ASSIGNMENT_ID])
class RoleAssignmentDetailApi(APIView):
    """One assignment of the engagement: its allocation and dates change, or it is removed."""

    @extend_schema(responses=RoleAssignmentOutputSerializer)
    def get(self, request: Request, slug: str, pk: int) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        assignment = _assignment_or_404(engagement=engagement, pk=pk)
        return Response(_output(assignment, engagement=engagement, request=request))

    @extend_schema(
        request=RoleAssignmentUpdateInputSerializer, responses=RoleAssignmentOutputSerializer
    )
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.MANAGE_TEAM, engagement)
        assignment = _assignment_or_404(engagement=engagement, pk=pk)
        serializer = RoleAssignmentUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = role_assignment_update(assignment=assignment, data=serializer.validated_data)
        return Response(_output(assignment, engagement=engagement, request=request))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.MANAGE_TEAM, engagement)
        assignment = _assignment_or_404(engagement=engagement, pk=pk)
        role_assignment_remove(assignment=assignment)
        return Response(status=status.HTTP_204_NO_CONTENT)
