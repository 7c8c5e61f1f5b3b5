"""The API's root, schema and docs, the signed-in principal (me) and engagements.

Each view authorises at the top through roles.policy (a foreign engagement answers 404, a
forbidden action 403), parses with an input serializer, calls one selector or service and
answers with an output serializer.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from collab.api.serializers import (
    EngagementCreateInputSerializer,
    EngagementOutputSerializer,
    EngagementUpdateInputSerializer,
    PersonMeOutputSerializer,
    PersonUpdateInputSerializer,
    TokenMeOutputSerializer,
)
from collab.common.pagination import CursorPagination
from collab.filters import EngagementFilter
from collab.models import ApiToken, Engagement, User
from collab.selectors import engagement_list
from collab.services import person_update
from roles.engagements import engagement_open, engagement_settings_update
from roles.policy import (
    Action,
    can_create_engagements,
    engagement_for,
    engagements_visible_to,
    require,
)
from roles.selectors import person_engagement_roles

ENGAGEMENT_SLUG = OpenApiParameter(
    "slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="The engagement's slug."
)


class ApiRootApi(APIView):
    """Links to every resource; public, since it reveals no tenant data."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return Response(
            {
                "me": reverse("api-me", request=request),
                "engagements": reverse("api-engagement-list", request=request),
                "schema": reverse("api-schema", request=request),
                "docs": reverse("api-docs", request=request),
            }
        )


class SchemaApi(SpectacularAPIView):
    """The OpenAPI 3 schema; public, since it describes the API and holds no tenant data."""

    permission_classes = [AllowAny]


class DocsApi(SpectacularSwaggerSplitView):
    """Swagger UI served from the sidecar's static files (no internet). The split view loads
    its init script from a second URL, so the page runs under a CSP without inline scripts."""

    permission_classes = [AllowAny]
    url_name = "api-schema"


# --- Me ---------------------------------------------------------------------------------------


def _person_payload(person: User, request: Request) -> dict:
    memberships = person_engagement_roles(person=person)
    return PersonMeOutputSerializer(
        person, context={"request": request, "memberships": memberships}
    ).data


class MeApi(APIView):
    """The signed-in person and their engagements, or the calling token's own description."""

    @extend_schema(
        responses=PolymorphicProxySerializer(
            component_name="Me",
            serializers=[PersonMeOutputSerializer, TokenMeOutputSerializer],
            resource_type_field_name="kind",
        )
    )
    def get(self, request: Request) -> Response:
        if isinstance(request.user, ApiToken):
            return Response(TokenMeOutputSerializer(request.user).data)
        return Response(_person_payload(request.user, request))

    @extend_schema(request=PersonUpdateInputSerializer, responses=PersonMeOutputSerializer)
    def patch(self, request: Request) -> Response:
        if isinstance(request.user, ApiToken):
            raise PermissionDenied(_("An API token has no personal profile to change."))
        serializer = PersonUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        person = person_update(person=request.user, data=serializer.validated_data)
        return Response(_person_payload(person, request))


# --- Engagements ------------------------------------------------------------------------------


class EngagementPagination(CursorPagination):
    # The slug is unique and never changes: a stable cursor position.
    ordering = "slug"


class EngagementListApi(GenericAPIView):
    """Engagements the principal may see; an agency admin opens new ones here."""

    # Only for the schema's introspection: rows are read through the policy and a selector.
    queryset = Engagement.objects.none()
    filterset_class = EngagementFilter
    pagination_class = EngagementPagination
    serializer_class = EngagementOutputSerializer

    @extend_schema(responses=EngagementOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        engagements = self.filter_queryset(
            engagement_list(visible=engagements_visible_to(request.user))
        )
        page = self.paginate_queryset(engagements)
        serializer = EngagementOutputSerializer(page, many=True, context={"request": request})
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        request=EngagementCreateInputSerializer,
        responses={201: EngagementOutputSerializer},
        filters=False,
    )
    def post(self, request: Request) -> Response:
        if not can_create_engagements(request.user):
            raise PermissionDenied(_("Only an agency admin can open an engagement."))
        serializer = EngagementCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        engagement = engagement_open(actor=request.user, **serializer.validated_data)
        data = EngagementOutputSerializer(engagement, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class EngagementDetailApi(APIView):
    """One engagement; its settings change with the right to manage the team."""

    @extend_schema(responses=EngagementOutputSerializer)
    def get(self, request: Request, slug: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        return Response(EngagementOutputSerializer(engagement, context={"request": request}).data)

    @extend_schema(request=EngagementUpdateInputSerializer, responses=EngagementOutputSerializer)
    def patch(self, request: Request, slug: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.MANAGE_TEAM, engagement)
        serializer = EngagementUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        engagement = engagement_settings_update(
            engagement=engagement, data=serializer.validated_data
        )
        return Response(EngagementOutputSerializer(engagement, context={"request": request}).data)
