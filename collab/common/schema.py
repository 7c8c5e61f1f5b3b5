"""The OpenAPI schema as a contract: every error an operation can answer, with its problem
document, request bodies that refuse unknown fields, and links from a creation to the reads and
writes of what it created (the stateful tests follow them).

drf-spectacular describes the successful answers from each view's ``extend_schema``; the hook
here, run on the finished document, adds what is the same everywhere:

- every operation: 400 (a query parameter or the body is invalid), 401, 403, 404, 406 (an
  ``Accept`` the API cannot answer) and 429, each an ``application/problem+json`` ``Problem``;
- operations with a body: 413 (larger than ``API_MAX_BODY_BYTES``) and 415 (not JSON);
- writes: 409 when the object's state refuses the change; 412 and 428 where ``If-Match`` is
  read; 422 where ``Idempotency-Key`` is read;
- errors a view already declared (``{409: ...}``) get the same ``Problem`` body.
"""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension

from collab.common.problems import PROBLEM_CONTENT_TYPE

PROBLEM_COMPONENT = "Problem"
PROBLEM_REF = {"$ref": f"#/components/schemas/{PROBLEM_COMPONENT}"}
WRITES = ("post", "put", "patch", "delete")
WITH_BODY = ("post", "put", "patch")

ERRORS: dict[str, str] = {
    "400": "Invalid input: see `errors` (field by field) or `detail`.",
    "401": "No credentials, or an unknown, malformed or revoked token.",
    "403": "The role (or the token's scope) does not allow this; `detail` names the action.",
    "404": "No such object, or one of an engagement the caller is not part of.",
    "406": "The API answers JSON only.",
    "409": "The object's state refuses the change; `reasons` says why.",
    "412": "`If-Match` does not name the current ETag: someone changed it since.",
    "413": "The request body is larger than the API accepts.",
    "415": "The request body must be JSON (`application/json`), or `multipart/form-data` for an "
    "upload.",
    "422": "The `Idempotency-Key` was used before with a different request.",
    "428": "The write needs `If-Match` with the ETag read.",
    "429": "Too many requests: wait `Retry-After` seconds.",
}


def _problem_schema() -> dict[str, Any]:
    properties = {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "reasons": {"type": "array", "items": {"type": "string"}},
    }
    return {
        "type": "object",
        "description": "An RFC 9457 problem document, the body of every error.",
        "properties": properties,
        "required": ["type", "title", "status", "detail"],
    }


def _problem_response(code: str) -> dict[str, Any]:
    return {
        "description": ERRORS.get(code, "An error."),
        "content": {PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_REF}},
    }


def _header_names(operation: dict[str, Any]) -> set[str]:
    return {
        parameter["name"].lower()
        for parameter in operation.get("parameters", [])
        if parameter.get("in") == "header"
    }


def _codes_for(method: str, operation: dict[str, Any]) -> set[str]:
    codes = {"400", "401", "403", "404", "406", "429"}
    if method in WITH_BODY:
        codes |= {"413", "415"}
    if method in WRITES:
        codes.add("409")
    headers = _header_names(operation)
    if "if-match" in headers:
        codes |= {"412", "428"}
    if "idempotency-key" in headers:
        codes.add("422")
    return codes


def _refuse_unknown_properties(components: dict[str, Any]) -> None:
    # Request bodies (COMPONENT_SPLIT_REQUEST names them ...Request) are strict inputs: a field
    # they do not list is a 400 naming it (collab.api.serializers.StrictInputSerializer).
    for name, schema in components.items():
        if name.endswith("Request") and schema.get("type") == "object":
            schema.setdefault("additionalProperties", False)


_DETAIL_PARAMETER = re.compile(r"\{(id|key|slug)\}/$")


def _add_links(paths: dict[str, Any]) -> None:
    """A creation (201) links to the read, change and removal of what it created: the detail
    path directly below the collection, its id or key taken from the answer's body."""
    for path, operations in paths.items():
        created = operations.get("post", {}).get("responses", {}).get("201")
        if created is None:
            continue
        for detail_path, detail_operations in paths.items():
            if not detail_path.startswith(path):
                continue
            match = _DETAIL_PARAMETER.search(detail_path)
            if match is None or detail_path[len(path) :] != f"{{{match.group(1)}}}/":
                continue
            variable = match.group(1)
            links = created.setdefault("links", {})
            for method in ("get", "patch", "put", "delete"):
                target = detail_operations.get(method)
                if target is None:
                    continue
                parameters = {
                    parameter["name"]: f"$request.path.{parameter['name']}"
                    for parameter in target.get("parameters", [])
                    if parameter.get("in") == "path" and parameter["name"] != variable
                }
                parameters[variable] = f"$response.body#/{variable}"
                links[f"{method.capitalize()}{target['operationId'].title().replace('_', '')}"] = {
                    "operationId": target["operationId"],
                    "parameters": parameters,
                }


def postprocess_contract(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular's last step: the errors, strict bodies and links described above."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components[PROBLEM_COMPONENT] = _problem_schema()
    _refuse_unknown_properties(components)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for code in _codes_for(method, operation) | {c for c in responses if c >= "400"}:
                responses[code] = _problem_response(code)
    _add_links(result.get("paths", {}))
    return result


# --- Fields whose JSON form drf-spectacular does not state exactly ----------------------------

SYNC_TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"


def decimal_pattern(*, max_digits: int | None, places: int | None, signed: bool) -> str:
    """The exact form of a decimal string: digits, an optional fraction, a sign if allowed."""
    sign = "-?" if signed else ""
    if max_digits is None or places is None:
        return rf"^{sign}\d+(\.\d+)?$"
    whole = max(max_digits - places, 1)
    fraction = rf"(\.\d{{1,{places}}})?" if places else ""
    return rf"^{sign}\d{{1,{whole}}}{fraction}$"


class DecimalFieldSchema(OpenApiSerializerFieldExtension):
    """A decimal input is a string of digits (never a number, never empty): no sign when the
    field refuses negative values."""

    target_class = "rest_framework.fields.DecimalField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        field = self.target
        minimum = field.min_value
        return {
            "type": "string",
            "format": "decimal",
            "pattern": decimal_pattern(
                max_digits=field.max_digits,
                places=field.decimal_places,
                signed=minimum is None or minimum < 0,
            ),
        }


class TimeFieldSchema(OpenApiSerializerFieldExtension):
    """A time of day is written ``HH:MM`` (seconds optional on input), which JSON Schema's
    ``time`` format (it requires seconds and an offset) does not describe."""

    target_class = "rest_framework.fields.TimeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        return {"type": "string", "pattern": SYNC_TIME_PATTERN, "example": "10:00"}
