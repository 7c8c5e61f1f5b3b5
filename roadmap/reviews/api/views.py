"""The roadmap reviews through the API: read by every member and token of the engagement;
decisions by the people running the review; sign-off by the director only (409 with the
reasons when the review cannot be signed off); a snapshot never changes (409)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backlog.api.common import id_parameter
from backlog.selectors import ticket_get
from collab.api.views import ENGAGEMENT_SLUG
from collab.common.lookup import found_or_404
from collab.common.pagination import CursorPagination
from collab.common.problems import problem_response
from collab.models import Engagement
from roadmap.reviews import selectors, services
from roadmap.reviews.access import REVIEW_EDITORS, require_held
from roadmap.reviews.api.serializers import (
    DecisionInputSerializer,
    DecisionOutputSerializer,
    ReviewOutputSerializer,
    SnapshotOutputSerializer,
)
from roadmap.reviews.diff import snapshot_diff
from roadmap.reviews.models import Review, ReviewSnapshot
from roadmap.reviews.pack import pack_for_viewer
from roles.policy import Action, can_see_realised_cost, engagement_for, require

REVIEW_ID = id_parameter("review")
AGAINST = OpenApiParameter(
    "against",
    OpenApiTypes.INT,
    OpenApiParameter.QUERY,
    description="The id of the other (signed-off) review; by default the previous snapshot.",
)


def _engagement(request: Request, slug: str) -> Engagement:
    engagement = engagement_for(request.user, slug=slug)
    require(request.user, Action.VIEW, engagement)
    return engagement


def _review_or_404(engagement: Engagement, pk: int) -> Review:
    return found_or_404(selectors.review_get(engagement=engagement, pk=pk), "review")


def _snapshot_or_404(review: Review) -> ReviewSnapshot:
    return found_or_404(selectors.snapshot_of(review=review), "snapshot")


def _refused(request: Request, reasons: list[str], type_: str) -> Response:
    response = problem_response(
        status_code=status.HTTP_409_CONFLICT,
        title="Conflict",
        detail=" ".join(reasons),
        type_=type_,
        instance=request.get_full_path(),
    )
    response.data["reasons"] = [str(reason) for reason in reasons]
    return response


def _context(request: Request, engagement: Engagement) -> dict:
    overdue = set(selectors.review_overdue(engagement=engagement).values_list("pk", flat=True))
    return {"request": request, "engagement": engagement, "overdue_ids": overdue}


class ReviewPagination(CursorPagination):
    ordering = ("-period_end", "-pk")


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class ReviewListApi(GenericAPIView):
    """The engagement's reviews, latest first."""

    queryset = Review.objects.none()
    pagination_class = ReviewPagination
    serializer_class = ReviewOutputSerializer
    filter_backends: list = []

    @extend_schema(
        operation_id="engagements_reviews_list", responses=ReviewOutputSerializer(many=True)
    )
    def get(self, request: Request, slug: str) -> Response:
        engagement = _engagement(request, slug)
        page = self.paginate_queryset(selectors.review_list(engagement=engagement))
        return self.get_paginated_response(
            ReviewOutputSerializer(page, many=True, context=_context(request, engagement)).data
        )


