"""Attachments on the ticket page: upload (htmx and plain form), images inline, refusals that
store nothing, removal by the uploader or the project manager, files served only to the
engagement's people and never run, the page's queries not growing with the files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backlog import services
from backlog.models import Attachment, Comment, TicketHistory
from roles.models import Role
from tests.backlog.attachment_files import HTML, LOG, PDF, SVG_WITH_SCRIPT, image_bytes, upload
from tests.backlog.factories import TicketFactory
from tests.factories import member

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


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
def pm(engagement):
    return member(engagement, Role.PROJECT_MANAGER, display_name="Pam Manager")


@pytest.fixture
def bug(engagement, tester):
    return TicketFactory(engagement=engagement, kind="bug", reporter=tester, title="Crash")


def url(name, ticket, *args) -> str:
    return reverse(name, args=[ticket.engagement.slug, ticket.key, *args])


def attach(actor, ticket, *files):
    return services.attachments_add(actor=actor, ticket=ticket, uploads=list(files))


def test_a_screenshot_dropped_on_the_ticket_is_shown_inline(client, media, bug, tester):
    client.force_login(tester)

    response = client.post(
        url("backlog:attachment-add", bug),
        {"attach-files": [upload("checkout.png", image_bytes("PNG", (64, 48)))]},
        **HTMX,
    )

    assert response.status_code == 200
    (attachment,) = Attachment.objects.all()
    file_url = url("backlog:attachment-file", bug, attachment.pk)
    content = response.content.decode()
    assert f'<img class="attachments__thumb" src="{file_url}" alt="checkout.png"' in content
    assert 'width="64" height="48"' in content
    assert json.loads(response["HX-Trigger"]) == {
        "toast": {"message": f"1 file attached to {bug.key}.", "tone": "success"}
    }
    page = client.get(url("backlog:ticket-detail", bug)).content.decode()
    assert f'src="{file_url}"' in page
    assert f'href="{file_url}" target="_blank"' in page


def test_a_document_is_listed_with_its_size_as_a_download(client, media, bug, tester):
    attach(tester, bug, upload("invoice.pdf", PDF))
    client.force_login(tester)

    page = client.get(url("backlog:ticket-detail", bug)).content.decode()

    attachment = Attachment.objects.get()
    assert (
        f'href="{url("backlog:attachment-file", bug, attachment.pk)}" download>invoice.pdf' in page
    )
    assert f"{len(PDF)}\xa0bytes" in page
    assert "<img" not in page.split('id="attachments"')[1].split("</section>")[0]


def test_the_plain_form_works_without_script(client, media, bug, tester):
    client.force_login(tester)

    response = client.post(
        url("backlog:attachment-add", bug), {"attach-files": [upload("server.log", LOG)]}
    )

    assert response.status_code == 302
    assert response["Location"] == url("backlog:ticket-detail", bug) + "#attachments"
    assert Attachment.objects.get().content_type == "text/plain"


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("evil.svg", SVG_WITH_SCRIPT, "can carry scripts"),
        ("page.html", HTML, "can carry scripts"),
        ("screenshot.png", HTML, "can carry scripts"),
    ],
)
def test_a_script_carrier_is_refused_with_the_reason_and_nothing_is_stored(
    client, media, bug, tester, name, content, words
):
    client.force_login(tester)

    response = client.post(
        url("backlog:attachment-add", bug), {"attach-files": [upload(name, content)]}, **HTMX
    )

    assert response.status_code == 422
    body = response.content.decode()
    assert name in body and words in body
    assert 'aria-invalid="true"' in body
    assert not Attachment.objects.exists()
    assert stored_files(media) == []
    assert not TicketHistory.objects.filter(field="attachment").exists()


def test_a_file_too_big_is_refused_on_the_page(client, media, settings, bug, tester):
    settings.ATTACHMENT_MAX_BYTES = 100
    client.force_login(tester)

    response = client.post(
        url("backlog:attachment-add", bug), {"attach-files": [upload("big.log", b"x" * 500)]}
    )

    assert response.status_code == 422
    assert "the largest file accepted is 100\xa0bytes" in response.content.decode()
    assert stored_files(media) == []


def test_no_file_chosen_says_so(client, media, bug, tester):
    client.force_login(tester)

    response = client.post(url("backlog:attachment-add", bug), {}, **HTMX)

    assert response.status_code == 422
    assert "Choose a file to attach." in response.content.decode()


def test_the_file_input_carries_the_limits_for_the_pages_script(client, media, settings, bug, pm):
    settings.ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
    client.force_login(pm)

    page = client.get(url("backlog:ticket-detail", bug)).content.decode()

    assert 'data-max-bytes="5242880"' in page
    assert "larger than 5.0\xa0MB and cannot be attached" in page
    assert 'accept=".png,.jpg,.jpeg,.jfif,.gif,.webp,.pdf,.txt,.log,.md,.csv,.zip"' in page
    assert 'enctype="multipart/form-data"' in page


def test_a_comment_carries_its_screenshot(client, media, bug, tester):
    client.force_login(tester)

    response = client.post(
        url("backlog:comment-add", bug),
        {"body": "Here it breaks", "files": [upload("step3.png", image_bytes())]},
    )

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.comment == Comment.objects.get()
    page = client.get(url("backlog:ticket-detail", bug)).content.decode()
    assert f'id="attachment-in-comment-{attachment.pk}"' in page


def test_a_comment_with_a_refused_file_keeps_what_was_typed(client, media, bug, tester):
    client.force_login(tester)

    response = client.post(
        url("backlog:comment-add", bug),
        {"body": "Here it breaks", "files": [upload("x.svg", SVG_WITH_SCRIPT)]},
    )

    body = response.content.decode()
    assert "Here it breaks</textarea>" in body
    assert "can carry scripts" in body
    assert not Comment.objects.exists()
    assert stored_files(media) == []


# --- Serving ---------------------------------------------------------------------------------


def test_an_image_is_served_inline_with_its_sniffed_type_and_no_way_to_run(
    client, media, bug, tester
):
    (attachment,) = attach(tester, bug, upload("shot.png", image_bytes(), "text/html"))
    client.force_login(tester)

    response = client.get(url("backlog:attachment-file", bug, attachment.pk))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == image_bytes()
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="shot.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Content-Length"] == str(len(image_bytes()))
    assert response["Cache-Control"] == "private, max-age=3600"


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [("invoice.pdf", PDF, "application/pdf"), ("server.log", LOG, "text/plain")],
)
def test_anything_but_an_image_is_a_download(
    client, media, bug, tester, name, content, content_type
):
    (attachment,) = attach(tester, bug, upload(name, content))
    client.force_login(tester)

    response = client.get(url("backlog:attachment-file", bug, attachment.pk))

    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_a_name_with_quotes_and_accents_is_encoded_for_the_download(client, media, bug, tester):
    (attachment,) = attach(tester, bug, upload('rapport "final" été.pdf', PDF))
    client.force_login(tester)

    response = client.get(url("backlog:attachment-file", bug, attachment.pk))

    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''rapport%20%22final%22%20%C3%A9t%C3%A9.pdf"
    )


def test_files_are_never_served_from_the_media_folder(client, media, bug, tester):
    (attachment,) = attach(tester, bug, upload("shot.png", image_bytes()))
    client.force_login(tester)

    assert client.get(f"/media/{attachment.file.name}").status_code == 404
    assert client.get(f"/{attachment.file.name}").status_code == 404


def test_another_engagements_people_get_404_for_page_file_and_actions(
    client, media, engagement, other_engagement, bug, tester
):
    (attachment,) = attach(tester, bug, upload("secret-QX42.png", image_bytes()))
    stranger = member(other_engagement, Role.PROJECT_MANAGER)
    client.force_login(stranger)

    answers = [
        client.get(url("backlog:ticket-detail", bug)),
        client.get(url("backlog:attachment-file", bug, attachment.pk)),
        client.post(url("backlog:attachment-delete", bug, attachment.pk)),
        client.post(
            url("backlog:attachment-add", bug), {"attach-files": [upload("x.png", image_bytes())]}
        ),
    ]

    assert [answer.status_code for answer in answers] == [404, 404, 404, 404]
    assert all(b"secret-QX42" not in answer.content for answer in answers)
    assert Attachment.objects.count() == 1


def test_an_attachment_is_found_only_under_its_own_ticket(client, media, engagement, bug, tester):
    (attachment,) = attach(tester, bug, upload("a.png", image_bytes()))
    other_ticket = TicketFactory(engagement=engagement)
    client.force_login(tester)

    response = client.get(url("backlog:attachment-file", other_ticket, attachment.pk))

    assert response.status_code == 404


def test_signed_out_people_are_sent_to_sign_in(client, media, bug, tester):
    (attachment,) = attach(tester, bug, upload("a.png", image_bytes()))

    response = client.get(url("backlog:attachment-file", bug, attachment.pk))

    assert response.status_code == 302
    assert "login" in response["Location"]


# --- Removing --------------------------------------------------------------------------------


def test_the_uploader_removes_their_file_and_the_history_says_so(
    client, media, bug, tester, django_capture_on_commit_callbacks
):
    (attachment,) = attach(tester, bug, upload("a.png", image_bytes()))
    client.force_login(tester)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("backlog:attachment-delete", bug, attachment.pk), **HTMX)

    assert response.status_code == 200
    assert not Attachment.objects.exists()
    assert stored_files(media) == []
    assert "No file attached yet." in response.content.decode()
    assert f'id="attachment-in-comment-{attachment.pk}" hx-swap-oob="delete"' in (
        response.content.decode()
    )
    page = client.get(url("backlog:ticket-detail", bug)).content.decode()
    assert 'Attachment: <span class="timeline__before">a.png</span>' in page


def test_the_project_manager_removes_anyones_file(client, media, bug, tester, pm):
    (attachment,) = attach(tester, bug, upload("a.png", image_bytes()))
    client.force_login(pm)

    page = client.get(url("backlog:ticket-detail", bug)).content.decode()
    response = client.post(url("backlog:attachment-delete", bug, attachment.pk))

    assert url("backlog:attachment-delete", bug, attachment.pk) in page
    assert response.status_code == 302
    assert not Attachment.objects.exists()


def test_someone_else_can_neither_see_the_button_nor_remove(client, media, engagement, bug, tester):
    (attachment,) = attach(tester, bug, upload("a.png", image_bytes()))
    developer = member(engagement, Role.DEVELOPER)
    client.force_login(developer)

    page = client.get(url("backlog:ticket-detail", bug)).content.decode()
    response = client.post(url("backlog:attachment-delete", bug, attachment.pk))

    assert url("backlog:attachment-delete", bug, attachment.pk) not in page
    assert response.status_code == 403
    assert Attachment.objects.count() == 1
    assert len(stored_files(media)) == 1


# --- Queries ---------------------------------------------------------------------------------


def _count(client, ticket) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("backlog:ticket-detail", ticket))
    assert response.status_code == 200
    return len(queries), len(response.context["attachments"])


def test_the_ticket_page_costs_the_same_queries_for_1_and_12_attachments(
    client, media, engagement, bug, tester, pm
):
    comment = services.comment_add(actor=tester, ticket=bug, body="Screens")
    client.force_login(pm)

    def add(start, count):
        for n in range(start, start + count):
            person = tester if n % 2 else pm
            files = [upload(f"{n}.png", image_bytes()) if n % 3 else upload(f"{n}.pdf", PDF)]
            on = comment if person == tester and n % 4 == 1 else None
            services.attachments_add(actor=person, ticket=bug, uploads=files, comment=on)

    add(0, 1)
    small, small_count = _count(client, bug)
    add(1, 11)
    large, large_count = _count(client, bug)

    assert (small_count, large_count) == (1, 12)
    assert small == large


# --- Filing a bug with its screenshot --------------------------------------------------------


def test_a_bug_is_filed_with_its_screenshot(client, media, engagement, tester):
    client.force_login(tester)

    response = client.post(
        reverse("backlog:ticket-create", args=[engagement.slug]),
        {
            "title": "Checkout button does nothing",
            "kind": "bug",
            "origin": "client_request",
            "steps_to_reproduce": "Click pay",
            "files": [upload("pay-button.png", image_bytes())],
        },
    )

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.ticket.title == "Checkout button does nothing"
    assert (attachment.original_name, attachment.uploaded_by) == ("pay-button.png", tester)


def test_a_bug_with_a_refused_file_is_not_filed_and_keeps_what_was_typed(
    client, media, engagement, tester
):
    from backlog.models import Ticket

    client.force_login(tester)

    response = client.post(
        reverse("backlog:ticket-create", args=[engagement.slug]),
        {
            "title": "Checkout button does nothing",
            "kind": "bug",
            "origin": "client_request",
            "files": [upload("pay-button.png", HTML)],
        },
        **HTMX,
    )

    assert response.status_code == 422
    body = response.content.decode()
    assert 'value="Checkout button does nothing"' in body
    assert "can carry scripts" in body
    assert not Ticket.objects.exists()
    assert stored_files(media) == []


def test_the_logging_form_offers_the_file_field_in_the_bug_template(client, media, engagement, pm):
    client.force_login(pm)

    page = client.get(reverse("backlog:ticket-create", args=[engagement.slug]) + "?kind=bug")

    body = page.content.decode()
    bug_template = body.split('id="bug-template"')[1].split("</fieldset>")[0]
    assert 'type="file" name="files"' in bug_template
    assert 'enctype="multipart/form-data"' in body
