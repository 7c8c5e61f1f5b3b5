"""Health probes for load balancers and orchestrators.

``/healthz`` (liveness) answers as long as the process serves requests: it touches neither the
database nor the broker, so that a PostgreSQL or Redis outage never gets healthy web processes
restarted. ``/readyz`` (readiness) checks both dependencies, each with a short timeout, and names
what is down so that the operator knows where to look.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

OK = "ok"
DOWN = "down"


def database_name() -> str:
    """The database engine's short name, as the operator knows it (postgresql, sqlite)."""
    return connection.vendor


def broker_name() -> str:
    """Redis when REDIS_URL is set, otherwise the embedded filesystem broker."""
    return "redis" if settings.REDIS_URL else "filesystem"


def database_check() -> None:
    """Raise unless the database answers a trivial query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def broker_check() -> None:
    """Raise unless the broker is reachable: a Redis PING, or a writable queue folder."""
    if settings.REDIS_URL:
        timeout = getattr(settings, "REDIS_TIMEOUT_SECONDS", 1.0)
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout
        )
        try:
            client.ping()
        finally:
            client.close()
        return
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    for key in ("data_folder_in", "data_folder_out"):
        folder = Path(options.get(key, ""))
        if not options.get(key) or not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
            raise OSError(f"broker folder {folder} is missing or not writable")


def _probe(name: str, check: Callable[[], None]) -> bool:
    try:
        check()
    except Exception:
        # Any failure means "not ready"; the details go to the log, not to the anonymous caller.
        logger.warning("Readiness: %s is down", name, exc_info=True)
        return False
    return True


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process is up. No database, no broker."""
    return HttpResponse(OK, content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when the database and the broker answer, 503 naming what is down."""
    components = {
        "database": (database_name(), database_check),
        "broker": (broker_name(), broker_check),
    }
    body: dict[str, object] = {}
    down: list[str] = []
    for component, (name, check) in components.items():
        if _probe(name, check):
            body[component] = OK
        else:
            body[component] = DOWN
            down.append(name)
    if down:
        body["down"] = down
        return JsonResponse(body, status=503)
    return JsonResponse(body)
