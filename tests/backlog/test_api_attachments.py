"""Attachments through the API: a multipart upload checked from its bytes, the list, one
attachment, its bytes, its removal; another engagement meets 404 everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from backlog import services
from backlog.models import Attachment, TicketHistory
from collab.services import api_token_create
from roles.models import Role
from tests.backlog.attachment_files import HTML, PDF, SVG_WITH_SCRIPT, image_bytes, upload
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
    return member(engagement, Role.TESTER, display_name="Tess Ter", email="tess@atelier.example")


@pytest.fixture
def bug(engagement, tester):
    return TicketFactory(engagement=engagement, kind="bug", reporter=tester)


def list_url(ticket) -> str:
    return reverse("api-attachment-list", args=[ticket.engagement.slug, ticket.key])


def detail_url(ticket, pk) -> str:
    return reverse("api-attachment-detail", args=[ticket.engagement.slug, ticket.key, pk])


def content_url(ticket, pk) -> str:
    return reverse("api-attachment-content", args=[ticket.engagement.slug, ticket.key, pk])


def post_file(api_client, ticket, file, **extra):
    return api_client.post(list_url(ticket), {"file": file, **extra}, format="multipart")


def test_a_screenshot_uploaded_through_the_api(api_client, media, bug, tester):
    api_client.force_login(tester)

    response = post_file(api_client, bug, upload("crash.png", image_bytes("PNG", (20, 10))))

    assert response.status_code == 201, response.content
    body = response.json()
    attachment = Attachment.objects.get()
    assert body == {
        "id": attachment.pk,
        "url": "http://testserver" + detail_url(bug, attachment.pk),
        "content_url": "http://testserver" + content_url(bug, attachment.pk),
        "name": "crash.png",
        "content_type": "image/png",
        "size": len(image_bytes("PNG", (20, 10))),
        "width": 20,
        "height": 10,
        "comment": None,
        "uploaded_by": {"email": "tess@atelier.example", "display_name": "Tess Ter"},
        "created_at": body["created_at"],
    }
    assert response["Location"] == body["url"]
    assert TicketHistory.objects.filter(ticket=bug, field="attachment", after="crash.png").exists()


def test_a_write_token_uploads_for_its_creator(api_client, media, engagement, bug, tester):
    token = api_token_create(engagement=engagement, name="CI", scope="write", created_by=tester)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.raw_key}")

    response = post_file(api_client, bug, upload("invoice.pdf", PDF))

    assert response.status_code == 201
    assert Attachment.objects.get().uploaded_by == tester


def test_a_read_token_cannot_upload(api_client, media, engagement, bug, tester):
    token = api_token_create(engagement=engagement, name="BI", scope="read", created_by=tester)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.raw_key}")

    response = post_file(api_client, bug, upload("invoice.pdf", PDF))

    assert response.status_code == 403
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("name", "content"),
    [("evil.svg", SVG_WITH_SCRIPT), ("page.html", HTML), ("screenshot.png", HTML)],
)
def test_a_script_carrier_is_a_400_naming_the_file(api_client, media, bug, tester, name, content):
    api_client.force_login(tester)

    response = post_file(api_client, bug, upload(name, content))

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    (message,) = response.json()["errors"]["file"]
    assert name in message and "can carry scripts" in message
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_a_file_over_the_limit_is_a_400(api_client, media, settings, bug, tester):
    settings.ATTACHMENT_MAX_BYTES = 100
    api_client.force_login(tester)

    response = post_file(api_client, bug, upload("big.log", b"x" * 500))

    assert response.status_code == 400
    assert "the largest file accepted is 100" in response.json()["errors"]["file"][0]
    assert stored_files(media) == []


def test_a_body_over_the_upload_limit_is_a_413_before_it_is_read(
    api_client, media, settings, bug, tester
):
    settings.API_MAX_UPLOAD_BYTES = 2000
    api_client.force_login(tester)

    response = post_file(api_client, bug, upload("big.log", b"x" * 5000))

    assert response.status_code == 413
    assert response.json()["detail"] == "The request body is larger than 2000 bytes."
    assert stored_files(media) == []


def test_json_is_not_an_upload(api_client, media, bug, tester):
    api_client.force_login(tester)

    response = api_client.post(list_url(bug), {"file": "aGVsbG8="}, format="json")

    assert response.status_code == 415


def test_an_unknown_field_or_a_missing_file_is_a_400(api_client, media, bug, tester):
    api_client.force_login(tester)

    unknown = post_file(api_client, bug, upload("a.png", image_bytes()), colour="red")
    missing = api_client.post(list_url(bug), {}, format="multipart")

    assert unknown.status_code == 400
    assert unknown.json()["errors"] == {
        "colour": ["Unknown field: this endpoint does not accept it."]
    }
    assert missing.status_code == 400
    assert "file" in missing.json()["errors"]
    assert stored_files(media) == []


def test_a_file_joins_the_callers_own_comment(api_client, media, engagement, bug, tester):
    comment = services.comment_add(actor=tester, ticket=bug, body="Steps")
    someone = member(engagement, Role.DEVELOPER)
    api_client.force_login(someone)
    refused = post_file(api_client, bug, upload("a.png", image_bytes()), comment=comment.pk)
    api_client.force_login(tester)
    unknown = post_file(api_client, bug, upload("a.png", image_bytes()), comment=999999)

    response = post_file(api_client, bug, upload("a.png", image_bytes()), comment=comment.pk)

    assert refused.status_code == 403
    assert unknown.status_code == 400
    assert response.status_code == 201
    assert response.json()["comment"] == comment.pk


def test_the_list_the_detail_and_the_bytes(api_client, media, bug, tester):
    (image,) = services.attachments_add(
        actor=tester, ticket=bug, uploads=[upload("a.png", image_bytes())]
    )
    (pdf,) = services.attachments_add(actor=tester, ticket=bug, uploads=[upload("b.pdf", PDF)])
    api_client.force_login(tester)

    listed = api_client.get(list_url(bug)).json()
    detail = api_client.get(detail_url(bug, pdf.pk)).json()
    image_bytes_answer = api_client.get(content_url(bug, image.pk))
    pdf_answer = api_client.get(content_url(bug, pdf.pk))

    assert [row["name"] for row in listed["results"]] == ["a.png", "b.pdf"]
    assert detail["content_type"] == "application/pdf"
    assert image_bytes_answer["Content-Type"] == "image/png"
    assert image_bytes_answer["Content-Disposition"] == 'inline; filename="a.png"'
    assert b"".join(pdf_answer.streaming_content) == PDF
    assert pdf_answer["Content-Disposition"] == 'attachment; filename="b.pdf"'
    assert pdf_answer["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert pdf_answer["X-Content-Type-Options"] == "nosniff"


def test_the_ticket_links_to_its_attachments(api_client, media, bug, tester):
    api_client.force_login(tester)

    body = api_client.get(reverse("api-ticket-detail", args=[bug.engagement.slug, bug.key])).json()

    assert body["links"]["attachments"] == "http://testserver" + list_url(bug)


def test_removal_by_the_uploader_or_the_project_manager_only(
    api_client, media, engagement, bug, tester, django_capture_on_commit_callbacks
):
    first, second = (
        services.attachments_add(actor=tester, ticket=bug, uploads=[upload(n, PDF)])[0]
        for n in ("a.pdf", "b.pdf")
    )
    developer = member(engagement, Role.DEVELOPER)
    pm = member(engagement, Role.PROJECT_MANAGER)

    api_client.force_login(developer)
    refused = api_client.delete(detail_url(bug, first.pk))
    with django_capture_on_commit_callbacks(execute=True):
        api_client.force_login(tester)
        own = api_client.delete(detail_url(bug, first.pk))
        api_client.force_login(pm)
        managed = api_client.delete(detail_url(bug, second.pk))

    assert (refused.status_code, own.status_code, managed.status_code) == (403, 204, 204)
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_another_engagements_token_meets_404_everywhere(
    api_client, media, bug, tester, other_engagement
):
    (attachment,) = services.attachments_add(
        actor=tester, ticket=bug, uploads=[upload("secret-QX42.png", image_bytes())]
    )
    stranger = member(other_engagement, Role.PROJECT_MANAGER)
    token = api_token_create(
        engagement=other_engagement, name="CI", scope="write", created_by=stranger
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.raw_key}")

    answers = [
        api_client.get(list_url(bug)),
        api_client.get(detail_url(bug, attachment.pk)),
        api_client.get(content_url(bug, attachment.pk)),
        api_client.delete(detail_url(bug, attachment.pk)),
        post_file(api_client, bug, upload("x.png", image_bytes())),
    ]

    assert [answer.status_code for answer in answers] == [404] * 5
    assert all(b"secret-QX42" not in answer.content for answer in answers)
    assert Attachment.objects.count() == 1
    assert len(stored_files(media)) == 1


def test_the_same_idempotency_key_with_another_file_is_refused(api_client, media, bug, tester):
    api_client.force_login(tester)
    headers = {"HTTP_IDEMPOTENCY_KEY": "upload-1"}

    first = api_client.post(
        list_url(bug), {"file": upload("a.log", b"one\n")}, format="multipart", **headers
    )
    again = api_client.post(
        list_url(bug), {"file": upload("a.log", b"one\n")}, format="multipart", **headers
    )
    other = api_client.post(
        list_url(bug), {"file": upload("a.log", b"two\n")}, format="multipart", **headers
    )

    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert again.json()["id"] == first.json()["id"]
    assert Attachment.objects.count() == 1
