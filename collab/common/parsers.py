"""What the API accepts in a request before any view reads it: JSON only, a bounded body size
and a bounded nesting depth, each refusal a problem document.

- A body larger than ``API_MAX_BODY_BYTES`` answers **413** (``collab.common.limits`` refuses
  it from its ``Content-Length`` before anything reads it; the parser refuses a body sent
  without one once it has read one byte past the limit).
- JSON nested deeper than ``API_MAX_JSON_DEPTH`` answers **400**: a document of 5,000 nested
  arrays would otherwise exhaust the interpreter's recursion in the decoder or in the code that
  walks it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.metadata import SimpleMetadata
from rest_framework.parsers import JSONParser

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class RequestBodyTooLarge(APIException):
    """413: the body is larger than the API accepts."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


def too_large_detail(limit: int | None = None) -> str:
    return gettext("The request body is larger than %(limit)d bytes.") % {
        "limit": settings.API_MAX_BODY_BYTES if limit is None else limit
    }


def json_depth(value: Any) -> int:
    """How deeply arrays and objects nest in a decoded JSON value (a scalar is 0), walked without
    recursion."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        pending.extend((child, depth + 1) for child in children)
    return deepest


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with the body size and nesting depth bounded."""

    def parse(
        self,
        stream: IO[bytes] | None,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit: int = settings.API_MAX_BODY_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestBodyTooLarge(too_large_detail())
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
            data = json.loads(text, parse_constant=self._refuse_constant)
        except RecursionError:
            raise ParseError(self._too_deep_detail()) from None
        except ValueError as error:
            raise ParseError(gettext("JSON parse error: %(error)s") % {"error": error}) from None
        if json_depth(data) > settings.API_MAX_JSON_DEPTH:
            raise ParseError(self._too_deep_detail())
        return data

    @staticmethod
    def _refuse_constant(name: str) -> Any:
        raise ValueError(gettext("%(name)s is not a JSON number.") % {"name": name})

    @staticmethod
    def _too_deep_detail() -> str:
        return gettext("The JSON document nests deeper than %(limit)d levels.") % {
            "limit": settings.API_MAX_JSON_DEPTH
        }


class DescribeOnlyMetadata(SimpleMetadata):
    """``OPTIONS`` names the resource and the media types it speaks; what its writes accept is
    in the OpenAPI schema. (DRF's default also describes the write's fields, which reads the
    object through ``get_object()`` — a route the views here never take, so it failed.)"""

    def determine_metadata(self, request: Request, view: APIView) -> dict[str, Any]:
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
        }
