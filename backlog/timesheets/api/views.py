"""Time entries through the API: listed (filtered, cursor-paginated; the client's people see
approved billable time only), created under ``Idempotency-Key``, changed under ``If-Match``,
deleted; a person's week approved or returned by the project manager, and those decisions
listed (filtered, cursor-paginated).

Each view authorises at the top through roles.policy; a locked (approved) entry answers 409.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backlog.api.common import acting_person, id_parameter
from backlog.api.views import IDEMPOTENCY_KEY, PROBLEM, EngagementFilterBackend
from backlog.models import Ticket
from backlog.selectors import ticket_get
from backlog.timesheets import selectors, services
from backlog.timesheets.api.serializers import (
    TimeEntryCreateInputSerializer,
    TimeEntryOutputSerializer,
    TimeEntryUpdateInputSerializer,
    TimesheetWeekOutputSerializer,
    WeekDecisionInputSerializer,
    WeekReturnInputSerializer,
)
from backlog.timesheets.filters import TimeEntryFilter, TimesheetWeekFilter
from backlog.timesheets.models import TimeEntry, TimesheetWeek
from collab.api.views import ENGAGEMENT_SLUG
from collab.common.etag import check_if_match, weak_etag
from collab.common.idempotency import idempotent_create
from collab.common.lookup import found_or_404
from collab.common.pagination import CursorPagination
from collab.common.problems import problem_response
from collab.models import ApiToken, Engagement, User
from roles.policy import Action, can, engagement_for, require

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag read from the entry. Missing: 428; stale: 412, nothing written.",
)
IF_MATCH_OPTIONAL = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag read from the entry; stale: 412, nothing deleted.",
)


def entry_etag(entry: TimeEntry) -> str:
    return weak_etag(f"time-entry-{entry.pk}-v{entry.version}")


def _sees_all(request: Request, engagement: Engagement) -> bool:
    return can(request.user, Action.VIEW_ALL_TIME, engagement)


def _context(request: Request, engagement: Engagement) -> dict[str, Any]:
    return {
        "request": request,
        "engagement": engagement,
        "sees_all": _sees_all(request, engagement),
    }


def _locked(request: Request, error: services.TimeLocked) -> Response:
    response = problem_response(
        status_code=status.HTTP_409_CONFLICT,
        title="Conflict",
        detail=error.message,
        type_="time-locked",
        instance=request.get_full_path(),
    )
    response.data["reasons"] = [error.message]
    return response


def _ticket(engagement: Engagement, key: str | None) -> Ticket | None:
    if not key:
        return None
    ticket = ticket_get(engagement=engagement, key=key.strip().upper())
    if ticket is None:
        raise DjangoValidationError(
            {"ticket": _("No ticket %(key)s on this engagement.") % {"key": key}}
        )
    return ticket


def _member(engagement: Engagement, person_id: int) -> User:
    person = selectors.engagement_member_get(engagement=engagement, person_id=person_id)
    if person is None:
        raise DjangoValidationError(
            {"person": _("No person with this id is on this engagement's team.")}
        )
    return person


def _entry_response(
    request: Request, engagement: Engagement, entry: TimeEntry, code: int = status.HTTP_200_OK
) -> Response:
    data = TimeEntryOutputSerializer(entry, context=_context(request, engagement)).data
    headers = {"ETag": entry_etag(entry)}
    if code == status.HTTP_201_CREATED:
        headers["Location"] = data["url"]
    return Response(data, status=code, headers=headers)


class TimeEntryPagination(CursorPagination):
    ordering = ("-date", "-pk")


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class TimeEntryListApi(GenericAPIView):
    """The engagement's time entries, latest day first; people and write tokens log time."""

    queryset = TimeEntry.objects.none()
    filter_backends = [EngagementFilterBackend]
    filterset_class = TimeEntryFilter
    pagination_class = TimeEntryPagination
    serializer_class = TimeEntryOutputSerializer

    @extend_schema(responses=TimeEntryOutputSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        self.engagement = engagement = engagement_for(request.user, slug=slug)
        entries = selectors.time_entry_list(
            engagement=engagement, sees_all=_sees_all(request, engagement)
        )
        page = self.paginate_queryset(self.filter_queryset(entries))
        return self.get_paginated_response(
            TimeEntryOutputSerializer(page, many=True, context=_context(request, engagement)).data
        )

    @extend_schema(
        request=TimeEntryCreateInputSerializer,
        responses={201: TimeEntryOutputSerializer, 409: PROBLEM, 422: PROBLEM},
        parameters=[IDEMPOTENCY_KEY],
        filters=False,
    )
    def post(self, request: Request, slug: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.LOG_TIME, engagement)
        serializer = TimeEntryCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        actor = acting_person(request.user)
        person_id = data.pop("person", None)
        if isinstance(request.user, ApiToken):
            if person_id is None:
                raise DjangoValidationError(
                    {"person": _("A token logs time for someone: give the person's id.")}
                )
            person = _member(engagement, person_id)
        else:
            if person_id is not None and person_id != request.user.pk:
                raise PermissionDenied(_("You log your own time only."))
            person = request.user
        ticket = _ticket(engagement, data.pop("ticket", None))

        def create() -> Response:
            try:
                entry = services.time_entry_create(
                    actor=actor, engagement=engagement, person=person, ticket=ticket, **data
                )
            except services.TimeLocked as error:
                return _locked(request, error)
            return _entry_response(request, engagement, entry, status.HTTP_201_CREATED)

        return idempotent_create(request, create)


@extend_schema(parameters=[ENGAGEMENT_SLUG, id_parameter("time entry")])
class TimeEntryDetailApi(APIView):
    """One entry; changed and deleted by its person (or a write token) until approved."""

    def _entry(self, request: Request, engagement: Engagement, pk: int) -> TimeEntry:
        return found_or_404(
            selectors.time_entry_get(
                engagement=engagement, pk=pk, sees_all=_sees_all(request, engagement)
            ),
            "time entry",
        )

    def _require_owner(self, request: Request, engagement: Engagement, entry: TimeEntry) -> None:
        require(request.user, Action.LOG_TIME, engagement)
        if not isinstance(request.user, ApiToken) and entry.person_id != request.user.pk:
            raise PermissionDenied(_("Only the person who logged this time may change it."))

    @extend_schema(responses=TimeEntryOutputSerializer)
    def get(self, request: Request, slug: str, pk: int) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        return _entry_response(request, engagement, self._entry(request, engagement, pk))

    @extend_schema(
        request=TimeEntryUpdateInputSerializer,
        responses={200: TimeEntryOutputSerializer, 409: PROBLEM},
        parameters=[IF_MATCH],
    )
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        entry = self._entry(request, engagement, pk)
        self._require_owner(request, engagement, entry)
        check_if_match(request, current=entry_etag(entry), required=True)
        serializer = TimeEntryUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "ticket" in data:
            data["ticket"] = _ticket(engagement, data["ticket"])
        try:
            entry = services.time_entry_update(
                actor=acting_person(request.user), entry=entry, data=data
            )
        except services.TimeLocked as error:
            return _locked(request, error)
        return _entry_response(request, engagement, entry)

    @extend_schema(responses={204: None, 409: PROBLEM}, parameters=[IF_MATCH_OPTIONAL])
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        entry = self._entry(request, engagement, pk)
        self._require_owner(request, engagement, entry)
        check_if_match(request, current=entry_etag(entry), required=False)
        try:
            services.time_entry_delete(actor=acting_person(request.user), entry=entry)
        except services.TimeLocked as error:
            return _locked(request, error)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TimesheetWeekPagination(CursorPagination):
    ordering = ("-week_start", "-pk")


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class TimesheetWeekListApi(GenericAPIView):
    """The project manager's decisions on the engagement's weeks (approved or returned),
    latest week first; read by the agency and tokens (the client's people: 403)."""

    queryset = TimesheetWeek.objects.none()
    filter_backends = [EngagementFilterBackend]
    filterset_class = TimesheetWeekFilter
    pagination_class = TimesheetWeekPagination
    serializer_class = TimesheetWeekOutputSerializer

    @extend_schema(responses=TimesheetWeekOutputSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        self.engagement = engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.VIEW_ALL_TIME, engagement)
        weeks = selectors.timesheet_week_list(engagement=engagement)
        page = self.paginate_queryset(self.filter_queryset(weeks))
        return self.get_paginated_response(TimesheetWeekOutputSerializer(page, many=True).data)


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class TimesheetWeekApproveApi(APIView):
    """The project manager approves a person's week: its entries lock."""

    @extend_schema(request=WeekDecisionInputSerializer, responses=TimesheetWeekOutputSerializer)
    def post(self, request: Request, slug: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.APPROVE_TIME, engagement)
        serializer = WeekDecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        person = _member(engagement, serializer.validated_data["person"])
        week = services.timesheet_week_approve(
            actor=request.user,
            engagement=engagement,
            person=person,
            week_of=serializer.validated_data["week"],
        )
        return Response(TimesheetWeekOutputSerializer(week).data)


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class TimesheetWeekReturnApi(APIView):
    """The project manager returns a person's week with a reason; they are told in-app."""

    @extend_schema(request=WeekReturnInputSerializer, responses=TimesheetWeekOutputSerializer)
    def post(self, request: Request, slug: str) -> Response:
        engagement = engagement_for(request.user, slug=slug)
        require(request.user, Action.APPROVE_TIME, engagement)
        serializer = WeekReturnInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        week = services.timesheet_week_return(
            actor=request.user,
            engagement=engagement,
            person=_member(engagement, data["person"]),
            week_of=data["week"],
            reason=data["reason"],
        )
        return Response(TimesheetWeekOutputSerializer(week).data)
