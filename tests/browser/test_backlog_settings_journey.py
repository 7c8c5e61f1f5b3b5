"""The director chooses how Maison Lila's backlog is ranked, in a real browser: from the backlog
to the settings page, WSJF previewed beside today's ranking (htmx, nothing saved), then saved;
a project manager reads the same page with every field disabled."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y, log_in, screenshot, settle, submit, visit

pytestmark = pytest.mark.browser

DIRECTOR = "director@maisonlila.example"
SLUG = "maison-lila"


def _stored_model() -> str | None:
    from backlog.models import ScoringSettings

    row = ScoringSettings.objects.filter(engagement__slug=SLUG).first()
    return row.model if row is not None else None


def test_the_director_previews_then_saves_a_new_scoring_model(page: Page, demo) -> None:
    log_in(page, DIRECTOR)
    visit(page, reverse("backlog:ticket-list", args=[SLUG]))
    submit(page, page.get_by_role("link", name="Scoring and workflow"))
    expect(page.locator("h1")).to_contain_text("Scoring and workflow of Maison Lila")
    before = _stored_model()

    page.get_by_label("WSJF (cost of delay / job size)").check()
    page.get_by_role("button", name="Preview ranking").click()
    settle(page)
    preview = page.locator("#ranking-preview")
    expect(preview.get_by_role("heading", name="Top 10 with these settings")).to_be_visible()
    expect(preview.locator("table[data-ranking=current] tbody tr")).not_to_have_count(0)
    expect(preview.locator("table[data-ranking=proposed] tbody tr")).not_to_have_count(0)
    assert _stored_model() == before
    check_a11y(page)
    screenshot(page, "settings-01-preview")

    submit(page, page.get_by_role("button", name="Save the settings"))
    expect(page.locator("#toasts")).to_contain_text(
        "Backlog settings saved: the backlog is ranked by WSJF (cost of delay / job size)."
    )
    assert _stored_model() == "wsjf"


def test_a_project_manager_reads_the_settings_without_changing_them(page: Page, demo) -> None:
    from backlog.models import Kind
    from collab.models import Engagement
    from roles.models import Role, RoleAssignment

    engagement = Engagement.objects.get(slug=SLUG)
    pm = RoleAssignment.objects.filter(engagement=engagement, role=Role.PROJECT_MANAGER).first()
    assert pm is not None, "the demo data names a project manager of Maison Lila"
    log_in(page, pm.person.email)

    visit(page, reverse("backlog:settings", args=[SLUG]))

    # The demo's project manager reads French: the controls are found by their names.
    form = page.locator("form.backlog-settings")
    expect(form.locator("input[name=model]")).to_have_count(3)
    for radio in form.locator("input[name=model]").all():
        expect(radio).to_be_disabled()
    for kind in Kind.values:
        expect(form.locator(f"select[name=routing_{kind}]")).to_be_disabled()
    expect(form.locator("button")).to_have_count(0)
    expect(page.locator("#ranking-preview")).to_have_count(0)
    check_a11y(page)
    screenshot(page, "settings-02-read-only")
