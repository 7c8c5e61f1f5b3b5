"""Importing tickets from a Jira CSV export and from Tandem's own CSV (French Excel included)."""

import datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from backlog.models import Label, Ticket, TicketCounter, TicketHistory
from backlog.transfer import jira
from backlog.transfer.csv_import import ImportRefused, RowError, StoryPoints, tickets_import
from roles.models import Role
from tests.backlog.factories import SprintFactory, TicketFactory
from tests.factories import member

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"
ISSUE_TYPES = ", ".join(sorted(jira.JIRA_ISSUE_TYPES))
STATUSES = ", ".join(sorted(jira.JIRA_STATUSES))


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def snapshot() -> tuple:
    return (
        list(Ticket.objects.order_by("pk").values()),
        list(Label.objects.order_by("pk").values()),
        list(TicketHistory.objects.order_by("pk").values()),
        list(TicketCounter.objects.order_by("pk").values()),
    )


MIXED_ERRORS = [
    RowError(4, "Issue Type", f"“Chore” is not known; use one of: {ISSUE_TYPES}."),
    RowError(5, "Status", f"“Waiting for Godot” is not known; use one of: {STATUSES}."),
    RowError(6, "Summary", "This field cannot be blank."),
    RowError(7, "Created", "“yesterday” is not a date and time (for example 2026-03-12 10:15)."),
    RowError(8, "Issue key", "“SHOP-101” appears twice in the file (first on row 2)."),
]


def test_a_dry_run_of_a_jira_file_lists_every_bad_row_and_writes_nothing(engagement, admin_user):
    before = snapshot()

    report = tickets_import(
        actor=admin_user, engagement=engagement, data=fixture("jira_mixed.csv"), dry_run=True
    )

    assert report.format == "jira"
    assert report.total_rows == 8
    assert report.errors == MIXED_ERRORS
    assert report.ready == 3
    assert report.created == []
    assert snapshot() == before


def test_the_real_import_of_a_file_with_bad_rows_refuses_and_writes_nothing(engagement, admin_user):
    before = snapshot()

    report = tickets_import(actor=admin_user, engagement=engagement, data=fixture("jira_mixed.csv"))

    assert not report.ok
    assert report.errors == MIXED_ERRORS
    assert report.created == []
    assert snapshot() == before


def test_a_clean_jira_file_is_imported_with_its_mapping(engagement, admin_user, director):
    report = tickets_import(actor=admin_user, engagement=engagement, data=fixture("jira_clean.csv"))

    assert report.errors == []
    assert report.created == ["NORD-1", "NORD-2", "NORD-3"]
    rows = {
        t.external_ref: t
        for t in Ticket.objects.filter(engagement=engagement).prefetch_related("labels")
    }
    story, bug, epic = rows["SHOP-101"], rows["SHOP-102"], rows["SHOP-108"]
    assert (story.title, story.kind, story.status, story.severity) == (
        "Quick order by SKU",
        "feature",
        "new",
        "",
    )
    assert story.description == "Buyers paste SKUs.\nOne per line."
    assert story.reporter == director  # matched by email among the members
    assert sorted(label.name for label in story.labels.all()) == ["b2b", "ordering"]
    assert story.created_at == datetime.datetime(2024, 3, 12, 10, 15, tzinfo=datetime.UTC)
    # Tandem's guards refuse their Jira status: both land in triage, and the report says why.
    assert (bug.kind, bug.status, bug.severity) == ("bug", "triage", "critical")
    assert bug.reporter == admin_user  # an unknown reporter is the importing person
    assert (epic.kind, epic.status, epic.deadline) == (
        "feature",
        "triage",
        datetime.date(2026, 12, 31),
    )
    assert [(t.row, t.reference, t.status) for t in report.triaged] == [
        (3, "SHOP-102", "in_progress"),
        (4, "SHOP-108", "done"),
    ]


def test_importing_the_same_file_again_creates_no_duplicates(engagement, admin_user):
    tickets_import(actor=admin_user, engagement=engagement, data=fixture("jira_clean.csv"))
    before = snapshot()

    dry = tickets_import(
        actor=admin_user, engagement=engagement, data=fixture("jira_clean.csv"), dry_run=True
    )
    again = tickets_import(actor=admin_user, engagement=engagement, data=fixture("jira_clean.csv"))

    assert (dry.ready, dry.unchanged) == (0, [(2, "SHOP-101"), (3, "SHOP-102"), (4, "SHOP-108")])
    assert again.created == []
    assert again.unchanged == [(2, "SHOP-101"), (3, "SHOP-102"), (4, "SHOP-108")]
    assert snapshot() == before


