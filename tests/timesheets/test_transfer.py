"""Time as CSV: the invoicing sheet's export (content, formula injection, what the client's
people get, filters, queries, language, tenancy) and the import of Toggl, Harvest and Clockify
exports (recognised, every refusal in the dry run, all or nothing, no double import, tenancy)."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from backlog.timesheets.bulk import EntryInput, time_entries_check
from backlog.timesheets.csv_formats import CLOCKIFY, HARVEST, TOGGL, detect_format, parse_minutes
from backlog.timesheets.csv_import import time_import
from backlog.timesheets.models import TimeEntry, TimeEntryChange
from backlog.timesheets.services import time_entry_create, timesheet_week_approve
from backlog.transfer.csv_reading import ImportRefused
from roles.models import Role
from tests.backlog.factories import TicketFactory
from tests.factories import EngagementFactory, RoleAssignmentFactory, member
from tests.timesheets.conftest import MONDAY

pytestmark = pytest.mark.django_db

TOGGL_HEADER = (
    "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,"
    "End time,Duration,Tags,Amount ()"
)
HARVEST_HEADER = (
    "Date,Client,Project,Project Code,Task,Notes,Hours,Hours Rounded,Billable?,Invoiced?,"
    "Approved?,First Name,Last Name,Roles,Employee?,Billable Rate,Billable Amount,Cost Rate,"
    "Cost Amount,Currency,External Reference URL"
)
CLOCKIFY_HEADER = (
    "Project,Client,Description,Task,User,Group,Email,Tags,Billable,Start Date,Start Time,"
    "End Date,End Time,Duration (h),Duration (decimal),Billable Rate (EUR),"
    "Billable Amount (EUR)"
)


@pytest.fixture(autouse=True)
def _run_dir(settings, tmp_path):
    settings.RUN_DIR = tmp_path


def toggl(*rows: str) -> bytes:
    return "\n".join([TOGGL_HEADER, *rows, ""]).encode()


def toggl_row(email="dev@atelier.example", day="2026-03-09", duration="01:30:00", text="Work"):
    return f'Dev One,{email},Nordfer,Shop,,"{text}",Yes,{day},09:00:00,{day},10:30:00,{duration},,'


def export(client, engagement, **query):
    response = client.get(reverse("timesheets:export", args=[engagement.slug]), query)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def upload(client, engagement, data: bytes, fmt: str = ""):
    return client.post(
        reverse("timesheets:import", args=[engagement.slug]),
        {"file": SimpleUploadedFile("time.csv", data, content_type="text/csv"), "format": fmt},
    )


# Export -------------------------------------------------------------------------------------


def test_the_export_is_the_invoicing_sheet_with_every_cell_neutralised(
    client, engagement, developer, manager, log
):
    ticket = TicketFactory(engagement=engagement, title='=HYPERLINK("http://x")')
    log(developer, ticket=ticket, minutes=90, note="@SUM(A1) review")
    log(
        developer,
        day=MONDAY + datetime.timedelta(days=1),
        minutes=45,
        billable=False,
        note="internal detail",
        note_internal=True,
    )
    client.force_login(manager)

    rows = export(client, engagement)

    assert rows[0] == [
        "Date",
        "Person",
        "Email",
        "Role",
        "Ticket",
        "Ticket title",
        "Hours",
        "Minutes",
        "Billable",
        "Approved",
        "Note",
        "Internal note",
    ]
    assert rows[1:] == [
        [
            "2026-03-09",
            "Dev One",
            "dev@atelier.example",
            "Developer",
            ticket.key,
            '\'=HYPERLINK("http://x")',
            "1.50",
            "90",
            "Yes",
            "No",
            "'@SUM(A1) review",
            "No",
        ],
        [
            "2026-03-10",
            "Dev One",
            "dev@atelier.example",
            "Developer",
            "",
            "",
            "0.75",
            "45",
            "No",
            "No",
            "internal detail",
            "Yes",
        ],
    ]


def test_the_client_gets_approved_billable_time_without_internal_notes(
    client, engagement, developer, manager, director, log
):
    last = MONDAY - datetime.timedelta(days=7)
    log(developer, day=last, minutes=120, note="shown-note")
    log(developer, day=last, minutes=15, note="hidden-internal", note_internal=True)
    log(developer, day=last, minutes=30, billable=False, note="not-billed")
    log(developer, minutes=60, note="not-approved-yet")
    timesheet_week_approve(actor=manager, engagement=engagement, person=developer, week_of=last)
    client.force_login(director)

    rows = export(client, engagement)

    assert rows[0][-1] == "Note" and "Internal note" not in rows[0]
    assert [(row[7], row[8], row[9], row[10]) for row in rows[1:]] == [
        ("120", "Yes", "Yes", "shown-note"),
        ("15", "Yes", "Yes", ""),
    ]
    body = "\n".join(",".join(row) for row in rows)
    assert "hidden-internal" not in body and "not-billed" not in body
    assert "not-approved-yet" not in body


def test_the_export_follows_the_period_and_the_person(client, engagement, developer, manager, log):
    log(developer, day=datetime.date(2026, 2, 27), minutes=30)
    log(developer, day=MONDAY, minutes=60)
    log(manager, day=MONDAY, minutes=120)
    client.force_login(manager)

    march = export(client, engagement, month="2026-03")
    assert sorted(row[7] for row in march[1:]) == ["120", "60"]
    feb = export(client, engagement, date_from="2026-02-01", date_to="2026-02-28")
    assert [row[7] for row in feb[1:]] == ["30"]
    mine = export(client, engagement, person=developer.pk, month="2026-03")
    assert [(row[1], row[7]) for row in mine[1:]] == [("Dev One", "60")]
    url = reverse("timesheets:export", args=[engagement.slug])
    response = client.get(url, {"month": "March"})
    assert response.status_code == 400
    assert "filters are not valid" in response.content.decode()


def test_the_export_reads_in_the_persons_language(client, engagement, developer, manager, log):
    log(developer, minutes=60)
    manager.language = "fr"
    manager.save()
    client.force_login(manager)

    rows = export(client, engagement)

    assert rows[0][:4] == ["Date", "Personne", "E-mail", "Rôle"]
    assert rows[1][3] == "Développeur" and rows[1][8] == "Oui" and rows[1][9] == "Non"


@pytest.mark.parametrize("count", [2, 20])
def test_the_export_reads_in_a_constant_number_of_queries(
    client, engagement, developer, manager, count, django_assert_num_queries
):
    tickets = [TicketFactory(engagement=engagement) for _ in range(count)]
    for n, ticket in enumerate(tickets):
        log_day = MONDAY + datetime.timedelta(days=n % 3)
        time_entry_create(
            actor=developer,
            engagement=engagement,
            person=developer,
            date=log_day,
            minutes=10,
            ticket=ticket,
        )
    client.force_login(manager)
    url = reverse("timesheets:export", args=[engagement.slug])
    with django_assert_num_queries(EXPORT_QUERIES):
        response = client.get(url)
        lines = list(response.streaming_content)
    assert len(lines) == count + 1


# Session, person, the engagement with the person's roles (the page's guard and the time it
# may see), the entries.
EXPORT_QUERIES = 4


def test_another_engagements_people_get_404_from_export_and_import(
    client, engagement, log, developer
):
    log(developer)
    stranger = member(EngagementFactory(), Role.PROJECT_MANAGER)
    client.force_login(stranger)

    assert client.get(reverse("timesheets:export", args=[engagement.slug])).status_code == 404
    assert client.get(reverse("timesheets:import", args=[engagement.slug])).status_code == 404
    assert upload(client, engagement, toggl(toggl_row())).status_code == 404
    assert TimeEntry.objects.count() == 1


def test_only_the_project_manager_and_the_agency_admin_import(
    client, engagement, developer, manager, admin_user, director
):
    url = reverse("timesheets:import", args=[engagement.slug])
    for person, status in [(developer, 403), (director, 403), (manager, 200), (admin_user, 200)]:
        client.force_login(person)
        assert client.get(url).status_code == status, person
    client.force_login(developer)
    assert upload(client, engagement, toggl(toggl_row())).status_code == 403
    assert not TimeEntry.objects.exists()
    client.force_login(manager)
    entries = client.get(reverse("timesheets:entry-list", args=[engagement.slug])).content
    assert url.encode() in entries
    client.force_login(developer)
    entries = client.get(reverse("timesheets:entry-list", args=[engagement.slug])).content
    assert url.encode() not in entries
    assert reverse("timesheets:export", args=[engagement.slug]).encode() in entries


# Import: formats ----------------------------------------------------------------------------


def test_each_tool_is_recognised_by_its_header():
    assert detect_format(TOGGL_HEADER.split(",")) == TOGGL
    assert detect_format(HARVEST_HEADER.split(",")) == HARVEST
    assert detect_format(CLOCKIFY_HEADER.split(",")) == CLOCKIFY
    with pytest.raises(ImportRefused, match="does not recognise these columns"):
        detect_format(["title", "kind"])


def test_durations_read_as_the_tools_write_them():
    assert parse_minutes("01:30:00") == 90
    assert parse_minutes("0:45") == 45
    assert parse_minutes("1.25") == 75
    assert parse_minutes("1,5") == 90
    assert parse_minutes("00:00:40") == 1


def test_a_toggl_export_is_checked_then_imported(client, engagement, developer, manager):
    ticket = TicketFactory(engagement=engagement, title="Checkout")
    data = toggl(
        toggl_row(text=f"{ticket.key} checkout fixes"),
        toggl_row(day="2026-03-10", duration="00:45:00", text="Standup"),
    )
    client.force_login(manager)

    dry = upload(client, engagement, data)

    assert dry.status_code == 200
    report = dry.context["report"]
    assert (report.format, report.ready, report.ready_minutes, report.errors) == (TOGGL, 2, 135, [])
    assert "2 time entries ready to import (2.25 h)" in dry.content.decode()
    assert not TimeEntry.objects.exists()
    token = dry.context["token"]

    done = client.post(reverse("timesheets:import", args=[engagement.slug]), {"token": token})

    assert done.status_code == 302
    entries = list(TimeEntry.objects.order_by("date"))
    assert [
        (e.person, e.date, e.minutes, e.ticket, e.role, e.billable, e.note) for e in entries
    ] == [
        (developer, MONDAY, 90, ticket, Role.DEVELOPER, True, f"{ticket.key} checkout fixes"),
        (developer, datetime.date(2026, 3, 10), 45, None, Role.DEVELOPER, True, "Standup"),
    ]
    assert all(e.import_ref.startswith("toggl:") for e in entries)
    assert TimeEntryChange.objects.filter(action="created", actor=manager).count() == 2


def test_a_harvest_export_finds_people_by_name_and_roles_by_column(engagement, manager, multi):
    rows = [
        "2026-03-09,Nordfer,Shop,,Testing,Regression pass,2.5,2.5,Yes,No,No,Multi,Role,"
        "Tester,Yes,100,250,50,125,EUR,",
        "3/10/2026,Nordfer,Shop,,Meeting,Weekly,1,1,No,No,No,Claire,Dubois,,Yes,,,,,EUR,",
    ]
    data = "\n".join([HARVEST_HEADER, *rows]).encode()

    report = time_import(actor=manager, engagement=engagement, data=data)

    assert (report.format, report.created, report.errors) == (HARVEST, 2, [])
    entries = list(TimeEntry.objects.order_by("date"))
    assert [(e.person, e.date, e.minutes, e.role, e.billable) for e in entries] == [
        (multi, MONDAY, 150, Role.TESTER, True),
        (manager, datetime.date(2026, 3, 10), 60, Role.PROJECT_MANAGER, False),
    ]


def test_a_clockify_export_reads_its_decimal_duration(engagement, developer, manager):
    row = (
        "Shop,Nordfer,Code review,,Dev One,,dev@atelier.example,,No,03/09/2026,09:00:00,"
        "03/09/2026,11:15:00,02:15:00,2.25,0,0"
    )
    data = "\n".join([CLOCKIFY_HEADER, row]).encode()

    report = time_import(actor=manager, engagement=engagement, data=data)

    assert (report.format, report.created, report.errors) == (CLOCKIFY, 1, [])
    entry = TimeEntry.objects.get()
    assert (entry.person, entry.date, entry.minutes, entry.billable) == (
        developer,
        MONDAY,
        135,
        False,
    )


# Import: refusals ---------------------------------------------------------------------------


def test_every_bad_row_is_reported_in_the_dry_run_and_nothing_is_written(
    client, engagement, other_engagement, developer, manager, multi, log
):
    foreign = TicketFactory(engagement=other_engagement)
    newcomer = member(engagement, Role.DEVELOPER, email="new@atelier.example")
    newcomer.role_assignments.update(start_date=datetime.date(2026, 3, 10))
    log(developer, day=datetime.date(2026, 3, 10), minutes=23 * 60)
    TicketFactory(engagement=engagement)
    data = toggl(
        toggl_row(),  # row 2: sound
        toggl_row(day="31/03/2026"),  # 3: not a date
        toggl_row(duration="soon"),  # 4: not a duration
        toggl_row(email="nobody@example.com"),  # 5: unknown person
        toggl_row(day="2026-03-12"),  # 6: tomorrow
        toggl_row(day="2026-03-10", duration="02:00:00"),  # 7: over 24 hours
        toggl_row(email="new@atelier.example"),  # 8: no role held that day
        toggl_row(text=f"Pairing on {foreign.key}"),  # 9: another engagement's ticket
        toggl_row(email=multi.email),  # 10: two roles, none named
        toggl_row(text="Fix NORD-999"),  # 11: no such ticket here
        toggl_row(duration="00:00:00"),  # 12: nothing
    )
    client.force_login(manager)

    response = upload(client, engagement, data)

    assert response.status_code == 200
    report = response.context["report"]
    assert [(error.row, error.column) for error in report.errors] == [
        (3, "Start date"),
        (4, "Duration"),
        (5, "Email"),
        (6, "Start date"),
        (7, "Duration"),
        (8, "Start date"),
        (9, "Description"),
        (10, "Role"),
        (11, "Description"),
        (12, "Duration"),
    ]
    reasons = [error.reason for error in report.errors]
    assert reasons[0] == "“31/03/2026” is not a date (for example 2026-03-12)."
    assert reasons[1] == "“soon” is not a duration (for example 01:30:00 or 1.5)."
    assert reasons[2] == "No one on this engagement has the email “nobody@example.com”."
    assert reasons[3] == "Time cannot be logged for a day in the future."
    assert reasons[4].startswith("That would make 25h on")
    assert "holds no role on this engagement" in reasons[5]
    assert reasons[6] == "This ticket belongs to another engagement."
    assert "holds several roles" in reasons[7]
    assert reasons[8] == "No ticket NORD-999 on this engagement."
    assert reasons[9] == "A duration must be more than zero."
    body = response.content.decode()
    assert "The file has 10 problems" in body and response.context["token"] == ""
    assert TimeEntry.objects.count() == 1


def test_rows_of_the_same_day_add_up_to_the_24_hours(engagement, developer, manager):
    data = toggl(toggl_row(duration="14:00:00"), toggl_row(duration="11:00:00", text="More"))

    report = time_import(actor=manager, engagement=engagement, data=data)

    assert [(error.row, error.column) for error in report.errors] == [(3, "Duration")]
    assert not TimeEntry.objects.exists()


def test_an_approved_week_refuses_its_rows(engagement, developer, manager, log):
    last = MONDAY - datetime.timedelta(days=7)
    log(developer, day=last, minutes=60)
    timesheet_week_approve(actor=manager, engagement=engagement, person=developer, week_of=last)

    report = time_import(
        actor=manager, engagement=engagement, data=toggl(toggl_row(day="2026-03-03"))
    )

    assert [(e.row, e.column) for e in report.errors] == [(2, "Start date")]
    assert "approved and is locked" in report.errors[0].reason
    assert TimeEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\n\n", "The file is empty."),
        (b"title,kind\nA,feature\n", "does not recognise these columns"),
        ("\ufeffEmail,Start date,Duration\n".encode("utf-16"), "UTF-16"),
        (
            b"Email,Start date,Task\ndev@atelier.example,2026-03-09,x\n",
            "does not recognise these columns",
        ),
        (b"Start Date,Description,Duration (h)\n", "no column"),
    ],
    ids=["empty", "unknown-format", "wrong-encoding", "no-duration", "clockify-without-email"],
)
def test_a_file_that_cannot_be_read_is_refused_whole(client, engagement, manager, data, message):
    client.force_login(manager)

    response = upload(client, engagement, data)

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["file"])
    assert not TimeEntry.objects.exists()


def test_the_import_is_all_or_nothing_when_time_was_logged_since_the_dry_run(
    client, engagement, developer, manager, log
):
    data = toggl(toggl_row(day="2026-03-09"), toggl_row(day="2026-03-10", duration="03:00:00"))
    client.force_login(manager)
    token = upload(client, engagement, data).context["token"]
    assert token
    log(developer, day=datetime.date(2026, 3, 10), minutes=22 * 60)

    response = client.post(reverse("timesheets:import", args=[engagement.slug]), {"token": token})

    assert response.status_code == 200
    assert [(e.row, e.column) for e in response.context["report"].errors] == [(3, "Duration")]
    assert "Nothing was imported" in response.content.decode()
    assert TimeEntry.objects.count() == 1 and not TimeEntry.objects.exclude(import_ref="").exists()


def test_the_same_file_imported_twice_adds_nothing(engagement, developer, manager):
    # Two identical rows are two entries (two occurrences), not one row imported twice.
    data = toggl(toggl_row(), toggl_row(), toggl_row(day="2026-03-10"))

    first = time_import(actor=manager, engagement=engagement, data=data)
    again = time_import(actor=manager, engagement=engagement, data=data, dry_run=True)
    second = time_import(actor=manager, engagement=engagement, data=data)

    assert (first.created, first.unchanged) == (3, [])
    assert (again.ready, again.unchanged, again.errors) == (0, [2, 3, 4], [])
    assert (second.created, second.unchanged) == (0, [2, 3, 4])
    assert TimeEntry.objects.count() == 3
    grown = toggl(toggl_row(), toggl_row(), toggl_row(day="2026-03-10"), toggl_row(text="New"))
    assert time_import(actor=manager, engagement=engagement, data=grown).created == 1


def test_the_confirmation_is_bound_to_its_engagement(client, engagement, other_engagement, manager):
    client.force_login(manager)
    token = upload(client, engagement, toggl(toggl_row())).context["token"]
    RoleAssignmentFactory(engagement=other_engagement, person=manager, role=Role.PROJECT_MANAGER)

    response = client.post(
        reverse("timesheets:import", args=[other_engagement.slug]), {"token": token}
    )

    assert response.status_code == 302
    assert not TimeEntry.objects.exists()


def test_the_dry_run_reads_in_the_persons_language(client, engagement, developer, manager):
    manager.language = "fr"
    manager.save()
    client.force_login(manager)

    response = upload(client, engagement, toggl(toggl_row(day="2026-03-12")))

    body = response.content.decode()
    assert "On ne peut pas saisir de temps pour un jour à venir." in body
    assert "Rien n\u2019a été importé" in body


def test_progress_is_reported_as_the_backlog_import_reports_it(engagement, developer, manager):
    seen = []
    data = toggl(
        *[toggl_row(day="2026-03-09", duration="00:01:00", text=f"T{n}") for n in range(3)]
    )

    time_import(
        actor=manager,
        engagement=engagement,
        data=data,
        progress=lambda stage, done, total: seen.append((stage, done, total)),
    )

    assert seen == [("read", 3, 3), ("validated", 3, 3), ("written", 3, 3)]


@pytest.mark.parametrize("count", [2, 30])
def test_the_rows_are_checked_in_a_constant_number_of_queries(
    engagement, developer, manager, count, django_assert_num_queries
):
    rows = [
        EntryInput(person=developer if n % 2 else manager, date=MONDAY, minutes=10)
        for n in range(count)
    ]
    with django_assert_num_queries(3):
        _entries, refused = time_entries_check(engagement=engagement, rows=rows)
    assert refused == {}


def test_the_command_imports_a_large_file_with_its_progress(
    engagement, developer, admin_user, tmp_path
):
    from django.core.management import call_command

    rows = [toggl_row(duration="00:01:00", text=f"Task {n}") for n in range(1001)]
    path = tmp_path / "toggl.csv"
    path.write_bytes(toggl(*rows))
    out = io.StringIO()

    call_command("import_time", engagement=engagement.slug, file=str(path), stdout=out)

    lines = out.getvalue().splitlines()
    assert "read 500/1001" in lines and "read 1001/1001" in lines
    assert "written 500/1001" in lines and "written 1001/1001" in lines
    assert "1001 time entries imported." in lines[-1]
    assert TimeEntry.objects.filter(person=developer).count() == 1001
