"""Every API error is an RFC 9457 problem document, field errors under ``errors``."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.test import APIRequestFactory

from collab.common.problems import PROBLEM_CONTENT_TYPE, problem_exception_handler

BASE = "https://tandem.example/problems/"


def handle(exc: Exception):
    request = APIRequestFactory().post("/api/v1/engagements/?x=1")
    return problem_exception_handler(exc, {"request": request, "view": None})


def test_service_validation_error_is_a_400_problem_with_its_field_errors():
    response = handle(
        ValidationError(
            {
                "currency": ["“EUX” is not an ISO 4217 currency code."],
                "__all__": ["Constraint violated."],
            }
        )
    )

    assert response.status_code == 400
    assert response.content_type == PROBLEM_CONTENT_TYPE
    assert response.data == {
        "type": BASE + "validation-error",
        "title": "Bad Request",
        "status": 400,
        "detail": "The request has invalid fields; see errors.",
        "instance": "/api/v1/engagements/?x=1",
        "errors": {
            "currency": ["“EUX” is not an ISO 4217 currency code."],
            "non_field_errors": ["Constraint violated."],
        },
    }


def test_service_validation_error_without_a_field_lands_in_non_field_errors():
    response = handle(ValidationError("This person already holds this role on the engagement."))

    assert response.status_code == 400
    assert response.data["errors"] == {
        "non_field_errors": ["This person already holds this role on the engagement."]
    }


def test_serializer_errors_keep_their_fields_and_flatten_nested_ones():
    response = handle(
        exceptions.ValidationError({"person": {"email": ["Enter a valid email address."]}})
    )

    assert response.data["errors"] == {"person": ["email: Enter a valid email address."]}


@pytest.mark.parametrize(
    ("exc", "status", "type_", "detail"),
    [
        (Http404("No engagement found."), 404, "not-found", "Not found."),
        (exceptions.NotFound(), 404, "not-found", "Not found."),
        (
            PermissionDenied("Your role does not allow this."),
            403,
            "forbidden",
            "Your role does not allow this.",
        ),
        (PermissionDenied(), 403, "forbidden", "You may not do this."),
        (
            exceptions.NotAuthenticated(),
            401,
            "not-authenticated",
            "Authentication credentials were not provided.",
        ),
        (
            exceptions.AuthenticationFailed("Invalid or revoked token."),
            401,
            "authentication-failed",
            "Invalid or revoked token.",
        ),
        (
            exceptions.MethodNotAllowed("PUT"),
            405,
            "method-not-allowed",
            'Method "PUT" not allowed.',
        ),
    ],
)
def test_errors_become_problems(exc, status, type_, detail):
    response = handle(exc)

    assert response.status_code == status
    assert response.content_type == PROBLEM_CONTENT_TYPE
    assert response.data == {
        "type": BASE + type_,
        "title": {
            401: "Unauthorized",
            403: "Forbidden",
            404: "Not Found",
            405: "Method Not Allowed",
        }[status],
        "status": status,
        "detail": detail,
        "instance": "/api/v1/engagements/?x=1",
    }


def test_throttling_is_a_429_problem_with_retry_after():
    response = handle(exceptions.Throttled(wait=42))

    assert response.status_code == 429
    assert response.data["type"] == BASE + "throttled"
    assert response.data["detail"] == "Request was throttled. Expected available in 42 seconds."
    assert response.headers["Retry-After"] == "42"


def test_unexpected_errors_are_left_to_django():
    assert handle(RuntimeError("boom")) is None
