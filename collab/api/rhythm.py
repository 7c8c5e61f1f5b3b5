"""The rhythm through the API: meetings (filtered by kind, status and dates), their attendees
and answers, agenda, notes, the decision log and action items.

Each view authorises at the top through roles.policy (another engagement answers 404, viewing
needs ``Action.VIEW``) and, for a write, the meeting role table of ``roles.rhythm``:

- ad-hoc meetings, place and video link: the project manager or an agency admin;
- agenda items and notes: agency staff and the director;
- an answer to an invitation: the invited person themself;
- an action item's status: its owner, agency staff or the director.

Tokens hold no role: they read everything here and change nothing (403). Objects are looked up
inside the engagement of the URL (404 otherwise). A change refused because the meeting is held
or cancelled (frozen), or because the notes changed meanwhile, answers 409 with the reason.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from collab.api.rhythm_serializers import (
    ActionItemOutputSerializer,
    ActionItemUpdateInputSerializer,
    AgendaItemCreateInputSerializer,
    AgendaItemOutputSerializer,
    AgendaOutputSerializer,
    AttendeeOutputSerializer,
    MeetingCreateInputSerializer,
    MeetingDecisionOutputSerializer,
    MeetingDetailOutputSerializer,
    MeetingOutputSerializer,
    MeetingUpdateInputSerializer,
    RespondInputSerializer,
)
from collab.api.views import ENGAGEMENT_SLUG
from collab.common.pagination import CursorPagination
from collab.common.problems import PROBLEM_CONTENT_TYPE, problem_response
from collab.models import Engagement, User
from collab.rhythm import selectors, services
from collab.rhythm.models import ActionItem, Meeting, Outcome
from roles.policy import Action, engagement_for, require
from roles.rhythm import (
    MEETING_EDITORS,
    MEETING_SCHEDULERS,
    engagement_members,
    require_meeting_role,
)

# Refusals of a rule about the meeting's state, not about the request's fields: 409.
CONFLICT_CODES = frozenset({"frozen", "not_scheduled", "stale", "not_started"})
PROBLEM = {409: {"description": PROBLEM_CONTENT_TYPE}}


def _engagement(request: Request, slug: str) -> Engagement:
    engagement = engagement_for(request.user, slug=slug)
    require(request.user, Action.VIEW, engagement)
    return engagement


def _meeting(engagement: Engagement, pk: int) -> Meeting:
    meeting = selectors.meeting_get(engagement=engagement, pk=pk)
    if meeting is None:
        raise Http404("No meeting found.")
    return meeting


def _person(request: Request) -> User:
    """Only a signed-in person answers for themself (a token has nobody to answer for)."""
    if not isinstance(request.user, User):
        raise PermissionDenied(_("Only a signed-in person can do this, not a token."))
    return request.user


def _conflict_or_raise(request: Request, error: ValidationError) -> Response:
    """409 naming the reason when the meeting's state refused the change; field errors
    stay 400 (re-raised to the problem handler)."""
    if getattr(error, "code", None) not in CONFLICT_CODES:
        raise error
    response = problem_response(
        status_code=status.HTTP_409_CONFLICT,
        title="Conflict",
        detail=" ".join(error.messages),
        type_=f"meeting-{error.code.replace('_', '-')}",
        instance=request.get_full_path(),
    )
    response.data["reasons"] = list(error.messages)
    return response


def _context(request: Request, engagement: Engagement, **extra: Any) -> dict[str, Any]:
    return {"request": request, "engagement": engagement, **extra}


def _members(engagement: Engagement) -> dict[int, User]:
    return {person.pk: person for person in engagement_members(engagement=engagement)}


class MeetingFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Meeting.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Meeting.Status.choices)
    starts_from = django_filters.IsoDateTimeFilter(
        field_name="starts_at",
        lookup_expr="gte",
        label=_("Meetings starting at or after this ISO 8601 date-time."),
    )
    starts_to = django_filters.IsoDateTimeFilter(
        field_name="starts_at",
        lookup_expr="lt",
        label=_("Meetings starting before this ISO 8601 date-time."),
    )

    class Meta:
        model = Meeting
        fields = ["kind", "status"]


# The query parameters are ``from`` and ``to`` (Python keywords, hence renamed here).
MeetingFilter.base_filters["from"] = MeetingFilter.base_filters.pop("starts_from")
MeetingFilter.base_filters["to"] = MeetingFilter.base_filters.pop("starts_to")


class ActionItemFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ActionItem.Status.choices)
    owner = django_filters.NumberFilter(field_name="owner_id", label=_("The owner's id."))

    class Meta:
        model = ActionItem
        fields = ["status", "owner"]


class MeetingPagination(CursorPagination):
    ordering = ("starts_at", "pk")


class ActionItemPagination(CursorPagination):
    ordering = ("due_date", "pk")


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class MeetingListApi(GenericAPIView):
    """The engagement's meetings, soonest first; the project manager and agency admins
    schedule ad-hoc meetings here (every attendee is invited)."""

    queryset = Meeting.objects.none()  # for the schema only: rows come from a selector
    filterset_class = MeetingFilter
    pagination_class = MeetingPagination
    serializer_class = MeetingOutputSerializer

    @extend_schema(responses=MeetingOutputSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        engagement = _engagement(request, slug)
        meetings = self.filter_queryset(selectors.meeting_list(engagement=engagement))
        page = self.paginate_queryset(meetings)
        data = MeetingOutputSerializer(page, many=True, context=_context(request, engagement)).data
        return self.get_paginated_response(data)

    @extend_schema(
        request=MeetingCreateInputSerializer,
        responses={201: MeetingDetailOutputSerializer},
        filters=False,
    )
    def post(self, request: Request, slug: str) -> Response:
        engagement = _engagement(request, slug)
        require_meeting_role(request.user, engagement, MEETING_SCHEDULERS)
        serializer = MeetingCreateInputSerializer(
            data=request.data, context={"members": _members(engagement)}
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        meeting = services.meeting_create(
            engagement=engagement,
            organizer=_person(request),
            title=data["title"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            place=data["place"],
            video_url=data["video_url"],
            attendees=[(row["person"], row["required"]) for row in data["attendees"]],
        )
        response = _meeting_response(request, engagement, meeting, status.HTTP_201_CREATED)
        response["Location"] = response.data["url"]
        return response


def _meeting_response(
    request: Request, engagement: Engagement, meeting: Meeting, code: int = status.HTTP_200_OK
) -> Response:
    meeting = _meeting(engagement, meeting.pk)
    notes = selectors.meeting_notes_get(meeting=meeting)
    context = _context(request, engagement, notes=notes)
    return Response(MeetingDetailOutputSerializer(meeting, context=context).data, status=code)


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class MeetingDetailApi(APIView):
    """One meeting with its notes; its place, video link and notes change here."""

    @extend_schema(responses=MeetingDetailOutputSerializer)
    def get(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _engagement(request, slug)
        return _meeting_response(request, engagement, _meeting(engagement, pk))

    @extend_schema(
        request=MeetingUpdateInputSerializer,
        responses={200: MeetingDetailOutputSerializer, **PROBLEM},
    )
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _engagement(request, slug)
        meeting = _meeting(engagement, pk)
        serializer = MeetingUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        notes = data.pop("notes", None)
        version = data.pop("notes_version", None)
        if data:
            require_meeting_role(request.user, engagement, MEETING_SCHEDULERS)
        if notes is not None:
            require_meeting_role(request.user, engagement, MEETING_EDITORS)
        try:
            if data:
                services.meeting_update_details(meeting=meeting, **data)
            if notes is not None:
                services.meeting_notes_save(
                    meeting=meeting, actor=_person(request), body=notes, version=version
                )
        except ValidationError as error:
            return _conflict_or_raise(request, error)
        return _meeting_response(request, engagement, meeting)


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class MeetingAttendeesApi(APIView):
    """Who is invited, required or optional, their answers and attendance; an invited person
    answers here for themself."""

    @extend_schema(responses=AttendeeOutputSerializer(many=True))
    def get(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _engagement(request, slug)
        meeting = _meeting(engagement, pk)
        attendees = selectors.attendee_list(meeting=meeting)
        return Response(AttendeeOutputSerializer(attendees, many=True).data)

    @extend_schema(request=RespondInputSerializer, responses={200: AttendeeOutputSerializer})
    def post(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _engagement(request, slug)
        meeting = _meeting(engagement, pk)
        person = _person(request)
        serializer = RespondInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            attendee = services.attendee_respond(
                meeting=meeting, person=person, response=serializer.validated_data["response"]
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "not_invited":
                raise PermissionDenied(error.messages[0]) from None
            raise
        return Response(AttendeeOutputSerializer(attendee).data)


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class MeetingAgendaApi(APIView):
    """The agenda by section, each item with its outcomes; agency staff and the director add
    items while the meeting is scheduled."""

    @extend_schema(responses=AgendaOutputSerializer)
    def get(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _engagement(request, slug)
        detail = selectors.meeting_detail(engagement=engagement, pk=pk)
        if detail is None:
            raise Http404("No meeting found.")
        agenda = {"frozen": detail.frozen, "sections": detail.sections}
        return Response(AgendaOutputSerializer(agenda).data)

    @extend_schema(
        request=AgendaItemCreateInputSerializer,
        responses={201: AgendaItemOutputSerializer, **PROBLEM},
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _engagement(request, slug)
        require_meeting_role(request.user, engagement, MEETING_EDITORS)
        meeting = _meeting(engagement, pk)
        serializer = AgendaItemCreateInputSerializer(
            data=request.data, context={"members": _members(engagement), "meeting": meeting}
        )
        serializer.is_valid(raise_exception=True)
        try:
            item = services.agenda_item_add(meeting=meeting, **serializer.validated_data)
        except ValidationError as error:
            return _conflict_or_raise(request, error)
        item = selectors.agenda_item_get(meeting=meeting, pk=item.pk)
        return Response(AgendaItemOutputSerializer(item).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class DecisionListApi(GenericAPIView):
    """Every decision of the engagement with its meeting, newest first."""

    queryset = Outcome.objects.none()
    pagination_class = CursorPagination
    serializer_class = MeetingDecisionOutputSerializer

    @extend_schema(responses=MeetingDecisionOutputSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        engagement = _engagement(request, slug)
        page = self.paginate_queryset(
            selectors.decision_log(engagement=engagement).select_related(
                "meeting", "agenda_item", "recorded_by"
            )
        )
        data = MeetingDecisionOutputSerializer(
            page, many=True, context=_context(request, engagement)
        )
        return self.get_paginated_response(data.data)


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class ActionItemListApi(GenericAPIView):
    """The engagement's action items by due date, filtered by status and owner."""

    queryset = ActionItem.objects.none()
    filterset_class = ActionItemFilter
    pagination_class = ActionItemPagination
    serializer_class = ActionItemOutputSerializer

    @extend_schema(responses=ActionItemOutputSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        engagement = _engagement(request, slug)
        items = self.filter_queryset(selectors.action_item_list(engagement=engagement))
        page = self.paginate_queryset(items)
        context = _context(request, engagement, today=timezone.localdate())
        data = ActionItemOutputSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)


