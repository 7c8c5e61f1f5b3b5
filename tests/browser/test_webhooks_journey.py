"""The agency admin connects Nordfer's helpdesk to Tandem in a real browser: from the engagement's
navigation to its webhooks, a webhook created (its signing secret shown once), a test ping sent
and seen delivered, signed, to a real receiver on this machine."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect
from pytest_httpserver import HTTPServer

from tests.browser.conftest import check_a11y, log_in, screenshot, submit, visit

pytestmark = pytest.mark.browser

ADMIN = "admin@atelier.example"
SLUG = "nordfer"


def test_the_admin_creates_a_webhook_and_sees_its_ping_delivered(
    page: Page, demo, settings, httpserver: HTTPServer
) -> None:
    from collab.webhooks.delivery import webhook_deliveries_sweep
    from collab.webhooks.signing import signature

    # The receiver runs on localhost, which only a developer's machine (or a test) may target.
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    httpserver.expect_request("/tandem", method="POST").respond_with_data("", status=204)
    target = httpserver.url_for("/tandem")

    log_in(page, ADMIN)
    visit(page, reverse("collab:engagement-detail", args=[SLUG]))
    # Webhooks sit in the engagement's Settings menu of the sidebar.
    page.locator(".sidebar").get_by_role("button", name="Settings").click()
    submit(page, page.locator(".sidebar").get_by_role("link", name="Webhooks"))
    expect(page.locator("h1")).to_contain_text("Webhooks of Nordfer Industrie")
    expect(page.locator("main")).to_contain_text("No webhook yet.")

    page.get_by_label("Target URL").fill(target)
    page.get_by_label("Description").fill("Helpdesk")
    page.get_by_label("A ticket changes status").check()
    submit(page, page.get_by_role("button", name="Create the webhook"))
    secret = page.locator("#webhook-secret").inner_text().strip()
    assert secret.startswith("whsec_")
    check_a11y(page)
    screenshot(page, "webhooks-01-secret-shown-once")

    submit(page, page.get_by_role("link", name="Open the webhook"))
    expect(page.locator("main")).not_to_contain_text(secret)
    submit(page, page.get_by_role("button", name="Send a test ping"))
    expect(page.locator("#toasts")).to_contain_text("Test ping queued")

    # What the worker's sweep does every minute, run here where no worker runs.
    assert webhook_deliveries_sweep().succeeded == 1
    page.reload()
    log = page.locator("section.card", has=page.get_by_role("heading", name="Delivery log"))
    expect(log.locator("tbody tr")).to_have_count(1)
    expect(log.locator("tbody tr").first).to_contain_text("Succeeded")
    expect(log.locator("tbody tr").first).to_contain_text("204")
    check_a11y(page)
    screenshot(page, "webhooks-02-ping-delivered")

    # The receiver got the ping, signed with the secret the page showed once.
    request, _response = httpserver.log[-1]
    assert request.headers["Tandem-Event"] == "ping"
    stamp, _sep, digest = request.headers["Tandem-Signature"].partition(",v1=")
    timestamp = int(stamp.removeprefix("t="))
    assert digest == signature(secret=secret, timestamp=timestamp, body=request.get_data())
    assert json.loads(request.get_data())["type"] == "ping"
