"""The ranked list's throughput, part of ``manage.py bench --only backlog``: the API's first
page (100 rows) served by gunicorn as in production (two sync workers, DEBUG off, the cache
and the throttle in a Redis of its own) and loaded by ``wrk`` (two threads, eight
connections) for a number of seconds after a warm-up. wrk is a C program, so the load costs
the machine little beside the server; without it the figure is not measured and the note
says how to install it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

from collab.bench_broker import served

CONNECTIONS = 8
THREADS = 2
WARM_UP_SECONDS = 3


@dataclass(frozen=True)
class Throughput:
    """What wrk reported, or why nothing was measured (``note``)."""

    requests: int = 0
    per_second: float | None = None
    # wrk's latency distribution (--latency), milliseconds.
    p50_ms: float | None = None
    p90_ms: float | None = None
    p99_ms: float | None = None
    not_ok: int = 0
    note: str = ""


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> Throughput:
    """The figures of ``wrk --latency``'s report."""
    requests = re.search(r"(\d+) requests in", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if requests is None or rate is None:
        return Throughput(note=f"wrk reported no figures: {output.strip()[-200:]}")
    percentiles = {
        share: _milliseconds(value)
        for share, value in re.findall(r"^\s+(50|90|99)%\s+([\d.]+(?:us|ms|s))\s*$", output, re.M)
    }
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return Throughput(
        requests=int(requests.group(1)),
        per_second=float(rate.group(1)),
        p50_ms=percentiles.get("50"),
        p90_ms=percentiles.get("90"),
        p99_ms=percentiles.get("99"),
        not_ok=int(errors.group(1)) if errors else 0,
    )


def bench_throughput(*, engagement_slug: str, token: str, seconds: float) -> Throughput:
    """Requests per second of the engagement's ranked list (first page, 100 rows) under wrk,
    read with a bearer ``token``."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return Throughput(note="not measured: wrk is not installed (apt-get install wrk)")
    with served("tandem-bench-throughput-") as (web, _redis):
        url = f"{web.url}/api/v1/engagements/{engagement_slug}/tickets/?page_size=100"

        def load(duration: float) -> str:
            command = [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration:g}s"]
            command += ["--latency", "-H", f"Authorization: Bearer {token}", url]
            return subprocess.run(  # noqa: S603 - wrk against our own gunicorn
                command, capture_output=True, text=True, check=True, timeout=duration + 60
            ).stdout

        load(WARM_UP_SECONDS)
        return parse_wrk(load(seconds))
