"""A ticket's attachments through the API: the list, a multipart upload, one attachment's
description and removal, and its bytes.

Each view authorises at the top through roles.policy (another engagement answers 404) and finds
the ticket inside the engagement. An upload is checked from its bytes by the service (400 naming
the refusal, nothing stored); a body larger than ``API_MAX_UPLOAD_BYTES`` answers 413 before it
is read. The bytes are served with the same headers as the dashboard's (never sniffed, never
run): images inline, anything else as a download.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backlog.api.common import TICKET_KEY, acting_person, id_parameter, ticket_or_404
from backlog.api.serializers_attachments import (
    AttachmentOutputSerializer,
    AttachmentUploadInputSerializer,
)
from backlog.models import Attachment, Comment, Ticket
from backlog.selectors import attachment_get, attachment_list, comment_list
from backlog.services import attachment_delete, attachments_add
from backlog.uploads import KINDS
from backlog.views.attachments import attachment_response
from collab.api.views import ENGAGEMENT_SLUG
from collab.common.idempotency import idempotent_create
from collab.common.lookup import found_or_404
from collab.common.pagination import CursorPagination
from collab.models import Engagement
from roles.policy import Action, engagement_for, require


class AttachmentPagination(CursorPagination):
    ordering = ("created_at", "pk")


def _context(request: Request, engagement: Engagement, ticket: Ticket) -> dict:
    return {"request": request, "engagement": engagement, "ticket": ticket}


def _attachment_or_404(*, ticket: Ticket, pk: int) -> Attachment:
    return found_or_404(attachment_get(ticket=ticket, pk=pk), "attachment")


def _comment_of(ticket: Ticket, pk: int | None) -> Comment | None:
    if pk is None:
        return None
    comment = comment_list(ticket=ticket).filter(pk=pk).first()
    if comment is None:
        raise ValidationError({"comment": [_("No comment of this ticket has this id.")]})
    return comment


@extend_schema(parameters=[ENGAGEMENT_SLUG, TICKET_KEY])
class AttachmentListApi(GenericAPIView):
    """The ticket's files (its comments' included), oldest first; members and write tokens
    upload one as ``multipart/form-data``."""

    # Only for the schema's introspection: rows are read through the policy and a selector.
    queryset = Ticket.objects.none()
    filter_backends: list = []
    pagination_class = AttachmentPagination
    serializer_class = AttachmentOutputSerializer
    parser_classes = [MultiPartParser]

    @extend_schema(responses=AttachmentOutputSerializer(many=True))
    def get(self, request: Request, slug: str, key: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        ticket = ticket_or_404(engagement=engagement, key=key)
        page = self.paginate_queryset(attachment_list(ticket=ticket))
        context = _context(request, engagement, ticket)
        return self.get_paginated_response(
            AttachmentOutputSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadInputSerializer},
        responses={201: AttachmentOutputSerializer},
    )
    def post(self, request: Request, slug: str, key: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.FILE_TICKETS, engagement)
        ticket = ticket_or_404(engagement=engagement, key=key)
        serializer = AttachmentUploadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        actor = acting_person(request.user)
        comment = _comment_of(ticket, data.get("comment"))

        def create() -> Response:
            try:
                (attachment,) = attachments_add(
                    actor=actor, ticket=ticket, uploads=[data["file"]], comment=comment
                )
            except DjangoValidationError as error:
                if hasattr(error, "error_dict"):
                    raise
                raise ValidationError({"file": error.messages}) from None
            context = _context(request, engagement, ticket)
            body = AttachmentOutputSerializer(attachment, context=context).data
            return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["url"]})

        return idempotent_create(request, create)


@extend_schema(parameters=[ENGAGEMENT_SLUG, TICKET_KEY, id_parameter("attachment")])
class AttachmentDetailApi(APIView):
    """One attachment of the ticket: what it is, or its removal (by its uploader, or by whoever
    may remove anyone's: the project manager)."""

    @extend_schema(responses=AttachmentOutputSerializer)
    def get(self, request: Request, slug: str, key: str, pk: int) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        ticket = ticket_or_404(engagement=engagement, key=key)
        attachment = _attachment_or_404(ticket=ticket, pk=pk)
        context = _context(request, engagement, ticket)
        return Response(AttachmentOutputSerializer(attachment, context=context).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, slug: str, key: str, pk: int) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.FILE_TICKETS, engagement)
        ticket = ticket_or_404(engagement=engagement, key=key)
        attachment = _attachment_or_404(ticket=ticket, pk=pk)
        attachment_delete(
            actor=acting_person(request.user), principal=request.user, attachment=attachment
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


_CONTENT = {
    (200, content_type): OpenApiResponse(
        OpenApiTypes.BINARY,
        description=(
            "The file's bytes, with the type read from them; raster images inline, anything "
            "else as a download (Content-Disposition), never sniffed (nosniff), in a sandbox."
        ),
    )
    for content_type in KINDS
}


@extend_schema(parameters=[ENGAGEMENT_SLUG, TICKET_KEY, id_parameter("attachment")])
class AttachmentContentApi(APIView):
    """The attachment's bytes."""

    @extend_schema(responses=_CONTENT)
    def get(self, request: Request, slug: str, key: str, pk: int) -> HttpResponseBase:
        engagement = engagement_for(request.user, slug=slug)
        ticket = ticket_or_404(engagement=engagement, key=key)
        return attachment_response(_attachment_or_404(ticket=ticket, pk=pk))