@extend_schema(parameters=[ENGAGEMENT_SLUG])
class ActionItemDetailApi(APIView):
    """One action item; its owner, agency staff or the director mark it done or open."""

    def _item(self, engagement: Engagement, pk: int) -> ActionItem:
        item = selectors.action_item_get(engagement=engagement, pk=pk)
        if item is None:
            raise Http404("No action item found.")
        return item

    def _response(self, request: Request, engagement: Engagement, item: ActionItem) -> Response:
        context = _context(request, engagement, today=timezone.localdate())
        return Response(ActionItemOutputSerializer(item, context=context).data)

    @extend_schema(responses=ActionItemOutputSerializer)
    def get(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _engagement(request, slug)
        return self._response(request, engagement, self._item(engagement, pk))

    @extend_schema(request=ActionItemUpdateInputSerializer, responses=ActionItemOutputSerializer)
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        engagement = _engagement(request, slug)
        item = self._item(engagement, pk)
        is_owner = isinstance(request.user, User) and item.owner_id == request.user.pk
        if not is_owner:
            require_meeting_role(request.user, engagement, MEETING_EDITORS)
        serializer = ActionItemUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        done = serializer.validated_data["status"] == ActionItem.Status.DONE
        item = services.action_item_complete(item=item, done=done)
        return self._response(request, engagement, item)
