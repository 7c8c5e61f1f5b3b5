"""An uploaded file waiting for its import to be confirmed, between the dry run and the
confirmation: kept under ``RUN_DIR/imports`` with a random name, and named in a signed token
bound to the engagement, the person and the format, valid for an hour.

The web tier is otherwise stateless: with several web hosts, ``RUN_DIR`` must be a shared
volume (or the confirmation reach the host that took the upload), else the confirmation answers
"upload the file again".
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import signing

SALT = "backlog.transfer.pending-import"
MAX_AGE_SECONDS = 3600


@dataclass(frozen=True)
class PendingImport:
    path: Path
    fmt: str
    data: bytes


def _directory() -> Path:
    directory = Path(settings.RUN_DIR) / "imports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _sweep(directory: Path) -> None:
    # Files of dry runs never confirmed are removed once their token has expired.
    limit = time.time() - MAX_AGE_SECONDS
    for path in directory.glob("*.csv"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except FileNotFoundError:
            continue


def pending_import_save(*, data: bytes, engagement_id: int, person_id: int, fmt: str) -> str:
    """Keep the uploaded bytes; the signed token that names them for this engagement, person
    and format."""
    directory = _directory()
    _sweep(directory)
    name = secrets.token_urlsafe(24)
    (directory / f"{name}.csv").write_bytes(data)
    return signing.dumps(
        {"file": name, "engagement": engagement_id, "person": person_id, "format": fmt}, salt=SALT
    )


def pending_import_open(*, token: str, engagement_id: int, person_id: int) -> PendingImport | None:
    """The file a token names if it is genuine, recent, and was uploaded by this person into
    this engagement; None otherwise."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if payload.get("engagement") != engagement_id or payload.get("person") != person_id:
        return None
    name = str(payload.get("file", ""))
    if not name or "/" in name or "." in name:
        return None
    path = _directory() / f"{name}.csv"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return PendingImport(path=path, fmt=str(payload.get("format", "")), data=data)


def pending_import_discard(pending: PendingImport) -> None:
    """Forget a pending file once its import ran."""
    pending.path.unlink(missing_ok=True)
