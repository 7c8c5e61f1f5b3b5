"""``Idempotency-Key`` on creations and workflow moves: a client that retries a POST (a
timeout, a lost answer, a connection cut after the commit) gets the first answer back instead of
a second object, or of a 409 for a move that already happened.

The key belongs to the principal that sent it (a person or a token). The first request claims
it by inserting its record inside the transaction that creates the object, so a concurrent
request with the same key waits on the unique index and then replays the committed answer; if
the creation fails, the claim is rolled back with it and the key stays free. Only successful
answers are kept, for 24 hours. The same key with another method, path or body answers 422.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from collab.common.problems import problem_response
from collab.models import ApiToken, IdempotencyRecord
from collab.services import IDEMPOTENCY_RETENTION as RETENTION

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
KEPT_HEADERS = ("Location", "ETag")


def _principal(request: Request) -> tuple[str, int]:
    user = request.user
    if isinstance(user, ApiToken):
        return IdempotencyRecord.PrincipalKind.TOKEN, user.pk
    if not user.is_authenticated:
        # Every creation is behind authentication; an anonymous caller has no keys of its own.
        raise NotAuthenticated
    return IdempotencyRecord.PrincipalKind.PERSON, user.pk


def _file_digest(value: object) -> object:
    # An uploaded file is known by its bytes, not its name: the same name with other contents
    # is another request.
    if not isinstance(value, UploadedFile):
        return value
    digest = hashlib.sha256()
    for chunk in value.chunks():
        digest.update(chunk)
    value.seek(0)
    return f"file:{value.size}:{digest.hexdigest()}"


def _body(data: object) -> object:
    if hasattr(data, "lists"):
        # A form or multipart body: every value of every field, in a stable order.
        return {
            name: [_file_digest(value) for value in values] for name, values in sorted(data.lists())
        }
    return data


def request_fingerprint(request: Request) -> str:
    """SHA-256 of the method, the path and the parsed body (key order does not matter)."""
    payload = json.dumps(
        [request.method, request.path, _body(request.data)],
        sort_keys=True,
        default=str,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _key(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationError(
            {
                HEADER: [
                    _("An Idempotency-Key is 1 to %(max)d printable characters.")
                    % {"max": MAX_KEY_LENGTH}
                ]
            }
        )
    return key


def _replay(request: Request, record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        return problem_response(
            status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
            title="Unprocessable Content",
            detail=_(
                "This Idempotency-Key was already used for a different request; use a new key "
                "for a new request."
            ),
            type_="idempotency-key-reused",
            instance=request.get_full_path(),
        )
    headers = {**record.response_headers, REPLAYED_HEADER: "true"}
    return Response(record.response_body, status=record.response_status, headers=headers)


def _stored(kind: str, principal_id: int, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(
        principal_kind=kind,
        principal_id=principal_id,
        key=key,
        created_at__gte=timezone.now() - RETENTION,
    ).first()


def idempotent_create(request: Request, create: Callable[[], Response]) -> Response:
    """Run ``create`` once per ``Idempotency-Key`` of the principal (every time without one);
    a repeat with the same body replays the first answer, status and ``Location`` included."""
    key = _key(request)
    if key is None:
        return create()
    kind, principal_id = _principal(request)
    fingerprint = request_fingerprint(request)
    record = _stored(kind, principal_id, key)
    if record is not None:
        return _replay(request, record, fingerprint)
    with transaction.atomic():
        # An expired record of the same key no longer counts; the purge may not have run yet.
        IdempotencyRecord.objects.filter(
            principal_kind=kind,
            principal_id=principal_id,
            key=key,
            created_at__lt=timezone.now() - RETENTION,
        ).delete()
        try:
            with transaction.atomic():
                claim = IdempotencyRecord.objects.create(
                    principal_kind=kind,
                    principal_id=principal_id,
                    key=key,
                    method=request.method or "",
                    path=request.path[:500],
                    fingerprint=fingerprint,
                    response_status=0,
                )
        except IntegrityError:
            claim = None
        if claim is not None:
            response = create()
            if response.status_code >= 400:
                # A refusal answered without raising (a move's guards): the key stays free.
                claim.delete()
                return response
            claim.response_status = response.status_code
            claim.response_body = response.data
            claim.response_headers = {
                name: response[name] for name in KEPT_HEADERS if response.has_header(name)
            }
            claim.save(update_fields=["response_status", "response_body", "response_headers"])
            return response
    # Another request with this key committed while this one waited on the unique index.
    record = _stored(kind, principal_id, key)
    if record is None:
        raise IntegrityError("Idempotency record vanished after a conflict.")
    return _replay(request, record, fingerprint)
