"""The demo strategy: each client's strategic objectives (KPI and target), the demo tickets'
alignment with them, and a roadmap over last quarter, this quarter and the next two plus the
now / next / later lanes.

Last quarter's items are delivered, except one per client that slipped (planned then and still
not delivered). Nordfer's capacity is set so that next quarter is over it. Objectives and items
are keyed on their titles, alignments on (ticket, objective) and the roadmap settings on the
engagement: a second run writes nothing, and what someone edited stays as they left it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from backlog.models import Ticket
from collab.models import Engagement, User
from roadmap.dashboard.selectors import current_quarter
from roadmap.demo.tickets import demo_people, demo_tickets_titled
from roadmap.models import (
    AlignmentLevel,
    Lane,
    RoadmapItem,
    RoadmapItemStatus,
    RoadmapSettings,
    StrategicObjective,
    TicketAlignment,
)
from roadmap.services import (
    alignment_set,
    objective_create,
    roadmap_item_create,
    roadmap_settings_update,
)
from roles.models import Role


@dataclass(frozen=True)
class DemoObjective:
    title: str
    kpi: str
    target: str
    horizon: str
    weight: str
    description: str


@dataclass(frozen=True)
class DemoItem:
    """A roadmap item: ``place`` is a quarter offset from the current one (-1 last quarter) or
    a lane; ``objectives`` index the engagement's objectives, the first one is what its tickets
    serve most (``key``), the others they support."""

    title: str
    place: int | str
    status: str
    tickets: tuple[str, ...]
    objectives: tuple[int, ...] = ()
    description: str = ""


PLANNED, IN_PROGRESS, DELIVERED = (
    RoadmapItemStatus.PLANNED,
    RoadmapItemStatus.IN_PROGRESS,
    RoadmapItemStatus.DELIVERED,
)
NOW, NEXT, LATER = Lane.NOW, Lane.NEXT, Lane.LATER

# Person-days of agency work per quarter.
CAPACITY: dict[str, Decimal] = {
    "nordfer": Decimal("45"),
    "maison-lila": Decimal("60"),
    "cave-saint-roch": Decimal("35"),
}

OBJECTIVES: dict[str, tuple[DemoObjective, ...]] = {
    "nordfer": (
        DemoObjective(
            "Grow B2B online orders",
            "B2B orders placed online",
            "+15 % by 2027",
            "2027",
            "2",
            "Buyers who order online order more often: the shop must be their easiest way in.",
        ),
        DemoObjective(
            "Move repeat orders to self-service",
            "Share of repeat orders placed online",
            "60 % by the end of 2027",
            "2027",
            "1.5",
            "Repeat orders still come by phone and e-mail; buyers should reorder on their own.",
        ),
        DemoObjective(
            "Cut the cost of handling an order",
            "Sales-office minutes per order",
            "-30 % by Q4 2027",
            "Q4 2027",
            "1",
            "Fewer orders typed again by the sales office, fewer errors to correct.",
        ),
    ),
    "maison-lila": (
        DemoObjective(
            "Grow online revenue",
            "Online revenue",
            "+35 % in two years",
            "2028",
            "2",
            "Growth without eroding margins: no deeper discounts than today.",
        ),
        DemoObjective(
            "Fewer returns",
            "Return rate",
            "From 28 % to 20 % by 2027",
            "2027",
            "1.5",
            "Most returns are a wrong size: better size guidance pays twice.",
        ),
        DemoObjective(
            "Collection launches without downtime",
            "Minutes of downtime per launch",
            "0 at every launch",
            "Every season",
            "1",
            "Four launches a year, each announced to the newsletter at 8:00.",
        ),
    ),
    "cave-saint-roch": (
        DemoObjective(
            "Double the online share of revenue",
            "Online share of revenue",
            "From 15 % to 30 % by 2028",
            "2028",
            "2",
            "The shop as our second cellar door, open all year round.",
        ),
        DemoObjective(
            "Wine subscriptions all year round",
            "Active subscribers",
            "500 by the end of 2027",
            "2027",
            "1.5",
            "Recurring revenue that evens out the seasons.",
        ),
        DemoObjective(
            "Ship alcohol lawfully to every EU country we serve",
            "Countries with checked shipping rules",
            "All 12 shipping countries by Q2 2027",
            "Q2 2027",
            "1",
            "Age checks, excise duties and carriers' rules, country by country.",
        ),
    ),
}

ROADMAP: dict[str, tuple[DemoItem, ...]] = {
    "nordfer": (
        DemoItem(
            "Company accounts for B2B buyers",
            -1,
            DELIVERED,
            (
                "Company accounts with buyer roles and spending limits",
                "Checkout in three steps for logged-in buyers",
            ),
            (0, 1),
        ),
        DemoItem(
            "Reliable ERP order export",
            -1,
            DELIVERED,
            ("Order export to the ERP stalls on Monday mornings",),
            (2,),
        ),
        DemoItem(
            "Stock per warehouse",
            -1,
            PLANNED,
            ("Stock per warehouse on the product page",),
            (0,),
            "Planned last quarter; waits for the ERP's stock feed per warehouse.",
        ),
        DemoItem(
            "Quick order and one-click reorder",
            0,
            IN_PROGRESS,
            ("Quick order by SKU list", "Reorder from the order history in one click"),
            (1, 0),
        ),
        DemoItem(
            "Negotiated prices online",
            0,
            IN_PROGRESS,
            ("Customer-specific price lists", "Tier prices ignored for quantities above 1,000"),
            (0,),
        ),
        DemoItem(
            "Adobe Commerce 2.4.8 and security patches",
            0,
            IN_PROGRESS,
            ("Upgrade Adobe Commerce to 2.4.8", "Apply the APSB25-08 security patch"),
        ),
        DemoItem(
            "Delivery date before checkout",
            0,
            PLANNED,
            (
                "Show the delivery date before checkout",
                "Which ERP fields feed the delivery lead time?",
            ),
            (0,),
        ),
        DemoItem("Punch-out to SAP Ariba", 1, PLANNED, ("Punch-out to SAP Ariba",), (0, 2)),
        DemoItem(
            "Approval workflow for large orders",
            1,
            PLANNED,
            ("Approval workflow for orders above a budget",),
            (1,),
        ),
        DemoItem(
            "Spare parts finder",
            1,
            PLANNED,
            ("Spare parts finder by machine serial number",),
            (0,),
        ),
        DemoItem(
            "Requisition lists and shared carts",
            2,
            PLANNED,
            (
                "Requisition lists shared by a whole company",
                "Can buyers share a cart with their purchasing manager?",
            ),
            (1,),
        ),
        DemoItem(
            "Two-factor login for company administrators",
            2,
            PLANNED,
            ("Enforce two-factor login for company administrators",),
        ),
        DemoItem(
            "Faster category pages and cart",
            NOW,
            PLANNED,
            (
                "Faster category pages with a Varnish tag cache",
                "Slow cart with more than 150 lines",
            ),
            (0,),
        ),
        DemoItem(
            "Self-service returns for B2B accounts",
            NEXT,
            PLANNED,
            ("Self-service returns for B2B accounts",),
            (2,),
        ),
        DemoItem(
            "Reorder reminders",
            LATER,
            PLANNED,
            ("Reorder reminders from consumption patterns",),
            (1,),
        ),
    ),
    "maison-lila": (
        DemoItem(
            "Summer sale",
            -1,
            DELIVERED,
            ("Summer sale landing pages with a countdown",),
            (0, 2),
        ),
        DemoItem(
            "Size charts per brand",
            -1,
            DELIVERED,
            ("Size chart per brand on product pages",),
            (1,),
        ),
        DemoItem(
            "Apple Pay on every iPhone",
            -1,
            DELIVERED,
            ("Apple Pay button missing on iOS 18",),
            (0,),
        ),
        DemoItem(
            "Checkout extensibility migration",
            -1,
            IN_PROGRESS,
            ("Move to Shopify checkout extensibility",),
            (2,),
            "Started last quarter, not finished: the checkout apps we rely on were not ready.",
        ),
        DemoItem(
            "Size guide with fit feedback",
            0,
            IN_PROGRESS,
            (
                "Size guide with fit feedback from returns",
                "Faster returns label in the customer account",
            ),
            (1, 0),
        ),
        DemoItem(
            "Autumn collection launch",
            0,
            IN_PROGRESS,
            ("Autumn collection launch page", "Lighter product images (AVIF)"),
            (2, 0),
        ),
        DemoItem(
            "Checkout and promotion fixes",
            0,
            IN_PROGRESS,
            (
                "Discount codes refused on sale items",
                "Newsletter pop-up covers the checkout button",
                "Stock badge shows 'last items' at 40 units",
            ),
            (0,),
        ),
        DemoItem("Shareable wishlists", 0, DELIVERED, ("Wishlist shared by e-mail",), (0,)),
        DemoItem(
            "Loyalty programme", 1, PLANNED, ("Loyalty programme with points and tiers",), (0,)
        ),
        DemoItem("Back-in-stock alerts", 1, PLANNED, ("Back-in-stock alerts by SMS",), (0,)),
        DemoItem(
            "Click and collect in the Paris boutique",
            2,
            PLANNED,
            ("Click and collect in the Paris boutique",),
            (0,),
        ),
        DemoItem(
            "Pre-orders for the next collection",
            2,
            PLANNED,
            ("Pre-orders for the next collection",),
            (0, 2),
        ),
        DemoItem("Core Web Vitals", NOW, PLANNED, ("Core Web Vitals on collection pages",), (0,)),
        DemoItem(
            "Personalised recommendations",
            NEXT,
            PLANNED,
            ("Personalised product recommendations",),
            (0,),
        ),
        DemoItem("Reviews with photos", LATER, PLANNED, ("Customer reviews with photos",), (0, 1)),
    ),
    "cave-saint-roch": (
        DemoItem(
            "Wine search by grape and region",
            -1,
            DELIVERED,
            ("Wine search by grape and region",),
            (0,),
        ),
        DemoItem("Gift messages", -1, DELIVERED, ("Gift message on every order",), (0,)),
        DemoItem(
            "Payment on older browsers",
            -1,
            DELIVERED,
            ("Payment page blank on older Safari versions",),
            (0,),
        ),
        DemoItem(
            "Age check",
            -1,
            PLANNED,
            ("Age check at first visit and at checkout",),
            (2,),
            "Planned last quarter; the age-verification provider is still to be chosen.",
        ),
        DemoItem(
            "Monthly wine subscription", 0, IN_PROGRESS, ("Monthly wine subscription",), (1, 0)
        ),
        DemoItem("Gift boxes builder", 0, IN_PROGRESS, ("Gift boxes builder",), (0,)),
        DemoItem(
            "Shipping and stock fixes",
            0,
            IN_PROGRESS,
            ("Shipping cost wrong for magnum bottles", "Stock not reserved during payment"),
            (0,),
        ),
        DemoItem(
            "Richer product pages and e-mails",
            0,
            DELIVERED,
            ("Tasting notes on product pages", "Vintage year missing in the order e-mail"),
            (0,),
        ),
        DemoItem(
            "Alcohol shipping rules per EU country",
            1,
            PLANNED,
            ("Shipping rules for alcohol per EU country", "Can we ship to Switzerland?"),
            (2, 0),
        ),
        DemoItem("PrestaShop 8.2", 1, PLANNED, ("Upgrade PrestaShop to 8.2",)),
        DemoItem(
            "Corporate gift orders", 2, PLANNED, ("Corporate gift orders with a quote",), (0,)
        ),
        DemoItem("Google Shopping feed", 2, PLANNED, ("Product feed for Google Shopping",), (0,)),
        DemoItem(
            "Payment module security patch",
            NOW,
            PLANNED,
            ("Patch the payment module vulnerability",),
        ),
        DemoItem(
            "Faster checkout for returning customers",
            NEXT,
            PLANNED,
            ("Faster checkout for returning customers",),
            (0,),
        ),
        DemoItem(
            "Cellar door events and pairing suggestions",
            LATER,
            PLANNED,
            ("Cellar door events booking", "Wine pairing suggestions"),
            (0,),
        ),
    ),
}


def _demo_tickets(engagement: Engagement, titles: Iterable[str]) -> list[Ticket]:
    """The engagement's demo tickets with these titles in the demo data, in that order, found
    by their demo key (a renamed one is still found; one deleted since is left out)."""
    wanted = list(titles)
    found = demo_tickets_titled(engagement, wanted)
    return [found[title] for title in wanted if title in found]


def _objectives(engagement: Engagement) -> tuple[list[StrategicObjective], int]:
    specs = OBJECTIVES.get(engagement.slug, ())
    existing = {o.title: o for o in StrategicObjective.objects.filter(engagement=engagement)}
    objectives, created = [], 0
    for position, spec in enumerate(specs):
        objective = existing.get(spec.title)
        if objective is None:
            objective = objective_create(
                engagement=engagement,
                title=spec.title,
                description=spec.description,
                kpi=spec.kpi,
                target=spec.target,
                horizon=spec.horizon,
                weight=Decimal(spec.weight),
                position=position,
            )
            created += 1
        objectives.append(objective)
    return objectives, created


def _alignments(
    engagement: Engagement, objectives: list[StrategicObjective], actor: User
) -> tuple[int, int]:
    """Each roadmap item's tickets serve its objectives: the first one as ``key``, the others
    as ``supports``. Returns (alignments wanted, created)."""
    pairs: dict[tuple[str, int], str] = {}
    for spec in ROADMAP.get(engagement.slug, ()):
        for title in spec.tickets:
            for rank, index in enumerate(spec.objectives):
                level = AlignmentLevel.KEY if rank == 0 else AlignmentLevel.SUPPORTS
                pairs.setdefault((title, index), level)
    tickets = demo_tickets_titled(engagement, dict.fromkeys(title for title, _i in pairs))
    existing = set(
        TicketAlignment.objects.filter(ticket__engagement=engagement).values_list(
            "ticket_id", "objective_id"
        )
    )
    created = 0
    for (title, index), level in pairs.items():
        ticket, objective = tickets.get(title), objectives[index]
        if ticket is None or (ticket.pk, objective.pk) in existing:
            continue
        alignment_set(actor=actor, ticket=ticket, objective=objective, level=level)
        created += 1
    return len(pairs), created


def seed_strategy(
    *, engagements: Iterable[Engagement], write: Callable[[str], None]
) -> dict[str, list[StrategicObjective]]:
    """Each engagement's strategic objectives and its demo tickets' alignment with them (the
    consultant sets them, the project manager without one)."""
    result = {}
    for engagement in engagements:
        objectives, created = _objectives(engagement)
        people = demo_people(engagement)
        actor = people.get(Role.CONSULTANT) or people[Role.PROJECT_MANAGER]
        wanted, aligned = _alignments(engagement, objectives, actor)
        write(
            f"{engagement.name}: {len(objectives)} objectives, {created} created; "
            f"{wanted} alignments, {aligned} created"
        )
        result[engagement.slug] = objectives
    return result


def _placement(place: int | str, now: dt.datetime) -> dict[str, str]:
    if isinstance(place, int):
        return {"quarter": str(current_quarter(now) + place)}
    return {"lane": place}


def seed_roadmap(
    *,
    engagements: Iterable[Engagement],
    objectives: dict[str, list[StrategicObjective]],
    write: Callable[[str], None],
    now: dt.datetime,
) -> None:
    """Each engagement's agency capacity (set once) and roadmap items, placed relative to the
    current quarter, linked to their demo tickets and objectives."""
    for engagement in engagements:
        if (
            engagement.slug in CAPACITY
            and not RoadmapSettings.objects.filter(engagement=engagement).exists()
        ):
            roadmap_settings_update(
                engagement=engagement,
                data={"capacity_days_per_quarter": CAPACITY[engagement.slug]},
            )
        specs = ROADMAP.get(engagement.slug, ())
        existing = set(
            RoadmapItem.objects.filter(engagement=engagement).values_list("title", flat=True)
        )
        created = 0
        for spec in specs:
            if spec.title in existing:
                continue
            roadmap_item_create(
                engagement=engagement,
                title=spec.title,
                description=spec.description,
                status=spec.status,
                objectives=[objectives[engagement.slug][index] for index in spec.objectives],
                tickets=_demo_tickets(engagement, spec.tickets),
                **_placement(spec.place, now),
            )
            created += 1
        write(f"{engagement.name}: {len(specs)} roadmap items, {created} created")
