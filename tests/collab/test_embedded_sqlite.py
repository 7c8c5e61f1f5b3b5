"""The embedded default (SQLite, no DATABASE_URL) does not lock under a burst of writes from the
web server and the worker at once: WAL, a busy timeout and immediate transactions."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from django.conf import settings

# One process is "the web server", the other "the worker": each runs 25 threads, each of
# which reads then writes in one transaction (the pattern that raised "database is locked"
# when a deferred transaction had to upgrade its read lock to a write lock).
WRITER = textwrap.dedent(
    """
    import sys, threading
    import django
    django.setup()
    from django.db import connection, transaction

    name, errors = sys.argv[1], []

    def write(index):
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT COUNT(*) FROM burst")
                    seen = cursor.fetchone()[0]
                    cursor.execute(
                        "INSERT INTO burst (who, seen) VALUES (%s, %s)", [f"{name}-{index}", seen]
                    )
        except Exception as error:  # the test reports every failure, whatever its kind
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(25)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print("\\n".join(errors))
    sys.exit(1 if errors else 0)
    """
)
SETUP = textwrap.dedent(
    """
    import django
    django.setup()
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE burst (id INTEGER PRIMARY KEY, who TEXT, seen INTEGER)")
        cursor.execute("PRAGMA journal_mode")
        print(cursor.fetchone()[0])
    """
)
COUNT = textwrap.dedent(
    """
    import django
    django.setup()
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), COUNT(DISTINCT who) FROM burst")
        print(*cursor.fetchone())
    """
)


def _env(run_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        TANDEM_RUN_DIR=str(run_dir),
        DJANGO_SETTINGS_MODULE="collab.settings",
        PYTHONPATH=str(settings.BASE_DIR),
    )
    return env


def _python(code: str, env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and scripts
        [sys.executable, "-c", code, *args],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_fifty_concurrent_writes_from_web_and_worker_on_sqlite_succeed(tmp_path):
    env = _env(tmp_path)
    setup = _python(SETUP, env)
    out, err = setup.communicate(timeout=120)
    assert setup.returncode == 0, err
    assert out.strip() == "wal"

    writers = [_python(WRITER, env, name) for name in ("web", "worker")]
    results = [writer.communicate(timeout=300) for writer in writers]

    for writer, (out, err) in zip(writers, results, strict=True):
        assert writer.returncode == 0, out + err
    count = _python(COUNT, env)
    out, err = count.communicate(timeout=120)
    assert out.split() == ["50", "50"], err
    assert (tmp_path / "tandem.sqlite3").exists()
