"""Tenancy, route by route: every URL pattern of the project, discovered from the resolver, is
requested by a member of another engagement (and, for the API, by another engagement's token),
with its path parameters filled from the victim engagement's objects. No response may reveal the
victim's data, and no request may change it.

A new route is covered by adding its objects below: a path parameter this file cannot fill fails
the test, so no route is ever left untested.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from backlog.models import AcceptanceCriterion, Attachment, Sprint, Ticket, TimeEntry
from backlog.services import (
    attachments_add,
    backlog_settings_update,
    comment_add,
    criterion_add,
    sprint_create,
    ticket_create,
)
from backlog.timesheets.budgets import budget_create
from backlog.timesheets.models import Budget, BudgetPeriod
from backlog.timesheets.services import time_entry_create, timer_start
from collab.models import ApiToken, Engagement, Organization, User
from collab.rhythm.agenda import agenda_item_add
from collab.rhythm.models import ActionItem, AgendaItem, Attendee, Meeting, Notification
from collab.rhythm.outcomes import action_item_create
from collab.rhythm.scheduling import meeting_create
from collab.services import api_token_create
from collab.webhooks.models import Webhook, WebhookDelivery
from collab.webhooks.services import webhook_create
from roadmap.models import RoadmapItem, StrategicObjective
from roadmap.reviews.models import Review
from roadmap.reviews.services import review_for_meeting, review_sign_off, review_start
from roadmap.services import objective_create, roadmap_item_create
from roles.models import Invitation, Role, RoleAssignment
from roles.services import invitations_send
from tests.factories import EngagementFactory, member

# Text that only the victim engagement's data contains; none of it appears in a URL.
SECRETS = (
    "Nordfer Industrie",
    "Nordfer Client SA",
    "strategy-ZX81",
    "victim-director@nordfer.example",
    "NordferSecretToken",
    "invitee@nordfer.example",
    "Punch-out catalogue QX42",
    "criterion-QX42",
    "comment-QX42",
    "attachment-QX42",
    "budget-QX42",
    "Sprint QX42",
    "objective-QX42",
    "agenda-QX42",
    "action-QX42",
    "inbox-QX42",
    "roadmap-item-QX42",
    "Sync QX42",
    "webhook-QX42",
    "hooks.nordfer.example",
    "time-note-QX42",
)


@dataclass
class Victim:
    engagement: Engagement
    objects: dict[type, object]

    def fingerprint(self) -> str:
        """A digest of everything the victim owns (every table with an engagement key, found by
        introspection, so new models are covered): any change by a request changes it."""
        e = self.engagement
        rows = [
            Engagement.objects.filter(pk=e.pk).values().first(),
            list(
                User.objects.filter(role_assignments__engagement=e)
                .order_by("pk")
                .values("pk", "email", "display_name", "time_zone", "language", "password")
            ),
        ]
        for model in tenant_models():
            rows.append(list(model._default_manager.filter(engagement=e).order_by("pk").values()))
        return hashlib.sha256(repr(rows).encode()).hexdigest()


def tenant_models() -> list[type]:
    """Every model with a direct foreign key to the engagement: the tenant-owned tables."""
    return [
        model
        for model in apps.get_models()
        if any(
            getattr(field, "related_model", None) is Engagement and field.name == "engagement"
            for field in model._meta.get_fields()
            if field.concrete
        )
    ]


@pytest.fixture
def victim(db, settings) -> Victim:
    client_org = Organization.objects.create(name="Nordfer Client SA", kind="client")
    engagement = EngagementFactory(
        name="Nordfer Industrie",
        slug="nordfer",
        key_prefix="NORD",
        client=client_org,
        strategy="Our strategy-ZX81",
    )
    director = member(
        engagement, Role.DIRECTOR, email="victim-director@nordfer.example", display_name="V D"
    )
    admin = member(engagement, Role.AGENCY_ADMIN)
    token = api_token_create(
        engagement=engagement, name="NordferSecretToken", scope="write", created_by=admin
    ).token
    # Created before the tickets below, so that their events are in its delivery log.
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    webhook = webhook_create(
        engagement=engagement,
        created_by=admin,
        target_url="https://hooks.nordfer.example/QX42",
        events=["ticket.created", "meeting.held"],
        description="webhook-QX42",
    )
    ticket = ticket_create(
        actor=admin,
        engagement=engagement,
        title="Punch-out catalogue QX42",
        kind="feature",
        origin="client_request",
    )
    criterion = criterion_add(actor=admin, ticket=ticket, text="criterion-QX42")
    comment_add(actor=admin, ticket=ticket, body="comment-QX42")
    (attachment,) = attachments_add(
        actor=admin,
        ticket=ticket,
        uploads=[SimpleUploadedFile("attachment-QX42.txt", b"attachment-QX42 contents\n")],
    )
    sprint = sprint_create(
        actor=admin,
        engagement=engagement,
        name="Sprint QX42",
        start=datetime.date(2026, 11, 2),
        end=datetime.date(2026, 11, 13),
    )
    objective = objective_create(engagement=engagement, title="objective-QX42")
    # Stored backlog settings (scoring row and routing rows): a stranger's save or PATCH of the
    # settings routes would change them, and the fingerprint would tell.
    backlog_settings_update(
        engagement=engagement,
        scoring={"model": "rice", "strategic_weight": Decimal("0.75"), "qa_required": False},
        routing={"bug": "developer", "question": "project_manager"},
    )
    consultant = member(engagement, Role.CONSULTANT)
    roadmap_item = roadmap_item_create(
        engagement=engagement,
        title="roadmap-item-QX42",
        quarter="2027-Q1",
        tickets=[ticket],
        objectives=[objective],
    )
    starts_at = timezone.now() + datetime.timedelta(days=2)
    meeting = meeting_create(
        engagement=engagement,
        organizer=admin,
        title="Sync QX42",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=1),
        attendees=[(director, True)],
    )
    agenda_item = agenda_item_add(meeting=meeting, title="agenda-QX42")
    action_item = action_item_create(
        engagement_id=engagement.pk,
        title="action-QX42",
        owner=director,
        due_date=datetime.date(2026, 12, 1),
        meeting=meeting,
    )
    notification = Notification.objects.create(
        person=director, engagement=engagement, kind="test", title="inbox-QX42"
    )
    review = _signed_off_review(engagement, director, consultant)
    time_entry = time_entry_create(
        actor=admin,
        engagement=engagement,
        person=admin,
        date=timezone.localdate() - datetime.timedelta(days=1),
        minutes=90,
        ticket=ticket,
        note="time-note-QX42",
    )
    budget = budget_create(
        engagement=engagement,
        name="budget-QX42",
        kind=Budget.Kind.MONTHLY,
        unit=Budget.Unit.HOURS,
        amount=Decimal(40),
        starts_on=timezone.localdate().replace(day=1),
    )
    # A running timer: a stranger's stop or discard would change it.
    timer_start(person=admin, engagement=engagement, ticket=ticket)
    # A failed delivery: the one a redelivery would change.
    WebhookDelivery.objects.filter(webhook=webhook).update(state="failed", attempts=6)
    invitation = invitations_send(
        engagement=engagement,
        invited_by=admin,
        emails=["invitee@nordfer.example"],
        role=Role.STAKEHOLDER,
    ).invitations[0]
    return Victim(
        engagement=engagement,
        objects={
            Engagement: engagement,
            RoleAssignment: RoleAssignment.objects.get(person=director),
            ApiToken: token,
            Invitation: invitation,
            User: director,
            Organization: client_org,
            Ticket: ticket,
            AcceptanceCriterion: criterion,
            Attachment: attachment,
            Sprint: sprint,
            StrategicObjective: objective,
            RoadmapItem: roadmap_item,
            Meeting: meeting,
            AgendaItem: agenda_item,
            ActionItem: action_item,
            Notification: notification,
            Review: review,
            TimeEntry: time_entry,
            Budget: budget,
            BudgetPeriod: budget.periods.get(),
            Webhook: webhook,
            WebhookDelivery: WebhookDelivery.objects.filter(webhook=webhook).first(),
        },
    )


def _signed_off_review(engagement, director, consultant) -> Review:
    """A past roadmap review, held with both director and consultant, signed off: its
    snapshot and diff routes are walked too."""
    starts_at = timezone.now() - datetime.timedelta(days=30)
    meeting = Meeting.objects.create(
        engagement=engagement,
        kind=Meeting.Kind.ROADMAP_REVIEW,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        status=Meeting.Status.HELD,
        held_at=starts_at + datetime.timedelta(hours=2),
    )
    for person in (director, consultant):
        Attendee.objects.create(
            engagement=engagement, meeting=meeting, person=person, required=True, attended=True
        )
    review = review_for_meeting(meeting=meeting, now=starts_at)
    review = review_start(actor=director, review=review, now=starts_at)
    review_sign_off(actor=director, review=review, now=starts_at + datetime.timedelta(hours=1))
    review.refresh_from_db()
    return review


# Which object a route's ``pk`` names, by the route's URL name. Extend when adding routes.
PK_OBJECT_BY_ROUTE_NAME: dict[str, type] = {
    "roles:assignment-update": RoleAssignment,
    "roles:assignment-remove": RoleAssignment,
    "roles:api-token-revoke": ApiToken,
    "api-role-assignment-detail": RoleAssignment,
    "api-criterion-detail": AcceptanceCriterion,
    "api-sprint-detail": Sprint,
    "api-objective-detail": StrategicObjective,
    "api-ticket-alignment": StrategicObjective,
    "backlog:criterion-update": AcceptanceCriterion,
    "backlog:criterion-delete": AcceptanceCriterion,
    "backlog:attachment-file": Attachment,
    "backlog:attachment-delete": Attachment,
    "api-attachment-detail": Attachment,
    "api-attachment-content": Attachment,
    "backlog:sprint-board": Sprint,
    "api-meeting-detail": Meeting,
    "api-meeting-attendees": Meeting,
    "api-meeting-agenda": Meeting,
    "api-action-item-detail": ActionItem,
    "api-roadmap-item-detail": RoadmapItem,
    "rhythm:meeting-detail": Meeting,
    "rhythm:meeting-respond": Meeting,
    "rhythm:agenda-item-add": Meeting,
    "rhythm:agenda-refresh": Meeting,
    "rhythm:agenda-item-update": Meeting,
    "rhythm:agenda-item-delete": Meeting,
    "rhythm:outcome-record": Meeting,
    "rhythm:meeting-notes": Meeting,
    "rhythm:meeting-mark-held": Meeting,
    "rhythm:meeting-cancel": Meeting,
    "rhythm:meeting-move": Meeting,
    "rhythm:action-item-to-ticket": Meeting,
    "rhythm:meeting-minutes": Meeting,
    "rhythm:action-item-done": ActionItem,
    "rhythm:inbox-read": Notification,
    "roadmap:objective-update": StrategicObjective,
    "roadmap:item-update": RoadmapItem,
    "roadmap:item-move": RoadmapItem,
    "timesheets:entry-detail": TimeEntry,
    "timesheets:entry-delete": TimeEntry,
    "api-time-entry-detail": TimeEntry,
    **dict.fromkeys(
        (
            "timesheets:budget-edit",
            "timesheets:budget-delete",
            "api-budget-detail",
            "api-budget-period-list",
            "api-budget-period-detail",
        ),
        Budget,
    ),
    **dict.fromkeys(
        (
            "webhooks:webhook-detail",
            "webhooks:webhook-ping",
            "webhooks:webhook-set-active",
            "webhooks:webhook-secret-rotate",
            "webhooks:webhook-delete",
            "webhooks:delivery-redeliver",
            "api-webhook-detail",
            "api-webhook-rotate-secret",
            "api-webhook-deliveries",
            "api-webhook-ping",
            "api-webhook-delivery-redeliver",
        ),
        Webhook,
    ),
    **dict.fromkeys(
        (
            "api-review-detail",
            "api-review-pack",
            "api-review-snapshot",
            "api-review-diff",
            "api-review-sign-off",
            "api-review-decision-list",
            "reviews:review-detail",
            "reviews:review-refresh",
            "reviews:review-start",
            "reviews:decision-add",
            "reviews:initiative-answer",
            "reviews:review-sign-off",
            "reviews:snapshot-detail",
            "reviews:diff",
            "reviews:diff-print",
        ),
        Review,
    ),
}
# Which object a route's ``item_pk`` names.
ITEM_OBJECT_BY_ROUTE_NAME: dict[str, type] = {
    "rhythm:agenda-item-update": AgendaItem,
    "rhythm:agenda-item-delete": AgendaItem,
    "rhythm:action-item-to-ticket": ActionItem,
    "webhooks:delivery-redeliver": WebhookDelivery,
    "api-webhook-delivery-redeliver": WebhookDelivery,
}


@dataclass(frozen=True)
class Route:
    path_template: str  # route text as declared, concatenated over the includes
    name: str | None
    callback: Callable
    params: tuple[str, ...]


def _walk(patterns, prefix="", namespace="") -> Iterator[tuple[str, str | None, object]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _walk(entry.url_patterns, prefix + _pattern_text(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            yield prefix + _pattern_text(entry.pattern), name, entry


def _pattern_text(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return str(pattern._route)
    if isinstance(pattern, RegexPattern):
        return "{re}" + pattern._regex.removeprefix("^").removesuffix("$").removesuffix("\\Z")
    raise TypeError(pattern)


ROUTE_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def _regex_param_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Spans of ``(?P<name>...)`` groups, with balanced parentheses."""
    for match in re.finditer(r"\(\?P<(\w+)>", text):
        depth, i = 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0) if text[i - 1] != "\\" else 0
            i += 1
        yield match.start(), i, match.group(1)


