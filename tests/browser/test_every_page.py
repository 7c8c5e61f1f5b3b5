"""Every page of each persona, in a real browser, at 1280 px and 390 px wide: no page scrolls
sideways, axe-core finds no serious or critical violation, no page logs a console error, and
each page's screenshot is written to artifacts/screenshots/every-<persona>-<page>-<width>.png.

The personas are the demo's: a director, a project manager, a tester, a client stakeholder and
the agency admin. Pages come from the demo data (a ticket, a sprint, a meeting, a review of the
persona's engagement), so the walk sees what these people see every week."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from backlog.models import Sprint, Ticket
from collab.models import Engagement
from collab.rhythm.models import Meeting
from collab.webhooks.models import Webhook
from roadmap.models import RoadmapItem, StrategicObjective
from roadmap.reviews.models import Review
from tests.browser.conftest import (
    DESKTOP,
    MOBILE,
    SCREENSHOTS,
    check_a11y,
    log_in,
    settle,
    visit,
)

pytestmark = pytest.mark.browser

# Every page of an engagement that its people open, by URL name; the arguments are filled from
# the demo data of the engagement.
ENGAGEMENT_PAGES = [
    "collab:engagement-detail",
    "dashboard:engagement-overview",
    "backlog:ticket-list",
    "backlog:matrix",
    "backlog:ticket-create",
    "backlog:ticket-detail",
    "backlog:ticket-update",
    "backlog:sprint-list",
    "backlog:sprint-board",
    "backlog:settings",
    "roadmap:board",
    "roadmap:objective-list",
    "roadmap:objective-update",
    "roadmap:item-update",
    "roadmap:ticket-alignment",
    "rhythm:meeting-list",
    "rhythm:meeting-detail",
    "rhythm:decision-log",
    "rhythm:action-items",
    "reviews:review-list",
    "reviews:review-detail",
    "reviews:diff",
    "reviews:value-realisation",
    "roles:team",
    "timesheets:observed-roles",
]
PERSONAL_PAGES = [
    "dashboard:director-home",
    "collab:engagement-list",
    "rhythm:inbox",
    "rhythm:preferences",
    "collab:profile",
]
MANAGEMENT_PAGES = [
    "collab:engagement-update",
    "roles:api-tokens",
    "webhooks:webhook-list",
    "webhooks:webhook-detail",
    "backlog_transfer:import",
    "timesheets:import",
    "roadmap:settings",
    "dashboard:agency-view",
]
# The pages a tester opens in a week: the work, the board, the meetings, the team.
TESTER_PAGES = [
    "backlog:ticket-list",
    "backlog:ticket-detail",
    "backlog:sprint-board",
    "rhythm:meeting-detail",
    "roles:team",
]

PERSONAS = {
    "director": ("director@maisonlila.example", "maison-lila", ENGAGEMENT_PAGES + PERSONAL_PAGES),
    "pm": (
        "julien.moreau@atelier.example",
        "nordfer",
        [*ENGAGEMENT_PAGES, *PERSONAL_PAGES, "dashboard:agency-view"],
    ),
    "tester": ("lea.fontaine@atelier.example", "nordfer", TESTER_PAGES + PERSONAL_PAGES),
    "stakeholder": (
        "karim.benali@nordfer.example",
        "nordfer",
        [
            "collab:engagement-detail",
            "backlog:ticket-list",
            "backlog:ticket-create",
            "backlog:ticket-detail",
            "roadmap:board",
            "rhythm:meeting-detail",
            "reviews:review-list",
            *PERSONAL_PAGES,
        ],
    ),
    "admin": ("admin@atelier.example", "nordfer", [*MANAGEMENT_PAGES, "roles:team"]),
}


def _arguments(engagement: Engagement) -> dict[str, list]:
    """The URL arguments of each page for one engagement of the demo."""
    slug = engagement.slug
    ticket = Ticket.objects.filter(engagement=engagement).order_by("number").first()
    sprint = Sprint.objects.filter(engagement=engagement).order_by("-start").first()
    meeting = (
        Meeting.objects.filter(engagement=engagement, status=Meeting.Status.HELD)
        .order_by("-starts_at")
        .first()
    )
    review = Review.objects.filter(engagement=engagement).order_by("-pk").first()
    # The difference exists from a signed-off review on (it compares two snapshots).
    signed = (
        Review.objects.filter(engagement=engagement, state="signed_off").order_by("-pk").first()
    )
    objective = StrategicObjective.objects.filter(engagement=engagement).first()
    item = RoadmapItem.objects.filter(engagement=engagement).first()
    webhook = Webhook.objects.filter(engagement=engagement).first()
    found = {
        "ticket": ticket,
        "sprint": sprint,
        "meeting": meeting,
        "objective": objective,
        "item": item,
    }
    missing = [name for name, value in found.items() if value is None]
    assert not missing, f"the demo of {slug} has no {', '.join(missing)}"
    arguments = {
        "backlog:ticket-detail": [slug, ticket.key],
        "backlog:ticket-update": [slug, ticket.key],
        "roadmap:ticket-alignment": [slug, ticket.key],
        "backlog:sprint-board": [slug, sprint.pk],
        "rhythm:meeting-detail": [slug, meeting.pk],
        "roadmap:objective-update": [slug, objective.pk],
        "roadmap:item-update": [slug, item.pk],
    }
    if review is not None:
        arguments["reviews:review-detail"] = [slug, review.pk]
    if signed is not None:
        arguments["reviews:diff"] = [slug, signed.pk]
    if webhook is not None:
        arguments["webhooks:webhook-detail"] = [slug, webhook.pk]
    return arguments


def _url(name: str, engagement: Engagement, arguments: dict[str, list]) -> str | None:
    if name in PERSONAL_PAGES or name == "dashboard:agency-view":
        return reverse(name)
    if name in ("reviews:review-detail", "reviews:diff", "webhooks:webhook-detail"):
        return reverse(name, args=arguments[name]) if name in arguments else None
    return reverse(name, args=arguments.get(name, [engagement.slug]))


def _check_width(page: Page, url: str, size: dict) -> list[str]:
    page.set_viewport_size(size)
    settle(page)
    overflow = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    problems = []
    if overflow[0] > overflow[1]:
        wide = page.evaluate(
            """(limit) => Array.from(document.querySelectorAll('body *'))
                .filter((el) => el.getBoundingClientRect().right > limit + 1)
                .slice(0, 5)
                .map((el) => el.tagName.toLowerCase() + (el.className && typeof el.className
                    === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : ''))""",
            overflow[1],
        )
        problems.append(
            f"{url} at {size['width']} px scrolls sideways "
            f"({overflow[0]} > {overflow[1]}): {', '.join(wide)}"
        )
    return problems


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_every_page_fits_both_widths_is_accessible_and_logs_no_error(
    page: Page, demo, persona: str
) -> None:
    email, slug, pages = PERSONAS[persona]
    engagement = Engagement.objects.get(slug=slug)
    arguments = _arguments(engagement)
    log_in(page, email)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    walked = 0
    for name in pages:
        url = _url(name, engagement, arguments)
        if url is None:
            continue
        visit(page, url)
        walked += 1
        for size in (DESKTOP, MOBILE):
            problems += _check_width(page, url, size)
            check_a11y(page)
            shot = SCREENSHOTS / f"every-{persona}-{name.replace(':', '-')}-{size['width']}.png"
            page.screenshot(path=str(shot), full_page=True, animations="disabled")
        page.set_viewport_size(DESKTOP)
    assert walked >= len(pages) - 3, f"{persona}: only {walked} of {len(pages)} pages walked"
    assert not problems, "\n".join(problems)
