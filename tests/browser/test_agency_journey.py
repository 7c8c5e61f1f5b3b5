"""The agency journey on Nordfer Industrie, in a real browser: the project manager logs a bug
with the bug template, the business analyst adds an acceptance criterion and readies it, the
developer builds it, the tester records a passing QA verdict and the ticket reaches done.

Each step is taken by the person the workflow allows (backlog/workflow.py): triage by the project
manager, analysis and ready by the business analyst, in progress → review → QA by the developer,
the verdict and done by the tester."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_a11y, log_in, screenshot, submit, visit

pytestmark = pytest.mark.browser

PM = "julien.moreau@atelier.example"
ANALYST = "thomas.girard@atelier.example"
DEVELOPER = "lukas.becker@atelier.example"
TESTER = "lea.fontaine@atelier.example"
TITLE = "Checkout refuses VAT numbers with spaces"
CRITERION = "A VAT number typed with spaces is accepted and saved without them"


def _status(page: Page):
    return page.locator(".ticket-heading .ticket-status")


def _message(page: Page):
    return page.locator("#toasts")


def _move(page: Page, key: str, status: str) -> None:
    """Take one workflow step with the ticket page's button and check what the user sees."""
    submit(page, page.locator("#workflow").get_by_role("button", name=f"Move to {status}"))
    expect(_message(page)).to_contain_text(f"{key} moved to {status}.")
    expect(_status(page)).to_have_text(status)


def test_agency_journey_bug_from_template_to_done(page: Page, demo) -> None:
    # The project manager lands on their work (the backlog of Nordfer, their tickets) and logs
    # a bug.
    visit(page, reverse("login"))
    check_a11y(page)
    screenshot(page, "agency-01-login")
    log_in(page, PM)
    backlog = reverse("backlog:ticket-list", args=["nordfer"])
    expect(page).to_have_url(re.compile(re.escape(backlog) + r"\?assignee=\d+$"))
    visit(page, reverse("collab:engagement-list"))
    expect(page.locator("main")).to_contain_text("Nordfer Industrie")
    check_a11y(page)
    screenshot(page, "agency-02-engagements")

    visit(page, reverse("backlog:ticket-create", args=["nordfer"]))
    form = page.locator("main form")
    template = form.locator("#bug-template")
    # The bug template shows only once the kind "Bug" is chosen.
    expect(template).to_be_hidden()
    # The kinds are buttons of one group (their radios hidden behind them): a click on "Bug".
    form.locator("label.btn", has_text=re.compile(r"^Bug\b")).click()
    expect(form.get_by_role("radio", name=re.compile(r"^Bug\b"))).to_be_checked()
    expect(template).to_be_visible()
    check_a11y(page)
    screenshot(page, "agency-03-log-a-bug")
    form.get_by_label("Title").fill(TITLE)
    form.get_by_label("Description").fill("Buyers from Belgium cannot finish their order.")
    template.get_by_label("Steps to reproduce").fill(
        "1. Log in as a Belgian buyer.\n2. Type BE 0123 456 789 as VAT number at checkout."
    )
    template.get_by_label("Expected behaviour").fill("The order is placed.")
    template.get_by_label("Actual behaviour").fill("“Invalid VAT number” under the field.")
    template.get_by_label("Environment").fill("Production, Firefox 140")
    template.get_by_label("Severity").select_option(label="High")
    template.get_by_label("Found by").select_option(label="Client")
    form.get_by_label("Origin").select_option(value="client_request")
    submit(page, form.get_by_role("button", name="File the ticket"))

    key = page.locator(".ticket-heading .ticket-key").inner_text()
    assert re.fullmatch(r"NORD-\d+", key), key
    expect(page.locator("h1")).to_contain_text(TITLE)
    expect(_message(page)).to_contain_text(f"{key} filed")
    expect(_status(page)).to_have_text("New")
    bug_report = page.locator("#description")
    expect(bug_report).to_contain_text("BE 0123 456 789")
    expect(bug_report).to_contain_text("Production, Firefox 140")
    check_a11y(page)
    screenshot(page, "agency-04-bug-filed")
    _move(page, key, "Triage")
    ticket_url = page.url.split("#")[0]

    # The business analyst writes the acceptance criterion and takes the bug to ready.
    log_in(page, ANALYST)
    visit(page, ticket_url)
    criteria = page.locator("#criteria")
    expect(criteria).to_contain_text("No acceptance criterion yet.")
    criteria.get_by_role("button", name="Add acceptance criteria").click()
    criteria.get_by_label("Criterion").fill(CRITERION)
    criteria.get_by_label("Given").fill("a buyer at checkout")
    criteria.get_by_label("When").fill("they type BE 0123 456 789")
    criteria.get_by_label("Then").fill("the VAT number BE0123456789 is saved")
    submit(page, criteria.get_by_role("button", name="Add the criterion"))
    expect(_message(page)).to_contain_text("Acceptance criterion added.")
    expect(page.locator("#criteria ol.criteria")).to_contain_text(CRITERION)
    expect(page.locator("#criteria ol.criteria")).to_contain_text("Written by Thomas Girard")
    check_a11y(page)
    screenshot(page, "agency-05-criterion-added")
    _move(page, key, "Analysis")
    _move(page, key, "Ready")

    # The developer takes the bug (routed to the tester, who may then not verify it: separation
    # of duties), builds it and hands it to QA.
    log_in(page, DEVELOPER)
    visit(page, f"{ticket_url}edit/")
    page.get_by_label("Assignee").select_option(label="Lukas Becker")
    submit(page, page.get_by_role("button", name="Save"))
    expect(_message(page)).to_contain_text(f"{key} saved.")
    _move(page, key, "In progress")
    _move(page, key, "In review")
    _move(page, key, "QA")
    # Only the tester (or the project manager) moves a ticket out of QA.
    expect(page.locator("#workflow").get_by_role("button", name="Move to Done")).to_have_count(0)

    # The tester records a passing verdict, criterion by criterion, and closes the ticket.
    log_in(page, TESTER)
    visit(page, ticket_url)
    qa = page.locator("#qa")
    expect(qa).to_contain_text("No QA verdict yet.")
    qa.get_by_role("group", name=CRITERION).get_by_label("Pass").check()
    qa.get_by_role("group", name="Overall verdict").get_by_label("Pass").check()
    qa.get_by_label("Notes").fill("Checked on staging with three Belgian VAT numbers.")
    check_a11y(page)
    screenshot(page, "agency-06-qa-verdict-form")
    submit(page, qa.get_by_role("button", name="Record the verdict"))
    expect(_message(page)).to_contain_text("QA verdict recorded.")
    verdicts = page.locator("#qa ul.verdicts")
    expect(verdicts.locator(".verdict--pass")).to_have_text("Passed")
    expect(verdicts).to_contain_text("by Léa Fontaine")
    expect(verdicts).to_contain_text(f"Pass: {CRITERION}")
    _move(page, key, "Done")
    expect(page.locator("#history")).to_contain_text("QA → Done")
    check_a11y(page)
    screenshot(page, "agency-07-done")

    # The ticket is done in the backlog too (the default view lists open work only).
    visit(page, reverse("backlog:ticket-list", args=["nordfer"]) + "?status=done")
    row = page.locator(f"tr[data-key='{key}']")
    expect(row.locator(".pill").first).to_have_text("Done")
