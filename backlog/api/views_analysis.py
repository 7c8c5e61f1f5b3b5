"""What hangs off a ticket through the API: acceptance criteria, QA verdicts, comments, the
client stakeholders' scores, the client's answer to an agency initiative and the director's
exception to the separation of duties. Each is reached through its ticket, inside the
engagement of the URL (404 otherwise); creations honour ``Idempotency-Key``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backlog.api.common import TICKET_KEY, acting_person, id_parameter, refused, ticket_or_404
from backlog.api.serializers import (
    CommentInputSerializer,
    CommentOutputSerializer,
    CriterionCreateInputSerializer,
    CriterionOutputSerializer,
    CriterionUpdateInputSerializer,
    InitiativeAnswerInputSerializer,
    InitiativeAnswerOutputSerializer,
    QAExceptionInputSerializer,
    QAExceptionOutputSerializer,
    QAVerdictInputSerializer,
    QAVerdictOutputSerializer,
    StakeholderScoreInputSerializer,
    StakeholderScoreOutputSerializer,
)
from backlog.models import AcceptanceCriterion, Ticket
from backlog.selectors import (
    comment_list,
    criterion_get,
    criterion_list,
    qa_verdict_list,
    stakeholder_score_list,
)
from backlog.services import (
    comment_add,
    criterion_add,
    criterion_delete,
    criterion_update,
    initiative_answer,
    qa_exception_grant,
    qa_verdict_record,
    stakeholder_score_set,
)
from collab.api.views import ENGAGEMENT_SLUG
from collab.common.idempotency import idempotent_create
from collab.common.lookup import found_or_404
from collab.common.pagination import CursorPagination
from collab.models import Engagement
from roles.models import CLIENT_ROLES, Role
from roles.policy import Action, engagement_for, require, roles_of


def _criterion_context(request: Request, engagement: Engagement, ticket: Ticket) -> dict:
    return {"request": request, "engagement": engagement, "ticket": ticket}


def _criterion_or_404(*, ticket: Ticket, pk: int) -> AcceptanceCriterion:
    return found_or_404(criterion_get(ticket=ticket, pk=pk), "acceptance criterion")


class CriterionPagination(CursorPagination):
    ordering = ("order", "pk")


class CommentPagination(CursorPagination):
    ordering = ("created_at", "pk")


class VerdictPagination(CursorPagination):
    ordering = ("-recorded_at", "-pk")


class ScorePagination(CursorPagination):
    ordering = ("pk",)


class _TicketPartListApi(GenericAPIView):
    # Only for the schema's introspection: rows are read through the policy and a selector.
    queryset = Ticket.objects.none()
    filter_backends: list = []


@extend_schema(parameters=[ENGAGEMENT_SLUG, TICKET_KEY])
class CriterionListApi(_TicketPartListApi):
    """The ticket's acceptance criteria in order; the analysts (whoever edits value) add them."""

    pagination_class = CriterionPagination
    serializer_class = CriterionOutputSerializer

    @extend_schema(responses=CriterionOutputSerializer(many=True))
    def get(self, request: Request, slug: str, key: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        ticket = ticket_or_404(engagement=engagement, key=key)
        page = self.paginate_queryset(criterion_list(ticket=ticket).select_related("author"))
        context = _criterion_context(request, engagement, ticket)
        return self.get_paginated_response(
            CriterionOutputSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        request=CriterionCreateInputSerializer, responses={201: CriterionOutputSerializer}
    )
    def post(self, request: Request, slug: str, key: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.EDIT_VALUE, engagement)
        ticket = ticket_or_404(engagement=engagement, key=key)
        serializer = CriterionCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor = acting_person(request.user)

        def create() -> Response:
            criterion = criterion_add(actor=actor, ticket=ticket, **serializer.validated_data)
            context = _criterion_context(request, engagement, ticket)
            data = CriterionOutputSerializer(criterion, context=context).data
            return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})

        return idempotent_create(request, create)