def all_routes() -> list[Route]:
    routes = []
    for text, name, pattern in _walk(get_resolver().url_patterns):
        params = [m.group("name") for m in ROUTE_PARAM.finditer(text.replace("{re}", ""))]
        params += [name_ for _s, _e, name_ in _regex_param_spans(text)]
        routes.append(Route(text, name, pattern.callback, tuple(params)))
    return routes


def _build_path(route: Route, values: dict[str, str]) -> str:
    parts = route.path_template.split("{re}")
    out = []
    for part in parts:
        for start, end, name in reversed(list(_regex_param_spans(part))):
            part = part[:start] + values[name] + part[end:]
        part = ROUTE_PARAM.sub(lambda m: values[m.group("name")], part)
        out.append(part.replace("\\", "").replace("/?", "/"))
    return "/" + "".join(out)


class Unfillable(Exception):
    pass


def _fill(route: Route, victim: Victim) -> dict[str, str]:
    values = {}
    model_admin = getattr(route.callback, "model_admin", None)
    for param in route.params:
        if param == "slug":
            values[param] = victim.engagement.slug
        elif param == "key":
            values[param] = victim.objects[Ticket].key
        elif param == "pk":
            model = PK_OBJECT_BY_ROUTE_NAME.get(route.name or "")
            if model is None:
                raise Unfillable(f"{route.name}: which object does <pk> name?")
            values[param] = str(victim.objects[model].pk)
        elif param == "item_pk":
            model = ITEM_OBJECT_BY_ROUTE_NAME.get(route.name or "")
            if model is None:
                raise Unfillable(f"{route.name}: which object does <item_pk> name?")
            values[param] = str(victim.objects[model].pk)
        elif param == "period_id":
            values[param] = str(victim.objects[BudgetPeriod].pk)
        elif param == "person_id":
            values[param] = str(victim.objects[User].pk)
        elif param == "object_id" and model_admin is not None:
            obj = victim.objects.get(model_admin.model)
            values[param] = str(obj.pk) if obj is not None else "1"
        elif param == "object_id":
            values[param] = str(victim.engagement.pk)
        elif param == "content_type_id":
            values[param] = str(ContentType.objects.get_for_model(Engagement).pk)
        elif param == "name" and route.name == "backlog:ticket-property":
            values[param] = "assignee"
        elif param == "app_label":
            values[param] = "collab"
        elif param == "url":
            values[param] = "no-such-admin-page/"
        elif param == "id" and route.name == "admin:auth_user_password_change":
            values[param] = str(victim.objects[User].pk)
        elif param == "uidb64":
            values[param] = urlsafe_base64_encode(force_bytes(victim.objects[User].pk))
        elif param == "token" and route.name == "roles:invitation-accept":
            # A stranger cannot sign: the victim's invitation id under a forged signature.
            invitation = victim.objects[Invitation]
            values[param] = signing.dumps({"invitation": invitation.pk}, key="forged-key")
        elif param == "token":
            values[param] = default_token_generator.make_token(User(pk=0, password="x"))
        else:
            raise Unfillable(f"{route.name or route.path_template}: cannot fill <{param}>")
    return values