def test_a_french_excel_file_semicolons_and_windows_1252_keeps_its_accents(engagement, admin_user):
    report = tickets_import(
        actor=admin_user, engagement=engagement, data=fixture("tandem_french_excel_cp1252.csv")
    )

    assert (report.format, report.encoding, report.delimiter) == ("tandem", "windows-1252", ";")
    assert report.created == ["NORD-1", "NORD-2"]
    first = Ticket.objects.get(engagement=engagement, number=1)
    assert first.title == "Améliorer la fiche produit"
    assert first.description == "Délai de livraison affiché « tôt »"
    assert first.annual_revenue_gain == Decimal("12500.50")
    assert first.effort_days == Decimal("3.5")
    assert first.deadline == datetime.date(2026, 3, 15)
    assert first.external_ref == "NORD-7"
    assert sorted(label.name for label in first.labels.all()) == ["soldes", "été"]
    second = Ticket.objects.get(engagement=engagement, number=2)
    assert (second.title, second.kind, second.origin, second.status) == (
        "Corriger l'accès à l'espace client",
        "bug",
        "client_request",
        "triage",
    )


def test_a_french_excel_file_in_utf8_with_a_byte_order_mark_keeps_its_accents(
    engagement, admin_user, settings
):
    settings.TIME_ZONE = "Europe/Paris"

    report = tickets_import(
        actor=admin_user, engagement=engagement, data=fixture("jira_french_excel_utf8_bom.csv")
    )

    assert (report.format, report.encoding, report.delimiter) == ("jira", "utf-8", ";")
    assert report.created == ["NORD-1", "NORD-2"]
    page = Ticket.objects.get(external_ref="VIN-12")
    assert page.title == "Créer la page « Nos vignerons »"
    assert page.created_at == datetime.datetime(2026, 2, 5, 14, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert [label.name for label in page.labels.all()] == ["été"]
    assert Ticket.objects.get(external_ref="VIN-13").labels.get().name == "œnologie"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This file is binary, not a CSV text file."),
        (
            b"PK\x03\x04\x14\x00\x06\x00",
            "This is an Excel workbook, not a CSV file. In Excel, choose File, Save as, "
            "CSV UTF-8 (or CSV), then import that file.",
        ),
        (
            "Summary,Issue key".encode("utf-16"),
            "This file is in UTF-16 (Unicode text). Save it as CSV UTF-8 and import it again.",
        ),
        (
            b"Summary,Issue key,Issue Type\n\x81\x8d\x8f,A-1,Bug\n",
            "The file's characters are neither UTF-8 nor Windows-1252. Save it as CSV UTF-8 "
            "and import it again.",
        ),
        (b"  \n", "The file is empty."),
        (
            b"Name,Owner\nx,y\n",
            "Tandem does not recognise these columns. A Jira export has Summary, Issue key and "
            "Issue Type; Tandem's own export has title and kind.",
        ),
    ],
)
def test_an_unreadable_file_is_refused_clearly_and_nothing_is_written(
    engagement, admin_user, data, message
):
    before = snapshot()

    with pytest.raises(ImportRefused) as refusal:
        tickets_import(actor=admin_user, engagement=engagement, data=data)

    assert refusal.value.message == message
    assert snapshot() == before


def test_a_jira_file_without_its_required_columns_names_them(engagement, admin_user):
    with pytest.raises(ImportRefused) as refusal:
        tickets_import(actor=admin_user, engagement=engagement, data=b"Summary;Status\nA;Done\n")

    assert refusal.value.message == (
        "The file has no column “Issue key”, “Issue Type” (separator found: “;”)."
    )


