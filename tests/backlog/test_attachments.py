"""Attachments in the domain: what a file is comes from its bytes; refusals store nothing; who
may remove a file; the history; the storage is Django's (a folder here, a bucket in production).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.files.storage import default_storage

from backlog import services
from backlog.models import Attachment, Comment, TicketHistory
from backlog.uploads import upload_check
from collab.services import api_token_create
from roles.models import Role
from roles.policy import can_remove_attachment
from tests.backlog.attachment_files import (
    BARE_SVG,
    HTML,
    HTML_AFTER_SPACE,
    LOG,
    PDF,
    SVG_WITH_SCRIPT,
    image_bytes,
    upload,
    zip_bytes,
)
from tests.backlog.factories import TicketFactory
from tests.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


@pytest.fixture
def tester(engagement):
    return member(engagement, Role.TESTER, display_name="Tess Ter")


@pytest.fixture
def bug(engagement, tester):
    return TicketFactory(engagement=engagement, kind="bug", reporter=tester)


def check(name: str, content: bytes):
    return upload_check(file=upload(name, content), name=name, size=len(content))


# --- What a file is --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type", "stored_name"),
    [
        ("checkout.png", image_bytes("PNG"), "image/png", "checkout.png"),
        ("photo.jpeg", image_bytes("JPEG"), "image/jpeg", "photo.jpeg"),
        ("anim.gif", image_bytes("GIF"), "image/gif", "anim.gif"),
        ("shot.webp", image_bytes("WEBP"), "image/webp", "shot.webp"),
        # A screenshot tool's wrong image extension is corrected, not refused.
        ("mislabelled.png", image_bytes("JPEG"), "image/jpeg", "mislabelled.jpg"),
        ("invoice.pdf", PDF, "application/pdf", "invoice.pdf"),
        ("logs.zip", zip_bytes(), "application/zip", "logs.zip"),
        ("server.log", LOG, "text/plain", "server.log"),
        ("orders.csv", "id;client\n1;Société\n".encode("cp1252"), "text/csv", "orders.csv"),
        ("notes", b"plain words\n", "text/plain", "notes.txt"),
    ],
)
def test_a_file_is_what_its_bytes_say(name, content, content_type, stored_name):
    checked = check(name, content)

    assert (checked.content_type, checked.name, checked.size) == (
        content_type,
        stored_name,
        len(content),
    )


def test_an_image_knows_its_pixels():
    checked = check("wide.png", image_bytes("PNG", (300, 120)))

    assert (checked.width, checked.height) == (300, 120)


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("evil.svg", SVG_WITH_SCRIPT, "markup"),
        ("icon.svg", BARE_SVG, "markup"),
        ("page.html", HTML, "markup"),
        # The name says PNG, the bytes are a web page: the bytes win.
        ("screenshot.png", HTML, "markup"),
        ("readme.txt", HTML_AFTER_SPACE, "markup"),
        ("program.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "unsupported_type"),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "damaged_image"),
        ("report.docx", zip_bytes(), "name_mismatch"),
        ("empty.txt", b"", "empty"),
    ],
)
def test_script_carriers_and_unknown_files_are_refused(name, content, code):
    with pytest.raises(ValidationError) as refused:
        check(name, content)

    assert refused.value.code == code
    assert name in refused.value.messages[0]


def test_a_file_over_the_limit_is_refused_with_both_sizes(settings):
    settings.ATTACHMENT_MAX_BYTES = 1024

    with pytest.raises(ValidationError) as refused:
        check("big.log", b"x" * 2048)

    assert refused.value.code == "too_large"
    assert refused.value.messages == [
        "“big.log” is 2.0\xa0KB; the largest file accepted is 1.0\xa0KB."
    ]


def test_a_kind_the_server_does_not_accept_is_refused(settings):
    settings.ATTACHMENT_TYPES = ["image/png"]

    with pytest.raises(ValidationError) as refused:
        check("invoice.pdf", PDF)

    assert refused.value.code == "unsupported_type"
    assert "PDF document" in refused.value.messages[0]


def test_an_unknown_type_in_the_settings_is_a_configuration_error(settings):
    settings.ATTACHMENT_TYPES = ["image/svg+xml"]

    with pytest.raises(ImproperlyConfigured, match="image/svg"):
        check("a.png", image_bytes())


def test_a_refusal_is_in_the_readers_language():
    from django.utils import translation

    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        check("page.html", HTML)

    assert "ne sont pas acceptés" in refused.value.messages[0]


def test_the_name_keeps_no_folder_nor_control_character():
    checked = check("../../etc/\x07passwd.txt", b"root\n")

    assert checked.name == "passwd.txt"


# --- Adding ----------------------------------------------------------------------------------


def test_an_attachment_is_stored_under_a_name_that_tells_nothing(media, bug, tester):
    (attachment,) = services.attachments_add(
        actor=tester, ticket=bug, uploads=[upload("Checkout crash — client X.png", image_bytes())]
    )

    attachment.refresh_from_db()
    assert attachment.original_name == "Checkout crash — client X.png"
    assert attachment.content_type == "image/png"
    assert attachment.engagement_id == bug.engagement_id
    assert attachment.uploaded_by == tester
    assert "Checkout" not in attachment.file.name
    assert attachment.file.name.startswith(f"attachments/{bug.engagement_id}/")
    (stored,) = stored_files(media)
    assert stored.read_bytes() == image_bytes()


def test_the_claimed_type_is_never_trusted(media, bug, tester):
    (attachment,) = services.attachments_add(
        actor=tester,
        ticket=bug,
        uploads=[upload("trace.txt", b"Traceback\n", content_type="image/png")],
    )

    assert attachment.content_type == "text/plain"


def test_an_upload_with_one_refused_file_stores_none(media, bug, tester):
    uploads = [upload("ok.png", image_bytes()), upload("evil.svg", SVG_WITH_SCRIPT)]

    with pytest.raises(ValidationError) as refused:
        services.attachments_add(actor=tester, ticket=bug, uploads=uploads)

    assert len(refused.value.messages) == 1
    assert "evil.svg" in refused.value.messages[0]
    assert not Attachment.objects.exists()
    assert not TicketHistory.objects.filter(field="attachment").exists()
    assert stored_files(media) == []


def test_too_many_files_at_once_are_refused(media, settings, bug, tester):
    settings.ATTACHMENTS_PER_UPLOAD = 2

    with pytest.raises(ValidationError, match="at most 2 files"):
        services.attachments_add(
            actor=tester,
            ticket=bug,
            uploads=[upload(f"{n}.png", image_bytes()) for n in range(3)],
        )

    assert stored_files(media) == []


def test_a_row_that_cannot_be_written_takes_its_files_away(media, bug, tester, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr("backlog.services.attachments.history_add", fail)

    with pytest.raises(RuntimeError):
        services.attachments_add(actor=tester, ticket=bug, uploads=[upload("a.png", image_bytes())])

    assert stored_files(media) == []
    assert not Attachment.objects.exists()


def test_adding_is_recorded_in_the_history(media, bug, tester):
    services.attachments_add(actor=tester, ticket=bug, uploads=[upload("a.png", image_bytes())])

    entry = TicketHistory.objects.get(ticket=bug, field="attachment")
    assert (entry.actor, entry.before, entry.after) == (tester, "", "a.png")


def test_a_comment_carries_its_files_and_a_refused_file_refuses_the_comment(media, bug, tester):
    comment = services.comment_add(
        actor=tester, ticket=bug, body="See the log", uploads=[upload("server.log", LOG)]
    )
    assert [a.original_name for a in comment.attachments.all()] == ["server.log"]

    with pytest.raises(ValidationError):
        services.comment_add(
            actor=tester, ticket=bug, body="And this", uploads=[upload("x.html", HTML)]
        )

    assert list(Comment.objects.values_list("body", flat=True)) == ["See the log"]
    assert len(stored_files(media)) == 1


def test_only_a_comments_author_attaches_to_it_and_only_on_its_ticket(
    media, engagement, bug, tester
):
    comment = services.comment_add(actor=tester, ticket=bug, body="Steps")
    other = member(engagement, Role.DEVELOPER)

    with pytest.raises(PermissionDenied):
        services.attachments_add(
            actor=other, ticket=bug, uploads=[upload("a.png", image_bytes())], comment=comment
        )
    with pytest.raises(ValidationError):
        services.attachments_add(
            actor=tester,
            ticket=TicketFactory(engagement=engagement),
            uploads=[upload("a.png", image_bytes())],
            comment=comment,
        )
    assert stored_files(media) == []


# --- Removing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.PROJECT_MANAGER, True),
        (Role.DEVELOPER, False),
        (Role.DIRECTOR, False),
        (Role.AGENCY_ADMIN, False),
        (Role.STAKEHOLDER, False),
    ],
)
def test_who_may_remove_someone_elses_file(engagement, tester, role, allowed):
    person = member(engagement, role)

    assert can_remove_attachment(person, engagement, uploaded_by_id=tester.pk) is allowed
    assert can_remove_attachment(tester, engagement, uploaded_by_id=tester.pk) is True


def test_a_token_removes_only_what_its_creator_uploaded(engagement, tester):
    write = api_token_create(engagement=engagement, name="CI", scope="write", created_by=tester)
    read = api_token_create(engagement=engagement, name="BI", scope="read", created_by=tester)

    assert can_remove_attachment(write.token, engagement, uploaded_by_id=tester.pk) is True
    assert can_remove_attachment(write.token, engagement, uploaded_by_id=tester.pk + 1) is False
    assert can_remove_attachment(read.token, engagement, uploaded_by_id=tester.pk) is False


def test_removing_keeps_the_name_in_the_history_and_the_file_goes_after_the_commit(
    media, engagement, bug, tester, django_capture_on_commit_callbacks
):
    (attachment,) = services.attachments_add(
        actor=tester, ticket=bug, uploads=[upload("a.png", image_bytes())]
    )
    pm = member(engagement, Role.PROJECT_MANAGER)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.attachment_delete(actor=pm, principal=pm, attachment=attachment)
        assert len(stored_files(media)) == 1

    assert len(callbacks) == 1
    assert stored_files(media) == []
    assert not Attachment.objects.exists()
    entry = TicketHistory.objects.filter(ticket=bug, field="attachment").latest("pk")
    assert (entry.actor, entry.before, entry.after) == (pm, "a.png", "")


def test_a_refused_removal_changes_nothing(media, engagement, bug, tester):
    (attachment,) = services.attachments_add(
        actor=tester, ticket=bug, uploads=[upload("a.png", image_bytes())]
    )
    developer = member(engagement, Role.DEVELOPER)

    with pytest.raises(PermissionDenied):
        services.attachment_delete(actor=developer, principal=developer, attachment=attachment)

    assert Attachment.objects.count() == 1
    assert len(stored_files(media)) == 1
    assert TicketHistory.objects.filter(field="attachment").count() == 1


# --- Storage ---------------------------------------------------------------------------------


def test_the_embedded_default_stores_files_under_the_run_folder(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/"),
        "DEBUG": "1",
        "TANDEM_RUN_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "collab.settings",
    }
    code = (
        "import django; django.setup(); from django.core.files.storage import storages;"
        "s = storages['default']; print(type(s).__name__, s.location)"
    )
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own interpreter
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["FileSystemStorage", str(tmp_path / "media")]


def test_a_bucket_name_switches_the_storage_to_s3_compatible(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/"),
        "DEBUG": "1",
        "TANDEM_RUN_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "collab.settings",
        "AWS_STORAGE_BUCKET_NAME": "tandem-files",
        "AWS_S3_ENDPOINT_URL": "https://s3.example.test",
        "AWS_S3_REGION_NAME": "fr-par",
        "AWS_ACCESS_KEY_ID": "test-access-key",
        "AWS_SECRET_ACCESS_KEY": "test-secret-key",
    }
    code = (
        "import django; django.setup(); from django.core.files.storage import storages;"
        "s = storages['default'];"
        "print(type(s).__name__, s.bucket_name, s.endpoint_url, s.region_name, s.location,"
        " s.default_acl, s.file_overwrite)"
    )
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own interpreter
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "S3Storage",
        "tandem-files",
        "https://s3.example.test",
        "fr-par",
        "tandem",
        "private",
        "False",
    ]


def test_tests_write_attachments_outside_the_checkout(bug, tester):
    # No ``media`` fixture here: the session's own folder (tests/conftest.py).
    (attachment,) = services.attachments_add(
        actor=tester, ticket=bug, uploads=[upload("a.png", image_bytes())]
    )

    path = Path(default_storage.path(attachment.file.name))
    assert not path.is_relative_to(Path(django_settings.BASE_DIR))


def test_an_image_with_too_many_pixels_is_refused_before_it_is_decoded(monkeypatch):
    from PIL import Image

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)

    with pytest.raises(ValidationError) as refused:
        check("bomb.png", image_bytes("PNG", (100, 100)))

    assert refused.value.code == "image_too_large"
