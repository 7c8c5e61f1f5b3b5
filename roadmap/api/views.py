"""Strategic objectives, tickets' alignment with them, roadmap items and the roadmap board,
through the API.

Objectives are read by every member; they are written, and tickets aligned with them, by whoever
may edit value figures (Action.EDIT_VALUE: the director and the consultant who prepare the
roadmap together, the project manager, the analyst, agency admins, write tokens). Approving
priorities stays the director's alone and is not what an objective's wording is. Roadmap
items follow the same rule: read by every member, written by whoever edits value figures.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backlog.api.common import TICKET_KEY, acting_person, id_parameter, ticket_or_404
from collab.api.views import ENGAGEMENT_SLUG
from collab.common.idempotency import idempotent_create
from collab.common.lookup import found_or_404
from collab.common.pagination import CursorPagination
from collab.models import Engagement
from roadmap.api.serializers import (
    AlignmentInputSerializer,
    BoardQueryInputSerializer,
    ObjectiveCreateInputSerializer,
    ObjectiveOutputSerializer,
    ObjectiveUpdateInputSerializer,
    RoadmapBoardOutputSerializer,
    RoadmapItemCreateInputSerializer,
    RoadmapItemOutputSerializer,
    RoadmapItemUpdateInputSerializer,
    TicketAlignmentOutputSerializer,
)
from roadmap.models import Lane, RoadmapItem, RoadmapItemStatus, StrategicObjective
from roadmap.quarters import Quarter
from roadmap.selectors import (
    default_board_quarters,
    objective_get,
    objective_list,
    roadmap_board,
    roadmap_item_list,
)
from roadmap.services import (
    alignment_set,
    objective_create,
    objective_update,
    roadmap_item_create,
    roadmap_item_delete,
    roadmap_item_update,
)
from roles.policy import Action, engagement_for, require


def _objective_or_404(*, engagement: Engagement, pk: int) -> StrategicObjective:
    return found_or_404(objective_get(engagement=engagement, pk=pk), "objective")


def _output(objective: StrategicObjective, *, engagement: Engagement, request: Request) -> dict:
    context = {"request": request, "engagement": engagement}
    return ObjectiveOutputSerializer(objective, context=context).data


class ObjectivePagination(CursorPagination):
    # Positions change when objectives are reordered; the creation time never does.
    ordering = ("created_at", "pk")


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class ObjectiveListApi(GenericAPIView):
    """The client's strategic objectives."""

    queryset = StrategicObjective.objects.none()
    pagination_class = ObjectivePagination
    serializer_class = ObjectiveOutputSerializer
    filter_backends: list = []

    @extend_schema(responses=ObjectiveOutputSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        page = self.paginate_queryset(objective_list(engagement=engagement))
        context = {"request": request, "engagement": engagement}
        return self.get_paginated_response(
            ObjectiveOutputSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        request=ObjectiveCreateInputSerializer, responses={201: ObjectiveOutputSerializer}
    )
    def post(self, request: Request, slug: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.EDIT_VALUE, engagement)
        serializer = ObjectiveCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        def create() -> Response:
            objective = objective_create(engagement=engagement, **serializer.validated_data)
            data = _output(objective, engagement=engagement, request=request)
            return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})

        return idempotent_create(request, create)


@extend_schema(parameters=[ENGAGEMENT_SLUG, id_parameter("objective")])
class ObjectiveDetailApi(APIView):
    """One objective; a new weight is carried into the score of every aligned ticket."""

    @extend_schema(responses=ObjectiveOutputSerializer)
    def get(self, request: Request, slug: str, pk: int) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        objective = _objective_or_404(engagement=engagement, pk=pk)
        return Response(_output(objective, engagement=engagement, request=request))

    @extend_schema(request=ObjectiveUpdateInputSerializer, responses=ObjectiveOutputSerializer)
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.EDIT_VALUE, engagement)
        objective = _objective_or_404(engagement=engagement, pk=pk)
        serializer = ObjectiveUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        objective = objective_update(
            actor=acting_person(request.user), objective=objective, data=serializer.validated_data
        )
        return Response(_output(objective, engagement=engagement, request=request))


@extend_schema(parameters=[ENGAGEMENT_SLUG, TICKET_KEY, id_parameter("objective")])
class TicketAlignmentApi(APIView):
    """How much a ticket serves one objective (none, supports, key); the ticket's score
    follows at once."""

    @extend_schema(request=AlignmentInputSerializer, responses=TicketAlignmentOutputSerializer)
    def put(self, request: Request, slug: str, key: str, pk: int) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.EDIT_VALUE, engagement)
        ticket = ticket_or_404(engagement=engagement, key=key)
        objective = _objective_or_404(engagement=engagement, pk=pk)
        serializer = AlignmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        alignment = alignment_set(
            actor=acting_person(request.user),
            ticket=ticket,
            objective=objective,
            level=serializer.validated_data["level"],
        )
        return Response(TicketAlignmentOutputSerializer(alignment).data)


# --- Roadmap items ------------------------------------------------------------------------------

