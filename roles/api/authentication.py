"""Bearer tokens, held to the policy's rule on who stands behind them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from collab.common.authentication import BearerTokenAuthentication
from roles.policy import token_in_force

if TYPE_CHECKING:
    from rest_framework.request import Request

    from collab.models import ApiToken


class EngagementTokenAuthentication(BearerTokenAuthentication):
    """A token answers 401 once the person who issued it no longer holds a role on its
    engagement (``roles.policy.token_in_force``), exactly like a revoked one."""

    def authenticate(self, request: Request) -> tuple[ApiToken, ApiToken] | None:
        found = super().authenticate(request)
        if found is not None and not token_in_force(found[0]):
            raise exceptions.AuthenticationFailed(
                _(
                    "The person who issued this token no longer holds a role on its "
                    "engagement; ask an administrator for a new token."
                )
            )
        return found
