"""The Django admin as a whole, found from its registry (never listed by hand): every model of
the four apps is registered; every admin's pages answer on the demo data; changelists read in
the same number of queries whatever the rows; read-only admins refuse every write; the admin is
for the agency's staff only."""

import datetime as dt
from io import StringIO

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from backlog.models import ClientAcceptance, Ticket
from backlog.services import (
    attachments_add,
    backlog_settings_update,
    impact_analysis_set,
    success_metric_add,
)
from backlog.services.ranking_jobs import ranking_job_request
from backlog.timesheets.services import timer_start
from collab.models import (
    DigestDelivery,
    Engagement,
    IdempotencyRecord,
    Meeting,
    ReminderDelivery,
    User,
)
from collab.rhythm.services import person_preferences_get_or_create, rhythm_settings_update
from collab.services import api_token_create
from collab.webhooks.services import webhook_create, webhook_events_emit
from roles.models import Role
from tests.factories import InvitationFactory

APPS = ("collab", "roles", "backlog", "roadmap")
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def app_models() -> list[type]:
    return [model for app in APPS for model in apps.get_app_config(app).get_models()]


def registered() -> list[type]:
    """The models of the four apps that have an admin, in a stable order."""
    return sorted(
        (model for model in admin.site._registry if model._meta.app_label in APPS),
        key=lambda model: model._meta.label,
    )


def url(model: type, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def label(model: type) -> str:
    return model._meta.label


def _demo_completed() -> None:
    """Rows of the models ``seed_demo`` leaves empty (or holds once): at least two of each."""
    nordfer, lila = (Engagement.objects.get(slug=slug) for slug in ("nordfer", "maison-lila"))
    agency_admin = User.objects.get(email="admin@atelier.example")
    director = User.objects.get(email="director@nordfer.example")
    tickets = list(Ticket.objects.filter(engagement=nordfer).order_by("number")[:2])
    for number, engagement in enumerate((nordfer, lila)):
        api_token_create(engagement=engagement, name="CI", scope="read", created_by=agency_admin)
        InvitationFactory(engagement=engagement, email=f"invitee{number}@example.com")
        rhythm_settings_update(engagement=engagement, reminder_offsets=[1440, 60 - number])
        backlog_settings_update(
            engagement=engagement,
            scoring={"model": "wsjf"},
            routing={"bug": "developer", "question": "project_manager"},
        )
        # A ranking job asked for, as a change to a big engagement does (never sent: the
        # module's transaction is rolled back).
        ranking_job_request(
            engagement_id=engagement.pk,
            total=Ticket.objects.filter(engagement=engagement).count(),
        )
        webhook_create(
            engagement=engagement,
            created_by=agency_admin,
            target_url=f"https://hooks.example.com/tandem-{number}",
            events=["ticket.created"],
        )
        webhook_events_emit(
            engagement=engagement,
            events=[("ticket.created", {"number": n}) for n in range(5)],
        )
    for person in (agency_admin, director):
        person_preferences_get_or_create(person=person)
    # Two running timers (the demo stops none of its own).
    for email in ("admin@atelier.example", "lukas.becker@atelier.example"):
        timer_start(person=User.objects.get(email=email), engagement=nordfer)
    for number, ticket in enumerate(tickets):
        success_metric_add(actor=agency_admin, ticket=ticket, name="Orders", target=f"+{number}%")
        impact_analysis_set(
            actor=agency_admin, ticket=ticket, affected_areas="Checkout", risk_level="low"
        )
        ClientAcceptance.objects.create(
            engagement=nordfer, ticket=ticket, person=director, decision="accepted"
        )
        attachments_add(
            actor=director,
            ticket=ticket,
            uploads=[SimpleUploadedFile(f"nordfer-{number}.log", b"GET /checkout 500\n")],
        )
    now = timezone.now()
    meeting = Meeting.objects.filter(engagement=nordfer).order_by("pk").first()
    for number, offset in enumerate((1440, 240, 60, 30, 15)):
        ReminderDelivery.objects.create(
            engagement=nordfer,
            meeting=meeting,
            person=director,
            offset_minutes=offset,
            due_at=meeting.starts_at - dt.timedelta(minutes=offset),
            message_id=f"<reminder-{number}@tandem>",
        )
        DigestDelivery.objects.create(
            person=director,
            local_date=dt.date(2026, 3, 1) + dt.timedelta(days=number),
            message_id=f"<digest-{number}@tandem>",
        )
        IdempotencyRecord.objects.create(
            principal_kind="person",
            principal_id=agency_admin.pk,
            key=f"key-{number}",
            method="POST",
            path="/api/v1/engagements/nordfer/tickets/",
            fingerprint="0" * 64,
            response_status=201,
            response_body={"number": number},
            created_at=now,
        )


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data of ``seed_demo`` completed with the models it leaves empty, once for the
    module, inside a transaction rolled back at its end (each test rolls back its own)."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS, WEBHOOK_ALLOW_PRIVATE_TARGETS=True),
        transaction.atomic(),
    ):
        call_command("seed_demo", stdout=StringIO())
        _demo_completed()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def superuser_client(demo, superuser_client):
    """The superuser's client, on the demo data."""
    return superuser_client