def test_the_import_never_reads_or_touches_another_engagements_rows(
    engagement, other_engagement, admin_user
):
    stranger = member(other_engagement, Role.DIRECTOR, email="lila@example.com")
    theirs = TicketFactory(engagement=other_engagement, external_ref="SHOP-101", reporter=stranger)
    SprintFactory(engagement=other_engagement, name="Their sprint")
    data = (
        "key,title,kind,sprint,reporter\n"
        f"LILA-{theirs.number},Same key as theirs,feature,,lila@example.com\n"
        "NORD-9,Their sprint,feature,Their sprint,\n"
    ).encode()
    before = list(Ticket.objects.filter(engagement=other_engagement).values())

    refused = tickets_import(actor=admin_user, engagement=engagement, data=data)
    jira_report = tickets_import(
        actor=admin_user, engagement=engagement, data=fixture("jira_clean.csv")
    )

    assert refused.errors == [
        RowError(3, "sprint", "No sprint of this engagement is named “Their sprint”.")
    ]
    # Another engagement's reference is not "already imported" here: new tickets, theirs intact.
    assert jira_report.unchanged == []
    assert jira_report.created == ["NORD-1", "NORD-2", "NORD-3"]
    assert Ticket.objects.get(engagement=engagement, external_ref="SHOP-101").reporter == admin_user
    assert list(Ticket.objects.filter(engagement=other_engagement).values()) == before


def test_a_tandem_key_of_this_engagement_is_unchanged_and_formula_quotes_are_removed(
    engagement, admin_user
):
    existing = TicketFactory(engagement=engagement, title="Already here")
    data = (
        "key,title,kind\n"
        f"NORD-{existing.number},Already here,feature\n"
        'NORD-99,\'=HYPERLINK("x"),improvement\n'
    ).encode()

    report = tickets_import(actor=admin_user, engagement=engagement, data=data)

    assert report.unchanged == [(2, f"NORD-{existing.number}")]
    assert report.created == ["NORD-2"]
    assert Ticket.objects.get(number=2, engagement=engagement).title == '=HYPERLINK("x")'


def test_the_command_prints_progress_and_imports(engagement, admin_user, tmp_path):
    rows = "".join(f"Ticket {n},LOAD-{n},Task,To Do\n" for n in range(1, 601))
    path = tmp_path / "big.csv"
    path.write_text("Summary,Issue key,Issue Type,Status\n" + rows, encoding="utf-8")
    out = StringIO()

    call_command("import_tickets", "--engagement", "nordfer", "--file", str(path), stdout=out)

    text = out.getvalue()
    for line in ("validated 500/600", "validated 600/600", "written 500/600", "written 600/600"):
        assert line in text
    assert "600 tickets imported (NORD-1 to NORD-600), 0 unchanged." in text
    assert Ticket.objects.filter(engagement=engagement).count() == 600


def test_the_command_lists_every_bad_row_and_fails_without_writing(
    engagement, admin_user, tmp_path
):
    path = tmp_path / "mixed.csv"
    path.write_bytes(fixture("jira_mixed.csv"))
    err = StringIO()
    before = snapshot()

    with pytest.raises(CommandError, match=r"5 problems: nothing was imported\."):
        call_command(
            "import_tickets",
            "--engagement",
            "nordfer",
            "--file",
            str(path),
            "--as",
            admin_user.email,
            stdout=StringIO(),
            stderr=err,
        )

    assert err.getvalue().splitlines()[2] == ("row 6, column Summary: This field cannot be blank.")
    assert len(err.getvalue().splitlines()) == 5
    assert snapshot() == before


def test_the_command_dry_run_writes_nothing(engagement, admin_user, tmp_path):
    path = tmp_path / "clean.csv"
    path.write_bytes(fixture("jira_clean.csv"))
    out = StringIO()

    call_command(
        "import_tickets", "--engagement", "nordfer", "--file", str(path), "--dry-run", stdout=out
    )

    assert "Dry run: 3 tickets ready to import, 0 unchanged; nothing written." in out.getvalue()
    assert Ticket.objects.count() == 0


