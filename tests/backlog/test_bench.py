"""The benchmark command at tiny sizes: it seeds, measures and prints its table (no timings
are asserted)."""

import json
import re
import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from backlog.bench_throughput import parse_wrk
from backlog.models import Ticket
from backlog.timesheets.models import TimeEntry
from collab.models import Engagement
from tests.factories import EngagementFactory

pytestmark = pytest.mark.django_db


# gunicorn, in its own processes, must see the token the throughput's load reads with.
@pytest.mark.django_db(transaction=True)
def test_the_quick_bench_seeds_measures_and_prints_a_table(tmp_path):
    out = StringIO()

    call_command("bench", "--only", "backlog", "--quick", stdout=out)

    text = out.getvalue()
    assert Ticket.objects.filter(engagement__slug="bench-big").count() == 60
    assert (
        Ticket.objects.exclude(engagement__slug__in=["bench-import", "bench-huge"]).count() == 150
    )
    assert Engagement.objects.filter(slug__startswith="bench-").count() == 5
    assert Ticket.objects.filter(engagement__slug="bench-huge").count() == 250
    assert Ticket.objects.filter(engagement__slug="bench-import").count() == 30
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("measurement"))
    assert header.split() == [
        "measurement",
        "runs",
        "median",
        "ms",
        "p95",
        "ms",
        "queries",
        "floor",
        "ms",
        "ratio",
        "peak",
        "MiB",
        "note",
    ]
    # Every page, API and import row has its traced peak of Python allocations.
    measured = [
        line
        for line in lines
        if line.startswith(("API", "Web backlog page", "Import")) and "not measured" not in line
    ]
    assert len(measured) == 8
    column = header.index("peak MiB")
    peaks = [float(line[column:].split()[0]) for line in measured]
    assert all(peak >= 0 for peak in peaks) and max(peaks) > 0
    for name in (
        "API ranked list, first page, 60 tickets",
        "API ranked list, page 1 (cursor), 60 tickets",
        "Web backlog page, first page, 60 tickets",
        "API ranked list, first page, 250 tickets",
        "Web backlog page, first page, 250 tickets",
        "Import 30 Jira rows, dry run",
        "Import 30 Jira rows, import",
        "Change the scoring model, 60 tickets, in the request",
        "Change the scoring model, 250 tickets: the request",
        "Change the scoring model, 250 tickets: the job",
    ):
        assert any(line.startswith(name) for line in lines), name
    assert "30 rows" in text
    throughput = next(line for line in lines if line.startswith("Throughput: API ranked list"))
    if shutil.which("wrk"):
        # CI installs wrk (.ci/run): the list answered under load, every answer a 200.
        assert re.search(r"[\d.]+ requests/s over 2 s", throughput), throughput
        assert "; 0 not 2xx" in throughput
    else:
        assert "not measured: wrk is not installed (apt-get install wrk)" in throughput
    # 250 tickets are below the threshold: recomputed in the request, no job.
    assert "recomputed in the request (threshold 5000)" in text


def test_the_bench_prints_the_same_figures_as_json_with_their_floor():
    out = StringIO()

    call_command("bench", "--only", "backlog", "--quick", "--json", stdout=out)

    figures = json.loads(out.getvalue()[out.getvalue().index("[") :])
    scenarios = [f for f in figures if f["name"].startswith(("API", "Web"))]
    assert [f["name"] for f in scenarios] == [
        "API ranked list, first page, 60 tickets",
        "API ranked list, page 1 (cursor), 60 tickets",
        "Web backlog page, first page, 60 tickets",
        "API ranked list, first page, 250 tickets",
        "API ranked list, page 1 (cursor), 250 tickets",
        "Web backlog page, first page, 250 tickets",
    ]
    for figure in scenarios:
        assert figure["runs"] == 3
        assert figure["floor_ms"] > 0
        assert figure["ratio"] == pytest.approx(figure["median_ms"] / figure["floor_ms"])
        assert figure["p95_ms"] >= figure["median_ms"]
    # The API: session, person, the engagement with the person's roles, the page (its label
    # names in an array subquery). The web page's 8th query is the ranking job's banner (one
    # lookup by primary key).
    assert [f["queries"] for f in scenarios] == [4, 4, 8, 4, 4, 8]


