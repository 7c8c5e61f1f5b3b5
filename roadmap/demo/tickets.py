"""The demo tickets of ``seed_demo``: 28 per engagement, of every kind and origin, filed
through the backlog services and keyed ``DEMO-<n>`` (a second run files none).

Most are this quarter's work (two sprints, QA verdicts, stakeholder scores, a pinned rank).
The last three of each engagement were delivered last quarter: the services stamp every change
"now", so once such a ticket is done its history (the move to done above all: the dashboard's
"delivered last quarter" reads it), its QA verdict and its criteria are dated back to the day it
was delivered — demo history, written once, when the ticket is filed.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone

from backlog import services
from backlog.models import AcceptanceCriterion, QAVerdict, Sprint, Ticket, TicketHistory
from backlog.transfer.bulk import tickets_bulk_generate
from backlog.workflow import VALUE_KINDS
from collab.models import Engagement, User
from roadmap.dashboard.selectors import current_quarter
from roles.models import Role, RoleAssignment

# A demo ticket: (kind, origin, status, title, revenue gain, cost savings, hours saved/month,
# effort days, confidence, extras). Extras: found_by, severity, labels, sprint (0 the past sprint,
# 1 the current one), criteria, deadline (days from today), scores ((director, stakeholder)
# 1-5), pin (a rank the director pins), comment, delivered (done that many days after the first
# day of last quarter), self_verified (the tester wrote the criteria and the director grants
# the exception for this reason: a verdict given under it is self-verified), breach (the tester
# wrote the criteria and verified while the rule was turned off). Status "done" goes through QA
# with a passing verdict given by the tester (the developer is assigned), and the client's
# acceptance for a feature or improvement; "qa_failed" stays in QA with a failed one.
# Engagements whose only tester also writes the criteria, and turned the separation off.
ONE_PERSON_QA = frozenset({"cave-saint-roch"})
DemoTicket = tuple[str, str, str, str, int | None, int | None, int | None, str | None, str, dict]
C, A = "client_request", "agency_initiative"
# fmt: off
DEMO_TICKETS: dict[str, tuple[DemoTicket, ...]] = {
    "nordfer": (
        ("feature", C, "ready", "Quick order by SKU list", 180000, None, 120, "8", "high",
         {"labels": ["b2b", "ordering"], "sprint": 1, "scores": (5, 2),
          "criteria": ["A buyer pastes up to 200 SKUs with quantities and adds them to the cart"]}),
        ("feature", C, "in_progress", "Customer-specific price lists", 240000, None, None, "15",
         "medium", {"labels": ["b2b", "pricing"], "sprint": 1,
                    "criteria": ["A buyer sees the prices negotiated for their company"]}),
        ("feature", C, "analysis", "Punch-out to SAP Ariba", 150000, 20000, None, "25", "low",
         {"labels": ["b2b", "procurement"], "deadline": 120}),
        ("feature", C, "triage", "Stock per warehouse on the product page", 60000, None, 40, "5",
         "medium", {"labels": ["stock"]}),
        ("improvement", C, "done", "Reorder from the order history in one click", 45000, None, 30,
         "3", "high", {"sprint": 0, "criteria": ["Every line of a past order goes to the cart"]}),
        ("improvement", A, "new", "Faster category pages with a Varnish tag cache", 30000, 6000,
         None, "4", "medium", {"labels": ["performance"]}),
        ("platform_upgrade", A, "ready", "Upgrade Adobe Commerce to 2.4.8", None, 12000, None,
         "10", "high", {"labels": ["platform"], "sprint": 1,
                        "comment": "Brings the new B2B quote workflow we can use for Q3."}),
        ("security", A, "in_review", "Apply the APSB25-08 security patch", None, None, None, "1",
         "high", {"labels": ["security"], "sprint": 1}),
        ("bug", C, "in_progress", "Tier prices ignored for quantities above 1,000", 25000, None,
         None, "2", "high", {"found_by": "client", "severity": "high", "sprint": 1}),
        ("bug", C, "done", "Delivery note PDF cuts long product names", None, None, 6, "1",
         "high", {"found_by": "client", "severity": "low", "sprint": 0,
                  "criteria": ["Names of up to 255 characters wrap on two lines"]}),
        ("bug", C, "triage", "Invoice address lost after a password reset", None, None, 3, "1",
         "medium", {"found_by": "client", "severity": "medium"}),
        ("bug", C, "qa_failed", "Quote request e-mail sent twice", None, 1500, None, "1", "high",
         {"found_by": "agency_qa", "severity": "medium", "sprint": 1,
          "criteria": ["The sales team receives exactly one e-mail per quote request"]}),
        ("bug", C, "done", "Search returns discontinued references", 12000, None, None, "2",
         "high", {"found_by": "agency_qa", "severity": "medium", "sprint": 0,
                  "criteria": ["Discontinued references never appear in search results"]}),
        ("bug", C, "new", "Slow cart with more than 150 lines", 8000, None, None, "3", "medium",
         {"found_by": "monitoring", "severity": "high"}),
        ("question", C, "new", "Can buyers share a cart with their purchasing manager?", None,
         None, None, None, "medium", {}),
        ("question", A, "done", "Which ERP fields feed the delivery lead time?", None, None, None,
         "1", "high", {"sprint": 0}),
        ("feature", C, "new", "Approval workflow for orders above a budget", 90000, None, 20, "12",
         "medium", {"labels": ["b2b"], "scores": (4, 4)}),
        ("feature", A, "new", "Reorder reminders from consumption patterns", 70000, None, None,
         "9", "low", {"labels": ["crm"]}),
        ("improvement", C, "on_hold", "Print the catalogue as PDF per customer", 15000, None, 10,
         "6", "low", {}),
        ("improvement", C, "rejected", "Animated banner carousel on the home page", 2000, None,
         None, "3", "low", {}),
        ("feature", C, "new", "Spare parts finder by machine serial number", 110000, None, None,
         "14", "medium", {"labels": ["search"], "deadline": 200}),
        ("improvement", A, "triage", "Self-service returns for B2B accounts", 20000, 18000, 25,
         "5", "medium", {}),
        ("security", A, "new", "Enforce two-factor login for company administrators", None, None,
         None, "3", "high", {"labels": ["security"]}),
        ("improvement", C, "ready", "Show the delivery date before checkout", 35000, None, 15, "2",
         "high", {"sprint": 1, "criteria": ["The date shown matches the ERP lead time"]}),
        ("feature", C, "new", "Requisition lists shared by a whole company", 55000, None, 20, "7",
         "medium", {"labels": ["b2b"]}),
        ("feature", C, "done", "Company accounts with buyer roles and spending limits", 130000,
         None, 40, "12", "high", {"labels": ["b2b"], "delivered": 12,
          "criteria": ["A company administrator invites buyers and sets their spending limit"]}),
        ("improvement", A, "done", "Checkout in three steps for logged-in buyers", 40000, None,
         None, "4", "medium", {"labels": ["ordering"], "delivered": 20}),
        ("bug", C, "done", "Order export to the ERP stalls on Monday mornings", None, 9000, 12,
         "2", "high", {"found_by": "client", "severity": "high", "delivered": 28,
                       "criteria": ["Every order reaches the ERP within 15 minutes"]}),
    ),
    "maison-lila": (
        ("feature", C, "ready", "Size guide with fit feedback from returns", 160000, 40000, None,
         "12", "medium", {"labels": ["returns"], "sprint": 1, "pin": 1,
                          "criteria": ["The product page recommends a size from past returns"]}),
        ("feature", C, "analysis", "Loyalty programme with points and tiers", 220000, None, None,
         "30", "low", {"labels": ["loyalty"], "deadline": 150}),
        ("feature", C, "in_progress", "Autumn collection launch page", 95000, None, None, "6",
         "high", {"labels": ["launch"], "sprint": 1, "deadline": 30,
                  "criteria": ["The page goes live at 8:00 with no downtime"],
                  "self_verified": "Claire wrote the launch criteria with the brand team and "
                                   "is the only one who can test before the launch."}),
        ("improvement", C, "done", "Wishlist shared by e-mail", 18000, None, None, "3", "medium",
         {"sprint": 0, "criteria": ["A shared wishlist opens without an account"],
          "self_verified": "Our only tester wrote its criteria; the release could not wait."}),
        ("improvement", A, "new", "Lighter product images (AVIF)", 40000, None, None, "2", "high",
         {"labels": ["performance"]}),
        ("platform_upgrade", A, "triage", "Move to Shopify checkout extensibility", None, 8000,
         None, "8", "high", {"labels": ["platform"], "deadline": 90,
                             "comment": "Mandatory before August: the old checkout.liquid ends."}),
        ("security", A, "done", "Rotate the storefront API tokens", None, None, None, "1", "high",
         {"sprint": 0}),
        ("bug", C, "in_progress", "Discount codes refused on sale items", 30000, None, None, "2",
         "high", {"found_by": "client", "severity": "high", "sprint": 1}),
        ("bug", C, "done", "Wrong colour swatch on the mobile product page", 6000, None, None,
         "1", "high", {"found_by": "client", "severity": "medium", "sprint": 0,
                       "criteria": ["Each swatch shows its own variant photo"], "breach": True}),
        ("bug", C, "triage", "Gift message missing on the packing slip", None, None, 4, "1",
         "medium", {"found_by": "client", "severity": "low"}),
        ("bug", C, "new", "Newsletter pop-up covers the checkout button", 10000, None, None, "1",
         "medium", {"found_by": "client", "severity": "high"}),
        ("bug", C, "qa_failed", "Stock badge shows 'last items' at 40 units", None, None, None,
         "1", "high", {"found_by": "agency_qa", "severity": "low", "sprint": 1,
                       "criteria": ["The badge appears at 5 units or fewer"]}),
        ("question", C, "new", "Can we sell gift cards in stores and online?", None, None, None,
         None, "medium", {}),
        ("feature", A, "new", "Back-in-stock alerts by SMS", 45000, None, None, "4", "medium",
         {"labels": ["crm"]}),
        ("improvement", C, "ready", "Faster returns label in the customer account", 12000, 9000,
         30, "3", "high", {"labels": ["returns"], "sprint": 1,
                           "criteria": ["The label downloads in one click from the order"]}),
        ("feature", C, "new", "Click and collect in the Paris boutique", 75000, None, None, "10",
         "medium", {"labels": ["stores"]}),
        ("improvement", C, "on_hold", "Instagram shop synchronisation", 20000, None, None, "5",
         "low", {}),
        ("feature", C, "rejected", "Virtual fitting room with augmented reality", 50000, None,
         None, "60", "low", {}),
        ("improvement", A, "triage", "Personalised product recommendations", 65000, None, None,
         "8", "medium", {"labels": ["crm"]}),
        ("improvement", C, "new", "Pre-orders for the next collection", 55000, None, None, "6",
         "medium", {"labels": ["launch"]}),
        ("feature", C, "new", "Gift wrapping option at checkout", 22000, None, None, "2", "high",
         {}),
        ("improvement", A, "new", "Core Web Vitals on collection pages", 35000, None, None, "4",
         "medium", {"labels": ["performance"]}),
        ("question", A, "done", "Which carriers support Saturday delivery?", None, None, None,
         "1", "high", {"sprint": 0}),
        ("bug", C, "new", "Order confirmation in English for French customers", None, None, 2,
         "1", "medium", {"found_by": "client", "severity": "medium"}),
        ("feature", C, "new", "Customer reviews with photos", 28000, None, None, "5", "medium",
         {}),
        ("feature", C, "done", "Summer sale landing pages with a countdown", 60000, None, None,
         "5", "high", {"labels": ["launch"], "delivered": 10,
                       "criteria": ["The countdown ends at the sale's start in Paris time"]}),
        ("improvement", A, "done", "Size chart per brand on product pages", 35000, 20000, None,
         "4", "medium", {"labels": ["returns"], "delivered": 21}),
        ("bug", C, "done", "Apple Pay button missing on iOS 18", 25000, None, None, "1", "high",
         {"found_by": "client", "severity": "high", "delivered": 30}),
    ),
    "cave-saint-roch": (
        ("feature", C, "in_progress", "Monthly wine subscription", 120000, None, None, "18",
         "medium", {"labels": ["subscription"], "sprint": 1,
                    "criteria": ["A subscriber is charged and shipped on the first Monday"]}),
        ("feature", C, "ready", "Gift boxes builder", 60000, None, None, "8", "medium",
         {"labels": ["gifts"], "sprint": 1, "deadline": 60,
          "criteria": ["A customer chooses 3 or 6 bottles and a box design"]}),
        ("feature", C, "new", "Age check at first visit and at checkout", None, None, None, "3",
         "high", {"labels": ["compliance"]}),
        ("feature", C, "analysis", "Shipping rules for alcohol per EU country", 40000, 6000, None,
         "12", "low", {"labels": ["compliance", "shipping"]}),
        ("improvement", C, "done", "Tasting notes on product pages", 15000, None, None, "2",
         "high", {"sprint": 0, "criteria": ["Every wine shows its tasting notes"]}),
        ("improvement", A, "new", "Faster checkout for returning customers", 25000, None, None,
         "4", "medium", {}),
        ("platform_upgrade", A, "new", "Upgrade PrestaShop to 8.2", None, 5000, None, "9",
         "medium", {"labels": ["platform"]}),
        ("security", A, "triage", "Patch the payment module vulnerability", None, None, None, "1",
         "high", {"labels": ["security"]}),
        ("bug", C, "in_progress", "Shipping cost wrong for magnum bottles", 8000, None, None,
         "1", "high", {"found_by": "client", "severity": "high", "sprint": 1}),
        ("bug", C, "done", "Vintage year missing in the order e-mail", None, None, 2, "1", "high",
         {"found_by": "client", "severity": "low", "sprint": 0,
          "criteria": ["The order e-mail shows the vintage of each wine"]}),
        ("bug", C, "triage", "Cart emptied after login", 12000, None, None, "2", "medium",
         {"found_by": "client", "severity": "high"}),
        ("bug", C, "new", "Promotions apply twice on cases of six", 6000, None, None, "1",
         "medium", {"found_by": "client", "severity": "medium"}),
        ("bug", C, "qa_failed", "Stock not reserved during payment", 9000, None, None, "2",
         "medium", {"found_by": "agency_qa", "severity": "high", "sprint": 1,
                    "criteria": ["A bottle paid for is never sold twice"]}),
        ("question", C, "new", "Can we ship to Switzerland?", None, None, None, None, "medium",
         {}),
        ("question", C, "new", "How do we report excise duties per order?", None, None, 6, None,
         "medium", {}),
        ("feature", C, "new", "Cellar door events booking", 18000, None, None, "6", "low", {}),
        ("improvement", C, "new", "Wine pairing suggestions", 10000, None, None, "3", "low", {}),
        ("feature", C, "new", "Corporate gift orders with a quote", 45000, None, 10, "7",
         "medium", {"labels": ["gifts"]}),
        ("improvement", C, "on_hold", "Loyalty discount for club members", 15000, None, None, "4",
         "low", {}),
        ("improvement", C, "rejected", "Mobile app", 30000, None, None, "80", "low", {}),
        ("improvement", A, "new", "Product feed for Google Shopping", 35000, None, None, "3",
         "medium", {}),
        ("feature", C, "new", "Click and collect at the estate", 12000, None, 8, "3", "medium", {}),
        ("improvement", C, "new", "Better photos of the labels", 8000, None, None, "2", "medium",
         {}),
        ("bug", C, "new", "Invoice PDF shows VAT twice", None, 2000, 3, "1", "medium",
         {"found_by": "client", "severity": "medium"}),
        ("feature", C, "new", "Gift cards for the wine shop", 20000, None, None, "4", "medium",
         {"labels": ["gifts"]}),
        ("feature", C, "done", "Wine search by grape and region", 18000, None, None, "3", "high",
         {"labels": ["search"], "delivered": 8,
          "criteria": ["Filtering by grape and region lists only matching wines"]}),
        ("improvement", C, "done", "Gift message on every order", 10000, None, 4, "2", "high",
         {"labels": ["gifts"], "delivered": 17}),
        ("bug", C, "done", "Payment page blank on older Safari versions", 7000, None, None, "1",
         "high", {"found_by": "client", "severity": "high", "delivered": 25}),
    ),
}
# fmt: on


def demo_people(engagement: Engagement) -> dict[str, User]:
    """The first holder of each role on the engagement (by allocation)."""
    people: dict[str, User] = {}
    for assignment in (
        RoleAssignment.objects.filter(engagement=engagement)
        .select_related("person")
        .order_by("-allocation_percent", "pk")
    ):
        people.setdefault(assignment.role, assignment.person)
    return people


def _demo_sprints(engagement: Engagement, actor: User) -> list[Any]:
    today = datetime.date.today()
    spans = (
        ("Sprint 23", today - datetime.timedelta(days=21), today - datetime.timedelta(days=8)),
        ("Sprint 24", today - datetime.timedelta(days=7), today + datetime.timedelta(days=6)),
    )
    sprints = []
    for name, start, end in spans:
        sprint = Sprint.objects.filter(engagement=engagement, name=name).first()
        if sprint is None:
            sprint = services.sprint_create(
                actor=actor,
                engagement=engagement,
                name=name,
                start=start,
                end=end,
                goal="Ship what was planned at the last weekly sync.",
            )
        sprints.append(sprint)
    return sprints


def delivery_time(days: int) -> datetime.datetime:
    """15:00 UTC, ``days`` days after the first day of last quarter (a UTC quarter, as the
    dashboard counts them)."""
    day = (current_quarter() - 1).start + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(15, 0), tzinfo=datetime.UTC)


def _date_delivery(ticket: Ticket, done_at: datetime.datetime) -> None:
    """Date a ticket delivered in the past back to its delivery: the analyst wrote its criteria
    three weeks before, the tester passed it the day before, and every history entry (filing,
    the move to done) is dated the day it was done."""
    AcceptanceCriterion.objects.filter(ticket=ticket).update(
        created_at=done_at - datetime.timedelta(days=21)
    )
    QAVerdict.objects.filter(ticket=ticket).update(recorded_at=done_at - datetime.timedelta(days=1))
    TicketHistory.objects.filter(ticket=ticket).update(at=done_at)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=done_at)


def _demo_ticket(
    engagement: Engagement, number: int, spec: DemoTicket, people: dict[str, User], sprints: list
) -> None:
    kind, origin, status, title, revenue, savings, hours, effort, confidence, extra = spec
    agency = people.get(Role.CONSULTANT) or people[Role.PROJECT_MANAGER]
    client = people[Role.DIRECTOR] if number % 3 else people.get(Role.STAKEHOLDER)
    if extra.get("found_by") == "agency_qa":
        reporter = people[Role.TESTER]
    elif origin == "agency_initiative" or extra.get("found_by") == "monitoring":
        reporter = agency
    else:
        reporter = client or people[Role.DIRECTOR]
    fields: dict[str, Any] = {
        "title": title,
        "description": f"{title}.\n\nFiled during a weekly sync of {engagement.name}.",
        "kind": kind,
        "origin": origin,
        "status": "qa" if status in ("done", "qa_failed") else status,
        "annual_revenue_gain": Decimal(revenue) if revenue is not None else None,
        "annual_cost_savings": Decimal(savings) if savings is not None else None,
        "hours_saved_per_month": Decimal(hours) if hours is not None else None,
        "effort_days": Decimal(effort) if effort is not None else None,
        "confidence": confidence,
        "labels": extra.get("labels", []),
        "external_ref": f"DEMO-{number}",
        "created_at": timezone.now() - datetime.timedelta(days=90 - 3 * number, hours=number),
    }
    if kind == "bug":
        fields.update(
            found_by=extra.get("found_by", "client"),
            severity=extra.get("severity", "medium"),
            steps_to_reproduce="1. Log in as a customer.\n2. Follow the path in the title.",
            expected_behaviour="It works as on the desktop site.",
            actual_behaviour=title + ".",
            environment="Production, Chrome and Safari",
        )
    done_at = delivery_time(extra["delivered"]) if "delivered" in extra else None
    if done_at is not None:
        fields["created_at"] = done_at - datetime.timedelta(days=45)
    if "sprint" in extra:
        fields["sprint"] = sprints[extra["sprint"]]
    if "deadline" in extra:
        fields["deadline"] = datetime.date.today() + datetime.timedelta(days=extra["deadline"])
    tested = status in ("done", "qa_failed")
    if tested and Role.DEVELOPER in people:
        fields["assignee"] = people[Role.DEVELOPER]
    ticket = services.ticket_create(actor=reporter, engagement=engagement, **fields)
    analyst = people.get(Role.BUSINESS_ANALYST) or people[Role.PROJECT_MANAGER]
    if "self_verified" in extra or "breach" in extra:
        analyst = people[Role.TESTER]
    texts = extra.get("criteria", [])
    if tested and kind in VALUE_KINDS and not texts:
        # Ready, hence tested, only with a criterion (the workflow's guard).
        texts = [f"{title}: works on staging as agreed at the weekly sync"]
    criteria = [services.criterion_add(actor=analyst, ticket=ticket, text=text) for text in texts]
    if "self_verified" in extra:
        services.qa_exception_grant(
            actor=people[Role.DIRECTOR],
            ticket=ticket,
            person=people[Role.TESTER],
            reason=extra["self_verified"],
        )
    if tested:
        _demo_qa(engagement, ticket, status, criteria, people, extra)
    if done_at is not None:
        _date_delivery(ticket, done_at)
    for person_role, score in zip(
        (Role.DIRECTOR, Role.STAKEHOLDER), extra.get("scores", ()), strict=False
    ):
        if person_role in people:
            services.stakeholder_score_set(
                actor=people[person_role], ticket=ticket, score=score, comment=""
            )
    if "pin" in extra:
        services.ticket_pin_rank(actor=people[Role.DIRECTOR], ticket=ticket, rank=extra["pin"])
    if "comment" in extra:
        services.comment_add(actor=agency, ticket=ticket, body=extra["comment"])


def _demo_qa(
    engagement: Engagement,
    ticket: Ticket,
    status: str,
    criteria: list[AcceptanceCriterion],
    people: dict[str, User],
    extra: dict,
) -> None:
    """The tester's verdict (the separation of duties applies: see ``self_verified`` and
    ``breach``), the client's acceptance and the move to done."""
    tester, director = people[Role.TESTER], people[Role.DIRECTOR]
    passed = status == "done"
    if ticket.kind in VALUE_KINDS and ticket.effort_days is not None:
        threshold = services.scoring_settings_build(engagement=engagement, data={})
        if ticket.effort_days > threshold.impact_analysis_threshold_days:
            services.impact_analysis_set(
                actor=people.get(Role.BUSINESS_ANALYST) or people[Role.PROJECT_MANAGER],
                ticket=ticket,
                affected_areas="Checkout, order e-mails and the ERP export.",
                risk_level="medium",
            )
    if extra.get("breach"):
        services.scoring_settings_update(
            engagement=engagement, data={"separation_of_duties": False}, actor=director
        )
    services.qa_verdict_record(
        actor=tester,
        ticket=ticket,
        passed=passed,
        notes="Checked on staging." if passed else "Fails on mobile Safari.",
        results={criterion.pk: passed for criterion in criteria},
    )
    if extra.get("breach"):
        services.scoring_settings_update(
            engagement=engagement, data={"separation_of_duties": True}, actor=director
        )
    if not passed:
        return
    if ticket.kind in VALUE_KINDS:
        services.ticket_accept(actor=director, ticket=ticket)
    services.ticket_transition(actor=tester, ticket=ticket, to_status="done")


