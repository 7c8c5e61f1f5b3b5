"""The ranked backlog in a real browser, on Nordfer's demo data (no pinned ticket): the director
re-ranks a ticket by dragging its handle and by keyboard (Alt+Up), reads the new order through
the API, undoes a move from its toast; filters with a menu and removes the chip; opens a ticket
in the side panel with j and Enter; logs a ticket by keyboard alone (c, type, Ctrl-Enter) and
sees it in the list. A project manager, who may not approve priorities, sees no handle.

"One gesture" is checked literally: after the single drag (press, move, release) or the single
key chord, nothing else is clicked or confirmed before the API answers the new order."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.conftest import AXE, MOBILE, log_in, screenshot, settle, visit

pytestmark = pytest.mark.browser

DIRECTOR = "director@nordfer.example"
PM = "julien.moreau@atelier.example"
SLUG = "nordfer"


def check_a11y(page: Page) -> None:
    """axe-core on the page's content (main, with the side panel and the dialog it holds):
    no serious or critical violation. The app shell around it is checked by the every-page
    walk (tests/browser/test_every_page.py)."""
    settle(page)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    failing = page.evaluate(
        """async () => {
            const results = await axe.run("#main", {resultTypes: ["violations"]});
            return results.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => v.id + ": " + v.nodes.slice(0, 5).map((n) => n.target.join(" ")));
        }"""
    )
    assert not failing, f"Accessibility violations on {page.url}: {failing}"


def api_order(page: Page) -> list[tuple[str, int | None]]:
    """The open backlog's first tickets as the API ranks them (session authentication)."""
    response = page.request.get(
        f"/api/v1/engagements/{SLUG}/tickets/?status=new&status=triage"
        "&status=analysis&status=ready&status=in_progress"
        "&status=in_review&status=qa&status=on_hold"
    )
    assert response.ok, response.status
    return [(row["key"], row["manual_rank"]) for row in response.json()["results"]]


def keys(page: Page) -> list[str]:
    return page.locator("#backlog tbody tr[data-key]").evaluate_all(
        "rows => rows.map(row => row.dataset.key)"
    )


def drag(page: Page, key: str, onto: str) -> None:
    """Press a row's handle, move above another row, release: one gesture."""
    handle = page.locator(f"#backlog tr[data-key='{key}'] .drag-handle")
    target = page.locator(f"#backlog tr[data-key='{onto}']")
    start = handle.bounding_box()
    end = target.bounding_box()
    assert start and end
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    for step in range(1, 11):
        y = start["y"] + (end["y"] + 2 - start["y"]) * step / 10
        page.mouse.move(start["x"] + start["width"] / 2, y)
    page.mouse.up()


def test_the_director_reranks_filters_peeks_and_logs_by_keyboard(page: Page, demo) -> None:
    log_in(page, DIRECTOR)
    visit(page, reverse("backlog:ticket-list", args=[SLUG]))
    settle(page)
    first, second, third = keys(page)[:3]
    assert api_order(page)[:3] == [(first, None), (second, None), (third, None)]
    check_a11y(page)
    screenshot(page, "backlog-01-list")

    # Drag the third ticket above the first: one gesture pins it at rank 1.
    drag(page, third, onto=first)
    toast = page.locator("#toasts .toast", has_text=f"{third} pinned at rank 1.")
    expect(toast).to_be_visible()
    expect(page.locator("#backlog tbody tr[data-key]").first).to_have_attribute("data-key", third)
    assert api_order(page)[:3] == [(third, 1), (first, None), (second, None)]

    # Undo, from the toast: the ticket is unpinned again.
    toast.get_by_role("button", name="Undo").click()
    expect(page.locator("#toasts .toast", has_text=f"{third} is no longer pinned.")).to_be_visible()
    expect(page.locator("#backlog tbody tr[data-key]").first).to_have_attribute("data-key", first)
    assert api_order(page)[:3] == [(first, None), (second, None), (third, None)]

    # By keyboard: the second ticket's handle, Alt+Up, and it is first (pinned at rank 1).
    handle = page.locator(f"#backlog tr[data-key='{second}'] .drag-handle")
    handle.focus()
    handle.press("Alt+ArrowUp")
    expect(page.locator("#toasts .toast", has_text=f"{second} pinned at rank 1.")).to_be_visible()
    expect(page.locator("#backlog tbody tr[data-key]").first).to_have_attribute("data-key", second)
    expect(page.locator(f"#backlog tr[data-key='{second}'] .drag-handle")).to_be_focused()
    assert api_order(page)[:2] == [(second, 1), (first, None)]

    # A filter menu with its counts; the chosen value becomes a chip that removes it.
    page.locator("#backlog-filters").get_by_role("button", name=re.compile(r"^Kind")).click()
    bug = page.locator("#backlog-filters label", has_text="Bug")
    expect(bug).to_contain_text(re.compile(r"Bug\s*\d+"))
    bug.locator("input").check()
    chip = page.locator("#backlog .filter-chip", has_text="Kind: Bug")
    expect(chip).to_be_visible()
    expect(page).to_have_url(re.compile(r"kind=bug"))
    kinds = page.locator("#backlog tbody .bl-icons .visually-hidden").all_inner_texts()
    assert kinds and all(kind.startswith("Bug,") for kind in kinds), kinds
    check_a11y(page)
    chip.get_by_role("link").click()
    expect(page.locator("#backlog .filter-chip")).to_have_count(0)
    expect(page.locator("#backlog tbody tr[data-key]").first).to_have_attribute("data-key", second)

    # j focuses the first ticket, Enter opens it in the side panel; the list stays.
    page.locator("body").press("j")
    page.keyboard.press("Enter")
    panel = page.locator("#ticket-panel")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("link", name="Open full page")).to_be_visible()
    expect(panel.locator("h3")).not_to_be_empty()
    assert "/backlog/" in page.url and "peek" not in page.url
    check_a11y(page)
    screenshot(page, "backlog-02-side-panel")
    panel.get_by_role("button", name="Close").click()
    expect(panel).to_be_hidden()

    # Logging a ticket by keyboard alone: c, type, Ctrl-Enter.
    page.locator("body").press("c")
    title = page.locator("#log-ticket input[name='title']")
    expect(title).to_be_focused()
    page.keyboard.type("Buyers want a quick reorder button")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#toasts .toast", has_text="filed")).to_be_visible()
    expect(page.locator("#log-ticket")).to_be_hidden()
    expect(
        page.locator("#backlog tbody tr", has_text="Buyers want a quick reorder button")
    ).to_be_visible()
    check_a11y(page)

    # On a phone the filters fold behind one button and the first ticket shows at once.
    page.set_viewport_size(MOBILE)
    visit(page, reverse("backlog:ticket-list", args=[SLUG]))
    settle(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(page.locator("#backlog-menus")).to_be_hidden()
    first_row = page.locator("#backlog tbody tr[data-key]").first.bounding_box()
    assert first_row and first_row["y"] < 450, first_row
    check_a11y(page)


def test_who_may_not_approve_priorities_sees_no_handle(page: Page, demo) -> None:
    log_in(page, PM)
    visit(page, reverse("backlog:ticket-list", args=[SLUG]))
    settle(page)
    expect(page.locator("#backlog tbody tr[data-key]").first).to_be_visible()
    expect(page.locator(".drag-handle")).to_have_count(0)
    check_a11y(page)
