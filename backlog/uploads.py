"""What an attachment may be: its kind is read from its bytes, never from what the client said.

A file is accepted when its first bytes are those of a raster image (PNG, JPEG, GIF, WebP, and
the image then decodes), a PDF, a ZIP archive, or plain text (no control characters) that does
not begin like a web page: HTML, SVG and XML can carry scripts and are refused, whatever the
file's name says. The kinds accepted are ``settings.ATTACHMENT_TYPES``; the size limit is
``settings.ATTACHMENT_MAX_BYTES``. Every refusal is a ``ValidationError`` naming the file, in
the reader's language.

The name is kept for people (download name, list) but must tell the truth: an image whose name
ends with another image's extension gets the right one (``shot.png`` holding a JPEG becomes
``shot.jpg``); any other mismatch is refused.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError


@dataclass(frozen=True)
class FileKind:
    content_type: str
    label: object  # a lazy translation
    extensions: tuple[str, ...]

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


KINDS: dict[str, FileKind] = {
    kind.content_type: kind
    for kind in (
        FileKind("image/png", gettext_lazy("PNG image"), (".png",)),
        FileKind("image/jpeg", gettext_lazy("JPEG image"), (".jpg", ".jpeg", ".jfif")),
        FileKind("image/gif", gettext_lazy("GIF image"), (".gif",)),
        FileKind("image/webp", gettext_lazy("WebP image"), (".webp",)),
        FileKind("application/pdf", gettext_lazy("PDF document"), (".pdf",)),
        FileKind("text/plain", gettext_lazy("text file"), (".txt", ".log", ".md")),
        FileKind("text/csv", gettext_lazy("CSV file"), (".csv",)),
        FileKind("application/zip", gettext_lazy("ZIP archive"), (".zip",)),
    )
}
# Pillow's format name for each image kind Tandem shows inline.
IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
# How browsers recognise a web page (WHATWG MIME Sniffing, "rules for identifying an unknown
# MIME type"), plus SVG and XML: text beginning so is refused, never stored.
_MARKUP = re.compile(
    rb"^(?:<!doctype\s+html|<html|<head|<script|<iframe|<h1|<div|<font|<table|<a[\s>]|<style"
    rb"|<title|<b[\s>]|<body|<br|<p[\s>]|<!--|<\?xml|<svg|<math|<object|<embed|<meta|<link"
    rb"|<form|<img|<base)",
    re.IGNORECASE,
)
_TEXT_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# Control characters never found in text (tab, line feed, form feed, carriage return and escape,
# for coloured logs, are allowed).
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
_CHUNK = 64 * 1024
NAME_MAX_LENGTH = 200


@dataclass(frozen=True)
class CheckedUpload:
    """What the bytes of an accepted file are: its kind, size, name, and an image's pixels."""

    name: str
    content_type: str
    size: int
    width: int | None = None
    height: int | None = None


def accepted_kinds() -> list[FileKind]:
    """The kinds this server accepts (``ATTACHMENT_TYPES``), in Tandem's order."""
    unknown = set(settings.ATTACHMENT_TYPES) - set(KINDS)
    if unknown:
        raise ImproperlyConfigured(
            f"ATTACHMENT_TYPES names types Tandem cannot recognise: {', '.join(sorted(unknown))}"
            f" (known: {', '.join(KINDS)})."
        )
    return [kind for kind in KINDS.values() if kind.content_type in settings.ATTACHMENT_TYPES]


def accepted_extensions() -> list[str]:
    """The extensions of the accepted kinds, for a file input's ``accept``."""
    return [extension for kind in accepted_kinds() for extension in kind.extensions]


def accepted_summary() -> str:
    """The accepted kinds, for people: "PNG image (.png), PDF document (.pdf)…"."""
    return ", ".join(f"{kind.label} ({', '.join(kind.extensions)})" for kind in accepted_kinds())


def clean_name(name: str) -> str:
    """The file's own name, without any folder, control character or surrounding space."""
    base = PurePath(name.replace("\\", "/")).name
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(base) > NAME_MAX_LENGTH:
        stem, dot, extension = base.rpartition(".")
        keep = NAME_MAX_LENGTH - len(extension) - 1 if dot and len(extension) <= 10 else 0
        base = f"{stem[:keep]}.{extension}" if keep > 0 else base[:NAME_MAX_LENGTH]
    return base or "file"


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _read_all(file: IO[bytes]) -> Iterable[bytes]:
    file.seek(0)
    while chunk := file.read(_CHUNK):
        yield chunk


