"""The broker-freeze section of ``manage.py bench`` (``--only broker``): how the web answers while
Redis hangs.

A Redis of its own (``collab.common.own_redis``) and gunicorn (two sync workers, DEBUG off, the
bench's database) are started; ``clients`` threads then call two API operations in turn for
``seconds``: filing a ticket (which enqueues the webhook delivery after commit, and asks Redis
for the throttle) and reading the first page of the ranked list (throttle only). The same load
runs again while Redis is frozen (SIGSTOP: connections stay open, nothing answers), and
``/readyz`` is timed in the middle of the freeze. What docs/operations.md promises: the p95
during the freeze within twice the baseline's, no request failing, and ``/readyz`` answering 503
naming ``redis`` within about a second per dependency.

The caller provides an engagement and a write token for it; the tickets filed are the caller's
to delete.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from collab.common.child_env import this_database_url
from collab.common.own_redis import OwnRedis, free_port

# gunicorn's sync workers, as in docker-compose.yml.
WEB_WORKERS = 2
REQUEST_TIMEOUT = 30.0


@dataclass(frozen=True)
class Phase:
    """The latencies of one phase (milliseconds) and the requests that failed."""

    latencies: list[float]
    failures: list[str]


@dataclass(frozen=True)
class FreezeResult:
    baseline: Phase
    frozen: Phase
    readyz_ms: float
    readyz_status: int
    readyz_body: dict


class WebServer:
    """gunicorn serving Tandem against the given Redis, its output in a log file."""

    def __init__(self, redis_url: str, folder: Path) -> None:
        self.port = free_port()
        self.log = (folder / "gunicorn.log").open("w")
        env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "DEBUG": "0",
            "API_THROTTLE_RATE": "1000000/hour",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
        database = this_database_url()
        if database:
            env["DATABASE_URL"] = database
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(  # noqa: S603 - our own virtualenv's gunicorn
            [
                str(gunicorn),
                "collab.wsgi:application",
                *("--workers", str(WEB_WORKERS), "--bind", f"127.0.0.1:{self.port}"),
                *("--timeout", "60"),
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):  # noqa: S310
                    break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"gunicorn did not start; see {folder / 'gunicorn.log'}"
                    ) from None
                time.sleep(0.2)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


def _request(url: str, *, headers: dict[str, str], data: bytes | None = None):
    """A request to the bench's own gunicorn (http://127.0.0.1 only)."""
    method = "POST" if data is not None else "GET"
    return urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310


def _call(request: urllib.request.Request) -> tuple[int, bytes, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as answer:  # noqa: S310
            status, body = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    return status, body, (time.perf_counter() - started) * 1000


def _load(web: WebServer, slug: str, token: str, seconds: float, clients: int, tag: str) -> Phase:
    """``clients`` threads filing a ticket and reading the ranked list in turn for ``seconds``."""
    tickets = f"{web.url}/api/v1/engagements/{slug}/tickets/"
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        sent = 0
        while time.monotonic() < deadline:
            sent += 1
            body = json.dumps(
                {
                    "title": f"Freeze bench {tag} {number}-{sent}",
                    "kind": "bug",
                    "origin": "client_request",
                }
            ).encode()
            for request in (
                _request(
                    tickets, data=body, headers={**headers, "Content-Type": "application/json"}
                ),
                _request(f"{tickets}?page_size=25", headers=headers),
            ):
                try:
                    status, answer, elapsed = _call(request)
                except OSError as error:
                    with lock:
                        failures.append(f"{request.get_method()} {request.full_url}: {error}")
                    continue
                with lock:
                    latencies.append(elapsed)
                    if status >= 400:
                        failures.append(
                            f"{request.get_method()} {request.full_url}: {status} {answer[-300:]!r}"
                        )

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Phase(latencies=latencies, failures=failures)


@contextmanager
def served(prefix: str) -> Iterator[tuple[WebServer, OwnRedis]]:
    """gunicorn serving Tandem on a Redis of its own (in a temporary folder named ``prefix``…),
    both stopped on the way out."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        redis = OwnRedis(Path(folder))
        redis.start()
        try:
            web = WebServer(redis.url, Path(folder))
            try:
                yield web, redis
            finally:
                web.stop()
        finally:
            redis.stop()


def bench_broker_freeze(
    *, engagement_slug: str, token: str, seconds: float = 20, clients: int = 2
) -> FreezeResult:
    """Baseline then frozen-Redis latencies of the API, and ``/readyz`` during the freeze."""
    with served("tandem-bench-freeze-") as (web, redis):
        # Warm up: each worker loads its code and opens its connections.
        _load(web, engagement_slug, token, 2, clients, "warm-up")
        baseline = _load(web, engagement_slug, token, seconds, clients, "baseline")
        redis.freeze()
        readyz: dict = {}

        def probe() -> None:
            time.sleep(seconds / 2)
            request = _request(f"{web.url}/readyz", headers={})
            readyz["status"], body, readyz["ms"] = _call(request)
            readyz["body"] = json.loads(body)

        prober = threading.Thread(target=probe)
        prober.start()
        frozen = _load(web, engagement_slug, token, seconds, clients, "frozen")
        prober.join()
        redis.thaw()
    return FreezeResult(
        baseline=baseline,
        frozen=frozen,
        readyz_ms=readyz["ms"],
        readyz_status=readyz["status"],
        readyz_body=readyz["body"],
    )
