"""Errors as RFC 9457 ``application/problem+json``, with field errors under ``errors``.

Every error of the API answers the same shape::

    {"type": "https://tandem.example/problems/validation-error", "title": "Bad Request",
     "status": 400, "detail": "…", "instance": "/api/v1/…", "errors": {"field": ["…"]}}

Services raise Django's ``ValidationError`` (they never import DRF); it becomes a 400 problem
here, with its field errors kept, exactly as a serializer's errors are.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://tandem.example/problems/"
NON_FIELD_KEY = "non_field_errors"
PASSED_HEADERS = ("WWW-Authenticate", "Retry-After", "Allow")


def _messages(value: Any) -> list[str]:
    if isinstance(value, dict):
        # A nested serializer's errors: flatten to "sub: message" so that the shape stays
        # field -> list of strings.
        return [f"{key}: {msg}" for key, sub in value.items() for msg in _messages(sub)]
    if isinstance(value, list | tuple):
        return [msg for item in value for msg in _messages(item)]
    return [str(value)]


def _field_errors(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            (NON_FIELD_KEY if field == NON_FIELD_ERRORS else field): _messages(msgs)
            for field, msgs in detail.items()
        }
    return {NON_FIELD_KEY: _messages(detail)}


def django_validation_error_to_drf(error: DjangoValidationError) -> exceptions.ValidationError:
    """The DRF equivalent of a service's ValidationError, field by field."""
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(
            {
                (NON_FIELD_KEY if field == NON_FIELD_ERRORS else field): messages
                for field, messages in error.message_dict.items()
            }
        )
    return exceptions.ValidationError({NON_FIELD_KEY: error.messages})


def problem_response(
    *,
    status_code: int,
    title: str,
    detail: str,
    type_: str,
    errors: dict[str, list[str]] | None = None,
    instance: str = "",
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem document as a DRF response."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + type_,
        "title": title,
        "status": status_code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def _describe(exc: Exception, title: str) -> tuple[str, str]:
    """The problem's ``detail`` and ``type`` suffix for an exception."""
    if isinstance(exc, exceptions.ValidationError):
        return _("The request has invalid fields; see errors."), "validation-error"
    if isinstance(exc, Http404 | exceptions.NotFound):
        # The same answer for "missing" and "not yours": a stranger learns nothing.
        return _("Not found."), "not-found"
    if isinstance(exc, PermissionDenied | exceptions.PermissionDenied):
        detail = str(getattr(exc, "detail", "") or exc or "")
        return detail or _("You may not do this."), "forbidden"
    if isinstance(exc, exceptions.Throttled):
        return str(exc.detail), "throttled"
    if isinstance(exc, exceptions.APIException):
        return str(exc.detail), exc.default_code.replace("_", "-")
    return title, "error"


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler, answering every error as a problem document."""
    if isinstance(exc, DjangoValidationError):
        exc = django_validation_error_to_drf(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    request = context.get("request")
    code = response.status_code
    title = HTTPStatus(code).phrase
    detail, type_ = _describe(exc, title)
    if code == status.HTTP_429_TOO_MANY_REQUESTS:
        type_ = "throttled"
    errors = _field_errors(exc.detail) if isinstance(exc, exceptions.ValidationError) else None
    return problem_response(
        status_code=code,
        title=title,
        detail=detail,
        type_=type_,
        errors=errors,
        instance=request.get_full_path() if request is not None else "",
        headers={k: v for k, v in response.headers.items() if k in PASSED_HEADERS},
    )
