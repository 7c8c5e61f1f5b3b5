"""The dashboard's import (dry run, then confirmation) and export pages, and their tenancy."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from backlog.models import Ticket
from backlog.transfer import pending
from roles.models import Role
from tests.backlog.factories import TicketFactory
from tests.factories import member

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _run_dir(settings, tmp_path):
    settings.RUN_DIR = tmp_path


def upload(client, engagement, name: str, data: bytes | None = None, fmt: str = ""):
    data = data if data is not None else (FIXTURES / name).read_bytes()
    return client.post(
        reverse("backlog_transfer:import", kwargs={"slug": engagement.slug}),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "format": fmt},
        secure=True,
    )


def test_the_import_page_shows_the_form(client, engagement, director):
    client.force_login(director)

    response = client.get(
        reverse("backlog_transfer:import", kwargs={"slug": engagement.slug}), secure=True
    )

    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content
    assert b"Up to 5,000 rows here" in response.content


def test_a_dry_run_lists_every_bad_row_and_offers_no_import(client, engagement, director):
    client.force_login(director)

    response = upload(client, engagement, "jira_mixed.csv")

    assert response.status_code == 200
    report = response.context["report"]
    assert [(e.row, e.column) for e in report.errors] == [
        (4, "Issue Type"),
        (5, "Status"),
        (6, "Summary"),
        (7, "Created"),
        (8, "Issue key"),
    ]
    assert response.context["token"] == ""
    assert "The file has 5 problems" in response.content.decode()
    assert "“yesterday” is not a date and time" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_a_clean_file_is_imported_after_the_confirmation(client, engagement, director):
    client.force_login(director)
    dry = upload(client, engagement, "jira_clean.csv")
    assert "3 tickets ready to import." in dry.content.decode()
    assert Ticket.objects.count() == 0

    response = client.post(
        reverse("backlog_transfer:import", kwargs={"slug": engagement.slug}),
        {"token": dry.context["token"]},
        secure=True,
        follow=True,
    )

    assert "3 tickets imported. Keys NORD-1 to NORD-3." in response.content.decode()
    assert sorted(Ticket.objects.values_list("external_ref", flat=True)) == [
        "SHOP-101",
        "SHOP-102",
        "SHOP-108",
    ]
    assert list(pending._directory().glob("*.csv")) == []


def test_a_confirmation_cannot_be_replayed_or_used_by_someone_else(client, engagement, director):
    client.force_login(director)
    token = upload(client, engagement, "jira_clean.csv").context["token"]
    colleague = member(engagement, Role.PROJECT_MANAGER)
    client.force_login(colleague)

    response = client.post(
        reverse("backlog_transfer:import", kwargs={"slug": engagement.slug}),
        {"token": token},
        secure=True,
        follow=True,
    )

    assert "This import has expired or is not yours" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_an_unreadable_file_is_refused_on_the_form(client, engagement, director):
    client.force_login(director)

    response = upload(client, engagement, "picture.csv", data=b"\x89PNG\r\n\x1a\n\x00\x00")

    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["This file is binary, not a CSV text file."]
    assert Ticket.objects.count() == 0


def test_a_file_above_the_web_limit_is_sent_to_the_command(client, engagement, director):
    client.force_login(director)
    rows = "".join(f"T{n},K-{n},Task\n" for n in range(5001))

    response = upload(
        client, engagement, "big.csv", ("Summary,Issue key,Issue Type\n" + rows).encode()
    )

    assert response.status_code == 400
    assert (
        response.context["form"]
        .errors["file"][0]
        .startswith("This file has 5,001 rows; the web import takes at most 5,000.")
    )


def test_another_engagements_member_gets_404_on_export_and_import(
    client, engagement, other_engagement
):
    TicketFactory(engagement=engagement, title="Secret plan")
    stranger = member(other_engagement, Role.AGENCY_ADMIN)
    client.force_login(stranger)
    before = list(Ticket.objects.values())

    export = client.get(
        reverse("backlog_transfer:export", kwargs={"slug": engagement.slug}), secure=True
    )
    page = client.get(
        reverse("backlog_transfer:import", kwargs={"slug": engagement.slug}), secure=True
    )
    posted = upload(client, engagement, "jira_clean.csv")

    assert (export.status_code, page.status_code, posted.status_code) == (404, 404, 404)
    assert list(Ticket.objects.values()) == before


def test_signed_out_people_are_sent_to_the_login_page(client, engagement):
    response = client.get(
        reverse("backlog_transfer:export", kwargs={"slug": engagement.slug}), secure=True
    )

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_dry_run_names_the_rows_landing_in_triage_and_why(client, engagement, director):
    client.force_login(director)

    response = upload(client, engagement, "jira_statuses.csv")

    content = response.content.decode()
    triaged = content.split('id="triaged"')[1].split("</table>")[0]
    assert "2 tickets do not meet Tandem's guards for their status" in triaged
    assert '<td data-label="Reference">SHOP-202</td>' in triaged
    assert "Write at least one acceptance criterion before the ticket is ready." in triaged
    assert "SHOP-201" not in triaged  # no tester: a done question stays done


def test_the_dry_run_names_story_points_that_are_not_numbers(client, engagement, director):
    client.force_login(director)

    response = upload(client, engagement, "jira_story_points.csv")

    content = response.content.decode()
    points = content.split('id="story-points"')[1].split("</table>")[0]
    assert "2 rows hold a number of story points that will not be imported." in points
    assert "2 rows hold story points that are not a number" in points
    assert '<td data-label="Value in the file">XL</td>' in points
    assert '<td data-label="Reference">SHOP-305</td>' in points
    assert "Not a number: not imported; the ticket is imported without it." in points
    assert "SHOP-301" not in points  # a number: counted, not listed
