"""``manage.py bench [--only PART] [--quick] [--force]``: seed large data and report how fast
Tandem answers. Not a test: figures for people, printed as a table.

Parts (all by default):

- ``backlog``: see below;
- ``dashboard``: the director home and the agency view with 20 engagements of 1,000 tickets;
- ``reminders`` (or ``rhythm``): 10,000 reminders due at once over 500 meetings delivered by one
  worker, exactly once (``collab.rhythm.bench``);
- ``reviews``: signing off a review of 10,000 tickets (the snapshot) and diffing two snapshots.
- ``time``: a 20-person agency's month of time (4,000 entries: the team's week, a timesheet,
  the entry API) and a budget page over 50,000 entries, against their floors
  (``backlog.timesheets.bench``);
- ``broker``: the API's latency with Redis up, then frozen, and ``/readyz`` during the freeze
  (``collab.bench_broker``: gunicorn and a Redis of its own).

It seeds 10,000 tickets in one engagement and 100,000 across 50 engagements, then one more
engagement of 100,000 tickets (``--quick``: a few hundred, for the smoke test). At 10,000 and at
100,000 tickets in one engagement it reports the median and p95 over 20 runs, with the number of
queries, of the ranked ticket list API (first page, and page 20 reached through the cursor, 100
rows each) and of the backlog page, each beside its floor measured in the same run (one
hand-written SQL statement through psycopg + orjson, see ``backlog.bench``) and the ratio; the
requests per second of that list at 10,000 tickets under wrk (``backlog.bench_throughput``:
gunicorn with two workers and a Redis of its own); then the time to import 5,000 Jira rows.
``--json`` prints the same figures as JSON.

Memory: for the pages, the API and the import, one more run (never a timed one: tracing slows
Python down) is traced with ``tracemalloc``; the table gives its peak of Python allocations.

Run it against a database of its own; it refuses a database holding anything but its own data
unless ``--force``. On PostgreSQL::

    createdb -h 127.0.0.1 -U postgres tandem_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem_bench DEBUG=1 \\
        python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem_bench DEBUG=1 \\
        python manage.py bench --only backlog

(``make bench`` does the three steps.) A second run reuses the seeded tickets.
"""

from __future__ import annotations

import dataclasses
import io
import math
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from backlog.bench import Figure, bench_ranked_backlog, bench_rescore_in_request, bench_rescore_job
from backlog.bench_throughput import CONNECTIONS, bench_throughput
from backlog.models import Ticket
from backlog.timesheets.bench import bench_time
from backlog.transfer.bulk import tickets_bulk_generate
from backlog.transfer.csv_import import tickets_import
from collab.bench_broker import bench_broker_freeze
from collab.models import ApiToken, Engagement, Organization, User
from collab.rhythm.bench import bench_reminders
from collab.services import api_token_create, engagement_create
from collab.webhooks.models import WebhookEvent
from collab.webhooks.services import webhook_create
from roadmap.reviews.bench import bench_reviews
from roles.models import Role
from roles.services import role_assignment_create

DOMAIN = "@bench.example"
SLUG_PREFIX = "bench-"
TEAM_ROLES = (
    Role.PROJECT_MANAGER,
    Role.CONSULTANT,
    Role.BUSINESS_ANALYST,
    Role.TESTER,
    Role.DEVELOPER,
)


@dataclass(frozen=True)
class Sizes:
    big: int
    total: int
    engagements: int
    runs: int
    import_rows: int
    deep_pages: int
    huge: int = 0
    # wrk's load on the ranked list of the big engagement (backlog.bench_throughput).
    throughput_seconds: float = 20