ALLOWED_WITH_VICTIM_OBJECT = {302, 400, 401, 404, 405, 410}


def _check(response, *, path: str, method: str, names_victim: bool) -> list[str]:
    problems = []
    body = response.content.decode(errors="replace") if hasattr(response, "content") else ""
    leaked = [s for s in SECRETS if s in body]
    if leaked:
        problems.append(f"{method} {path}: body reveals {leaked}")
    if names_victim and response.status_code not in ALLOWED_WITH_VICTIM_OBJECT:
        problems.append(f"{method} {path}: answered {response.status_code}")
    if response.status_code == 302 and names_victim:
        location = response.headers.get("Location", "")
        if "login" not in location:
            problems.append(f"{method} {path}: redirects to {location}")
    return problems


def test_every_route_hides_another_engagements_data(victim, capsys):
    stranger_engagement = EngagementFactory(name="Maison Lila", slug="maison-lila")
    stranger = member(stranger_engagement, Role.AGENCY_ADMIN)
    member(stranger_engagement, Role.DIRECTOR)
    stranger_token = api_token_create(
        engagement=stranger_engagement, name="Lila CI", scope="write", created_by=stranger
    ).raw_key

    routes = all_routes()
    problems, unfillable, covered = [], [], 0
    before = victim.fingerprint()
    for route in routes:
        try:
            values = _fill(route, victim)
        except Unfillable as error:
            unfillable.append(str(error))
            continue
        path = _build_path(route, values)
        assert resolve(path).func == route.callback, f"{path} does not resolve to its route"
        names_victim = bool(route.params)
        is_api = path.startswith("/api/")
        methods = ["get", "post", "put", "patch", "delete"] if is_api else ["get", "post"]
        for method in methods:
            client = Client()
            client.force_login(stranger)
            response = getattr(client, method)(path, secure=True)
            problems += _check(response, path=path, method=method, names_victim=names_victim)
            if is_api:
                api = APIClient()
                api.credentials(HTTP_AUTHORIZATION=f"Bearer {stranger_token}")
                response = getattr(api, method)(path, {}, format="json", secure=True)
                problems += _check(
                    response, path=path, method=f"{method} (token)", names_victim=names_victim
                )
            if victim.fingerprint() != before:
                problems.append(f"{method} {path}: changed the victim's data")
                before = victim.fingerprint()
        covered += 1

    with capsys.disabled():
        print(f"\nURL walker: {covered} of {len(routes)} routes covered")
    assert unfillable == [], "routes left untested:\n" + "\n".join(unfillable)
    assert covered == len(routes)
    assert problems == [], "\n".join(problems)


def test_the_walker_sees_the_tenant_routes():
    names = {route.name for route in all_routes()}

    assert {"collab:engagement-detail", "roles:team", "api-engagement-detail"} <= names
    assert {"backlog:settings", "backlog:settings-preview", "api-backlog-settings"} <= names
    assert len(names) > 20
