"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live
server, on the demo data of ``manage.py seed_demo``.

Every page a test opens is watched: a JavaScript console error or an uncaught page error on any
of them fails the test. ``check_a11y`` runs axe-core (from the npm registry, ``npm ci`` puts it
under node_modules/) and fails on serious or critical violations; ``screenshot`` writes the page
at 1280 px and 390 px wide to artifacts/screenshots/ (git-ignored, kept by CI).

Why the browser lives for the *package* and not the whole session: Playwright's synchronous API
keeps its asyncio loop registered as the running loop of the main thread while the browser is
open, and Django refuses database queries from a thread with a running loop
(SynchronousOnlyOperation). The browser tests allow them (DJANGO_ALLOW_ASYNC_UNSAFE, a test-only
switch: the queries run in this thread, never inside the loop) and close Playwright once the last
test of tests/browser/ has run, so the rest of the suite runs with Django's check intact.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Browser, ConsoleMessage, Error, Locator, Page, sync_playwright

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "artifacts" / "screenshots"
DEMO_PASSWORD = "tandem-demo"
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Impacts that fail a page; "minor" and "moderate" findings are printed, not failed.
A11Y_FAILING_IMPACTS = ("serious", "critical")


@pytest.fixture(scope="package")
def _playwright() -> Iterator:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (or `make browser-deps`)")
    with pytest.MonkeyPatch.context() as patch:
        # See the module docstring: set before Playwright starts its loop, unset once it stops.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            yield playwright


@pytest.fixture(scope="package")
def browser(_playwright) -> Iterator[Browser]:
    # Playwright's own browser download is not used: Debian's Chromium, launched headless.
    browser = _playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


ABORTED_REQUEST_NOISE = ("htmx:sendAbort", "htmx:afterRequest")


@dataclass
class PageProblems:
    """The console errors and uncaught exceptions of every page a test opened."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        def on_console(message: ConsoleMessage) -> None:
            # Leaving a page aborts its htmx requests still in flight; htmx logs that abort as
            # "htmx:sendAbort" plus the generic "htmx:afterRequest". Neither is a failure the person
            # sees; a real one (htmx:sendError, htmx:timeout, htmx:responseError) is still caught.
            if message.type == "error" and not message.text.startswith(ABORTED_REQUEST_NOISE):
                self.errors.append(f"console error on {page.url}: {message.text}")

        def on_page_error(error: Error) -> None:
            self.errors.append(f"page error on {page.url}: {error}")

        page.on("console", on_console)
        page.on("pageerror", on_page_error)


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(browser: Browser, page_problems: PageProblems, live_server) -> Iterator[Page]:
    """A fresh browser context (no cookies) with one 1280 by 800 page; the test fails if any page
    of the context logged a console error or threw."""
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    context.on("page", page_problems.watch)
    page = context.new_page()
    yield page
    context.close()
    if page_problems.errors:
        pytest.fail("JavaScript errors:\n" + "\n".join(page_problems.errors), pytrace=False)


@pytest.fixture
def demo(transactional_db) -> None:
    """The demo data of ``manage.py seed_demo`` (every password ``tandem-demo``): the agency,
    its three engagements and teams, tickets, objectives and roadmap, held and upcoming
    meetings with the next sync's agenda, and Maison Lila's two signed-off reviews."""
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", stdout=quiet)


def log_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the login form (logging out first if someone is signed in)."""
    # Signing out is in the person's menu; a fresh session does the same for a test.
    page.context.clear_cookies()
    visit(page, reverse("login"))
    form = page.locator("main form")
    form.locator("input[name=username]").fill(email)
    password_input = form.locator("input[name=password]")
    password_input.fill(password)
    # The top bar's language buttons are submit buttons too: Enter submits the login form only.
    with page.expect_navigation() as navigation:
        password_input.press("Enter")
    assert navigation.value is not None and navigation.value.ok
    assert "/accounts/login/" not in page.url, f"{email} could not log in"


def visit(page: Page, url: str) -> None:
    """Open a page of the site; it must answer without an HTTP error."""
    response = page.goto(url)
    assert response is not None and response.ok, (
        f"GET {url} answered {response and response.status}"
    )


def submit(page: Page, button: Locator) -> None:
    """Click a form's button and wait for the page it leads to, which must not be an error."""
    with page.expect_navigation() as navigation:
        button.click()
    response = navigation.value
    assert response is not None and response.ok, (
        f"{page.url} answered {response and response.status}"
    )


def settle(page: Page) -> None:
    """Wait until the page has loaded and what htmx loads into it has arrived (htmx marks an
    element with .htmx-request while its request runs). Cheaper than "networkidle", which always
    waits half a second more."""
    page.wait_for_load_state("load")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def screenshot(page: Page, name: str) -> list[Path]:
    """Full-page screenshots at 1280 px and 390 px wide: artifacts/screenshots/<name>-<w>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    settle(page)
    paths = []
    original = page.viewport_size or DESKTOP
    for size in (DESKTOP, MOBILE):
        page.set_viewport_size(size)
        path = SCREENSHOTS / f"{name}-{size['width']}.png"
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        paths.append(path)
    page.set_viewport_size(original)
    return paths


def check_a11y(page: Page) -> None:
    """Run axe-core on the page; fail on any serious or critical violation.

    The site's CSP (script-src 'self') blocks an inline <script> added to the page, which is
    what page.add_script_tag(path=...) does (its content is inlined). page.evaluate() runs
    through the DevTools protocol (Runtime.evaluate), which CSP does not govern, so the axe
    source is evaluated that way: the page under test keeps its real CSP (no bypass_csp)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (or `make browser-deps`)")
    settle(page)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    violations = page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
                why: v.nodes.length ? v.nodes[0].failureSummary : "",
            }));
        }"""
    )
    failing = [v for v in violations if v["impact"] in A11Y_FAILING_IMPACTS]
    for violation in violations:
        if violation not in failing:
            print(f"a11y ({violation['impact']}) on {page.url}: {violation['id']}")
    if failing:
        lines = [
            f"- [{v['impact']}] {v['id']}: {v['help']} → {', '.join(v['targets'])}\n  {v['why']}"
            for v in failing
        ]
        pytest.fail(f"Accessibility violations on {page.url}:\n" + "\n".join(lines), pytrace=False)
