"""The backlog as CSV: every field and the computed figures, formulas neutralised, streamed."""

import csv
import io
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.http import StreamingHttpResponse
from django.urls import reverse

from backlog.transfer.csv_export import HEADERS, neutralise
from backlog.transfer.csv_import import tickets_import
from roles.models import Role
from tests.backlog.factories import SprintFactory, TicketFactory
from tests.factories import member

pytestmark = pytest.mark.django_db


def download(client, engagement, query: str = "") -> tuple[StreamingHttpResponse, list[dict]]:
    url = reverse("backlog_transfer:export", kwargs={"slug": engagement.slug})
    response = client.get(url + query, secure=True)
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return response, list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6 12", "'+33 6 12"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Fix = sign", "Fix = sign"),
        ("", ""),
    ],
)
def test_cells_that_would_run_as_formulas_are_neutralised(text, cell):
    assert neutralise(text) == cell


def test_the_download_has_every_field_and_the_computed_figures(client, engagement, director):
    sprint = SprintFactory(engagement=engagement, name="Sprint 3")
    TicketFactory(
        engagement=engagement,
        title="Quick order",
        reporter=director,
        sprint=sprint,
        annual_revenue_gain=Decimal("10000"),
        effort_days=Decimal("2"),
        confidence="high",
        external_ref="SHOP-1",
    )
    client.force_login(director)

    response, rows = download(client, engagement)

    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="nord-backlog-')
    assert tuple(rows[0]) == HEADERS
    row = rows[0]
    assert (row["key"], row["title"], row["kind"], row["status"]) == (
        "NORD-1",
        "Quick order",
        "feature",
        "new",
    )
    assert (row["reporter"], row["sprint"], row["external_ref"]) == (
        "director@nordfer.example",
        "Sprint 3",
        "SHOP-1",
    )
    # Value per effort: 10,000 x 1.0 x (1 + 0.25 x 0) / 2; cost 2 x 750.
    assert (row["annual_value"], row["cost"], row["score"]) == (
        "10000.00",
        "1500.00",
        "5000.000000",
    )
    assert row["quadrant"] == "big_bet"


def test_formula_cells_are_neutralised_in_the_download_and_read_back_by_the_import(
    client, engagement, director, other_engagement
):
    TicketFactory(engagement=engagement, title='=HYPERLINK("http://evil.example","x")')
    TicketFactory(engagement=engagement, title="@SUM(1)", description="-1+2")
    client.force_login(director)

    _response, rows = download(client, engagement, "?ordering=created")

    assert [row["title"] for row in rows] == ['\'=HYPERLINK("http://evil.example","x")', "'@SUM(1)"]
    assert rows[1]["description"] == "'-1+2"
    admin = member(other_engagement, Role.AGENCY_ADMIN)
    body = "\ufeff" + ",".join(rows[0]) + "\r\n"
    body += "".join(
        ",".join(f'"{v}"' for v in (r[h].replace('"', '""') for h in rows[0])) + "\r\n"
        for r in rows
    )
    report = tickets_import(actor=admin, engagement=other_engagement, data=body.encode("utf-8"))
    assert report.errors == []
    assert sorted(other_engagement.tickets.values_list("title", flat=True)) == [
        '=HYPERLINK("http://evil.example","x")',
        "@SUM(1)",
    ]


def test_the_download_applies_the_backlog_filters(client, engagement, director):
    TicketFactory(engagement=engagement, title="A bug", kind="bug")
    TicketFactory(engagement=engagement, title="A feature", kind="feature")
    client.force_login(director)

    _response, rows = download(client, engagement, "?kind=bug")

    assert [row["title"] for row in rows] == ["A bug"]


def test_invalid_filters_answer_400(client, engagement, director):
    client.force_login(director)

    response = client.get(
        reverse("backlog_transfer:export", kwargs={"slug": engagement.slug}) + "?kind=nonsense",
        secure=True,
    )

    assert response.status_code == 400


def test_the_export_reads_a_fixed_number_of_queries(client, engagement, director):
    client.force_login(director)
    url = reverse("backlog_transfer:export", kwargs={"slug": engagement.slug})

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, secure=True)
            b"".join(response.streaming_content)
        return len(queries)

    for _ in range(3):
        TicketFactory(engagement=engagement)
    few = count()
    for _ in range(40):
        TicketFactory(engagement=engagement)
    assert count() == few


def test_the_command_writes_the_same_csv(engagement, director, tmp_path):
    TicketFactory(engagement=engagement, title="+cmd", kind="bug")
    TicketFactory(engagement=engagement, title="Other", kind="feature")
    out = StringIO()

    call_command("export_tickets", "--engagement", "nordfer", "--kind", "bug", stdout=out)

    rows = list(csv.DictReader(io.StringIO(out.getvalue().removeprefix("\ufeff"))))
    assert [row["title"] for row in rows] == ["'+cmd"]
    path = tmp_path / "backlog.csv"
    call_command(
        "export_tickets", "--engagement", "nordfer", "--output", str(path), stderr=StringIO()
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbfkey,title,")
