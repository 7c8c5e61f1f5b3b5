"""The director sees the observed roles: on Maison Lila, Claire Dubois, the project manager,
logs most of the testing hours (the demo's story of issue 12). From the director home's card to
the observed roles page, then the team page's card for the project manager, in a real browser;
each page fits 1280 px and 390 px and passes axe-core."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in, screenshot, settle, submit, visit
from tests.browser.test_time_journey import _fits_both_widths

pytestmark = pytest.mark.browser

DIRECTOR = "director@maisonlila.example"
MANAGER = "claire.dubois@atelier.example"
SLUG = "maison-lila"


def test_the_director_sees_the_project_manager_testing(page: Page, demo) -> None:
    log_in(page, DIRECTOR)
    visit(page, reverse("dashboard:director-home"))
    # She also writes most of the demo's acceptance criteria: whatever else she is observed
    # in, the project manager is observed testing.
    note = page.get_by_role(
        "link",
        name=re.compile(
            r"^Observed over four weeks: Claire Dubois works as Project manager, .*Tester\.$"
        ),
    )
    expect(note).to_be_visible()
    _fits_both_widths(page)

    submit(page, note)
    assert page.url.endswith(reverse("timesheets:observed-roles", args=[SLUG]))
    expect(page.get_by_role("heading", name="Role coverage")).to_be_visible()
    claire = page.get_by_role("row").filter(has_text="Claire Dubois").first
    expect(claire).to_contain_text("Tester:")
    expect(claire.locator(".badge").first).to_contain_text("Project manager")
    expect(claire.locator(".badge").last).to_contain_text("Tester")
    # The director reads approved billable time only.
    expect(page.get_by_text("Approved billable time of the agency's team.")).to_be_visible()
    _fits_both_widths(page)
    screenshot(page, "observed-roles-director")


def test_the_team_page_shows_roles_assigned_beside_roles_observed(page: Page, demo) -> None:
    log_in(page, MANAGER)
    visit(page, reverse("roles:team", args=[SLUG]))
    settle(page)
    # Claire reads Tandem in French.
    card = page.locator("#observed")
    expect(card.get_by_role("heading", name="Rôles observés")).to_be_visible()
    expect(card.get_by_role("row").filter(has_text="Claire Dubois").first).to_contain_text(
        "Testeur"
    )
    _fits_both_widths(page)
    screenshot(page, "observed-roles-team")