@extend_schema(parameters=[ENGAGEMENT_SLUG, REVIEW_ID])
class ReviewDetailApi(APIView):
    """One review."""

    @extend_schema(responses=ReviewOutputSerializer)
    def get(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _engagement(request, slug)
        review = _review_or_404(engagement, pk)
        return Response(ReviewOutputSerializer(review, context=_context(request, engagement)).data)


@extend_schema(parameters=[ENGAGEMENT_SLUG, REVIEW_ID])
class ReviewPackApi(APIView):
    """The review's preparation pack (format in docs/roadmap.md)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _engagement(request, slug)
        sees_costs = can_see_realised_cost(request.user, engagement)
        return Response(pack_for_viewer(_review_or_404(engagement, pk).pack, sees_costs=sees_costs))


@extend_schema(parameters=[ENGAGEMENT_SLUG, REVIEW_ID])
class ReviewSnapshotApi(APIView):
    """The frozen snapshot of a signed-off review. Changing or deleting it is refused (409)."""

    @extend_schema(responses=SnapshotOutputSerializer)
    def get(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _engagement(request, slug)
        snapshot = _snapshot_or_404(_review_or_404(engagement, pk))
        return Response(SnapshotOutputSerializer(snapshot).data)

    def _refuse_change(self, request: Request, slug: str, pk: int, *, delete: bool) -> Response:
        engagement = _engagement(request, slug)
        snapshot = _snapshot_or_404(_review_or_404(engagement, pk))
        try:
            if delete:
                services.snapshot_delete(snapshot=snapshot)
            else:
                # Whatever the body holds (even a field named like an argument), the answer is
                # the same refusal.
                data = request.data if isinstance(request.data, dict) else {}
                services.snapshot_change(snapshot=snapshot, changes=data)
        except ValidationError as error:
            return _refused(request, error.messages, "snapshot-frozen")
        raise AssertionError("a snapshot change was not refused")  # pragma: no cover

    @extend_schema(request=OpenApiTypes.OBJECT, responses={409: OpenApiTypes.OBJECT})
    def put(self, request: Request, slug: str, pk: int) -> Response:
        return self._refuse_change(request, slug, pk, delete=False)

    @extend_schema(request=OpenApiTypes.OBJECT, responses={409: OpenApiTypes.OBJECT})
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        return self._refuse_change(request, slug, pk, delete=False)

    @extend_schema(responses={409: OpenApiTypes.OBJECT})
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        return self._refuse_change(request, slug, pk, delete=True)


@extend_schema(parameters=[ENGAGEMENT_SLUG, REVIEW_ID, AGAINST])
class ReviewDiffApi(APIView):
    """What changed between this review's snapshot and another's (by default the previous)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _engagement(request, slug)
        after = _snapshot_or_404(_review_or_404(engagement, pk))
        against = request.query_params.get("against", "")
        if against:
            if not against.isdigit():
                raise Http404("No such review.")
            before = _snapshot_or_404(_review_or_404(engagement, int(against)))
        else:
            before = selectors.snapshot_before(snapshot=after)
            if before is None:
                raise Http404("No earlier snapshot to compare with.")
        body = snapshot_diff(before.data, after.data).as_dict()
        body["before_review"] = before.review_id
        body["after_review"] = after.review_id
        return Response(body)


@extend_schema(parameters=[ENGAGEMENT_SLUG, REVIEW_ID])
class ReviewSignOffApi(APIView):
    """The director signs off the review in session: its snapshot is frozen (201); refused
    with every reason otherwise (409)."""

    @extend_schema(request=None, responses={201: SnapshotOutputSerializer})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _engagement(request, slug)
        review = _review_or_404(engagement, pk)
        require(request.user, Action.SIGN_OFF_REVIEWS, engagement)
        try:
            snapshot = services.review_sign_off(actor=request.user, review=review)
        except services.SignOffRefused as refused:
            response = _refused(request, refused.reasons, "sign-off-refused")
            # Where to fix each reason, as absolute links, in the order of ``reasons``.
            response.data["links"] = [
                request.build_absolute_uri(reason.url) if reason.url else None
                for reason in refused.refusals
            ]
            return response
        return Response(SnapshotOutputSerializer(snapshot).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[ENGAGEMENT_SLUG, REVIEW_ID])
class ReviewDecisionListApi(APIView):
    """The decisions of a review; recorded during the session by the director, the consultant
    or the project manager."""

    @extend_schema(responses=DecisionOutputSerializer(many=True))
    def get(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _engagement(request, slug)
        review = _review_or_404(engagement, pk)
        decisions = selectors.decision_list(review=review)
        return Response(DecisionOutputSerializer(decisions, many=True).data)

    @extend_schema(request=DecisionInputSerializer, responses={201: DecisionOutputSerializer})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _engagement(request, slug)
        review = _review_or_404(engagement, pk)
        require_held(request.user, engagement, REVIEW_EDITORS)
        serializer = DecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = serializer.validated_data.get("ticket", "").strip()
        ticket = ticket_get(engagement=engagement, key=key) if key else None
        if key and ticket is None:
            raise ValidationError({"ticket": _("No ticket with this key in this engagement.")})
        try:
            decision = services.review_decision_add(
                actor=request.user,
                review=review,
                text=serializer.validated_data["text"],
                ticket=ticket,
            )
        except ValidationError as error:
            if error.code == "not_in_session":
                return _refused(request, error.messages, "not-in-session")
            raise
        return Response(DecisionOutputSerializer(decision).data, status=status.HTTP_201_CREATED)
