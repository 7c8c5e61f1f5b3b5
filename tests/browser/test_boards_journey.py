"""The boards and the ticket page in a real browser, on the demo data: the project manager of
Nordfer Industrie moves cards on the sprint board by dragging and by keyboard (and sees a refused
move snap back with the workflow's reason), moves items on the roadmap the same two ways, edits a
ticket's property in place and watches the value editor's score and rank follow the typed
figures."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from backlog import services
from backlog.models import Sprint, Ticket
from collab.models import User
from roadmap.models import RoadmapItem
from tests.browser.conftest import AXE, log_in, screenshot, settle, visit

pytestmark = pytest.mark.browser

PM = "julien.moreau@atelier.example"


def check_a11y(page: Page) -> None:
    """axe-core on the page's content (serious and critical fail). The shell is left out here:
    it is the shell's to fix, and tests/browser/test_every_page.py checks whole pages."""
    settle(page)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    violations = page.evaluate(
        """async () => {
            const results = await axe.run(
                {include: [["#main"]]}, {resultTypes: ["violations"]});
            return results.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => v.id + ": " + v.nodes.slice(0, 3).map((n) => n.target.join(" ")));
        }"""
    )
    assert violations == [], f"Accessibility violations on {page.url}: {violations}"


def _drag(page: Page, card: Locator, column: Locator) -> None:
    """Drag a card onto a column with the mouse, as a person does (SortableJS's pointer mode);
    the board is scrolled first so that both are in view."""
    column.scroll_into_view_if_needed()
    card.scroll_into_view_if_needed()
    box = card.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] - 6
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 8, y + 8, steps=4)
    # Empty columns widen while a card is dragged: aim once they have.
    page.wait_for_timeout(150)
    target = column.bounding_box()
    assert target is not None
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 24, steps=12)
    page.mouse.up()


def _expected_refusal(page_problems, status: int) -> None:
    """Chromium logs every 4xx answer as a console error; the refusal this test provoked is
    expected (any other error still fails the test)."""
    expected = f"the server responded with a status of {status}"
    assert any(expected in error for error in page_problems.errors)
    page_problems.errors[:] = [e for e in page_problems.errors if expected not in e]


def _card(page: Page, key: str) -> Locator:
    return page.locator(
        ".board__card", has=page.locator(".ticket-key", has_text=re.compile(f"^{key}$"))
    )


def _column(page: Page, status: str) -> Locator:
    return page.locator(f".board__cards[data-column='{status}']")


def _toast(page: Page) -> Locator:
    return page.locator("#toasts .toast").last


def _ticket(key: str) -> Ticket:
    return Ticket.objects.get(engagement__slug="nordfer", number=int(key.split("-")[1]))