FULL = Sizes(
    big=10_000,
    total=100_000,
    engagements=50,
    runs=20,
    import_rows=5000,
    deep_pages=20,
    huge=100_000,
)
QUICK = Sizes(
    big=60,
    total=150,
    engagements=3,
    runs=3,
    import_rows=30,
    deep_pages=1,
    huge=250,
    throughput_seconds=2,
)
PARTS = ("backlog", "dashboard", "reminders", "rhythm", "reviews", "broker", "time")
# The dashboard's figures: (engagements, tickets each), full and quick.
DASHBOARD_FULL, DASHBOARD_QUICK = (20, 1000), (2, 20)
# Broker: seconds of load with Redis up, then as many with Redis frozen.
BROKER_FULL, BROKER_QUICK = 30.0, 3.0
# Rhythm: (meetings, reminders); reviews: tickets in the snapshot.
RHYTHM_FULL, RHYTHM_QUICK = (500, 10_000), (5, 20)
REVIEWS_FULL, REVIEWS_QUICK = 10_000, 40
# Time: (people, entries in the month, entries under the budget).
TIME_FULL, TIME_QUICK = (20, 4000, 50_000), (3, 60, 300)


@dataclass(frozen=True)
class Measurement:
    name: str
    runs: int = 0
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    note: str = ""
    peak_mib: float | None = None
    # The floor measured in the same run (see backlog.bench) and median / floor.
    floor_ms: float | None = None
    ratio: float | None = None


def from_figure(figure: Figure, name: str) -> Measurement:
    """A page or API timed against its floor (``backlog.bench``) as a row of the table."""
    return Measurement(
        name,
        figure.runs,
        figure.median_ms,
        figure.p95_ms,
        figure.queries,
        "" if figure.status == 200 else f"answered {figure.status}",
        peak_mib=figure.peak_mib,
        floor_ms=figure.floor_ms,
        ratio=figure.ratio,
    )


def peak_mib(work: Callable[[], object]) -> float:
    """The peak of Python allocations while ``work`` runs, in MiB (traced, so never timed)."""
    tracemalloc.start()
    try:
        work()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / (1024 * 1024)