ITEM_FILTERS = [
    OpenApiParameter("quarter", OpenApiTypes.STR, description="Only items of this quarter."),
    OpenApiParameter("lane", OpenApiTypes.STR, enum=Lane.values, description="Only this lane."),
    OpenApiParameter("status", OpenApiTypes.STR, enum=RoadmapItemStatus.values),
]


def _item_or_404(*, engagement: Engagement, pk: int) -> RoadmapItem:
    return found_or_404(
        roadmap_item_list(engagement=engagement, with_ticket_numbers=True).filter(pk=pk).first(),
        "roadmap item",
    )


def _item_output(item: RoadmapItem, *, engagement: Engagement, request: Request) -> dict:
    # Re-read with the sums of its tickets, as the list shows them.
    item = roadmap_item_list(engagement=engagement, with_ticket_numbers=True).get(pk=item.pk)
    context = {"request": request, "engagement": engagement}
    return RoadmapItemOutputSerializer(item, context=context).data


class RoadmapItemPagination(CursorPagination):
    # Quarters and positions change as items move; the creation time never does.
    ordering = ("created_at", "pk")


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class RoadmapItemListApi(GenericAPIView):
    """The engagement's roadmap items with the value and effort summed from their tickets."""

    queryset = RoadmapItem.objects.none()
    pagination_class = RoadmapItemPagination
    serializer_class = RoadmapItemOutputSerializer
    filter_backends: list = []

    @extend_schema(parameters=ITEM_FILTERS, responses=RoadmapItemOutputSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        filters = {
            name: request.query_params[name]
            for name in ("quarter", "lane", "status")
            if name in request.query_params
        }
        items = roadmap_item_list(engagement=engagement, filters=filters, with_ticket_numbers=True)
        page = self.paginate_queryset(items)
        context = {"request": request, "engagement": engagement}
        return self.get_paginated_response(
            RoadmapItemOutputSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        request=RoadmapItemCreateInputSerializer, responses={201: RoadmapItemOutputSerializer}
    )
    def post(self, request: Request, slug: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.EDIT_VALUE, engagement)
        serializer = RoadmapItemCreateInputSerializer(
            data=request.data, context={"engagement": engagement}
        )
        serializer.is_valid(raise_exception=True)

        def create() -> Response:
            item = roadmap_item_create(engagement=engagement, **serializer.validated_data)
            data = _item_output(item, engagement=engagement, request=request)
            return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})

        return idempotent_create(request, create)


@extend_schema(parameters=[ENGAGEMENT_SLUG, id_parameter("roadmap item")])
class RoadmapItemDetailApi(APIView):
    """One roadmap item: read it, change it (moving it to another quarter or lane too), or
    remove it from the roadmap."""

    @extend_schema(responses=RoadmapItemOutputSerializer)
    def get(self, request: Request, slug: str, pk: int) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        item = _item_or_404(engagement=engagement, pk=pk)
        context = {"request": request, "engagement": engagement}
        return Response(RoadmapItemOutputSerializer(item, context=context).data)

    @extend_schema(request=RoadmapItemUpdateInputSerializer, responses=RoadmapItemOutputSerializer)
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.EDIT_VALUE, engagement)
        item = _item_or_404(engagement=engagement, pk=pk)
        serializer = RoadmapItemUpdateInputSerializer(
            data=request.data, context={"engagement": engagement}
        )
        serializer.is_valid(raise_exception=True)
        item = roadmap_item_update(item=item, data=serializer.validated_data)
        return Response(_item_output(item, engagement=engagement, request=request))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.EDIT_VALUE, engagement)
        item = _item_or_404(engagement=engagement, pk=pk)
        roadmap_item_delete(item=item)
        return Response(status=status.HTTP_204_NO_CONTENT)


BOARD_PARAMETERS = [
    OpenApiParameter(
        "start",
        {"type": "string", "pattern": r"^\d{4}-Q[1-4]$"},
        description="The first quarter shown (2027-Q1); by default the previous quarter.",
    ),
    OpenApiParameter(
        "count",
        {"type": "integer", "minimum": 1, "maximum": 12, "default": 6},
        description="How many quarters (1 to 12, 6 by default).",
    ),
]


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class RoadmapBoardApi(APIView):
    """The roadmap by quarter and by lane: each column's items and the sums of their tickets'
    value and effort (a ticket counts once per column; dropped items and rejected tickets do
    not count), and for quarters the agency's capacity and whether it is exceeded."""

    @extend_schema(parameters=BOARD_PARAMETERS, responses=RoadmapBoardOutputSerializer)
    def get(self, request: Request, slug: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        query = BoardQueryInputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        current = Quarter.current()
        first = query.validated_data.get("start") or default_board_quarters(current=current)[0]
        quarters = [first + offset for offset in range(query.validated_data["count"])]
        board = roadmap_board(
            engagement=engagement, quarters=quarters, current=current, with_ticket_numbers=True
        )
        context = {"request": request, "engagement": engagement}
        return Response(RoadmapBoardOutputSerializer(board, context=context).data)
