"""Throttling per token and per person through the cache (Redis in production).

When the cache cannot be reached the request is let through with a logged warning: an outage
of Redis must not turn every API call into a 500. Nor into a slow one: after a failure, this
process lets requests through without asking Redis for ``SKIP_SECONDS``, so that a frozen Redis
costs one request per process its timeout, not every request.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from collab.common.signin import client_address
from collab.models import ApiToken

if TYPE_CHECKING:
    # DRF loads this module from its settings while rest_framework.views is still importing.
    from rest_framework.request import Request
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)

SKIP_SECONDS = 10.0
# monotonic() before which this process does not ask the cache (set after a failure).
_skip_until = 0.0


class PrincipalRateThrottle(SimpleRateThrottle):
    """One budget per token, per signed-in person, or per address for anonymous calls."""

    scope = "principal"

    def get_rate(self) -> str | None:
        # Read at request time rather than at import (DRF's default), so that a changed
        # setting applies without a restart and tests can override it.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        # A rate is a string such as "100/min" (the stubs type the values as numbers).
        return None if rate is None else str(rate)

    def get_cache_key(self, request: Request, view: APIView) -> str:
        user = request.user
        if isinstance(user, ApiToken):
            ident = f"token:{user.pk}"
        elif user is not None and user.is_authenticated:
            ident = f"user:{user.pk}"
        else:
            # The sign-in rule for the client's address, not DRF's (which, without NUM_PROXIES,
            # reads the X-Forwarded-For that the client wrote).
            ident = f"ip:{client_address(request._request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request: Request, view: APIView) -> bool:
        global _skip_until
        if time.monotonic() < _skip_until:
            return True
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as error:
            _skip_until = time.monotonic() + SKIP_SECONDS
            logger.warning(
                "Throttling skipped, cache unreachable: %s (not asked again for %ss)",
                error,
                SKIP_SECONDS,
            )
            return True