def test_the_bench_refuses_a_database_with_other_data():
    EngagementFactory(slug="nordfer")

    with pytest.raises(CommandError, match="not the benchmark's"):
        call_command("bench", "--quick", stdout=StringIO())

    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    ("part", "rows"),
    [
        ("rhythm", ["Reminder sweep, 20 due over 5 meetings"]),
        ("reminders", ["Reminder sweep, 20 due over 5 meetings"]),
        ("reviews", ["Review sign-off (snapshot of 40 tickets)", "Diff of two snapshots"]),
        ("dashboard", ["Director home, 2 engagements", "Agency view, 2 engagements"]),
        (
            "time",
            [
                "Team week (3 people), month of 60 entries",
                "Timesheet of one person's week, month of 60 entries",
                "API time entries, the month's first page, 60 entries",
                "Budget page, 300 entries",
            ],
        ),
    ],
)
def test_each_part_of_the_quick_bench_prints_its_rows(part, rows):
    out = StringIO()

    call_command("bench", "--only", part, "--quick", stdout=out)

    lines = out.getvalue().splitlines()
    for name in rows:
        line = next((line for line in lines if line.startswith(name)), "")
        assert line, name
        assert "not measured" not in line
        assert "answered" not in line


def test_the_time_part_times_each_page_against_its_floor_and_its_empty_twin():
    out = StringIO()

    call_command("bench", "--only", "time", "--quick", "--json", stdout=out)

    figures = json.loads(out.getvalue()[out.getvalue().index("[") :])
    assert [figure["name"].split(",")[0] for figure in figures] == [
        "Team week (3 people)",
        "Timesheet of one person's week",
        "API time entries",
        "Budget page",
    ]
    for figure in figures:
        assert figure["floor_ms"] > 0 and figure["ratio"] > 0
        assert figure["queries"] > 0
        assert "x empty page + floor" in figure["note"]
    assert TimeEntry.objects.filter(engagement__slug="bench-time").count() == 60
    assert TimeEntry.objects.filter(engagement__slug="bench-budget").count() == 300


# gunicorn, in its own processes, must see the engagement and token the bench writes.
@pytest.mark.django_db(transaction=True)
def test_the_broker_part_shows_the_api_unharmed_by_a_frozen_redis():
    out = StringIO()

    call_command("bench", "--only", "broker", "--quick", stdout=out)

    lines = out.getvalue().splitlines()
    up = next(line for line in lines if line.startswith("API (file a ticket, read the list)"))
    frozen = next(line for line in lines if line.startswith("Same, Redis frozen"))
    readyz = next(line for line in lines if line.startswith("/readyz during the freeze"))
    assert "0 failed" in up
    assert "0 failed" in frozen
    assert '503 {"database":"ok","broker":"down","down":["redis"]}' in readyz


WRK_REPORT = """Running 20s test @ http://127.0.0.1:8299/api/v1/engagements/bench-big/tickets/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    53.44ms   12.97ms 258.60ms   86.90%
    Req/Sec    75.32     13.01   101.00     77.67%
  Latency Distribution
     50%   51.20ms
     75%   57.02ms
     90%   64.81ms
     99%    1.02s
  3011 requests in 20.09s, 192.58MB read
  Non-2xx or 3xx responses: 4
Requests/sec:    149.83
Transfer/sec:      9.58MB
"""


def test_wrks_report_is_read_with_its_units():
    figures = parse_wrk(WRK_REPORT)

    assert (figures.requests, figures.per_second, figures.not_ok) == (3011, 149.83, 4)
    assert (figures.p50_ms, figures.p90_ms, figures.p99_ms) == (51.2, 64.81, 1020.0)
    assert parse_wrk("unable to connect to 127.0.0.1:8299").note.startswith("wrk reported no")