def test_the_sprint_board_moves_cards_by_drag_and_keyboard_and_refuses_with_a_reason(
    page: Page, page_problems, demo
) -> None:
    # NORD-1's effort is above the engagement's threshold: its impact analysis comes first
    # (the guard into progress), as an analyst would have written it.
    services.impact_analysis_set(
        actor=User.objects.get(email="thomas.girard@atelier.example"),
        ticket=_ticket("NORD-1"),
        affected_areas="Quick order and the ERP export.",
        risk_level="low",
    )
    sprint = Sprint.objects.get(engagement__slug="nordfer", name="Sprint 24")
    log_in(page, PM)
    visit(page, reverse("backlog:sprint-board", args=["nordfer", sprint.pk]))
    settle(page)
    check_a11y(page)
    screenshot(page, "boards-01-sprint-board")

    # Dragged from In review to QA: the workflow allows it, the board comes back with it there.
    _drag(page, _card(page, "NORD-8"), _column(page, "qa"))
    expect(_column(page, "qa")).to_contain_text("NORD-8")
    expect(_toast(page)).to_contain_text("NORD-8 moved to QA.")
    assert _ticket("NORD-8").status == "qa"

    # A refused move: Ready cannot go to In review. The card is back in Ready, the toast says
    # why, and nothing changed on the server.
    before = _ticket("NORD-24")
    _drag(page, _card(page, "NORD-24"), _column(page, "in_review"))
    expect(_toast(page)).to_contain_text("A ticket cannot go from Ready to In review.")
    expect(_column(page, "ready")).to_contain_text("NORD-24")
    expect(_column(page, "in_review")).not_to_contain_text("NORD-24")
    after = _ticket("NORD-24")
    assert (after.status, after.version) == (before.status, before.version)
    assert after.history.count() == before.history.count()
    _expected_refusal(page_problems, 409)

    # By keyboard: focus a card, Alt+→ moves it to the next column.
    card = _card(page, "NORD-1")
    card.focus()
    page.keyboard.press("Alt+ArrowRight")
    expect(_column(page, "in_progress")).to_contain_text("NORD-1")
    expect(_toast(page)).to_contain_text("NORD-1 moved to In progress.")
    expect(_card(page, "NORD-1")).to_be_focused()
    assert _ticket("NORD-1").status == "in_progress"

    # On a phone: one column at a time, chosen with the switcher.
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_label("Column shown").select_option("in_progress")
    expect(_column(page, "in_progress")).to_be_visible()
    expect(_column(page, "ready")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    check_a11y(page)


def test_the_roadmap_moves_items_by_drag_and_keyboard(page: Page, page_problems, demo) -> None:
    log_in(page, PM)
    visit(page, reverse("roadmap:board", args=["nordfer"]))
    settle(page)
    check_a11y(page)
    screenshot(page, "boards-02-roadmap")
    columns = page.locator(".board__cards[data-column]")
    keys = [columns.nth(i).get_attribute("data-column") for i in range(columns.count())]

    # Dragged to the next column (a quarter or, from the last quarter, a lane).
    item = RoadmapItem.objects.get(engagement__slug="nordfer", title__startswith="Requisition")
    origin = item.quarter or item.lane
    target = keys[keys.index(origin) + 1]
    card = page.locator(f"#item-{item.pk}")
    with page.expect_response(lambda response: "/move/" in response.url):
        _drag(page, card, _column(page, target))
    expect(_column(page, target)).to_contain_text("Requisition lists")
    expect(_toast(page)).to_contain_text("moved to")
    item.refresh_from_db()
    assert target in (item.quarter, item.lane)

    # By keyboard: Alt+← sends it back.
    page.locator(f"#item-{item.pk}").focus()
    with page.expect_response(lambda response: "/move/" in response.url):
        page.keyboard.press("Alt+ArrowLeft")
    expect(_column(page, origin)).to_contain_text("Requisition lists")
    expect(page.locator(f"#item-{item.pk}")).to_be_focused()
    item.refresh_from_db()
    assert origin in (item.quarter, item.lane)

    # An item someone else removed meanwhile: the move is refused, the card stays put.
    other = RoadmapItem.objects.get(engagement__slug="nordfer", title__startswith="Two-factor")
    place = other.quarter or other.lane
    RoadmapItem.objects.filter(pk=other.pk).delete()
    page.locator(f"#item-{other.pk}").focus()
    page.keyboard.press("Alt+ArrowRight")
    expect(_toast(page)).to_contain_text("That is no longer here: reload the page.")
    expect(_column(page, place).locator(f"#item-{other.pk}")).to_have_count(1)
    _expected_refusal(page_problems, 404)


def test_a_property_is_edited_in_place_and_the_value_editor_scores_live(page: Page, demo) -> None:
    ticket = _ticket("NORD-24")
    url = reverse("backlog:ticket-detail", args=["nordfer", ticket.key])
    log_in(page, PM)
    visit(page, url)
    settle(page)
    check_a11y(page)
    screenshot(page, "boards-03-ticket")

    # Labels, in place: the pencil opens a small form, saving shows the property again.
    labels = page.locator("#prop-labels")
    labels.get_by_role("button", name="Change Labels").or_(
        labels.get_by_role("link", name="Change Labels")
    ).click()
    field = labels.get_by_label("Labels", exact=True)
    expect(field).to_be_focused()
    field.fill("checkout, delivery promise")
    labels.get_by_role("button", name="Save").click()
    expect(_toast(page)).to_contain_text("Labels of NORD-24 saved.")
    expect(labels).to_contain_text("delivery promise")
    page.reload()
    expect(page.locator("#prop-labels")).to_contain_text("delivery promise")
    assert sorted(label.name for label in _ticket("NORD-24").labels.all()) == [
        "checkout",
        "delivery promise",
    ]

    # The value editor: the score and the rank follow the figures as they are typed.
    value = page.locator("#prop-value")
    score = value.locator(".breakdown__score")
    shown = score.get_attribute("data-score")
    value.get_by_role("link", name="Edit the figures").click()
    # The editor takes the focus once htmx has settled it, which is also when its live
    # preview starts listening: typing before that would be typing into a dead form.
    expect(value.get_by_label("Annual revenue gain")).to_be_focused()
    value.get_by_label("Effort (person-days)").fill("0.5")
    expect(value).to_contain_text("preview, not saved")
    expect(score).not_to_have_attribute("data-score", shown or "")
    expect(value.locator(".breakdown__rank")).to_have_text(re.compile(r"^#\d+$"))
    expect(value.locator(".breakdown__formula")).to_contain_text("÷ effort 0.5 person-days")
    check_a11y(page)
    screenshot(page, "boards-04-value-editor")
    value.get_by_role("button", name="Cancel").click()
    expect(page.locator("#prop-value .breakdown__score")).to_have_attribute(
        "data-score", shown or ""
    )
    assert _ticket("NORD-24").effort_days == ticket.effort_days