def test_every_model_of_the_apps_has_an_admin():
    missing = [label(model) for model in app_models() if model not in admin.site._registry]

    assert missing == [], "register these models in their app's admin module"
    assert len(registered()) == len(app_models())


def test_the_demo_holds_at_least_two_rows_of_every_registered_model(demo, db):
    counts = {label(model): model._default_manager.count() for model in registered()}

    assert {name: count for name, count in counts.items() if count < 2} == {}


@pytest.mark.parametrize("model", registered(), ids=label)
def test_every_changelist_answers_with_and_without_a_search(superuser_client, model):
    plain = superuser_client.get(url(model, "changelist"))
    searched = superuser_client.get(url(model, "changelist"), {"q": "nord"})

    assert plain.status_code == 200
    assert plain.context["cl"].result_count == model._default_manager.count()
    assert searched.status_code == 200


@pytest.mark.parametrize("model", registered(), ids=label)
def test_every_change_page_answers(superuser_client, model):
    obj = model._default_manager.order_by("pk").first()

    response = superuser_client.get(url(model, "change", obj.pk))

    assert response.status_code == 200
    assert response.context["original"] == obj


@pytest.mark.parametrize("model", registered(), ids=label)
def test_every_add_page_answers_or_is_refused(superuser_client, model):
    model_admin = admin.site._registry[model]
    request = superuser_client.get(url(model, "changelist")).wsgi_request

    response = superuser_client.get(url(model, "add"))

    assert response.status_code == (200 if model_admin.has_add_permission(request) else 403)


@pytest.mark.parametrize("model", registered(), ids=label)
def test_every_changelist_reads_as_many_queries_for_one_row_as_for_five(superuser_client, model):
    pks = [str(pk) for pk in model._default_manager.order_by("pk").values_list("pk", flat=True)]
    changelist = url(model, "changelist")
    superuser_client.get(changelist)  # caches (content types, session) warm

    def queries_for(rows: list[str]) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = superuser_client.get(changelist, {"pk__in": ",".join(rows)})
        assert response.context["cl"].result_count == len(rows)
        return len(queries)

    assert queries_for(pks[:1]) == queries_for(pks[:5])


HEAVY = {
    "collab.Meeting",
    "collab.Attendee",
    "collab.MeetingNotice",
    "collab.ReminderDelivery",
    "collab.Notification",
    "collab.AgendaItem",
    "collab.Outcome",
    "collab.ActionItem",
    "collab.WebhookDelivery",
    "backlog.Ticket",
    "backlog.TicketHistory",
    "backlog.AcceptanceCriterion",
    "backlog.QAVerdict",
    "backlog.QACriterionResult",
    "backlog.TimeEntry",
    "backlog.TimeEntryChange",
    "roadmap.TicketAlignment",
    "roadmap.ValueRealisation",
}


def test_the_heavy_changelists_are_compared_at_five_rows(demo, db):
    counts = {label(model): model._default_manager.count() for model in registered()}

    assert {name: counts[name] for name in HEAVY if counts[name] < 5} == {}