@extend_schema(parameters=[ENGAGEMENT_SLUG, TICKET_KEY, id_parameter("criterion")])
class CriterionDetailApi(APIView):
    """One criterion of the ticket: reworded or reordered (its writer becomes its author), or
    removed."""

    @extend_schema(responses=CriterionOutputSerializer)
    def get(self, request: Request, slug: str, key: str, pk: int) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        ticket = ticket_or_404(engagement=engagement, key=key)
        criterion = _criterion_or_404(ticket=ticket, pk=pk)
        context = _criterion_context(request, engagement, ticket)
        return Response(CriterionOutputSerializer(criterion, context=context).data)

    @extend_schema(request=CriterionUpdateInputSerializer, responses=CriterionOutputSerializer)
    def patch(self, request: Request, slug: str, key: str, pk: int) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.EDIT_VALUE, engagement)
        ticket = ticket_or_404(engagement=engagement, key=key)
        criterion = _criterion_or_404(ticket=ticket, pk=pk)
        serializer = CriterionUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        criterion = criterion_update(
            actor=acting_person(request.user),
            criterion=criterion,
            data=serializer.validated_data,
        )
        context = _criterion_context(request, engagement, ticket)
        return Response(CriterionOutputSerializer(criterion, context=context).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, slug: str, key: str, pk: int) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.EDIT_VALUE, engagement)
        ticket = ticket_or_404(engagement=engagement, key=key)
        criterion = _criterion_or_404(ticket=ticket, pk=pk)
        criterion_delete(actor=acting_person(request.user), criterion=criterion)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[ENGAGEMENT_SLUG, TICKET_KEY])
