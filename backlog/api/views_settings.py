"""The engagement's backlog settings through the API: read by every member and token, changed
only by a person who configures the backlog (the director, the agency admin), never by a
token, and only over the version read (``If-Match``: 412 when stale)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backlog.api.serializers_settings import (
    BacklogSettingsOutputSerializer,
    BacklogSettingsUpdateInputSerializer,
    RankingJobOutputSerializer,
)
from backlog.selectors import BacklogSettings, backlog_settings_get, ranking_job_get
from backlog.services import StaleSettings, backlog_settings_update
from collab.api.views import ENGAGEMENT_SLUG
from collab.common.etag import PreconditionFailed, check_if_match, weak_etag
from collab.common.problems import PROBLEM_CONTENT_TYPE
from roles.policy import Action, engagement_for, require

IF_MATCH_REQUIRED = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag read from the settings. Missing: 428; stale: 412, nothing written.",
)
PROBLEM = OpenApiResponse(OpenApiTypes.OBJECT, description=PROBLEM_CONTENT_TYPE)


def settings_etag(settings: BacklogSettings) -> str:
    """The settings' entity tag: it changes with any setting, routing included."""
    return weak_etag(f"backlog-settings-{settings.fingerprint}")


def _response(settings: BacklogSettings) -> Response:
    return Response(
        BacklogSettingsOutputSerializer(settings).data, headers={"ETag": settings_etag(settings)}
    )


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class BacklogSettingsApi(APIView):
    """How the engagement ranks its backlog (scoring model and weights), its workflow rules and
    which agency role receives each kind of new ticket."""

    @extend_schema(responses=BacklogSettingsOutputSerializer)
    def get(self, request: Request, slug: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.VIEW, engagement)
        return _response(backlog_settings_get(engagement=engagement))

    @extend_schema(
        request=BacklogSettingsUpdateInputSerializer,
        responses={
            200: BacklogSettingsOutputSerializer,
            400: PROBLEM,
            403: PROBLEM,
            412: PROBLEM,
            428: PROBLEM,
        },
        parameters=[IF_MATCH_REQUIRED],
    )
    def patch(self, request: Request, slug: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.CONFIGURE_BACKLOG, engagement)
        current = backlog_settings_get(engagement=engagement)
        check_if_match(request, current=settings_etag(current), required=True)
        serializer = BacklogSettingsUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        scoring, routing = serializer.service_arguments()
        try:
            saved = backlog_settings_update(
                engagement=engagement,
                scoring=scoring,
                routing=routing,
                expected_fingerprint=current.fingerprint,
                actor=request.user,
            )
        except StaleSettings:
            raise PreconditionFailed() from None
        return _response(saved)


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class RankingJobApi(APIView):
    """The recomputation of the engagement's ranking, when a change was too big for the request:
    its state and progress (poll it; the ranked list answers meanwhile, with the scores before
    the change)."""

    @extend_schema(responses=RankingJobOutputSerializer)
    def get(self, request: Request, slug: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.VIEW, engagement)
        return Response(RankingJobOutputSerializer.of(ranking_job_get(engagement=engagement)))
