"""What a child process (gunicorn, a Celery worker) started by the bench or a test needs in
order to use the same database as the process that starts it."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from django.db import connection


def this_database_url() -> str | None:
    """``DATABASE_URL`` naming the database this process uses: under pytest the test database
    (``test_…``), which the environment's URL does not name. None without a ``DATABASE_URL``
    (the embedded SQLite default)."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    return urlsplit(url)._replace(path="/" + connection.settings_dict["NAME"]).geturl()
