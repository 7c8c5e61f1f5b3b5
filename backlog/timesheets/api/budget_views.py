"""Budgets through the API: listed and read by whoever may see budgets (the agency's people who
set them, the director, tokens), created under ``Idempotency-Key``, changed under ``If-Match``,
deleted by the project manager, the agency admin or a write token; each period's burn read.

Figures are in the budget's unit (hours, or money for a budget in money: what the client pays);
no day rate nor cost is ever written out."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backlog.api.common import id_parameter
from backlog.api.views import IDEMPOTENCY_KEY, PROBLEM
from backlog.timesheets import budgets as services
from backlog.timesheets import burn
from backlog.timesheets.api.budget_serializers import (
    BudgetCreateInputSerializer,
    BudgetOutputSerializer,
    BudgetUpdateInputSerializer,
    PeriodBurnDetailOutputSerializer,
    PeriodBurnOutputSerializer,
)
from backlog.timesheets.api.views import IF_MATCH, IF_MATCH_OPTIONAL
from backlog.timesheets.models import Budget
from collab.api.views import ENGAGEMENT_SLUG
from collab.common.etag import check_if_match, weak_etag
from collab.common.idempotency import idempotent_create
from collab.common.lookup import found_or_404
from collab.models import Engagement
from roles.policy import Action, engagement_for, require

PERIOD_ID = OpenApiParameter(
    "period_id", int, OpenApiParameter.PATH, description="The budget period's id."
)


def budget_etag(budget: Budget) -> str:
    return weak_etag(f"budget-{budget.pk}-v{budget.version}")


def _context(request: Request, engagement: Engagement) -> dict[str, Any]:
    return {"request": request, "engagement": engagement}


def _readable(request: Request, slug: str) -> Engagement:
    engagement = engagement_for(request.user, slug=slug)
    require(request.user, Action.VIEW_BUDGETS, engagement)
    return engagement


def _budget(engagement: Engagement, pk: int) -> Budget:
    return found_or_404(burn.budget_get(engagement=engagement, pk=pk), "budget")


def _budget_response(
    request: Request, engagement: Engagement, budget: Budget, code: int = status.HTTP_200_OK
) -> Response:
    data = BudgetOutputSerializer(budget, context=_context(request, engagement)).data
    headers = {"ETag": budget_etag(budget)}
    if code == status.HTTP_201_CREATED:
        headers["Location"] = data["url"]
    return Response(data, status=code, headers=headers)


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class BudgetListApi(APIView):
    """The engagement's budgets, oldest first (not paginated: an engagement has a few)."""

    @extend_schema(responses=BudgetOutputSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        engagement = _readable(request, slug)
        budgets = burn.budget_list(engagement=engagement)
        return Response(
            BudgetOutputSerializer(budgets, many=True, context=_context(request, engagement)).data
        )

    @extend_schema(
        request=BudgetCreateInputSerializer,
        responses={201: BudgetOutputSerializer, 409: PROBLEM, 422: PROBLEM},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request: Request, slug: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.MANAGE_BUDGETS, engagement)
        serializer = BudgetCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)

        def create() -> Response:
            budget = services.budget_create(engagement=engagement, **data)
            return _budget_response(request, engagement, budget, status.HTTP_201_CREATED)

        return idempotent_create(request, create)


@extend_schema(parameters=[ENGAGEMENT_SLUG, id_parameter("budget")])
class BudgetDetailApi(APIView):
    """One budget; changed (name, amount, end, rollover) under If-Match, or deleted."""

    @extend_schema(responses=BudgetOutputSerializer)
    def get(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _readable(request, slug)
        return _budget_response(request, engagement, _budget(engagement, pk))

    @extend_schema(
        request=BudgetUpdateInputSerializer,
        responses={200: BudgetOutputSerializer},
        parameters=[IF_MATCH],
    )
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        budget = _budget(engagement, pk)
        require(request.user, Action.MANAGE_BUDGETS, engagement)
        serializer = BudgetUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        check_if_match(request, current=budget_etag(budget), required=True)
        budget = services.budget_update(budget=budget, data=dict(serializer.validated_data))
        return _budget_response(request, engagement, budget)

    @extend_schema(responses={204: None}, parameters=[IF_MATCH_OPTIONAL])
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        budget = _budget(engagement, pk)
        require(request.user, Action.MANAGE_BUDGETS, engagement)
        check_if_match(request, current=budget_etag(budget), required=False)
        services.budget_delete(budget=budget)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[ENGAGEMENT_SLUG, id_parameter("budget")])
class BudgetPeriodListApi(APIView):
    """The budget's periods, latest first, each with its burn and (current one) forecast."""

    @extend_schema(responses=PeriodBurnOutputSerializer(many=True))
    def get(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _readable(request, slug)
        budget = _budget(engagement, pk)
        budget = next(b for b in burn.budget_list(engagement=engagement) if b.pk == budget.pk)
        view = burn.budget_views(engagement=engagement, budgets=[budget])[0]
        return Response(PeriodBurnOutputSerializer(view.history, many=True).data)


@extend_schema(parameters=[ENGAGEMENT_SLUG, id_parameter("budget"), PERIOD_ID])
class BudgetPeriodDetailApi(APIView):
    """One period's burn, with the burn-down: what was burnt by each day that had time."""

    @extend_schema(responses=PeriodBurnDetailOutputSerializer)
    def get(self, request: Request, slug: str, pk: int, period_id: int) -> Response:
        engagement = _readable(request, slug)
        budget = _budget(engagement, pk)
        found = found_or_404(
            burn.period_burn(engagement=engagement, budget=budget, pk=period_id), "budget period"
        )
        return Response(PeriodBurnDetailOutputSerializer(found).data)
