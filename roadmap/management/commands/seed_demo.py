"""``manage.py seed_demo``: the demo agency, its three clients and their teams, and enough of
their history for every page to have something to show: tickets (some delivered last quarter),
strategic objectives and alignments, a roadmap over four quarters and three lanes, held weekly
syncs with decisions and action items, upcoming meetings with a prepared agenda, signed-off
roadmap reviews, and value realisation (steps 5 to 10 live in ``roadmap.demo``).

Idempotent: people are looked up by email, organizations by name, engagements by slug, tickets
by external reference, objectives and roadmap items by title, meetings by their date, so a
second run creates nothing and changes nothing (an edited demo engagement keeps its edits).
The three teams show the three role-coverage states: Nordfer Industrie is healthy, Maison Lila
has a warning (its project manager also tests) and Cave Saint-Roch is critical (one person
holds three roles and nobody is the consultant).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from collab.models import BusinessModel, Engagement, Organization, Platform, ReviewCadence, User
from collab.models import Weekday as Day
from collab.services import engagement_create
from roadmap.demo.budgets import seed_budgets
from roadmap.demo.meetings import past_meeting_notices_skip, seed_meetings
from roadmap.demo.reviews import seed_reviews
from roadmap.demo.strategy import seed_roadmap, seed_strategy
from roadmap.demo.tickets import seed_tickets
from roadmap.demo.time import seed_time
from roles.models import Role, RoleAssignment
from roles.services import role_assignment_create

DEMO_PASSWORD = "tandem-demo"  # noqa: S105 - published demo credentials, local data only
AGENCY_NAME = "Atelier Numérique"
ADMIN_EMAIL = "admin@atelier.example"
# The partnerships began this many months before the seed: the roles were held when the past
# reviews and syncs of the demo took place.
PARTNERSHIP_MONTHS = 18


@dataclass(frozen=True)
class DemoPerson:
    email: str
    display_name: str
    organization: str
    language: str = "en"
    time_zone: str = "Europe/Paris"


@dataclass(frozen=True)
class DemoEngagement:
    client_name: str
    slug: str
    key_prefix: str
    fields: dict[str, Any]
    # (email, role, allocation %) — the team on this engagement, besides the agency admin.
    team: tuple[tuple[str, Role, int], ...]


PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson(ADMIN_EMAIL, "Camille Lefèvre", AGENCY_NAME),
    DemoPerson("julien.moreau@atelier.example", "Julien Moreau", AGENCY_NAME),
    DemoPerson("sophie.marchand@atelier.example", "Sophie Marchand", AGENCY_NAME),
    DemoPerson("thomas.girard@atelier.example", "Thomas Girard", AGENCY_NAME),
    DemoPerson("lea.fontaine@atelier.example", "Léa Fontaine", AGENCY_NAME),
    DemoPerson("lukas.becker@atelier.example", "Lukas Becker", AGENCY_NAME, "en", "Europe/Berlin"),
    DemoPerson("claire.dubois@atelier.example", "Claire Dubois", AGENCY_NAME, "fr"),
    DemoPerson("antoine.rousseau@atelier.example", "Antoine Rousseau", AGENCY_NAME),
    DemoPerson(
        "marta.kowalska@atelier.example", "Marta Kowalska", AGENCY_NAME, "en", "Europe/Warsaw"
    ),
    DemoPerson("nicolas.petit@atelier.example", "Nicolas Petit", AGENCY_NAME, "fr"),
    DemoPerson("director@nordfer.example", "Hélène Vasseur", "Nordfer Industrie"),
    DemoPerson("karim.benali@nordfer.example", "Karim Benali", "Nordfer Industrie"),
    DemoPerson("director@maisonlila.example", "Inès Laurent", "Maison Lila"),
    DemoPerson("director@cavesaintroch.example", "Bernard Roch", "Cave Saint-Roch", "fr"),
)

ENGAGEMENTS: tuple[DemoEngagement, ...] = (
    DemoEngagement(
        client_name="Nordfer Industrie",
        slug="nordfer",
        key_prefix="NORD",
        fields={
            "name": "Nordfer Industrie",
            "platform": Platform.ADOBE_COMMERCE,
            "business_model": BusinessModel.B2B,
            "currency": "EUR",
            "client_hourly_cost": Decimal("58.00"),
            "agency_day_rate": Decimal("850.00"),
            "strategy": (
                "Move 60 % of repeat orders from phone and email to self-service B2B ordering "
                "by the end of 2027: customer-specific price lists, quick order by SKU, "
                "punch-out to our buyers' procurement systems and reliable stock per warehouse."
            ),
            "sync_weekday": Day.TUESDAY,
            "sync_time": datetime.time(10, 0),
            "sync_time_zone": "Europe/Paris",
            "sync_duration_minutes": 45,
            "review_cadence": ReviewCadence.QUARTERLY,
        },
        team=(
            ("director@nordfer.example", Role.DIRECTOR, 20),
            ("karim.benali@nordfer.example", Role.STAKEHOLDER, 10),
            ("julien.moreau@atelier.example", Role.PROJECT_MANAGER, 50),
            ("sophie.marchand@atelier.example", Role.CONSULTANT, 40),
            ("thomas.girard@atelier.example", Role.BUSINESS_ANALYST, 60),
            ("lea.fontaine@atelier.example", Role.TESTER, 50),
            ("lukas.becker@atelier.example", Role.DEVELOPER, 80),
        ),
    ),
    DemoEngagement(
        client_name="Maison Lila",
        slug="maison-lila",
        key_prefix="LILA",
        fields={
            "name": "Maison Lila",
            "platform": Platform.SHOPIFY_PLUS,
            "business_model": BusinessModel.B2C,
            "currency": "EUR",
            "client_hourly_cost": Decimal("45.00"),
            "agency_day_rate": Decimal("720.00"),
            "strategy": (
                "Grow online revenue by 35 % in two years without eroding margins: fewer "
                "returns thanks to better size guidance, a loyalty programme for repeat "
                "customers, and seasonal collection launches with no downtime."
            ),
            "sync_weekday": Day.THURSDAY,
            "sync_time": datetime.time(14, 0),
            "sync_time_zone": "Europe/Paris",
            "sync_duration_minutes": 30,
            "review_cadence": ReviewCadence.QUARTERLY,
        },
        team=(
            ("director@maisonlila.example", Role.DIRECTOR, 30),
            ("claire.dubois@atelier.example", Role.PROJECT_MANAGER, 40),
            ("claire.dubois@atelier.example", Role.TESTER, 30),
            ("sophie.marchand@atelier.example", Role.CONSULTANT, 30),
            ("antoine.rousseau@atelier.example", Role.BUSINESS_ANALYST, 40),
            ("marta.kowalska@atelier.example", Role.DEVELOPER, 100),
        ),
    ),
    DemoEngagement(
        client_name="Cave Saint-Roch",
        slug="cave-saint-roch",
        key_prefix="CAVE",
        fields={
            "name": "Cave Saint-Roch",
            "platform": Platform.PRESTASHOP,
            "business_model": BusinessModel.B2C,
            "currency": "EUR",
            "client_hourly_cost": Decimal("35.00"),
            "agency_day_rate": Decimal("620.00"),
            "strategy": (
                "Make the online shop our second cellar door: wine subscriptions and gift "
                "boxes all year round, online sales rising from 15 % to 30 % of revenue, and "
                "age checks and alcohol shipping rules respected in every EU country we ship to."
            ),
            "sync_weekday": Day.MONDAY,
            "sync_time": datetime.time(9, 30),
            "sync_time_zone": "Europe/Paris",
            "sync_duration_minutes": 30,
            "review_cadence": ReviewCadence.HALF_YEARLY,
        },
        team=(
            ("director@cavesaintroch.example", Role.DIRECTOR, 15),
            ("nicolas.petit@atelier.example", Role.PROJECT_MANAGER, 20),
            ("nicolas.petit@atelier.example", Role.BUSINESS_ANALYST, 15),
            ("nicolas.petit@atelier.example", Role.TESTER, 15),
            ("lukas.becker@atelier.example", Role.DEVELOPER, 20),
        ),
    ),
)

STEPS = 11


class Command(BaseCommand):
    help = (
        "Create the demo agency Atelier Numérique, its three clients and their teams, with a "
        "lived-in history: tickets, objectives, roadmap, held and upcoming meetings, signed-off "
        f"reviews (every password: {DEMO_PASSWORD}). Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--tickets",
            type=int,
            default=None,
            metavar="N",
            help="Also add N generated tickets per engagement, for scale runs (each run adds N).",
        )

    def handle(self, *args: Any, tickets: int | None = None, **options: Any) -> None:
        if tickets is not None and tickets < 0:
            raise CommandError("--tickets must be 0 or more.")
        with transaction.atomic():
            agency = self._agency()
            people = self._people()
            engagements = self._engagements(agency)
            self._teams(engagements, people)
            demo = list(engagements.values())
            now = timezone.now()
            self._step(5, "Tickets")
            seed_tickets(engagements=demo, count=tickets or 0, write=self._line)
            self._step(6, "Strategic objectives and alignment")
            objectives = seed_strategy(engagements=demo, write=self._line)
            self._step(7, "Roadmap")
            seed_roadmap(engagements=demo, objectives=objectives, write=self._line, now=now)
            self._step(8, "Meetings")
            seed_meetings(engagements=demo, write=self._line, now=now)
            # Time before the reviews: a review's pack reads the hours logged (observed roles,
            # actual against estimate).
            self._step(9, "Time and budgets")
            seed_time(engagements=demo, write=self._line, now=now)
            seed_budgets(engagements=demo, write=self._line, now=now)
            self._step(10, "Roadmap reviews and value realisation")
            seed_reviews(engagements=demo, write=self._line, now=now)
            quiet = past_meeting_notices_skip(engagements=demo, now=timezone.now())
            self._line(f"{quiet} emails about meetings already past left unsent")
        self._step(11, "Demo logins")
        self._logins(people, engagements)

    def _step(self, number: int, title: str) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING(f"[{number}/{STEPS}] {title}"))

    def _line(self, text: str) -> None:
        self.stdout.write(f"      {text}")

    @staticmethod
    def _state(created: bool) -> str:
        return "created" if created else "already there"

    def _agency(self) -> Organization:
        self._step(1, "Agency")
        agency, created = Organization.objects.get_or_create(
            name=AGENCY_NAME, defaults={"kind": Organization.Kind.AGENCY}
        )
        if agency.kind != Organization.Kind.AGENCY:
            raise CommandError(f"“{AGENCY_NAME}” exists but is not an agency.")
        self._line(f"{AGENCY_NAME}: {self._state(created)}")
        return agency

    def _people(self) -> dict[str, User]:
        self._step(2, "People")
        organizations = {}
        for client_name in {p.organization for p in PEOPLE} - {AGENCY_NAME}:
            organizations[client_name], _ = Organization.objects.get_or_create(
                name=client_name, defaults={"kind": Organization.Kind.CLIENT}
            )
        organizations[AGENCY_NAME] = Organization.objects.get(name=AGENCY_NAME)
        people: dict[str, User] = {}
        created_count = 0
        for spec in PEOPLE:
            person = User.objects.filter(email=spec.email).first()
            if person is None:
                person = User.objects.create_user(
                    email=spec.email,
                    password=DEMO_PASSWORD,
                    display_name=spec.display_name,
                    organization=organizations[spec.organization],
                    language=spec.language,
                    time_zone=spec.time_zone,
                    # The agency admin also runs the Django admin of the demo.
                    is_staff=spec.email == ADMIN_EMAIL,
                    is_superuser=spec.email == ADMIN_EMAIL,
                )
                created_count += 1
            people[spec.email] = person
        self._line(f"{len(PEOPLE)} people, {created_count} created")
        return people

    def _engagements(self, agency: Organization) -> dict[str, Engagement]:
        self._step(3, "Engagements")
        engagements: dict[str, Engagement] = {}
        for spec in ENGAGEMENTS:
            engagement = Engagement.objects.filter(slug=spec.slug).first()
            created = engagement is None
            if engagement is None:
                engagement = engagement_create(
                    agency=agency,
                    client_name=spec.client_name,
                    slug=spec.slug,
                    key_prefix=spec.key_prefix,
                    **spec.fields,
                )
            engagements[spec.slug] = engagement
            self._line(
                f"{engagement.key_prefix} {engagement.name} "
                f"({engagement.get_platform_display()}): {self._state(created)}"
            )
        return engagements

    def _teams(self, engagements: dict[str, Engagement], people: dict[str, User]) -> None:
        self._step(4, "Roles")
        admin = people[ADMIN_EMAIL]
        today = timezone.localdate()
        year, month = divmod(today.year * 12 + today.month - 1 - PARTNERSHIP_MONTHS, 12)
        since = datetime.date(year, month + 1, 1)
        for spec in ENGAGEMENTS:
            engagement = engagements[spec.slug]
            team = ((ADMIN_EMAIL, Role.AGENCY_ADMIN, 0), *spec.team)
            created_count = 0
            for email, role, allocation in team:
                person = admin if email == ADMIN_EMAIL else people[email]
                if RoleAssignment.objects.filter(
                    engagement=engagement, person=person, role=role
                ).exists():
                    continue
                role_assignment_create(
                    engagement=engagement,
                    person=person,
                    role=role,
                    allocation_percent=allocation,
                    start_date=since,
                )
                created_count += 1
            self._line(f"{engagement.name}: {len(team)} roles, {created_count} created")

    def _logins(self, people: dict[str, User], engagements: dict[str, Engagement]) -> None:
        prefixes = {engagement.pk: engagement.key_prefix for engagement in engagements.values()}
        assignments = (
            RoleAssignment.objects.filter(
                person__in=people.values(), engagement__in=engagements.values()
            )
            .select_related("person", "engagement")
            .order_by("engagement__name")
        )
        role_order = {role: index for index, role in enumerate(Role.values)}
        roles_by_person: dict[int, list[str]] = {}
        for assignment in sorted(
            assignments, key=lambda a: (a.engagement.name, role_order[a.role])
        ):
            roles_by_person.setdefault(assignment.person_id, []).append(
                f"{prefixes[assignment.engagement_id]} {assignment.get_role_display()}"
            )
        rows = [
            (
                spec.email,
                people[spec.email].display_name,
                ", ".join(roles_by_person.get(people[spec.email].pk, [])),
            )
            for spec in PEOPLE
        ]
        headers = ("Login", "Name", "Roles")
        widths = [max(len(row[i]) for row in (headers, *rows)) for i in range(len(headers))]

        def line(cells: Sequence[str]) -> str:
            return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

        self.stdout.write(line(headers).rstrip())
        self.stdout.write(line(["-" * width for width in widths]))
        for row in rows:
            self.stdout.write(line(row).rstrip())
        self.stdout.write(self.style.SUCCESS(f"Every password: {DEMO_PASSWORD}"))
