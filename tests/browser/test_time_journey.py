"""A developer fills a week of time by keyboard on the timesheet, and the project manager
approves it: Maison Lila's Marta Kowalska, then Claire Dubois (in French), in a real browser;
every time page fits 1280 px and 390 px and passes axe-core."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from backlog.timesheets.burn import current_burns
from backlog.timesheets.models import TimeEntry, TimesheetWeek
from collab.models import Engagement
from tests.browser.conftest import (
    DESKTOP,
    MOBILE,
    check_a11y,
    log_in,
    screenshot,
    settle,
    submit,
    visit,
)
from tests.browser.test_every_page import _check_width

pytestmark = pytest.mark.browser

DEVELOPER = "marta.kowalska@atelier.example"
MANAGER = "claire.dubois@atelier.example"
SLUG = "maison-lila"


def _fits_both_widths(page: Page) -> None:
    """The page at 1280 px and 390 px: no sideways scrolling, no serious accessibility finding."""
    problems: list[str] = []
    for size in (DESKTOP, MOBILE):
        problems += _check_width(page, page.url, size)
        check_a11y(page)
    page.set_viewport_size(DESKTOP)
    assert not problems, "\n".join(problems)


def test_a_developer_fills_a_week_by_keyboard_and_the_manager_approves_it(
    page: Page, demo, time_machine
) -> None:
    # Friday afternoon of the demo's current week: Tuesday to Friday can take time.
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    friday = monday + dt.timedelta(days=4)
    time_machine.move_to(dt.datetime.combine(friday, dt.time(15, 0), tzinfo=dt.UTC), tick=True)

    log_in(page, DEVELOPER)
    visit(page, reverse("collab:engagement-detail", args=[SLUG]))
    submit(page, page.locator(".sidebar").get_by_role("link", name="Time"))
    expect(page.locator("h2.timesheet__title")).to_contain_text("Week of")

    # A row for work on no ticket: the ticket field left empty, Enter adds the row.
    page.get_by_label("Add a row: ticket").press("Enter")
    settle(page)
    row = page.locator("tr.timesheet__row", has_text="No ticket")
    expect(row).to_have_count(1)

    # Tuesday to Friday, typed and tabbed through; Enter saves the whole week.
    row.locator("input.timesheet__input").nth(1).focus()
    for typed in ("1h30", "2", "90m", "0.5"):
        page.keyboard.type(typed)
        page.keyboard.press("Tab")
    row.locator("input.timesheet__input").nth(4).press("Enter")
    expect(page.locator("#toasts")).to_contain_text("Time saved.")
    expect(row.locator(".timesheet__total")).to_have_text("5h30")
    added = TimeEntry.objects.filter(
        person__email=DEVELOPER, engagement__slug=SLUG, ticket__isnull=True
    )
    assert sorted(added.values_list("minutes", flat=True)) == [30, 90, 90, 120]
    page.reload()  # the toast gone, the page as it stays
    _fits_both_widths(page)
    screenshot(page, "time-01-week-filled")

    # The ticket page's Time card: logged against the estimate, quick add, timer.
    entry = TimeEntry.objects.filter(person__email=DEVELOPER, ticket__isnull=False).first()
    visit(page, reverse("backlog:ticket-detail", args=[SLUG, entry.ticket.key]))
    expect(page.locator("#ticket-time")).to_contain_text("logged")
    expect(page.locator("#ticket-time").get_by_role("button", name="Start a timer")).to_be_visible()
    _fits_both_widths(page)
    visit(page, reverse("timesheets:entry-list", args=[SLUG]))
    _fits_both_widths(page)
    visit(page, reverse("timesheets:entry-detail", args=[SLUG, entry.pk]))
    _fits_both_widths(page)

    log_in(page, MANAGER)
    visit(page, reverse("timesheets:team", args=[SLUG]))
    # Claire Dubois reads Tandem in French.
    people = page.locator("main table tbody tr", has_text="Marta Kowalska")
    _fits_both_widths(page)
    submit(page, people.get_by_role("link", name="Vérifier et approuver"))
    _fits_both_widths(page)
    submit(page, page.get_by_role("button", name="Approuver la semaine"))
    expect(page.locator("#toasts")).to_contain_text("Semaine de Marta Kowalska approuvée")
    expect(page.locator("main")).to_contain_text("Approuvée : verrouillée")
    assert (
        TimesheetWeek.objects.get(
            person__email=DEVELOPER, engagement__slug=SLUG, week_start=monday
        ).status
        == "approved"
    )
    screenshot(page, "time-02-week-approved")

    log_in(page, DEVELOPER)
    visit(page, reverse("timesheets:timesheet", args=[SLUG]))
    expect(page.locator("#timesheet")).to_contain_text("Approved: locked")
    expect(row.locator("input.timesheet__input").nth(1)).to_have_attribute("readonly", "")


def test_the_director_follows_the_retainer_burn_from_the_dashboard_in_french(
    page: Page, demo
) -> None:
    """Cave Saint-Roch's director (French) reads the retainer's burn on the dashboard, opens
    the budget page, and reads the same figures beside a drawn burn-down; on a phone the tabs
    scroll with the current one in view."""
    engagement = Engagement.objects.get(slug="cave-saint-roch")
    (burn,) = current_burns(engagement_ids=[engagement.pk])[engagement.pk]
    assert burn.percent >= 80  # the demo's story: a retainer nearly spent

    log_in(page, "director@cavesaintroch.example")
    visit(page, reverse("dashboard:director-home"))
    line = page.locator(".engagement-card__budget")
    expect(line).to_contain_text(f"Budget : {burn.period.budget.name}")
    expect(line).to_contain_text(f"{burn.percent} % consommé")
    expect(line.get_by_role("progressbar")).to_have_attribute("aria-valuenow", str(burn.percent))

    submit(page, line.get_by_role("link"))
    expect(page.locator(".tabs-nav [aria-current=page]")).to_have_text("Budget")
    tiles = page.locator(".budget-card .stat-tile")
    expect(tiles.filter(has_text="Consommé")).to_contain_text(f"{burn.percent} %")
    expect(tiles.filter(has_text="Prévision")).to_contain_text("%")
    # The burn-down is drawn (Chart.js holds a chart on the canvas), not an empty box.
    canvas = page.locator(".budget-card canvas").first
    expect(canvas).to_be_visible()
    page.wait_for_function(
        "(canvas) => window.Chart && window.Chart.getChart(canvas) !== undefined",
        arg=canvas.element_handle(),
    )
    # Neither rates nor costs for the client's director.
    expect(page.locator("main")).not_to_contain_text("taux journalier")
    _fits_both_widths(page)

    page.set_viewport_size(MOBILE)
    page.reload()
    settle(page)
    box = page.locator(".tabs-nav [aria-current=page]").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= MOBILE["width"]
    page.set_viewport_size(DESKTOP)
    screenshot(page, "time-03-director-budget")