def test_a_jira_status_is_kept_only_when_the_guards_allow_it_else_triage_with_the_reasons(
    engagement, admin_user
):
    # A tester on the engagement: a done ticket needs a passing QA verdict, which an import
    # cannot bring.
    member(engagement, Role.TESTER)
    before = snapshot()

    dry = tickets_import(
        actor=admin_user, engagement=engagement, data=fixture("jira_statuses.csv"), dry_run=True
    )

    assert snapshot() == before
    assert [(t.row, t.reference, t.status, t.reasons) for t in dry.triaged] == [
        (
            2,
            "SHOP-201",
            "done",
            ["A passing QA verdict by a tester is needed before the ticket is done."],
        ),
        (
            3,
            "SHOP-202",
            "ready",
            [
                "State the business value (annual revenue gain, annual cost savings or hours "
                "saved per month) before the ticket is ready.",
                "Estimate the effort in person-days before the ticket is ready.",
                "Write at least one acceptance criterion before the ticket is ready.",
            ],
        ),
        (
            4,
            "SHOP-203",
            "in_progress",
            [
                "A bug leaves triage only with its reproduction details; missing: steps to "
                "reproduce, expected behaviour, actual behaviour."
            ],
        ),
        (
            5,
            "SHOP-204",
            "done",
            ["A passing QA verdict by a tester is needed before the ticket is done."],
        ),
    ]

    tickets_import(actor=admin_user, engagement=engagement, data=fixture("jira_statuses.csv"))

    statuses = dict(
        Ticket.objects.filter(engagement=engagement).values_list("external_ref", "status")
    )
    assert statuses == {
        "SHOP-201": "triage",
        "SHOP-202": "triage",
        "SHOP-203": "triage",
        "SHOP-204": "triage",
        "SHOP-205": "rejected",
    }


def test_an_imported_done_keeps_its_jira_resolution_date(engagement, admin_user):
    # Without a tester on the engagement, a done question meets the guards and stays done.
    report = tickets_import(
        actor=admin_user, engagement=engagement, data=fixture("jira_statuses.csv")
    )

    assert report.created == ["NORD-1", "NORD-2", "NORD-3", "NORD-4", "NORD-5"]
    question = Ticket.objects.get(engagement=engagement, external_ref="SHOP-201")
    assert question.status == "done"
    entry = TicketHistory.objects.get(ticket=question, field="status")
    assert (entry.before, entry.after, entry.at) == (
        "",
        "done",
        datetime.datetime(2025, 2, 14, 16, 30, tzinfo=datetime.UTC),
    )
    # Without a Resolved cell, the move to done is dated when the ticket was created.
    patch = Ticket.objects.get(engagement=engagement, external_ref="SHOP-204")
    assert patch.status == "done"
    assert TicketHistory.objects.get(ticket=patch, field="status").at == datetime.datetime(
        2025, 1, 5, 9, 0, tzinfo=datetime.UTC
    )


def test_story_points_that_are_not_numbers_are_named_in_the_dry_run(engagement, admin_user):
    before = snapshot()

    dry = tickets_import(
        actor=admin_user, engagement=engagement, data=fixture("jira_story_points.csv"), dry_run=True
    )

    assert snapshot() == before
    assert (dry.ok, dry.ready) == (True, 5)
    assert dry.story_points_not_numbers == [
        StoryPoints(3, "SHOP-302", "Custom field (Story Points)", "XL"),
        StoryPoints(6, "SHOP-305", "Custom field (Story Points)", "?"),
    ]
    assert dry.story_points_numbers == 2  # "3" and "0,5"; row 4 has none

    done = tickets_import(
        actor=admin_user, engagement=engagement, data=fixture("jira_story_points.csv")
    )

    assert done.created == ["NORD-1", "NORD-2", "NORD-3", "NORD-4", "NORD-5"]
    assert Ticket.objects.get(external_ref="SHOP-302").title == "Gift wrapping"


def test_a_team_managed_story_point_estimate_is_reported_too(engagement, admin_user):
    data = b"Summary,Issue key,Issue Type,Story point estimate\nSaved carts,SHOP-9,Story,M\n"

    dry = tickets_import(actor=admin_user, engagement=engagement, data=data, dry_run=True)

    assert dry.story_points_not_numbers == [StoryPoints(2, "SHOP-9", "Story point estimate", "M")]


def test_the_command_names_story_points_that_are_not_numbers(engagement, admin_user, tmp_path):
    path = tmp_path / "points.csv"
    path.write_bytes(fixture("jira_story_points.csv"))
    out = StringIO()

    call_command(
        "import_tickets", "--engagement", "nordfer", "--file", str(path), "--dry-run", stdout=out
    )

    lines = out.getvalue().splitlines()
    assert (
        "row 3: SHOP-302 story points “XL” (Custom field (Story Points)) are not a number: "
        "imported without them" in lines
    )
    assert (
        "row 6: SHOP-305 story points “?” (Custom field (Story Points)) are not a number: "
        "imported without them" in lines
    )
    assert (
        "2 rows hold story points, not imported (Tandem estimates effort in person-days)" in lines
    )
