"""Tickets through the API: the ranked, filtered list; one ticket with its score explained;
its workflow steps, pinned rank, client acceptance and history.

Each view authorises at the top through roles.policy (another engagement answers 404, a
forbidden action 403), finds the ticket inside the engagement, and calls one selector or
service. Writes to a ticket name the version they read (``If-Match``): 412 when stale.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from backlog.api.common import (
    TICKET_KEY,
    acting_person,
    refused,
    require_step_role,
    ticket_etag,
    ticket_or_404,
)
from backlog.api.pagination import TicketCursorPagination
from backlog.api.serializers import (
    HistoryEntryOutputSerializer,
    TicketAcceptanceInputSerializer,
    TicketAcceptanceOutputSerializer,
    TicketCreateInputSerializer,
    TicketDetailOutputSerializer,
    TicketListOutputSerializer,
    TicketPinInputSerializer,
    TicketTransitionInputSerializer,
    TicketUpdateInputSerializer,
    ticket_list_data,
)
from backlog.filters import TicketFilter
from backlog.models import Ticket
from backlog.selectors import (
    ticket_detail,
    ticket_detail_filed,
    ticket_history_list,
    ticket_label_names_fill,
    ticket_list,
    ticket_list_values,
)
from backlog.services import (
    Filed,
    StaleVersion,
    TransitionRefused,
    ticket_accept,
    ticket_file,
    ticket_pin_rank,
    ticket_reject_acceptance,
    ticket_transition,
    ticket_update,
    ticket_value_update,
)
from backlog.services.fields import VALUE_FIELDS
from collab.api.filtering import StrictFilterBackend
from collab.api.views import ENGAGEMENT_SLUG
from collab.common.etag import PreconditionFailed, check_if_match
from collab.common.idempotency import idempotent_create
from collab.common.pagination import CursorPagination
from collab.common.problems import PROBLEM_CONTENT_TYPE
from collab.common.renderers import OrjsonRenderer
from collab.models import Engagement
from roles.policy import Action, engagement_for, require

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag read from the ticket. Stale: 412.",
)
IF_MATCH_REQUIRED = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag read from the ticket. Missing: 428; stale: 412, nothing written.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Sent again with the same body: the first answer, nothing created twice.",
)
PROBLEM = OpenApiResponse(OpenApiTypes.OBJECT, description=PROBLEM_CONTENT_TYPE)


def detail_response(
    request: Request,
    *,
    engagement: Engagement,
    key: str = "",
    filed: Filed | None = None,
) -> Response:
    """The ticket as its detail endpoint shows it, with its ETag; for a ticket just ``filed``,
    201 with its Location, from what the filing holds."""
    if filed is not None:
        detail = ticket_detail_filed(
            ticket=filed.tickets[0],
            labels=filed.labels[0],
            settings=filed.settings,
            medians=filed.medians,
        )
        # A new ticket serves no objective yet (alignments live in the roadmap, above).
        detail.ticket._prefetched_objects_cache["alignments"] = detail.ticket.alignments.none()
    else:
        found = ticket_detail(engagement=engagement, key=key)
        if found is None:
            raise Http404("No ticket found.")
        detail = found
        # Alignments live in the roadmap, above the backlog: named by relation, never imported.
        prefetch_related_objects([detail.ticket], "alignments__objective")
    context = {"request": request, "engagement": engagement, "breakdown": detail.breakdown}
    data = TicketDetailOutputSerializer(detail.ticket, context=context).data
    headers = {"ETag": ticket_etag(detail.ticket)}
    if filed is None:
        return Response(data, headers=headers)
    headers["Location"] = data["url"]
    return Response(data, status=status.HTTP_201_CREATED, headers=headers)


class EngagementFilterBackend(StrictFilterBackend):
    """django-filter with the engagement of the URL handed to the FilterSet, whose choices
    (sprints, assignees, labels) are that engagement's own."""

    def get_filterset_kwargs(self, request: Request, queryset: Any, view: Any) -> dict:
        return {
            **super().get_filterset_kwargs(request, queryset, view),
            "engagement": view.engagement,
        }


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class TicketListApi(GenericAPIView):
    """The engagement's backlog, ranked (pinned rank, then score), filtered and sortable;
    members and write tokens file tickets here."""

    # Only for the schema's introspection: rows are read through the policy and a selector.
    queryset = Ticket.objects.none()
    filter_backends = [EngagementFilterBackend]
    filterset_class = TicketFilter
    pagination_class = TicketCursorPagination
    serializer_class = TicketListOutputSerializer
    renderer_classes = [OrjsonRenderer, *api_settings.DEFAULT_RENDERER_CLASSES[1:]]

    @extend_schema(responses=TicketListOutputSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        self.engagement = engagement = engagement_for(request.user, slug=slug)
        tickets = self.filter_queryset(ticket_list(engagement=engagement))
        page = ticket_label_names_fill(self.paginate_queryset(ticket_list_values(tickets)))
        return self.get_paginated_response(
            ticket_list_data(page, engagement=engagement, request=request)
        )

    @extend_schema(
        request=TicketCreateInputSerializer,
        responses={201: TicketDetailOutputSerializer, 422: PROBLEM},
        parameters=[IDEMPOTENCY_KEY],
        filters=False,
    )
    def post(self, request: Request, slug: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.FILE_TICKETS, engagement)
        serializer = TicketCreateInputSerializer(
            data=request.data, context={"engagement": engagement}
        )
        serializer.is_valid(raise_exception=True)
        actor = acting_person(request.user)

        def create() -> Response:
            filed = ticket_file(actor=actor, engagement=engagement, **serializer.validated_data)
            return detail_response(request, engagement=engagement, filed=filed)

        return idempotent_create(request, create)


@extend_schema(parameters=[ENGAGEMENT_SLUG, TICKET_KEY])
class TicketDetailApi(APIView):
    """One ticket with its score breakdown; edited under ``If-Match``."""

    @extend_schema(responses=TicketDetailOutputSerializer)
    def get(self, request: Request, slug: str, key: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        return detail_response(request, engagement=engagement, key=key)

    @extend_schema(
        request=TicketUpdateInputSerializer,
        responses={200: TicketDetailOutputSerializer, 412: PROBLEM, 428: PROBLEM},
        parameters=[IF_MATCH_REQUIRED],
    )
    def patch(self, request: Request, slug: str, key: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.FILE_TICKETS, engagement)
        ticket = ticket_or_404(engagement=engagement, key=key)
        check_if_match(request, current=ticket_etag(ticket), required=True)
        serializer = TicketUpdateInputSerializer(
            data=request.data, context={"engagement": engagement}
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        values = {name: data.pop(name) for name in VALUE_FIELDS if name in data}
        if values:
            require(request.user, Action.EDIT_VALUE, engagement)
        actor = acting_person(request.user)
        try:
            # Both halves or neither: each service bumps the version the next one expects.
            with transaction.atomic():
                if data:
                    ticket_update(
                        actor=actor, ticket=ticket, data=data, expected_version=ticket.version
                    )
                if values:
                    ticket_value_update(
                        actor=actor, ticket=ticket, data=values, expected_version=ticket.version
                    )
        except StaleVersion:
            raise PreconditionFailed() from None
        return detail_response(request, engagement=engagement, key=key)


@extend_schema(parameters=[ENGAGEMENT_SLUG, TICKET_KEY, IF_MATCH])
class TicketTransitionApi(APIView):
    """One step of the workflow; refused by a guard: 409 with every reason. A retry with the
    same ``Idempotency-Key`` (an answer lost after the move committed) replays the first
    answer instead of a 409 or a 412."""

    @extend_schema(
        request=TicketTransitionInputSerializer,
        responses={200: TicketDetailOutputSerializer, 409: PROBLEM, 412: PROBLEM},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request: Request, slug: str, key: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.FILE_TICKETS, engagement)
        serializer = TicketTransitionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        to = serializer.validated_data["to"]

        def move() -> Response:
            # Inside the key's claim: a replayed move never meets its own If-Match or guards.
            ticket = ticket_or_404(engagement=engagement, key=key)
            check_if_match(request, current=ticket_etag(ticket), required=False)
            require_step_role(request.user, engagement, ticket, to)
            try:
                ticket_transition(
                    actor=acting_person(request.user),
                    ticket=ticket,
                    to_status=to,
                    expected_version=ticket.version,
                    reason=serializer.validated_data["reason"],
                )
            except TransitionRefused as refusal:
                return refused(request, refusal.reasons)
            except StaleVersion:
                raise PreconditionFailed() from None
            return detail_response(request, engagement=engagement, key=key)

        return idempotent_create(request, move)


@extend_schema(parameters=[ENGAGEMENT_SLUG, TICKET_KEY, IF_MATCH])
class TicketPinApi(APIView):
    """Pin the ticket at a rank, or unpin it with null: the director's decision."""

    @extend_schema(
        request=TicketPinInputSerializer,
        responses={200: TicketDetailOutputSerializer, 412: PROBLEM},
    )
    def post(self, request: Request, slug: str, key: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.APPROVE_PRIORITIES, engagement)
        ticket = ticket_or_404(engagement=engagement, key=key)
        check_if_match(request, current=ticket_etag(ticket), required=False)
        serializer = TicketPinInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            ticket_pin_rank(
                actor=request.user,
                ticket=ticket,
                rank=serializer.validated_data["rank"],
                expected_version=ticket.version,
            )
        except StaleVersion:
            raise PreconditionFailed() from None
        return detail_response(request, engagement=engagement, key=key)


@extend_schema(parameters=[ENGAGEMENT_SLUG, TICKET_KEY])
class TicketAcceptanceApi(APIView):
    """The client accepts a ticket in QA, or rejects it with a reason (back to in progress)."""

    @extend_schema(
        request=TicketAcceptanceInputSerializer,
        responses={201: TicketAcceptanceOutputSerializer, 409: PROBLEM},
    )
    def post(self, request: Request, slug: str, key: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.FILE_TICKETS, engagement)
        ticket = ticket_or_404(engagement=engagement, key=key)
        serializer = TicketAcceptanceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The service refuses (403) anyone but a client person in force: never a token.
        try:
            if serializer.validated_data["accepted"]:
                acceptance = ticket_accept(actor=request.user, ticket=ticket)
            else:
                acceptance = ticket_reject_acceptance(
                    actor=request.user, ticket=ticket, reason=serializer.validated_data["reason"]
                )
        except TransitionRefused as refusal:
            return refused(request, refusal.reasons)
        return Response(
            TicketAcceptanceOutputSerializer(acceptance).data, status=status.HTTP_201_CREATED
        )


class HistoryPagination(CursorPagination):
    # Entries are only ever appended: their time (then id) is a stable position.
    ordering = ("at", "pk")


@extend_schema(parameters=[ENGAGEMENT_SLUG, TICKET_KEY])
class TicketHistoryApi(GenericAPIView):
    """The ticket's timeline: every change to status, value figures, rank, assignee, sprint."""

    queryset = Ticket.objects.none()
    pagination_class = HistoryPagination
    serializer_class = HistoryEntryOutputSerializer
    filter_backends: list = []

    @extend_schema(responses=HistoryEntryOutputSerializer(many=True))
    def get(self, request: Request, slug: str, key: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        ticket = ticket_or_404(engagement=engagement, key=key)
        page = self.paginate_queryset(ticket_history_list(ticket=ticket))
        return self.get_paginated_response(HistoryEntryOutputSerializer(page, many=True).data)
