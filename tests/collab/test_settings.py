"""Settings are read from the environment at import: each case runs in a fresh interpreter."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # A clean environment: nothing inherited from the test run's own settings.
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")}
    return subprocess.run(  # noqa: S603 - fixed arguments, our own interpreter
        [sys.executable, *args],
        cwd=BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_without_debug_and_secret_key_settings_refuse_to_load(tmp_path):
    result = run(["-c", "import collab.settings"], {"TANDEM_RUN_DIR": str(tmp_path)})

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith(
        "django.core.exceptions.ImproperlyConfigured: SECRET_KEY is not set"
    )


def test_debug_alone_runs_on_the_embedded_defaults(tmp_path):
    result = run(
        [
            "-c",
            "from django.conf import settings as s; "
            "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.DEBUG)",
        ],
        {
            "DEBUG": "1",
            "TANDEM_RUN_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "collab.settings",
        },
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://", "True"]


def test_production_settings_pass_the_deployment_checklist_without_warnings(tmp_path):
    env = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "tandem.example.com",
        "TANDEM_RUN_DIR": str(tmp_path),
    }

    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr
