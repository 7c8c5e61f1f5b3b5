"""Who is signing in, and when to stop them (django-axes wiring).

Two limits, both counted in the database by django-axes:

- per address: failures for one email from one client address lock that pair out for
  `AXES_COOLOFF_TIME` (axes' own rule, `AXES_FAILURE_LIMIT`);
- per account: `SIGNIN_ACCOUNT_FAILURE_LIMIT` failures for one email from any addresses within
  `SIGNIN_ACCOUNT_WINDOW` close the account to addresses that have never signed in to it
  (within `SIGNIN_KNOWN_ADDRESS_AGE`). An address the person has signed in from before is never
  closed by the account limit, so an attacker spreading guesses over many addresses cannot lock
  the real person out of their usual places; the per-address limit still applies there.

The client address is the peer's (`REMOTE_ADDR`) unless `TRUSTED_PROXY_COUNT` proxies are
configured, and then the address that the outermost trusted proxy saw: never a header that the
client wrote itself.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from axes.handlers.database import AxesDatabaseHandler  # type: ignore[import-untyped]
from axes.helpers import get_client_username  # type: ignore[import-untyped]
from axes.models import AccessAttempt, AccessFailureLog, AccessLog  # type: ignore[import-untyped]
from axes.signals import user_locked_out  # type: ignore[import-untyped]
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str | None:
    """The client's address: `REMOTE_ADDR`, or behind N trusted proxies the N-th address from
    the right of `X-Forwarded-For` (each proxy appends the peer it saw, so entries further left
    were written by the client and are ignored)."""
    remote: str | None = request.META.get("REMOTE_ADDR")
    proxies: int = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [part.strip() for part in header.split(",") if part.strip()]
    if len(forwarded) < proxies:
        # The request did not come through every configured proxy: only the peer is known.
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:
        return remote


def account_failures(*, username: str) -> int:
    """Failed sign-ins for this email, from any address, within the account window."""
    since = timezone.now() - settings.SIGNIN_ACCOUNT_WINDOW
    count: int = AccessFailureLog.objects.filter(username=username, attempt_time__gte=since).count()
    return count


def address_is_known(*, username: str, ip_address: str | None) -> bool:
    """Whether this account has signed in successfully from this address recently."""
    if not ip_address:
        return False
    since = timezone.now() - settings.SIGNIN_KNOWN_ADDRESS_AGE
    known: bool = AccessLog.objects.filter(
        username=username, ip_address=ip_address, attempt_time__gte=since
    ).exists()
    return known


def account_closed_to(request: HttpRequest, credentials: dict[str, Any] | None) -> bool:
    """The per-account limit: reached, and this address has never signed in to the account."""
    username = get_client_username(request, credentials)
    if not username:
        return False
    if account_failures(username=username) < settings.SIGNIN_ACCOUNT_FAILURE_LIMIT:
        return False
    return not address_is_known(username=username, ip_address=request.axes_ip_address)  # type: ignore[attr-defined]


def signin_failures_forget(*, username: str) -> None:
    """A new password makes the guesses made against the old one worthless: both limits restart
    for this email (the password-reset page calls this once the new password is saved)."""
    AccessAttempt.objects.filter(username=username).delete()
    AccessFailureLog.objects.filter(username=username).delete()


class SignInHandler(AxesDatabaseHandler):  # type: ignore[misc]
    """axes' database handler with the per-account limit on top of its per-address one."""

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        if account_closed_to(request, credentials):
            request.signin_account_paused = True  # type: ignore[attr-defined]
            return True
        return False

    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or request.axes_locked_out:  # type: ignore[attr-defined]
            return
        if account_closed_to(request, credentials):
            username = get_client_username(request, credentials)
            logger.warning(
                "Sign-in to %s paused for new addresses after %s failures within %s",
                username,
                settings.SIGNIN_ACCOUNT_FAILURE_LIMIT,
                settings.SIGNIN_ACCOUNT_WINDOW,
            )
            request.signin_account_paused = True  # type: ignore[attr-defined]
            request.axes_locked_out = True  # type: ignore[attr-defined]
            request.axes_credentials = credentials  # type: ignore[attr-defined]
            user_locked_out.send(
                "axes",
                request=request,
                username=username,
                ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
            )
