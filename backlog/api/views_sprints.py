"""Sprints of an engagement through the API: read by members, planned by whoever may edit
value (project manager, consultant, analyst, director, agency admin, write tokens)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backlog.api.common import acting_person, id_parameter
from backlog.api.serializers import (
    SprintCreateInputSerializer,
    SprintOutputSerializer,
    SprintUpdateInputSerializer,
)
from backlog.models import Sprint
from backlog.selectors import sprint_get, sprint_list
from backlog.services import sprint_create, sprint_update
from collab.api.views import ENGAGEMENT_SLUG
from collab.common.idempotency import idempotent_create
from collab.common.lookup import found_or_404
from collab.common.pagination import CursorPagination
from collab.models import Engagement
from roles.policy import Action, engagement_for, require


def _sprint_or_404(*, engagement: Engagement, pk: int) -> Sprint:
    return found_or_404(sprint_get(engagement=engagement, pk=pk), "sprint")


def _output(sprint: Sprint, *, engagement: Engagement, request: Request) -> dict:
    return SprintOutputSerializer(
        sprint, context={"request": request, "engagement": engagement}
    ).data


class SprintPagination(CursorPagination):
    # A sprint's creation time never changes; the id breaks ties.
    ordering = ("-created_at", "-pk")


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class SprintListApi(GenericAPIView):
    """The engagement's sprints, latest first."""

    queryset = Sprint.objects.none()
    pagination_class = SprintPagination
    serializer_class = SprintOutputSerializer
    filter_backends: list = []

    @extend_schema(responses=SprintOutputSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        page = self.paginate_queryset(sprint_list(engagement=engagement))
        return self.get_paginated_response(
            SprintOutputSerializer(
                page, many=True, context={"request": request, "engagement": engagement}
            ).data
        )

    @extend_schema(request=SprintCreateInputSerializer, responses={201: SprintOutputSerializer})
    def post(self, request: Request, slug: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.EDIT_VALUE, engagement)
        serializer = SprintCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor = acting_person(request.user)

        def create() -> Response:
            sprint = sprint_create(actor=actor, engagement=engagement, **serializer.validated_data)
            data = _output(sprint, engagement=engagement, request=request)
            return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})

        return idempotent_create(request, create)


@extend_schema(parameters=[ENGAGEMENT_SLUG, id_parameter("sprint")])
class SprintDetailApi(APIView):
    """One sprint: renamed, moved or given a new goal."""

    @extend_schema(responses=SprintOutputSerializer)
    def get(self, request: Request, slug: str, pk: int) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        sprint = _sprint_or_404(engagement=engagement, pk=pk)
        return Response(_output(sprint, engagement=engagement, request=request))

    @extend_schema(request=SprintUpdateInputSerializer, responses=SprintOutputSerializer)
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.EDIT_VALUE, engagement)
        sprint = _sprint_or_404(engagement=engagement, pk=pk)
        serializer = SprintUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sprint = sprint_update(
            actor=acting_person(request.user), sprint=sprint, data=serializer.validated_data
        )
        return Response(_output(sprint, engagement=engagement, request=request))
