"""Webhooks through the API: an engagement's webhooks and each one's delivery log.

Managing integrations is a person's decision: every endpoint requires the action that manages
API tokens and webhooks (``Action.MANAGE_API_TOKENS``), which no token holds (403 for a token,
even of this engagement). Another engagement's webhook answers 404. The secret appears in the
answer to the creation and to a rotation only.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from collab.api.views import ENGAGEMENT_SLUG
from collab.api.webhook_serializers import (
    WebhookCreateInputSerializer,
    WebhookDeliveryOutputSerializer,
    WebhookOutputSerializer,
    WebhookUpdateInputSerializer,
    WebhookWithSecretOutputSerializer,
)
from collab.common.idempotency import idempotent_create
from collab.common.lookup import found_or_404
from collab.common.pagination import CursorPagination
from collab.models import Engagement
from collab.webhooks import selectors, services
from collab.webhooks.models import Webhook, WebhookDelivery
from roles.policy import Action, engagement_for, require

# drf-spectacular names a ``pk`` path variable ``id`` in the schema.
WEBHOOK_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The webhook's id."
)


def _engagement(request: Request, slug: str) -> Engagement:
    engagement = engagement_for(request.user, slug=slug)
    require(request.user, Action.MANAGE_API_TOKENS, engagement)
    return engagement


def _webhook(engagement: Engagement, pk: int) -> Webhook:
    return found_or_404(selectors.webhook_get(engagement=engagement, pk=pk), "webhook")


def _output(
    request: Request, engagement: Engagement, webhook: Webhook, *, with_secret: bool = False
) -> dict:
    webhook = _webhook(engagement, webhook.pk)
    serializer = WebhookWithSecretOutputSerializer if with_secret else WebhookOutputSerializer
    return serializer(webhook, context={"request": request, "engagement": engagement}).data


class WebhookPagination(CursorPagination):
    ordering = ("-created_at", "-pk")


class WebhookDeliveryPagination(CursorPagination):
    ordering = ("-created_at", "-pk")


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class WebhookListApi(GenericAPIView):
    """The engagement's webhooks, newest first; a new one is created here, and its secret is
    in this answer only."""

    queryset = Webhook.objects.none()  # for the schema only: rows come from a selector
    pagination_class = WebhookPagination
    serializer_class = WebhookOutputSerializer
    filter_backends: list = []

    @extend_schema(responses=WebhookOutputSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        engagement = _engagement(request, slug)
        page = self.paginate_queryset(selectors.webhook_list(engagement=engagement))
        context = {"request": request, "engagement": engagement}
        return self.get_paginated_response(
            WebhookOutputSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        request=WebhookCreateInputSerializer,
        responses={201: WebhookWithSecretOutputSerializer},
    )
    def post(self, request: Request, slug: str) -> Response:
        engagement = _engagement(request, slug)
        serializer = WebhookCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        def create() -> Response:
            webhook = services.webhook_create(
                engagement=engagement, created_by=request.user, **serializer.validated_data
            )
            data = _output(request, engagement, webhook, with_secret=True)
            return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})

        return idempotent_create(request, create)


@extend_schema(parameters=[ENGAGEMENT_SLUG, WEBHOOK_ID])
class WebhookDetailApi(APIView):
    """One webhook: its address, description, events and state change here (``is_active``);
    deleting it deletes its delivery log."""

    @extend_schema(responses=WebhookOutputSerializer)
    def get(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _engagement(request, slug)
        return Response(_output(request, engagement, _webhook(engagement, pk)))

    @extend_schema(request=WebhookUpdateInputSerializer, responses=WebhookOutputSerializer)
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _engagement(request, slug)
        webhook = _webhook(engagement, pk)
        serializer = WebhookUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        active = data.pop("is_active", None)
        if data:
            webhook = services.webhook_update(webhook=webhook, data=data)
        if active is not None and active != webhook.is_active:
            webhook = services.webhook_set_active(webhook=webhook, active=active)
        return Response(_output(request, engagement, webhook))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _engagement(request, slug)
        services.webhook_delete(webhook=_webhook(engagement, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[ENGAGEMENT_SLUG, WEBHOOK_ID])
class WebhookSecretRotateApi(APIView):
    """A new signing secret, in this answer only; the old one stops at once."""

    @extend_schema(request=None, responses=WebhookWithSecretOutputSerializer)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _engagement(request, slug)
        webhook = services.webhook_secret_rotate(webhook=_webhook(engagement, pk))
        return Response(_output(request, engagement, webhook, with_secret=True))


@extend_schema(parameters=[ENGAGEMENT_SLUG, WEBHOOK_ID])
class WebhookDeliveryListApi(GenericAPIView):
    """The webhook's delivery log, newest first: state, attempts, status code, error,
    duration, and the body sent."""

    queryset = WebhookDelivery.objects.none()  # for the schema only
    pagination_class = WebhookDeliveryPagination
    serializer_class = WebhookDeliveryOutputSerializer
    filter_backends: list = []

    @extend_schema(responses=WebhookDeliveryOutputSerializer(many=True))
    def get(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _engagement(request, slug)
        webhook = _webhook(engagement, pk)
        page = self.paginate_queryset(selectors.webhook_delivery_list(webhook=webhook))
        return self.get_paginated_response(WebhookDeliveryOutputSerializer(page, many=True).data)


def _delivery_output(delivery: WebhookDelivery) -> dict:
    return WebhookDeliveryOutputSerializer(delivery).data


@extend_schema(parameters=[ENGAGEMENT_SLUG, WEBHOOK_ID])
class WebhookPingApi(APIView):
    """Send a ``ping`` event to this webhook now, to test the receiver; the answer is the
    queued delivery, whose state the delivery log shows once it is sent. A disabled webhook
    answers 400."""

    @extend_schema(request=None, responses={202: WebhookDeliveryOutputSerializer})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _engagement(request, slug)
        delivery = services.webhook_ping(webhook=_webhook(engagement, pk), actor=request.user)
        return Response(_delivery_output(delivery), status=status.HTTP_202_ACCEPTED)


@extend_schema(
    parameters=[
        ENGAGEMENT_SLUG,
        WEBHOOK_ID,
        OpenApiParameter(
            "item_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The delivery's id."
        ),
    ]
)
class WebhookDeliveryRedeliverApi(APIView):
    """Send a failed delivery again, with the same event id and body and a fresh retry
    schedule; any other delivery, or a disabled webhook, answers 400."""

    @extend_schema(request=None, responses={202: WebhookDeliveryOutputSerializer})
    def post(self, request: Request, slug: str, pk: int, item_pk: int) -> Response:
        engagement = _engagement(request, slug)
        webhook = _webhook(engagement, pk)
        delivery = found_or_404(
            selectors.webhook_delivery_get(webhook=webhook, pk=item_pk), "delivery"
        )
        delivery = services.webhook_delivery_redeliver(delivery=delivery)
        return Response(_delivery_output(delivery), status=status.HTTP_202_ACCEPTED)