def p95(values: list[float]) -> float:
    """The nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


class Command(BaseCommand):
    help = "Seed a large backlog in a dedicated database and time its list API and page."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--only", choices=PARTS, help="Measure only this part.")
        parser.add_argument("--quick", action="store_true", help="Small sizes (smoke test).")
        parser.add_argument(
            "--force", action="store_true", help="Run even if the database holds other data."
        )
        parser.add_argument("--json", action="store_true", help="Print the results as JSON.")

    def handle(
        self,
        *args: Any,
        quick: bool = False,
        force: bool = False,
        only: str | None = None,
        json: bool = False,
        **options: Any,
    ) -> None:
        self._refuse_foreign_data(force)
        sizes = QUICK if quick else FULL
        database = settings.DATABASES["default"]
        self.stdout.write(
            f"Database: {connection.vendor} {database.get('NAME')}; "
            f"{sizes.big} tickets in one engagement, {sizes.total} across {sizes.engagements}."
        )
        rest = settings.REST_FRAMEWORK
        # The test client's host, no throttling: the bench makes hundreds of calls an hour.
        with override_settings(
            ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
            REST_FRAMEWORK={**rest, "DEFAULT_THROTTLE_RATES": {"principal": None}},
        ):
            results: list[Measurement] = []
            if only in (None, "backlog"):
                director, big, importing = self._seed(sizes)
                huge = self._huge(sizes, director)
                results += self._backlog(sizes, director, big, importing, huge)
            if only in (None, "dashboard"):
                results += self._dashboard(sizes, *(DASHBOARD_QUICK if quick else DASHBOARD_FULL))
            if only in (None, "reminders", "rhythm"):
                results += self._rhythm(*(RHYTHM_QUICK if quick else RHYTHM_FULL))
            if only in (None, "reviews"):
                results += self._reviews(REVIEWS_QUICK if quick else REVIEWS_FULL)
            if only in (None, "broker"):
                results += self._broker(BROKER_QUICK if quick else BROKER_FULL)
            if only in (None, "time"):
                results += self._time(sizes, *(TIME_QUICK if quick else TIME_FULL))
        if json:
            self.stdout.write(
                orjson.dumps(
                    [dataclasses.asdict(result) for result in results], option=orjson.OPT_INDENT_2
                ).decode()
            )
        else:
            self._table(results)

    def _refuse_foreign_data(self, force: bool) -> None:
        foreign = (
            Engagement.objects.exclude(slug__startswith=SLUG_PREFIX).exists()
            or User.objects.exclude(email__endswith=DOMAIN).exists()
        )
        if foreign and not force:
            raise CommandError(
                "This database holds data that is not the benchmark's. Point DATABASE_URL at a "
                "database of its own (for example postgres://postgres@127.0.0.1:5432/"
                "tandem_bench, migrated first), or pass --force."
            )

    def _say(self, text: str) -> None:
        self.stdout.write(f"  {text}")

    # --- seeding ------------------------------------------------------------------------------

    def _person(self, name: str) -> User:
        email = f"{name}{DOMAIN}"
        return User.objects.filter(email=email).first() or User.objects.create_user(
            email=email, password=None, display_name=name.replace("-", " ").title()
        )

    def _engagement(
        self, agency: Organization, slug: str, prefix: str, people: dict[str, User]
    ) -> Engagement:
        engagement = Engagement.objects.filter(slug=slug).first()
        if engagement is None:
            engagement = engagement_create(
                agency=agency,
                client_name=f"Bench client {prefix}",
                slug=slug,
                key_prefix=prefix,
                name=f"Bench {prefix}",
                platform="shopify_plus",
                business_model="b2c",
                currency="EUR",
                client_hourly_cost=Decimal("50"),
                agency_day_rate=Decimal("700"),
            )
            team = [(people["director"], Role.DIRECTOR), (people["admin"], Role.AGENCY_ADMIN)]
            team += [(people["team"], role) for role in TEAM_ROLES]
            for person, role in team:
                role_assignment_create(
                    engagement=engagement, person=person, role=role, allocation_percent=0
                )
        return engagement

    def _seed(self, sizes: Sizes) -> tuple[User, Engagement, Engagement]:
        self.stdout.write("Seeding")
        agency, _created = Organization.objects.get_or_create(
            name="Bench agency", defaults={"kind": Organization.Kind.AGENCY}
        )
        people = {name: self._person(f"bench-{name}") for name in ("director", "admin", "team")}
        others = sizes.engagements - 1
        targets = [("bench-big", "BIG", sizes.big)]
        base, extra = divmod(sizes.total - sizes.big, others)
        targets += [
            (f"bench-{n:02d}", f"B{n:02d}", base + (1 if n <= extra else 0))
            for n in range(1, others + 1)
        ]
        started = time.perf_counter()
        engagements = {}
        for slug, prefix, target in targets:
            engagement = self._engagement(agency, slug, prefix, people)
            engagements[slug] = engagement
            missing = target - Ticket.objects.filter(engagement=engagement).count()
            if missing > 0:
                tickets_bulk_generate(
                    engagement=engagement,
                    reporter=people["director"],
                    count=missing,
                    write=self._say if slug == "bench-big" else None,
                )
        importing = self._engagement(agency, "bench-import", "BIMP", people)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self._say(
            f"{Ticket.objects.count()} tickets in {Engagement.objects.count()} engagements "
            f"({time.perf_counter() - started:.1f} s)"
        )
        return people["director"], engagements["bench-big"], importing

    def _huge(self, sizes: Sizes, director: User) -> Engagement:
        """One engagement of ``sizes.huge`` tickets, beside the others."""
        agency = Organization.objects.get(name="Bench agency")
        people = {name: self._person(f"bench-{name}") for name in ("director", "admin", "team")}
        huge = self._engagement(agency, "bench-huge", "HUGE", people)
        missing = sizes.huge - Ticket.objects.filter(engagement=huge).count()
        if missing > 0:
            tickets_bulk_generate(
                engagement=huge, reporter=director, count=missing, write=self._say
            )
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
        return huge

    # --- measuring ----------------------------------------------------------------------------

    def _dashboard(self, sizes: Sizes, count: int, tickets: int) -> list[Measurement]:
        """The director home and the agency view of people who hold a role on ``count``
        engagements of ``tickets`` tickets each."""
        self.stdout.write(f"Dashboard: {count} engagements of {tickets} tickets")
        agency, _created = Organization.objects.get_or_create(
            name="Bench agency", defaults={"kind": Organization.Kind.AGENCY}
        )
        people = {
            name: self._person(f"bench-dash-{name}") for name in ("director", "admin", "team")
        }
        for n in range(1, count + 1):
            engagement = self._engagement(agency, f"bench-dash-{n:02d}", f"D{n:02d}", people)
            missing = tickets - Ticket.objects.filter(engagement=engagement).count()
            if missing > 0:
                tickets_bulk_generate(
                    engagement=engagement, reporter=people["director"], count=missing
                )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        results = []
        for person, name, label in (
            ("director", "dashboard:director-home", "Director home"),
            ("admin", "dashboard:agency-view", "Agency view"),
        ):
            client = Client()
            client.force_login(people[person])
            results.append(
                self._measure(
                    client, f"{label}, {count} engagements", self._url(name, {}), "", sizes.runs
                )
            )
        return results

    def _time(
        self, sizes: Sizes, people: int, month_entries: int, budget_entries: int
    ) -> list[Measurement]:
        self.stdout.write(
            f"Time: {people} people, a month of {month_entries} entries; a budget over "
            f"{budget_entries} entries"
        )
        results = []
        for timed in bench_time(
            runs=sizes.runs,
            people=people,
            month_entries=month_entries,
            budget_entries=budget_entries,
        ):
            figure = timed.figure
            row = from_figure(figure, figure.name)
            results.append(
                dataclasses.replace(
                    row,
                    note=(
                        f"{row.note} empty page {timed.empty_ms:.1f} ms; "
                        f"{timed.ratio_to_empty_and_floor:.2f}x empty page + floor"
                    ).strip(),
                )
            )
            self._say(f"{figure.name}: done")
        return results

    def _rhythm(self, meetings: int, reminders: int) -> list[Measurement]:
        self.stdout.write(f"Rhythm: {reminders} reminders over {meetings} meetings")
        result = bench_reminders(n_meetings=meetings, reminders=reminders)
        return [
            Measurement(
                f"Reminder sweep, {result.reminders} due over {result.meetings} meetings",
                1,
                result.seconds * 1000,
                result.seconds * 1000,
                result.queries,
                f"{result.sent} sent in {result.runs} run(s) ({result.cpu_seconds:.1f} s of CPU), "
                f"{result.ms_per_reminder:.2f} ms "
                f"and {result.queries_per_reminder:.3f} queries per reminder; "
                f"{result.emails_written} emails ({result.distinct_emails} distinct), "
                f"{result.notices} notices: "
                + ("exactly once" if result.exactly_once else "NOT exactly once"),
            )
        ]

    def _broker(self, seconds: float) -> list[Measurement]:
        self.stdout.write(
            f"Broker: the API for {seconds:.0f} s, then {seconds:.0f} s with Redis frozen"
        )
        agency, _created = Organization.objects.get_or_create(
            name="Bench agency", defaults={"kind": Organization.Kind.AGENCY}
        )
        people = {name: self._person(f"bench-{name}") for name in ("director", "admin", "team")}
        engagement = self._engagement(agency, "bench-freeze", "FRZ", people)
        issued = api_token_create(
            engagement=engagement,
            name=f"Freeze bench {time.time_ns()}",
            scope=ApiToken.Scope.WRITE,
            created_by=people["admin"],
        )
        # Filing a ticket then enqueues a webhook delivery after commit (never sent: no worker).
        webhook = webhook_create(
            engagement=engagement,
            created_by=people["admin"],
            target_url="https://8.8.8.8/tandem-bench",
            events=[WebhookEvent.TICKET_CREATED],
        )
        try:
            result = bench_broker_freeze(
                engagement_slug=engagement.slug, token=issued.raw_key, seconds=seconds
            )
        finally:
            webhook.delete()
            ApiToken.objects.filter(pk=issued.token.pk).delete()
            Ticket.objects.filter(engagement=engagement).delete()
        base, frozen = result.baseline, result.frozen
        base_p95 = p95(base.latencies)
        frozen_p95 = p95(frozen.latencies)
        for failure in (base.failures + frozen.failures)[:5]:
            self._say(f"failed: {failure}")
        slow = sum(1 for latency in frozen.latencies if latency > 1000)
        return [
            Measurement(
                "API (file a ticket, read the list), Redis up",
                len(base.latencies),
                statistics.median(base.latencies),
                base_p95,
                note=f"{len(base.failures)} failed",
            ),
            Measurement(
                "Same, Redis frozen (SIGSTOP)",
                len(frozen.latencies),
                statistics.median(frozen.latencies),
                frozen_p95,
                note=f"{len(frozen.failures)} failed; {slow} over 1 s; floor = p95 with Redis up",
                floor_ms=base_p95,
                ratio=frozen_p95 / base_p95 if base_p95 else None,
            ),
            Measurement(
                "/readyz during the freeze",
                1,
                result.readyz_ms,
                result.readyz_ms,
                note=f"{result.readyz_status} {orjson.dumps(result.readyz_body).decode()}",
            ),
        ]

    def _reviews(self, tickets: int) -> list[Measurement]:
        self.stdout.write(f"Reviews: snapshots of {tickets} tickets")
        result = bench_reviews(tickets=tickets)
        return [
            Measurement(
                f"Review sign-off (snapshot of {result.tickets} tickets)",
                1,
                result.sign_off_seconds * 1000,
                result.sign_off_seconds * 1000,
                None,
                f"{result.snapshot_bytes / 1_000_000:.1f} MB snapshot",
            ),
            Measurement(
                "Diff of two snapshots",
                1,
                result.diff_seconds * 1000,
                result.diff_seconds * 1000,
                None,
                f"{result.changes} changes found",
            ),
        ]

    def _backlog(
        self,
        sizes: Sizes,
        director: User,
        big: Engagement,
        importing: Engagement,
        huge: Engagement,
    ) -> list[Measurement]:
        self.stdout.write("Measuring")
        client = Client()
        client.force_login(director)
        results = []
        for engagement in (big, huge):
            for figure in bench_ranked_backlog(
                client=client, engagement=engagement, runs=sizes.runs, deep_pages=sizes.deep_pages
            ):
                results.append(from_figure(figure, f"{figure.name}, {figure.tickets} tickets"))
                self._say(f"{figure.name}, {figure.tickets} tickets: done")
        results.append(self._throughput(big, director, sizes.throughput_seconds))
        self._say("Throughput: done")
        results += self._rescore(big, huge)
        results += self._import(sizes, director, importing)
        return results

    def _throughput(self, big: Engagement, director: User, seconds: float) -> Measurement:
        """The big engagement's ranked list under wrk (``backlog.bench_throughput``), read
        with a read token issued for the run."""
        tickets = Ticket.objects.filter(engagement=big).count()
        name = f"Throughput: API ranked list, {tickets} tickets, wrk c{CONNECTIONS}, 2 workers"
        issued = api_token_create(
            engagement=big,
            name=f"Throughput bench {time.time_ns()}",
            scope=ApiToken.Scope.READ,
            created_by=director,
        )
        try:
            result = bench_throughput(
                engagement_slug=big.slug, token=issued.raw_key, seconds=seconds
            )
        finally:
            ApiToken.objects.filter(pk=issued.token.pk).delete()
        if result.per_second is None:
            return Measurement(name, note=result.note)
        return Measurement(
            name,
            result.requests,
            result.p50_ms,
            result.p90_ms,
            note=f"{result.per_second:.1f} requests/s over {seconds:g} s (p95 column: wrk's "
            f"p90; p99 {result.p99_ms} ms); {result.not_ok} not 2xx",
        )

    def _rescore(self, big: Engagement, huge: Engagement) -> list[Measurement]:
        """An engagement-wide recomputation in the request (the big engagement, at most the
        threshold's order of size) and in a job (the huge one, above the threshold)."""
        threshold = settings.RESCORE_IN_REQUEST_MAX_TICKETS
        big_tickets = Ticket.objects.filter(engagement=big).count()
        in_request, in_request_queries = bench_rescore_in_request(engagement=big)
        self._say("Rescoring in the request: done")
        job = bench_rescore_job(engagement=huge)
        self._say("Rescoring job: done")
        chunks = job.chunk_ms
        return [
            Measurement(
                f"Change the scoring model, {big_tickets} tickets, in the request",
                1,
                in_request,
                in_request,
                in_request_queries,
                note="threshold raised to the engagement's size: every ticket in one statement",
            ),
            Measurement(
                f"Change the scoring model, {job.tickets} tickets: the request",
                1,
                job.request_ms,
                job.request_ms,
                job.request_queries,
                note=(
                    f"job queued (threshold {threshold})"
                    if job.queued
                    else f"recomputed in the request (threshold {threshold})"
                ),
            ),
            Measurement(
                f"Change the scoring model, {job.tickets} tickets: the job",
                1,
                job.job_ms,
                job.job_ms,
                note=(
                    f"medians {job.medians_ms:.0f} ms, {len(chunks)} chunks of "
                    f"{settings.RANKING_JOB_CHUNK_SIZE}: median "
                    f"{statistics.median(chunks) if chunks else 0:.0f} ms, max "
                    f"{max(chunks, default=0):.0f} ms; quadrants {job.settle_ms:.0f} ms"
                ),
            ),
        ]

    @staticmethod
    def _url(name: str, kwargs: dict[str, str]) -> str | None:
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            return None

    def _measure(
        self, client: Client, name: str, url: str | None, query: str, runs: int
    ) -> Measurement:
        if url is None:
            return Measurement(name, note="route does not exist yet: not measured")
        full = url + query

        def get() -> Any:
            response = client.get(full, secure=True)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            return response

        warm = get()
        if warm.status_code != 200:
            return Measurement(name, note=f"answered {warm.status_code}: not measured")
        timings, queries = [], 0
        for _run in range(runs):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                get()
                timings.append((time.perf_counter() - started) * 1000)
            queries = len(captured)
        memory = peak_mib(get)
        self._say(f"{name}: done")
        return Measurement(
            name, runs, statistics.median(timings), p95(timings), queries, peak_mib=memory
        )

    def _import(self, sizes: Sizes, director: User, engagement: Engagement) -> list[Measurement]:
        Ticket.objects.filter(engagement=engagement).delete()
        buffer = io.StringIO()
        buffer.write("Summary,Issue key,Issue Type,Status,Priority,Created,Labels,Labels\n")
        for n in range(1, sizes.import_rows + 1):
            kind = ("Story", "Bug", "Task", "Epic")[n % 4]
            buffer.write(
                f"Imported ticket {n},JIRA-{n},{kind},To Do,Medium,12/Mar/24 10:15 AM,a,b\n"
            )
        data = buffer.getvalue().encode()

        def run(dry_run: bool) -> Any:
            return tickets_import(
                actor=director, engagement=engagement, data=data, fmt="jira", dry_run=dry_run
            )

        results = []
        for dry_run, label in ((True, "dry run"), (False, "import")):
            started = time.perf_counter()
            report = run(dry_run)
            elapsed = (time.perf_counter() - started) * 1000
            if not dry_run:
                # The traced run imports the same rows again, into an emptied backlog.
                Ticket.objects.filter(engagement=engagement).delete()
            memory = peak_mib(lambda dry_run=dry_run: run(dry_run))
            done = report.ready if dry_run else len(report.created)
            results.append(
                Measurement(
                    f"Import {sizes.import_rows} Jira rows, {label}",
                    1,
                    elapsed,
                    elapsed,
                    None,
                    f"{done} rows, {done / (elapsed / 1000):.0f} rows/s"
                    + (f", {len(report.errors)} errors" if report.errors else ""),
                    peak_mib=memory,
                )
            )
            self._say(f"Import, {label}: done")
        return results

    def _table(self, results: list[Measurement]) -> None:
        headers = (
            "measurement",
            "runs",
            "median ms",
            "p95 ms",
            "queries",
            "floor ms",
            "ratio",
            "peak MiB",
            "note",
        )

        def number(value: float | None) -> str:
            return "—" if value is None else f"{value:.1f}"

        rows = [
            (
                r.name,
                str(r.runs) if r.runs else "—",
                number(r.median_ms),
                number(r.p95_ms),
                "—" if r.queries is None else str(r.queries),
                number(r.floor_ms),
                "—" if r.ratio is None else f"{r.ratio:.2f}",
                number(r.peak_mib),
                r.note,
            )
            for r in results
        ]
        widths = [max(len(row[i]) for row in (headers, *rows)) for i in range(len(headers))]
        for index, row in enumerate((headers, *rows)):
            self.stdout.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
            if index == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
