"""``ETag`` and ``If-Match``: a write names the version it read, so that it never overwrites a
change it has not seen (a lost update).

Tandem's entity tags are weak (``W/"ticket-12-v3"``): they name a version of the row, not the
bytes of one representation. ``If-Match`` must name the tag exactly as it was read, ``W/`` prefix
included: ``"ticket-12-v3"`` is a different (strong) tag, which no version of the row carries;
``*`` matches any current version.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.request import Request


class PreconditionFailed(APIException):
    """412: the object changed since the version named in ``If-Match``."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "This was changed by someone else since you read it (If-Match does not match its ETag); "
        "read it again and retry."
    )
    default_code = "precondition_failed"


class PreconditionRequired(APIException):
    """428: the write must name the version it read, in ``If-Match``."""

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        "Send the ETag you read in an If-Match header, so that nobody's change is overwritten."
    )
    default_code = "precondition_required"


def weak_etag(opaque: str) -> str:
    """A weak entity tag for an opaque value, quoted: ``W/"<opaque>"``."""
    return f'W/"{opaque}"'


def if_match_tags(request: Request) -> list[str] | None:
    """The tags listed in ``If-Match``, as sent; None when the header is absent."""
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        return None
    return [part.strip() for part in header.split(",") if part.strip()]


def check_if_match(request: Request, *, current: str, required: bool) -> None:
    """Refuse the write unless ``If-Match`` names the current tag (412), or, when ``required``,
    unless it is sent at all (428). ``current`` is the quoted tag of :func:`weak_etag`.

    The body is parsed first: one that is not JSON is refused as such (400, 415) whatever
    ``If-Match`` says, as the schema promises for a malformed request."""
    request.data  # noqa: B018 - parsing is the point: a malformed body raises here
    tags = if_match_tags(request)
    if tags is None:
        if required:
            raise PreconditionRequired()
        return
    if "*" in tags:
        return
    if current not in tags:
        raise PreconditionFailed()