class QAVerdictListApi(_TicketPartListApi):
    """The ticket's QA verdicts, latest first; a tester records one while the ticket is in QA."""

    pagination_class = VerdictPagination
    serializer_class = QAVerdictOutputSerializer

    @extend_schema(responses=QAVerdictOutputSerializer(many=True))
    def get(self, request: Request, slug: str, key: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        ticket = ticket_or_404(engagement=engagement, key=key)
        page = self.paginate_queryset(qa_verdict_list(ticket=ticket))
        return self.get_paginated_response(QAVerdictOutputSerializer(page, many=True).data)

    @extend_schema(request=QAVerdictInputSerializer, responses={201: QAVerdictOutputSerializer})
    def post(self, request: Request, slug: str, key: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.RECORD_QA, engagement)
        ticket = ticket_or_404(engagement=engagement, key=key)
        serializer = QAVerdictInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        actor = acting_person(request.user)

        def create() -> Response:
            verdict = qa_verdict_record(
                actor=actor,
                ticket=ticket,
                passed=data["passed"],
                notes=data["notes"],
                results={result["criterion"]: result["passed"] for result in data["results"]},
            )
            verdict = qa_verdict_list(ticket=ticket).get(pk=verdict.pk)
            return Response(QAVerdictOutputSerializer(verdict).data, status=status.HTTP_201_CREATED)

        return idempotent_create(request, create)


@extend_schema(parameters=[ENGAGEMENT_SLUG, TICKET_KEY])
class CommentListApi(_TicketPartListApi):
    """The ticket's comments, oldest first (Markdown, also rendered sanitized)."""

    pagination_class = CommentPagination
    serializer_class = CommentOutputSerializer

    @extend_schema(responses=CommentOutputSerializer(many=True))
    def get(self, request: Request, slug: str, key: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        ticket = ticket_or_404(engagement=engagement, key=key)
        page = self.paginate_queryset(comment_list(ticket=ticket))
        return self.get_paginated_response(CommentOutputSerializer(page, many=True).data)

    @extend_schema(request=CommentInputSerializer, responses={201: CommentOutputSerializer})
    def post(self, request: Request, slug: str, key: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.FILE_TICKETS, engagement)
        ticket = ticket_or_404(engagement=engagement, key=key)
        serializer = CommentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor = acting_person(request.user)

        def create() -> Response:
            comment = comment_add(
                actor=actor, ticket=ticket, body=serializer.validated_data["body"]
            )
            return Response(CommentOutputSerializer(comment).data, status=status.HTTP_201_CREATED)

        return idempotent_create(request, create)


@extend_schema(parameters=[ENGAGEMENT_SLUG, TICKET_KEY])
class StakeholderScoreListApi(_TicketPartListApi):
    """The client people's own 1-5 value scores; each gives or changes theirs (POST or PUT).
    A spread of 2 or more flags the ticket as needing alignment."""

    pagination_class = ScorePagination
    serializer_class = StakeholderScoreOutputSerializer

    @extend_schema(responses=StakeholderScoreOutputSerializer(many=True))
    def get(self, request: Request, slug: str, key: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        ticket = ticket_or_404(engagement=engagement, key=key)
        page = self.paginate_queryset(stakeholder_score_list(ticket=ticket))
        return self.get_paginated_response(StakeholderScoreOutputSerializer(page, many=True).data)

    @extend_schema(
        request=StakeholderScoreInputSerializer, responses=StakeholderScoreOutputSerializer
    )
    def post(self, request: Request, slug: str, key: str) -> Response:
        return self._set(request, slug, key)

    @extend_schema(
        request=StakeholderScoreInputSerializer, responses=StakeholderScoreOutputSerializer
    )
    def put(self, request: Request, slug: str, key: str) -> Response:
        return self._set(request, slug, key)

    def _set(self, request: Request, slug: str, key: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.FILE_TICKETS, engagement)
        ticket = ticket_or_404(engagement=engagement, key=key)
        serializer = StakeholderScoreInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The service refuses (403) anyone but a client person: a token never scores.
        row = stakeholder_score_set(actor=request.user, ticket=ticket, **serializer.validated_data)
        return Response(StakeholderScoreOutputSerializer(row).data)


@extend_schema(parameters=[ENGAGEMENT_SLUG, TICKET_KEY])
class InitiativeAnswerApi(APIView):
    """A client person (the director or a stakeholder) accepts or declines an agency
    initiative; only that answer counts in the proactivity indicator. A later answer replaces
    the earlier one; both stay in the ticket's history. Never a token, never the agency."""

    @extend_schema(
        request=InitiativeAnswerInputSerializer, responses=InitiativeAnswerOutputSerializer
    )
    def post(self, request: Request, slug: str, key: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        # Only a client person in force answers: never the agency, never a token (403).
        if not roles_of(request.user, engagement) & CLIENT_ROLES:
            raise PermissionDenied(_("Only the client's director or stakeholders can do this."))
        ticket = ticket_or_404(engagement=engagement, key=key)
        serializer = InitiativeAnswerInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = initiative_answer(actor=request.user, ticket=ticket, **serializer.validated_data)
        return Response(InitiativeAnswerOutputSerializer(ticket).data)


@extend_schema(parameters=[ENGAGEMENT_SLUG, TICKET_KEY])
class QAExceptionApi(APIView):
    """The client's director (only) lets a tester who is the ticket's assignee or an author of
    its criteria give its QA verdict, for this ticket only, saying why; once per ticket."""

    @extend_schema(
        request=QAExceptionInputSerializer,
        responses={
            201: QAExceptionOutputSerializer,
            409: OpenApiResponse(OpenApiTypes.OBJECT, description="application/problem+json"),
        },
    )
    def post(self, request: Request, slug: str, key: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        if Role.DIRECTOR not in roles_of(request.user, engagement):
            raise PermissionDenied(
                _("Only the client's director may grant an exception to the separation of duties.")
            )
        ticket = ticket_or_404(engagement=engagement, key=key)
        serializer = QAExceptionInputSerializer(
            data=request.data, context={"engagement": engagement}
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data

        def create() -> Response:
            try:
                exception = qa_exception_grant(
                    actor=request.user, ticket=ticket, person=data["person"], reason=data["reason"]
                )
            except ValidationError as error:
                # The ticket's state refuses (closed, or an exception already granted): 409.
                if hasattr(error, "error_dict") and set(error.error_dict) == {"ticket"}:
                    return refused(request, error.messages)
                raise
            exception.ticket = ticket
            return Response(
                QAExceptionOutputSerializer(exception).data, status=status.HTTP_201_CREATED
            )

        return idempotent_create(request, create)