def demo_tickets_titled(engagement: Engagement, titles: Iterable[str]) -> dict[str, Ticket]:
    """The engagement's demo tickets named in the demo data by these titles, found by their
    ``DEMO-<n>`` key, so a ticket renamed since is still found; a deleted one is left out."""
    refs = {
        spec[3]: f"DEMO-{number}"
        for number, spec in enumerate(DEMO_TICKETS.get(engagement.slug, ()), start=1)
    }
    wanted = {refs[title]: title for title in titles if title in refs}
    return {
        wanted[ticket.external_ref]: ticket
        for ticket in Ticket.objects.filter(
            engagement=engagement, external_ref__in=list(wanted)
        ).select_related("engagement")
    }


def seed_tickets(
    *, engagements: Sequence[Engagement], count: int, write: Callable[[str], None]
) -> None:
    """Give each demo engagement its demo tickets (of every kind and origin, with value
    figures, sprints, criteria, QA verdicts, stakeholder scores, a pinned rank and three
    tickets delivered last quarter), filed through the backlog services and keyed
    ``DEMO-<n>`` so that a second run adds none; then ``count`` generated tickets each (the
    bulk path, for scale runs)."""
    for engagement in engagements:
        specs = DEMO_TICKETS.get(engagement.slug, ())
        people = demo_people(engagement)
        existing = set(
            Ticket.objects.filter(
                engagement=engagement, external_ref__startswith="DEMO-"
            ).values_list("external_ref", flat=True)
        )
        created = 0
        if engagement.slug in ONE_PERSON_QA:
            # One person analyses and tests: the engagement turned the rule off (its verdicts
            # count as breaches on its dashboard).
            services.scoring_settings_update(
                engagement=engagement,
                data={"separation_of_duties": False},
                actor=people[Role.DIRECTOR],
            )
        if specs:
            sprints = _demo_sprints(engagement, people[Role.PROJECT_MANAGER])
            for number, spec in enumerate(specs, start=1):
                if f"DEMO-{number}" in existing:
                    continue
                _demo_ticket(engagement, number, spec, people, sprints)
                created += 1
        write(f"{engagement.name}: {len(specs)} demo tickets, {created} created")
        if count:
            tickets_bulk_generate(
                engagement=engagement,
                reporter=people[Role.DIRECTOR],
                count=count,
                write=lambda text: write(f"  {text}"),
            )
