"""The app shell in a real browser: the command palette (Ctrl-K) reaches a ticket by its key and
by a word of its title, the meeting reply is kept after a reload, the language switch turns the
pages French, and a failed htmx request is never silent."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from backlog.models import Ticket
from collab.rhythm.models import Attendee, Meeting
from tests.browser.conftest import check_a11y, log_in, screenshot, settle, visit

pytestmark = pytest.mark.browser

PM = "julien.moreau@atelier.example"


def _palette_go(page: Page, query: str) -> None:
    # What the page loads by itself first (leaving mid-request would abort it).
    page.wait_for_load_state("networkidle")
    settle(page)
    page.keyboard.press("Control+k")
    palette = page.locator("#palette")
    expect(palette).to_be_visible()
    field = palette.get_by_role("combobox", name="Search")
    expect(field).to_be_focused()
    field.fill(query)
    expect(palette.locator(".palette__item.active")).to_be_visible()
    with page.expect_navigation():
        field.press("Enter")


def test_the_palette_reaches_a_ticket_by_key_and_by_a_word(page: Page, demo) -> None:
    ticket = Ticket.objects.get(engagement__slug="nordfer", title__startswith="Quick order by SKU")
    ticket_url = reverse("backlog:ticket-detail", args=["nordfer", ticket.key])
    log_in(page, PM)
    visit(page, reverse("rhythm:inbox"))

    _palette_go(page, ticket.key.lower())
    expect(page).to_have_url(re.compile(re.escape(ticket_url) + "$"))

    _palette_go(page, "quick ord")
    expect(page).to_have_url(re.compile(re.escape(ticket_url) + "$"))

    page.keyboard.press("Control+k")
    page.locator("#palette .palette__input").fill("check")
    settle(page)
    check_a11y(page)
    screenshot(page, "shell-palette")


def test_the_palette_only_offers_what_the_person_may_see(page: Page, demo) -> None:
    log_in(page, PM)
    visit(page, reverse("collab:engagement-detail", args=["nordfer"]))
    page.keyboard.press("Control+k")
    page.locator("#palette .palette__input").fill("lila")
    results = page.locator("#palette-results")
    expect(results).to_contain_text("Nothing matches")
    expect(results.locator(".palette__item")).to_have_count(0)


def test_a_meeting_answer_is_saved_and_kept_after_reload(page: Page, demo) -> None:
    meeting = (
        Meeting.objects.filter(
            engagement__slug="nordfer",
            status=Meeting.Status.SCHEDULED,
            attendees__person__email=PM,
        )
        .order_by("starts_at")
        .first()
    )
    log_in(page, PM)
    visit(page, reverse("rhythm:meeting-detail", args=["nordfer", meeting.pk]))
    reply = page.locator("form.respond-form")
    expect(reply.get_by_role("radio")).to_have_count(3)

    reply.get_by_text("Tentative", exact=True).click()
    with page.expect_navigation():
        reply.get_by_role("button", name="Send my answer").click()

    expect(page.locator("#toasts")).to_contain_text("Your answer is saved.")
    page.reload()
    expect(page.locator("form.respond-form").get_by_role("radio", name="Tentative")).to_be_checked()
    attendee = Attendee.objects.get(meeting=meeting, person__email=PM)
    assert attendee.response == Attendee.Response.TENTATIVE
    check_a11y(page)


def test_switching_to_french_translates_the_shell_and_the_page(page: Page, demo) -> None:
    log_in(page, PM)
    visit(page, reverse("rhythm:meeting-list", args=["nordfer"]))

    with page.expect_navigation():
        page.locator(".topbar").get_by_role("button", name="Français").click()

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator(".sidebar")).to_contain_text("Réunions")
    expect(page.locator("main h1")).to_contain_text("Réunions")
    check_a11y(page)
    screenshot(page, "shell-french-meetings")


def test_a_failed_htmx_request_shows_a_toast_and_keeps_what_was_typed(
    page: Page, demo, page_problems
) -> None:
    meeting = (
        Meeting.objects.filter(engagement__slug="nordfer", status=Meeting.Status.SCHEDULED)
        .order_by("starts_at")
        .first()
    )
    log_in(page, PM)
    visit(page, reverse("rhythm:meeting-detail", args=["nordfer", meeting.pk]))
    agenda = page.locator("#agenda")
    agenda.get_by_text("Add an agenda item").click()
    form = agenda.locator("form[hx-post$='/agenda/']")
    form.locator("input[name=title]").fill("Budget for the spring campaign")
    # The server goes away: the request fails without an answer.
    page.route("**/agenda/", lambda route: route.abort())
    form.get_by_role("button", name="Add the item").click()

    expect(page.locator("#toasts .toast--danger")).to_contain_text("could not be reached")
    expect(form.locator("input[name=title]")).to_have_value("Budget for the spring campaign")
    # htmx logs the failure it was made to meet to the console: expected here, and only here.
    expected = ("htmx:sendError", "htmx:afterRequest", "net::ERR_FAILED")
    page_problems.errors[:] = [
        error for error in page_problems.errors if not any(mark in error for mark in expected)
    ]