# Ledgers and records that only the system writes, and rows whose writes have rules.
READ_ONLY = [
    "collab.IdempotencyRecord",
    "collab.PersonPreferences",
    "collab.Meeting",
    "collab.Attendee",
    "collab.ReminderDelivery",
    "collab.MeetingNotice",
    "collab.MeetingSeries",
    "collab.SeriesNotice",
    "collab.DigestDelivery",
    "collab.Notification",
    "collab.AgendaSection",
    "collab.AgendaItem",
    "collab.Outcome",
    "collab.ActionItem",
    "collab.MeetingNotes",
    "collab.Webhook",
    "collab.WebhookDelivery",
    "backlog.Ticket",
    "backlog.TicketCounter",
    "backlog.TicketHistory",
    "backlog.Comment",
    "backlog.Attachment",
    "backlog.StakeholderScore",
    "backlog.AcceptanceCriterion",
    "backlog.SuccessMetric",
    "backlog.ImpactAnalysis",
    "backlog.QAVerdict",
    "backlog.QACriterionResult",
    "backlog.ClientAcceptance",
    "backlog.TimeEntry",
    "backlog.TimesheetWeek",
    "backlog.TimeEntryChange",
    "backlog.RunningTimer",
    "roadmap.TicketAlignment",
    "roadmap.Review",
    "roadmap.ReviewSnapshot",
    "roadmap.ReviewDecision",
    "roadmap.ValueRealisation",
]


@pytest.mark.parametrize("name", READ_ONLY)
def test_read_only_admins_refuse_to_add_change_or_delete(superuser_client, name):
    model = apps.get_model(name)
    obj = model._default_manager.order_by("pk").first()
    before = model._default_manager.count()

    page = superuser_client.get(url(model, "change", obj.pk))
    posted = superuser_client.post(url(model, "change", obj.pk), {})
    add = superuser_client.get(url(model, "add"))
    delete = superuser_client.post(url(model, "delete", obj.pk), {"post": "yes"})
    changelist = superuser_client.get(url(model, "changelist")).content.decode()

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert (posted.status_code, add.status_code, delete.status_code) == (403, 403, 403)
    assert url(model, "add") not in changelist
    assert 'value="delete_selected"' not in changelist
    assert model._default_manager.count() == before


def test_read_only_pages_never_show_a_secret(superuser_client):
    webhook = apps.get_model("collab.Webhook").objects.order_by("pk").first()
    preferences = apps.get_model("collab.PersonPreferences").objects.order_by("pk").first()

    webhook_page = superuser_client.get(url(type(webhook), "change", webhook.pk))
    preferences_page = superuser_client.get(url(type(preferences), "change", preferences.pk))

    assert webhook.target_url in webhook_page.content.decode()
    assert webhook.secret not in webhook_page.content.decode()
    assert preferences.calendar_token not in preferences_page.content.decode()


@pytest.mark.parametrize("model", registered(), ids=label)
def test_members_without_staff_status_are_sent_to_the_admin_login(demo, db, client, model):
    """A client's director, and the agency's project manager: members of an engagement, not
    the agency's staff."""
    director = User.objects.get(email="director@nordfer.example")
    project_manager = User.objects.filter(
        role_assignments__role=Role.PROJECT_MANAGER, role_assignments__engagement__slug="nordfer"
    ).get()
    obj = model._default_manager.order_by("pk").first()

    assert (director.is_staff, project_manager.is_staff) == (False, False)
    for person in (director, project_manager):
        client.force_login(person)
        for page in (url(model, "changelist"), url(model, "change", obj.pk)):
            response = client.get(page)
            assert response.status_code == 302
            assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize(
    "name",
    [
        "backlog.Sprint",
        "backlog.Label",
        "backlog.ScoringSettings",
        "backlog.ResponsibilityPolicy",
        "collab.RhythmSettings",
        "roadmap.StrategicObjective",
        "roadmap.RoadmapSettings",
        "roles.RoleAssignment",
    ],
)
def test_an_editable_rows_engagement_never_changes_in_the_admin(superuser_client, name):
    model = apps.get_model(name)
    obj = model._default_manager.order_by("pk").first()

    page = superuser_client.get(url(model, "change", obj.pk))

    assert page.status_code == 200
    assert 'name="_save"' in page.content.decode()
    assert 'name="engagement"' not in page.content.decode()
    assert obj.engagement.name in page.content.decode()
