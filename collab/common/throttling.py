"""Throttling per token and per person through the cache (Redis in production).

When the cache cannot be reached the request is let through with a logged warning: an outage
of Redis must not turn every API call into a 500.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from collab.models import ApiToken

if TYPE_CHECKING:
    # DRF loads this module from its settings while rest_framework.views is still importing.
    from rest_framework.request import Request
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)


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
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request: Request, view: APIView) -> bool:
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as error:
            logger.warning("Throttling skipped, cache unreachable: %s", error)
            return True
