"""A real Celery worker and beat for the tests that need them (marked ``worker``): started on
this test's database and a Redis database of the caller's, emails written to files, stopped
(SIGTERM, then SIGKILL) when the block ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings

from collab.common.child_env import this_database_url


@dataclass(frozen=True)
class CeleryRun:
    outbox: Path  # the file email backend's folder
    log_path: Path  # the worker's and the beat's output


def _start(args: list[str], env: dict[str, str], log: IO[str]) -> subprocess.Popen[bytes]:
    celery_bin = Path(sys.executable).with_name("celery")
    return subprocess.Popen(  # noqa: S603 - our own virtualenv's celery
        [str(celery_bin), "-A", "collab", *args],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@contextmanager
def worker_and_beat(tmp_path: Path, redis_url: str, **settings_env: str) -> Iterator[CeleryRun]:
    """One solo worker and one beat on ``redis_url`` and this test's database, with
    ``settings_env`` added to their environment (a sweep's period, for example)."""
    database = this_database_url()
    assert database, "a worker shares the test's database through DATABASE_URL (PostgreSQL)"
    run = CeleryRun(outbox=tmp_path / "emails", log_path=tmp_path / "celery.log")
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "DATABASE_URL": database,
        "TANDEM_RUN_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "collab.settings",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(run.outbox),
        **settings_env,
    }
    with run.log_path.open("w") as log:
        worker = _start(
            [
                "worker",
                "--pool=solo",
                "-Q",
                "celery",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            env,
            log,
        )
        beat = _start(["beat", "--loglevel=INFO"], env, log)
    try:
        yield run
    finally:
        _stop(beat)
        _stop(worker)
