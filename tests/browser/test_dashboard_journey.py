"""The dashboards in a real browser, on the demo data: the director lands on the dashboard and
reads each engagement's card (health colour, stat tiles, sparklines drawn by Chart.js) at 1280
and 390 px, opens the health overview and its charts, switches to French and sees money written
the French way; the agency admin lands on the agency matrix with its allocation heat; a review
page and value realisation in the design system."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    A11Y_FAILING_IMPACTS,
    AXE,
    DESKTOP,
    MOBILE,
    log_in,
    screenshot,
    settle,
    visit,
)

pytestmark = pytest.mark.browser

DIRECTOR = "director@maisonlila.example"
ADMIN = "admin@atelier.example"
SLUG = "maison-lila"
# French money: a narrow no-break space between thousands, a decimal comma, then " €".
FRENCH_MONEY = re.compile(r"\d{1,3}(\u202f\d{3})*,\d{2}\u00a0€")


def _no_sideways_scroll(page: Page) -> None:
    for size in (DESKTOP, MOBILE):
        page.set_viewport_size(size)
        settle(page)
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), (
            f"{page.url} scrolls sideways at {size['width']} px"
        )
    page.set_viewport_size(DESKTOP)


def check_a11y(page: Page) -> None:
    """axe-core on the page's own content (#main), as conftest.check_a11y does on the whole
    document: the shell around it (sidebar, top bar) is checked by the journeys of every page."""
    settle(page)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    violations = page.evaluate(
        """async () => {
            const results = await axe.run({include: ["#main"]}, {resultTypes: ["violations"]});
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact,
                targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
            }));
        }"""
    )
    failing = [v for v in violations if v["impact"] in A11Y_FAILING_IMPACTS]
    assert not failing, f"Accessibility violations on {page.url}: {failing}"


def _charts_drawn(page: Page, selector: str) -> int:
    """How many canvases matching ``selector`` Chart.js has drawn a chart on."""
    return page.evaluate(
        "(selector) => [...document.querySelectorAll(selector)]"
        ".filter((canvas) => window.Chart && Chart.getChart(canvas)).length",
        selector,
    )


def _latest_review_pk() -> int:
    from roadmap.reviews.models import Review

    return Review.objects.filter(engagement__slug=SLUG).order_by("-meeting__starts_at").first().pk


def test_the_director_reads_the_dashboard_then_the_overview_in_english_and_french(
    page: Page, demo
) -> None:
    log_in(page, DIRECTOR)

    # After login a director lands on the dashboard.
    expect(page).to_have_url(re.compile(re.escape(reverse("dashboard:director-home")) + "$"))
    card = page.locator(
        "article.engagement-card", has=page.get_by_role("heading", name="Maison Lila")
    )
    expect(card).to_have_class(re.compile(r"engagement-card--warning"))
    expect(card.locator(".card-actions")).to_have_text("Warning")
    expect(card).to_contain_text("Claire Dubois holds several roles: Project manager, Tester.")
    for label in (
        "Delivered this quarter",
        "Planned this quarter",
        "Initiatives this quarter",
        "Bugs found by the client",
        "Next sync",
        "Roadmap review",
    ):
        expect(card.locator(".stat-tile", has_text=label)).to_have_count(1)
    # Four trends, each drawn by Chart.js and said in words for screen readers.
    expect(card.locator("canvas[data-sparkline]")).to_have_count(4)
    assert _charts_drawn(page, "article.engagement-card canvas[data-sparkline]") == 4
    expect(card.locator("canvas[data-sparkline]").first).to_have_attribute(
        "aria-label", re.compile(r"^Trend by quarter: \d{4}-Q\d: €[\d,]+\.\d{2}, ")
    )
    check_a11y(page)
    _no_sideways_scroll(page)
    screenshot(page, "dashboard-01-director-home")

    # The details one click away: the health overview and its three charts with their figures.
    card.get_by_role("link", name="Health details").click()
    expect(page.locator("h1")).to_have_text("Health of Maison Lila")
    settle(page)
    assert _charts_drawn(page, "canvas[data-chart]") == 3
    figures = page.locator("details.chart-figures").first
    figures.locator("summary").click()
    expect(figures.locator("table tbody tr")).to_have_count(8)
    check_a11y(page)
    _no_sideways_scroll(page)
    screenshot(page, "dashboard-02-overview")

    # In French, money is written the French way on the dashboard.
    visit(page, reverse("dashboard:director-home"))
    page.locator(".language-switch").first.get_by_role("button", name="Français").click()
    page.wait_for_load_state("load")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    card = page.locator(
        "article.engagement-card", has=page.get_by_role("heading", name="Maison Lila")
    )
    delivered = card.locator(".stat-tile", has_text="Livré ce trimestre")
    expect(delivered).to_contain_text(FRENCH_MONEY)
    expect(delivered).to_contain_text(" par an, ")
    expect(card.locator("canvas[data-sparkline]").first).to_have_attribute(
        "aria-label", re.compile(r"^Tendance par trimestre : \d{4}-Q\d")
    )
    assert FRENCH_MONEY.search(
        card.locator("canvas[data-sparkline]").first.get_attribute("aria-label") or ""
    )
    check_a11y(page)
    screenshot(page, "dashboard-03-director-home-fr")


def test_the_agency_admin_lands_on_the_matrix_with_its_allocation_heat(page: Page, demo) -> None:
    log_in(page, ADMIN)

    expect(page).to_have_url(re.compile(re.escape(reverse("dashboard:agency-view")) + "$"))
    matrix = page.locator("table.matrix-table")
    expect(matrix.locator("thead th")).to_have_count(5)  # person, three engagements, total
    claire = matrix.locator("tbody tr", has_text="Claire Dubois")
    cell = claire.locator("td[data-label='Maison Lila']")
    expect(cell).to_contain_text("Project manager, Tester")
    expect(cell).to_contain_text("70 %")
    expect(cell).to_have_class("heat-3")
    expect(matrix.locator("tbody tr", has_text="Marta Kowalska").locator("td").last).to_have_text(
        "100 %"
    )
    risks = page.locator(
        "section.card", has=page.get_by_role("heading", name="Engagements at risk")
    )
    expect(risks).to_contain_text("Cave Saint-Roch")
    expect(risks).to_contain_text("Maison Lila")
    expect(risks).not_to_contain_text("Nordfer Industrie")
    check_a11y(page)
    _no_sideways_scroll(page)
    screenshot(page, "dashboard-04-agency-matrix")


def test_a_review_page_and_value_realisation_in_the_design_system(page: Page, demo) -> None:
    log_in(page, DIRECTOR)

    visit(page, reverse("reviews:review-detail", args=[SLUG, _latest_review_pk()]))
    expect(page.locator("h1")).to_contain_text("Roadmap review of")
    expect(
        page.get_by_role("heading", name="Value delivered since the last review")
    ).to_be_visible()
    expect(page.locator(".nav-tabs .nav-link.active")).to_have_text("Reviews")
    check_a11y(page)
    _no_sideways_scroll(page)
    screenshot(page, "dashboard-05-review")

    visit(page, reverse("reviews:value-realisation", args=[SLUG]))
    expect(page.locator(".nav-tabs .nav-link.active")).to_have_text("Value realisation")
    check_a11y(page)
    _no_sideways_scroll(page)
    screenshot(page, "dashboard-06-value-realisation")


def test_the_director_answers_agency_initiatives_from_the_review_pack(
    page: Page, page_problems, demo
) -> None:
    import datetime as dt

    from backlog.models import Ticket
    from roadmap.reviews.models import Review
    from tests.backlog.factories import TicketFactory

    review = Review.objects.select_related("engagement").get(pk=_latest_review_pk())
    proposed = review.period_start + dt.timedelta(days=1)
    accepted, declined = (
        TicketFactory(
            engagement=review.engagement,
            origin="agency_initiative",
            title=title,
            created_at=proposed,
        )
        for title in ("Gift-wrap option at checkout", "Move the blog to a headless CMS")
    )
    log_in(page, DIRECTOR)

    visit(page, reverse("reviews:review-detail", args=[SLUG, review.pk]))
    expect(
        page.get_by_role("heading", name="Agency initiatives awaiting the client's answer")
    ).to_be_visible()
    check_a11y(page)
    _no_sideways_scroll(page)
    screenshot(page, "dashboard-07-review-initiatives")

    page.locator(f"#initiative-{accepted.key}").get_by_role("button", name="Accept").click()
    expect(page.locator(f"#initiative-{accepted.key}")).to_contain_text("Accepted by the client")
    row = page.locator(f"#initiative-{declined.key}")
    row.get_by_role("button", name="Decline").click()
    expect(row).to_contain_text("Say why the initiative is declined.")
    # The refusal is a 400 the browser logs; the row shows it and keeps the form.
    (refused,) = [e for e in page_problems.errors if "status of 400" in e]
    page_problems.errors.remove(refused)
    row.get_by_label("Reason (required to decline)").fill("Not before the summer sales")
    row.get_by_role("button", name="Decline").click()
    expect(row).to_contain_text("Declined by the client")
    _no_sideways_scroll(page)
    screenshot(page, "dashboard-08-review-initiatives-answered")

    decisions = dict(
        Ticket.objects.filter(pk__in=[accepted.pk, declined.pk]).values_list(
            "title", "initiative_decision"
        )
    )
    assert decisions == {
        "Gift-wrap option at checkout": "accepted",
        "Move the blog to a headless CMS": "declined",
    }