def _image(file: IO[bytes], name: str) -> tuple[str, int, int]:
    """The kind and pixel size of an image that decodes; refused otherwise (a damaged image,
    a decompression bomb, a format not shown inline)."""
    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                image_format = image.format or ""
                width, height = image.size
                image.verify()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _refuse(
            _("“%(name)s” has too many pixels to be shown safely.") % {"name": name},
            "image_too_large",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _refuse(
            _("“%(name)s” looks like an image but cannot be read: it may be damaged.")
            % {"name": name},
            "damaged_image",
        ) from None
    content_type = IMAGE_FORMATS.get(image_format)
    if content_type is None:
        raise _refuse(
            _("“%(name)s” is an image of a kind Tandem does not show (%(format)s).")
            % {"name": name, "format": image_format},
            "unsupported_type",
        )
    return content_type, width, height


def _sniff(file: IO[bytes], name: str) -> tuple[str, int | None, int | None]:
    file.seek(0)
    head = file.read(2048)
    if (
        head.startswith(b"\x89PNG\r\n\x1a\n")
        or head.startswith(b"\xff\xd8\xff")
        or head[:6] in (b"GIF87a", b"GIF89a")
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
    ):
        return _image(file, name)
    if head.startswith(b"%PDF-"):
        return "application/pdf", None, None
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "application/zip", None, None
    text = head
    for bom in _TEXT_BOMS:
        text = text.removeprefix(bom)
    if _MARKUP.match(text.lstrip(b" \t\r\n\x0c").replace(b"\x00", b"")):
        raise _refuse(
            _(
                "“%(name)s” is a web page, SVG or XML document: such files can carry scripts "
                "and are not accepted. Send a screenshot (PNG) or a PDF instead."
            )
            % {"name": name},
            "markup",
        )
    if any(_BINARY_BYTES.search(chunk) for chunk in _read_all(file)):
        raise _refuse(
            _("“%(name)s” is not a kind of file Tandem accepts. Accepted: %(kinds)s.")
            % {"name": name, "kinds": accepted_summary()},
            "unsupported_type",
        )
    extension = PurePath(name).suffix.lower()
    return ("text/csv" if extension == ".csv" else "text/plain"), None, None


def _named(name: str, kind: FileKind) -> str:
    """The name with an extension of its kind: an image's wrong image extension is corrected;
    another mismatch is refused."""
    path = PurePath(name)
    extension = path.suffix.lower()
    if extension in kind.extensions:
        return name
    image_extensions = {
        ext for other in KINDS.values() if other.is_image for ext in other.extensions
    }
    if kind.is_image and (extension in image_extensions or not extension):
        return f"{path.stem if extension else name}{kind.extensions[0]}"
    if not extension and not kind.is_image:
        return f"{name}{kind.extensions[0]}"
    raise _refuse(
        _(
            "“%(name)s” is not what its name says (its content: %(kind)s): rename it with "
            "%(extension)s and send it again."
        )
        % {"name": name, "kind": kind.label, "extension": kind.extensions[0]},
        "name_mismatch",
    )


def upload_check(*, file: IO[bytes], name: str, size: int) -> CheckedUpload:
    """Read an uploaded file's bytes and say what it is, or refuse it (ValidationError): empty,
    larger than ``ATTACHMENT_MAX_BYTES``, markup, or a kind not in ``ATTACHMENT_TYPES``."""
    name = clean_name(name)
    if size <= 0:
        raise _refuse(_("“%(name)s” is empty.") % {"name": name}, "empty")
    limit = settings.ATTACHMENT_MAX_BYTES
    if size > limit:
        raise _refuse(
            _("“%(name)s” is %(size)s; the largest file accepted is %(limit)s.")
            % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)},
            "too_large",
        )
    content_type, width, height = _sniff(file, name)
    kinds = {kind.content_type: kind for kind in accepted_kinds()}
    kind = kinds.get(content_type)
    if kind is None:
        raise _refuse(
            _("“%(name)s” (%(kind)s) is not accepted on this server. Accepted: %(kinds)s.")
            % {"name": name, "kind": KINDS[content_type].label, "kinds": accepted_summary()},
            "unsupported_type",
        )
    file.seek(0)
    return CheckedUpload(
        name=_named(name, kind), content_type=content_type, size=size, width=width, height=height
    )
