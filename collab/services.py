"""Writes of the collaboration core: engagements, people's preferences, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.backlog_ranking_bridge import RANKING_FIELDS, engagement_ranking_inputs_changed
from collab.models import ApiToken, Engagement, IdempotencyRecord, Organization, User
from collab.rhythm.scheduling import engagement_cadence_changed

ENGAGEMENT_EDITABLE_FIELDS = (
    "name",
    "platform",
    "business_model",
    "currency",
    "client_hourly_cost",
    "agency_day_rate",
    "status",
    "strategy",
    "sync_weekday",
    "sync_time",
    "sync_time_zone",
    "sync_duration_minutes",
    "review_cadence",
)
PERSON_EDITABLE_FIELDS = ("display_name", "time_zone", "language")
# Changing one of these moves the engagement's future meetings (collab.rhythm.scheduling).
CADENCE_FIELDS = frozenset(
    {"sync_weekday", "sync_time", "sync_time_zone", "sync_duration_minutes", "review_cadence"}
)
TOKEN_PREFIX_LENGTH = 8
# How long the first answer to an Idempotency-Key is replayed (collab.common.idempotency).
IDEMPOTENCY_RETENTION = timedelta(hours=24)


def _apply(instance: Any, fields: tuple[str, ...], data: dict[str, Any]) -> list[str]:
    unknown = set(data) - set(fields)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    changed = []
    for name, value in data.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


@transaction.atomic
def engagement_create(
    *, agency: Organization, client_name: str, slug: str, key_prefix: str, **fields: Any
) -> Engagement:
    """Open an engagement between an agency and a client (created on first use); every field
    is validated before anything is written."""
    if agency.kind != Organization.Kind.AGENCY:
        raise ValidationError({"agency": _("The engagement must belong to an agency.")})
    client_name = client_name.strip()
    if not client_name:
        raise ValidationError({"client_name": _("Name the client.")})
    client = Organization.objects.filter(name__iexact=client_name).first()
    if client is None:
        client = Organization(name=client_name, kind=Organization.Kind.CLIENT)
        client.full_clean()
        client.save()
    elif client.kind != Organization.Kind.CLIENT:
        raise ValidationError(
            {"client_name": _("“%(name)s” is an agency, not a client.") % {"name": client.name}}
        )
    engagement = Engagement(agency=agency, client=client, slug=slug, key_prefix=key_prefix)
    _apply(engagement, ENGAGEMENT_EDITABLE_FIELDS, fields)
    engagement.full_clean()
    engagement.save()
    return engagement


@transaction.atomic
def engagement_update(*, engagement: Engagement, data: dict[str, Any]) -> Engagement:
    """Change an engagement's settings; slug and key prefix never change once tickets use them."""
    locked = Engagement.objects.select_for_update().get(pk=engagement.pk)
    changed = _apply(locked, ENGAGEMENT_EDITABLE_FIELDS, data)
    if changed:
        locked.full_clean()
        locked.save(update_fields=[*changed, "updated_at"])
    if CADENCE_FIELDS.intersection(changed):
        engagement_cadence_changed(engagement=locked)
    if RANKING_FIELDS.intersection(changed):
        engagement_ranking_inputs_changed(engagement=locked)
    return locked


def person_update(*, person: User, data: dict[str, Any]) -> User:
    """Change a person's display name, time zone or language."""
    changed = _apply(person, PERSON_EDITABLE_FIELDS, data)
    if changed:
        person.full_clean(exclude=["password"])
        person.save(update_fields=changed)
    return person


def _hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw_key: str  # shown once, never stored


def api_token_create(
    *, engagement: Engagement, name: str, scope: str, created_by: User | None
) -> IssuedToken:
    """Issue a bearer token for one engagement; only its SHA-256 is stored, so the key is shown
    once."""
    name = name.strip()
    if ApiToken.objects.filter(engagement=engagement, name=name, revoked_at__isnull=True).exists():
        raise ValidationError({"name": _("An active token already has this name.")})
    prefix = secrets.token_hex(TOKEN_PREFIX_LENGTH // 2)
    raw_key = f"tdm_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        engagement=engagement,
        name=name,
        scope=scope,
        prefix=prefix,
        key_hash=_hash_key(raw_key),
        created_by=created_by,
    )
    token.full_clean()
    token.save()
    return IssuedToken(token=token, raw_key=raw_key)


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token at once; a revoked token answers 401 from its next request on."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(*, raw_key: str) -> ApiToken | None:
    """The active token for this key, with its last use recorded (at most once a minute)."""
    token = (
        ApiToken.objects.select_related("engagement")
        .filter(key_hash=_hash_key(raw_key), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def idempotency_records_purge(*, older_than: timedelta = IDEMPOTENCY_RETENTION) -> int:
    """Delete the Idempotency-Key answers older than the retention period; returns how many
    were deleted."""
    deleted, _by_model = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
