"""The director journey on Maison Lila, in a real browser: the director home warns that the
project manager is also the tester, the director pins a ticket's rank in the backlog, opens the
next weekly sync and its agenda, and the difference the last signed-off review made."""

from __future__ import annotations

import os
import re
import shutil

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.conftest import REPO, check_a11y, log_in, screenshot, submit, visit

pytestmark = pytest.mark.browser

DIRECTOR = "director@maisonlila.example"
SLUG = "maison-lila"
# The README shows the director home as the browser tests see it.
README_SCREENSHOT = REPO / "docs" / "screenshots" / "director-home.png"


def _last_signed_off_review_with_a_previous_snapshot():
    """The review whose difference the director opens: the latest signed-off review of Maison
    Lila, provided an earlier snapshot exists to compare it with."""
    from roadmap.reviews import selectors
    from roadmap.reviews.models import ReviewState

    engagement_snapshots = selectors.snapshot_list(engagement=_engagement())
    latest = engagement_snapshots.filter(review__state=ReviewState.SIGNED_OFF).first()
    if latest is None or selectors.snapshot_before(snapshot=latest) is None:
        pytest.fail(
            "The demo data has no signed-off review of Maison Lila with an earlier snapshot: "
            "seed_demo must sign off two roadmap reviews (two snapshots, something changed "
            "between them) for the director to open the last review's difference.",
            pytrace=False,
        )
    return latest.review


def _engagement():
    from collab.models import Engagement

    return Engagement.objects.get(slug=SLUG)


def test_director_journey(page: Page, demo) -> None:
    log_in(page, DIRECTOR)

    # The director home: Maison Lila's card warns that the project manager also tests.
    visit(page, reverse("dashboard:director-home"))
    card = page.locator("article", has=page.get_by_role("heading", name="Maison Lila"))
    expect(card.locator(".card-actions")).to_contain_text("Warning")
    expect(card.locator(".engagement-card__notes")).to_contain_text(
        re.compile(r"Claire Dubois holds several roles: Project manager, Tester", re.I)
    )
    check_a11y(page)
    desktop, _mobile = screenshot(page, "director-01-home")
    if os.environ.get("UPDATE_README_SCREENSHOT"):
        # `make readme-screenshot`: refresh the committed picture on purpose, not on every run.
        README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(desktop, README_SCREENSHOT)

    # The team page names who holds what.
    visit(page, reverse("roles:team", args=[SLUG]))
    expect(page.locator("main")).to_contain_text("Claire Dubois")
    check_a11y(page)
    screenshot(page, "director-02-team")

    # The backlog: the director pins the first ticket not pinned yet at rank 2, moving it up
    # by keyboard on its handle until it sits under the first pinned ticket.
    visit(page, reverse("backlog:ticket-list", args=[SLUG]))
    check_a11y(page)
    screenshot(page, "director-03-backlog")
    row = page.locator("table.backlog-table tbody tr:not(.is-pinned)").first
    key = row.get_attribute("data-key")
    pinned_above = page.locator("table.backlog-table tbody tr.is-pinned").count()
    assert pinned_above == 2
    handle = row.get_by_role("button", name=f"Move {key}")
    handle.focus()
    handle.press("Alt+ArrowUp")
    expect(page.locator("#toasts")).to_contain_text(f"{key} pinned at rank 2.")
    pinned = page.locator(f"table.backlog-table tbody tr[data-key='{key}']")
    expect(pinned).to_have_class(re.compile(r"\bis-pinned\b"))
    expect(pinned.locator("td.bl-rank")).to_have_text(re.compile(r"Pinned rank\s*2"))
    screenshot(page, "director-04-backlog-pinned")

    # The meetings: the next weekly sync and its agenda.
    visit(page, reverse("rhythm:meeting-list", args=[SLUG]))
    upcoming = page.locator("section", has=page.get_by_role("heading", name="Upcoming"))
    next_sync = upcoming.locator("tbody tr", has_text="Weekly sync").first
    expect(next_sync.locator(".meeting-status")).to_have_text("Scheduled")
    check_a11y(page)
    screenshot(page, "director-05-meetings")
    submit(page, next_sync.get_by_role("link"))
    expect(page.locator("h1")).to_contain_text("Weekly sync")
    agenda = page.locator("#agenda")
    expect(agenda.get_by_role("heading", name="Agenda")).to_be_visible()
    expect(agenda).not_to_contain_text("The agenda is empty.")
    expect(agenda.locator(".agenda-item").first).to_be_visible()
    check_a11y(page)
    screenshot(page, "director-06-next-sync")

    # The last signed-off review: what changed since the review before it.
    review = _last_signed_off_review_with_a_previous_snapshot()
    visit(page, reverse("reviews:diff", args=[SLUG, review.pk]))
    expect(page.locator("main h1")).to_contain_text("changed")
    # The ticket pinned to the top between the two reviews climbed in the ranking.
    expect(page.locator("main")).to_contain_text(re.compile(r"LILA-\d+ .+: #\d+ → #\d+"))
    check_a11y(page)
    screenshot(page, "director-07-review-difference")
