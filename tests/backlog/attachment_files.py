"""Files for the attachment tests, made here: real images (Pillow), a PDF, a ZIP, text, and the
script carriers that must be refused."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, fmt)
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("server.log", "GET / 500\n")
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(document.cookie)</script></svg>"
)
BARE_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
HTML_AFTER_SPACE = b"\n\n   <script>fetch('/api/v1/me/')</script>"
LOG = b"2026-12-07 12:00:01 ERROR checkout failed\n\x1b[31mTraceback\x1b[0m\n"


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    """A file as a browser sends it; its claimed type is whatever the test says (never read)."""
    return SimpleUploadedFile(name, content, content_type=content_type)
