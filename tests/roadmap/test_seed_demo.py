"""``manage.py seed_demo``: the demo agency, its teams, and the history every page shows
(tickets, objectives, roadmap, meetings, reviews, value realisation), written once."""

import datetime as dt
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings
from django.utils import timezone

from backlog.indicators import Duties, value_delivered_by_quarter
from backlog.models import QAException, QAVerdict, Sprint, Ticket, TicketHistory
from backlog.selectors import separation_of_duties_breaches
from collab.models import Engagement, Organization, User
from collab.rhythm.indicators import action_item_counts, rhythm_by_engagement
from collab.rhythm.models import ActionItem, Attendee, Meeting, Outcome
from roadmap.dashboard.selectors import current_quarter, engagement_health_list
from roadmap.models import RoadmapItem, StrategicObjective, TicketAlignment
from roadmap.reviews.diff import snapshot_diff
from roadmap.reviews.models import Review, ReviewDecision, ReviewSnapshot, ValueRealisation
from roadmap.reviews.selectors import snapshot_before, snapshot_list
from roadmap.selectors import default_board_quarters, roadmap_board
from roles.models import Role, RoleAssignment

AGENCY_ROLES = (
    Role.PROJECT_MANAGER,
    Role.CONSULTANT,
    Role.BUSINESS_ANALYST,
    Role.TESTER,
    Role.DEVELOPER,
)
SLUGS = ("nordfer", "maison-lila", "cave-saint-roch")
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def every_model_count() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def per_engagement(queryset, field: str = "engagement__slug") -> dict[str, int]:
    counts = Counter(queryset.values_list(field, flat=True))
    return {slug: counts.get(slug, 0) for slug in SLUGS}


def holders(slug: str) -> dict[str, list[str]]:
    """Role → emails of the people holding it on the engagement."""
    result: dict[str, list[str]] = {}
    for email, role in (
        RoleAssignment.objects.filter(engagement__slug=slug)
        .order_by("person__email")
        .values_list("person__email", "role")
    ):
        result.setdefault(role, []).append(email)
    return result


def engagements() -> list[Engagement]:
    return [Engagement.objects.get(slug=slug) for slug in SLUGS]


# --- Idempotency and output ----------------------------------------------------------------------


@pytest.mark.django_db
def test_running_seed_demo_twice_changes_nothing():
    seed()
    first = every_model_count()
    tickets = list(Ticket.objects.order_by("pk").values_list("pk", "version", "status"))
    meetings = list(
        Meeting.objects.order_by("pk").values_list("pk", "status", "agenda_built_at", "sequence")
    )
    reviews = list(Review.objects.order_by("pk").values_list("pk", "state", "pack_built_at"))
    assignments = list(
        RoleAssignment.objects.order_by("pk").values_list(
            "pk", "engagement_id", "person_id", "role", "allocation_percent"
        )
    )

    output = seed()

    assert every_model_count() == first
    assert {
        label: first[label]
        for label in (
            "collab.User",
            "collab.Organization",
            "collab.Engagement",
            "roles.RoleAssignment",
            "roles.Invitation",
            "backlog.Ticket",
            "roadmap.StrategicObjective",
            "roadmap.TicketAlignment",
            "roadmap.RoadmapItem",
            "roadmap.RoadmapSettings",
            "roadmap.Review",
            "roadmap.ReviewSnapshot",
            "roadmap.ValueRealisation",
        )
    } == {
        "collab.User": 14,
        "collab.Organization": 4,
        "collab.Engagement": 3,
        "roles.RoleAssignment": 21,
        "roles.Invitation": 0,
        "backlog.Ticket": 84,
        "roadmap.StrategicObjective": 9,
        "roadmap.TicketAlignment": 70,
        "roadmap.RoadmapItem": 45,
        "roadmap.RoadmapSettings": 3,
        "roadmap.Review": 6,
        "roadmap.ReviewSnapshot": 3,
        "roadmap.ValueRealisation": 16,
    }
    assert tickets == list(Ticket.objects.order_by("pk").values_list("pk", "version", "status"))
    assert meetings == list(
        Meeting.objects.order_by("pk").values_list("pk", "status", "agenda_built_at", "sequence")
    )
    assert reviews == list(
        Review.objects.order_by("pk").values_list("pk", "state", "pack_built_at")
    )
    assert assignments == list(
        RoleAssignment.objects.order_by("pk").values_list(
            "pk", "engagement_id", "person_id", "role", "allocation_percent"
        )
    )
    assert "Nordfer Industrie: 28 demo tickets, 0 created" in output
    assert "Maison Lila: 3 objectives, 0 created; 26 alignments, 0 created" in output
    assert "Cave Saint-Roch: 15 roadmap items, 0 created" in output
    assert (
        "Nordfer Industrie: 0 past syncs held, 9 meetings ahead, "
        "next sync's agenda already there" in output
    )
    assert "Maison Lila: 0 past reviews signed off, next review's pack already there" in output
    assert (
        "Value realisation: 0 done tickets noted, 0 asked of their director, 0 recorded" in output
    )


@pytest.mark.django_db
def test_demo_tickets_are_seeded_once_and_tickets_adds_generated_ones():
    output = seed()

    demo = Ticket.objects.filter(external_ref__startswith="DEMO-")
    assert per_engagement(demo) == {"nordfer": 28, "maison-lila": 28, "cave-saint-roch": 28}
    assert "Nordfer Industrie: 28 demo tickets, 28 created" in output
    assert set(demo.values_list("kind", flat=True)) == {
        "feature",
        "improvement",
        "bug",
        "platform_upgrade",
        "security",
        "question",
    }
    assert set(demo.values_list("origin", flat=True)) == {"client_request", "agency_initiative"}
    assert {"client", "agency_qa"} <= set(
        demo.filter(kind="bug").values_list("found_by", flat=True)
    )
    assert per_engagement(demo.filter(status="done")) == {
        "nordfer": 7,
        "maison-lila": 7,
        "cave-saint-roch": 5,
    }
    assert not demo.filter(status="done", qa_verdicts__isnull=True).exists()
    assert QAVerdict.objects.filter(passed=False).count() == 3
    assert Sprint.objects.filter(engagement__slug="nordfer").count() == 2
    assert list(demo.filter(needs_alignment=True).values_list("engagement__slug", "title")) == [
        ("nordfer", "Quick order by SKU list")
    ]
    assert list(
        demo.exclude(manual_rank=None)
        .order_by("title")
        .values_list("engagement__slug", "title", "manual_rank")
    ) == [
        # Pinned at the top after the size guide was: the size guide moved down one.
        ("maison-lila", "Customer reviews with photos", 1),
        ("maison-lila", "Size guide with fit feedback from returns", 2),
    ]
    first = list(Ticket.objects.order_by("pk").values_list("pk", "version", "status"))

    again = seed("--tickets", "40")

    assert "Maison Lila: 28 demo tickets, 0 created" in again
    assert "LILA: 40/40 generated tickets" in again
    assert list(demo.order_by("pk").values_list("pk", "version", "status")) == first
    assert Ticket.objects.filter(engagement__slug="cave-saint-roch").count() == 68
    numbers = Ticket.objects.filter(engagement__slug="nordfer").values_list("number", flat=True)
    assert sorted(numbers) == list(range(1, 69))


@pytest.mark.django_db
def test_seed_demo_leaves_a_renamed_demo_ticket_alone_and_completes():
    seed()
    ticket = Ticket.objects.get(
        engagement__slug="maison-lila", title="Customer reviews with photos"
    )
    Ticket.objects.filter(pk=ticket.pk).update(title="Photo reviews (renamed by the client)")

    output = seed()

    assert "[11/11] Demo logins" in output
    ticket.refresh_from_db()
    assert ticket.title == "Photo reviews (renamed by the client)"
    assert not Ticket.objects.filter(title="Customer reviews with photos").exists()


@pytest.mark.django_db
def test_the_first_start_after_seed_demo_emails_nothing_about_past_meetings(mailoutbox):
    from collab.rhythm.models import MeetingNotice
    from collab.rhythm.reminders import reminders_sweep

    seed()
    now = timezone.now()
    assert not MeetingNotice.objects.filter(state="pending", meeting__starts_at__lt=now).exists()
    assert MeetingNotice.objects.filter(meeting__status="held").exists()  # minutes, skipped

    reminders_sweep(now=now)

    assert [m.subject for m in mailoutbox if m.subject.startswith("Minutes")] == []
    past = Meeting.objects.filter(starts_at__lt=now).values_list("pk", flat=True)
    assert not any(
        f"notice.{pk}." in m.extra_headers.get("Message-ID", "") for pk in past for m in mailoutbox
    )


class TestTheSeededDemo(TestCase):
    """What a newcomer sees after one run (the demo is seeded once for the whole class; each
    test runs in a savepoint rolled back after it)."""

    @classmethod
    def setUpTestData(cls):
        # Class data is written before the autouse fixtures run: the same fast hasher here.
        with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            cls.output = seed()

    def test_seed_demo_shows_numbered_steps_and_the_logins_table(self):
        output = self.output

        headings = [
            "[1/11] Agency",
            "[2/11] People",
            "[3/11] Engagements",
            "[4/11] Roles",
            "[5/11] Tickets",
            "[6/11] Strategic objectives and alignment",
            "[7/11] Roadmap",
            "[8/11] Meetings",
            "[9/11] Time and budgets",
            "[10/11] Roadmap reviews and value realisation",
            "[11/11] Demo logins",
        ]
        positions = [output.index(heading) for heading in headings]
        assert positions == sorted(positions)
        assert (
            "Nordfer Industrie: 3 past syncs held, 9 meetings ahead, next sync's agenda prepared"
            in output
        )
        assert "Maison Lila: 2 past reviews signed off, next review's pack prepared" in output
        assert (
            "Value realisation: 16 done tickets noted, 9 asked of their director, 1 recorded"
            in output
        )
        assert "admin@atelier.example" in output
        assert "director@nordfer.example" in output
        assert "Every password: tandem-demo" in output

    # --- Agency, people and teams

    def test_the_agency_and_the_three_engagements(self):
        agency = Organization.objects.get(name="Atelier Numérique")
        assert agency.kind == Organization.Kind.AGENCY
        by_slug = {
            e.slug: e
            for e in Engagement.objects.select_related("agency", "client").order_by("slug")
        }
        assert sorted(by_slug) == ["cave-saint-roch", "maison-lila", "nordfer"]
        assert {e.slug: (e.key_prefix, e.platform, e.business_model) for e in by_slug.values()} == {
            "nordfer": ("NORD", "adobe_commerce", "b2b"),
            "maison-lila": ("LILA", "shopify_plus", "b2c"),
            "cave-saint-roch": ("CAVE", "prestashop", "b2c"),
        }
        assert {e.client.name for e in by_slug.values()} == {
            "Nordfer Industrie",
            "Maison Lila",
            "Cave Saint-Roch",
        }
        assert all(e.agency == agency and e.currency == "EUR" for e in by_slug.values())
        assert all(e.sync_time_zone == "Europe/Paris" and e.strategy for e in by_slug.values())

    def test_the_teams_show_the_three_coverage_states(self):
        admin_roles = RoleAssignment.objects.filter(person__email="admin@atelier.example")
        assert sorted(
            admin_roles.values_list("engagement__slug", "role", "allocation_percent")
        ) == [
            ("cave-saint-roch", "agency_admin", 0),
            ("maison-lila", "agency_admin", 0),
            ("nordfer", "agency_admin", 0),
        ]
        assert holders("nordfer")[Role.DIRECTOR] == ["director@nordfer.example"]
        assert holders("maison-lila")[Role.DIRECTOR] == ["director@maisonlila.example"]
        assert holders("cave-saint-roch")[Role.DIRECTOR] == ["director@cavesaintroch.example"]
        # Nordfer: healthy, every agency role held by a different person.
        nordfer = holders("nordfer")
        assert len({nordfer[role][0] for role in AGENCY_ROLES}) == 5
        assert all(len(nordfer[role]) == 1 for role in AGENCY_ROLES)
        # Maison Lila: warning, the project manager also tests.
        lila = holders("maison-lila")
        assert lila[Role.PROJECT_MANAGER] == lila[Role.TESTER] == ["claire.dubois@atelier.example"]
        others = {
            lila[role][0] for role in (Role.CONSULTANT, Role.BUSINESS_ANALYST, Role.DEVELOPER)
        }
        assert "claire.dubois@atelier.example" not in others
        # Cave Saint-Roch: critical, one person holds three roles and nobody is the consultant.
        cave = holders("cave-saint-roch")
        pm = ["nicolas.petit@atelier.example"]
        assert cave[Role.PROJECT_MANAGER] == cave[Role.BUSINESS_ANALYST] == cave[Role.TESTER] == pm
        assert Role.CONSULTANT not in cave

    def test_no_agency_person_is_over_allocated_and_every_login_uses_the_demo_password(self):
        totals: Counter[str] = Counter()
        for email, allocation in RoleAssignment.objects.values_list(
            "person__email", "allocation_percent"
        ):
            totals[email] += allocation
        assert max(totals.values()) <= 100
        people = list(User.objects.order_by("email"))
        assert len(people) == 14
        assert all(person.check_password("tandem-demo") for person in people)

    # --- Tickets

    def test_three_tickets_per_engagement_were_delivered_last_quarter(self):
        now = timezone.now()
        last = current_quarter(now) - 1

        delivered = value_delivered_by_quarter(engagements=engagements())
        assert {e.slug: delivered[e.pk][str(last)].tickets for e in engagements()} == {
            "nordfer": 3,
            "maison-lila": 3,
            "cave-saint-roch": 3,
        }
        cards = {
            card.engagement.slug: card for card in engagement_health_list(engagements=engagements())
        }
        assert all(card.delivered_last_quarter.annual_value > 0 for card in cards.values())
        moves = TicketHistory.objects.filter(
            ticket__title="Company accounts with buyer roles and spending limits",
            field="status",
            after="done",
        )
        assert [last.contains(entry.at.astimezone(dt.UTC).date()) for entry in moves] == [True]

    def test_maison_lila_shows_a_self_verification_exception_and_a_breach_nordfer_none(self):
        cards = {
            card.engagement.slug: card for card in engagement_health_list(engagements=engagements())
        }

        assert cards["maison-lila"].duties_recent == Duties(breaches=1, self_verified=1)
        assert cards["nordfer"].duties_recent == Duties()
        # Two exceptions granted: one used (self-verified), one for a ticket not tested yet.
        assert sorted(
            QAException.objects.values_list("ticket__title", "person__email", "ticket__status")
        ) == [
            ("Autumn collection launch page", "claire.dubois@atelier.example", "in_progress"),
            ("Wishlist shared by e-mail", "claire.dubois@atelier.example", "done"),
        ]
        assert list(
            separation_of_duties_breaches(
                engagement=Engagement.objects.get(slug="maison-lila")
            ).values_list("title", flat=True)
        ) == ["Wrong colour swatch on the mobile product page"]

    # --- Strategy and roadmap

    def test_every_engagement_has_objectives_with_kpi_and_target_and_aligned_tickets(self):
        objectives = StrategicObjective.objects.all()
        assert per_engagement(objectives) == {"nordfer": 3, "maison-lila": 3, "cave-saint-roch": 3}
        assert not objectives.filter(kpi="").exists()
        assert not objectives.filter(target="").exists()
        nordfer = objectives.get(engagement__slug="nordfer", position=0)
        assert (nordfer.title, nordfer.kpi, nordfer.target, nordfer.weight) == (
            "Grow B2B online orders",
            "B2B orders placed online",
            "+15 % by 2027",
            Decimal("2.00"),
        )
        assert per_engagement(TicketAlignment.objects.all()) == {
            "nordfer": 24,
            "maison-lila": 26,
            "cave-saint-roch": 20,
        }
        # Quick order is key to self-service (1.5) and supports online orders (2): 2x1.5 + 2.
        quick_order = Ticket.objects.get(title="Quick order by SKU list")
        assert quick_order.strategic_alignment == Decimal("5.00")

    def test_the_roadmap_spans_last_quarter_to_two_quarters_ahead_and_the_lanes(self):
        current = current_quarter()

        items = RoadmapItem.objects.all()
        assert per_engagement(items) == {"nordfer": 15, "maison-lila": 15, "cave-saint-roch": 15}
        placements = Counter(items.values_list("engagement__slug", "quarter", "lane", "status"))
        quarter = {offset: str(current + offset) for offset in (-1, 0, 1, 2)}
        assert {key: count for key, count in placements.items() if key[0] == "nordfer"} == {
            ("nordfer", quarter[-1], "", "delivered"): 2,
            ("nordfer", quarter[-1], "", "planned"): 1,
            ("nordfer", quarter[0], "", "in_progress"): 3,
            ("nordfer", quarter[0], "", "planned"): 1,
            ("nordfer", quarter[1], "", "planned"): 3,
            ("nordfer", quarter[2], "", "planned"): 2,
            ("nordfer", "", "now", "planned"): 1,
            ("nordfer", "", "next", "planned"): 1,
            ("nordfer", "", "later", "planned"): 1,
        }
        # Last quarter, each client has one item that slipped (planned then, not delivered).
        slipped = items.filter(quarter=quarter[-1]).exclude(status="delivered")
        assert sorted(slipped.values_list("engagement__slug", "title")) == [
            ("cave-saint-roch", "Age check"),
            ("maison-lila", "Checkout extensibility migration"),
            ("nordfer", "Stock per warehouse"),
        ]
        assert not items.filter(tickets__isnull=True).exists()
        cards = {
            card.engagement.slug: card for card in engagement_health_list(engagements=engagements())
        }
        assert {slug: card.planned.items for slug, card in cards.items()} == {
            "nordfer": 4,
            "maison-lila": 4,
            "cave-saint-roch": 4,
        }

    def test_only_nordfer_next_quarter_is_over_capacity(self):
        current = current_quarter()

        over = []
        use = {}
        for engagement in engagements():
            board = roadmap_board(
                engagement=engagement,
                quarters=default_board_quarters(current=current),
                current=current,
            )
            over += [
                (engagement.slug, column.key) for column in board.quarters if column.over_capacity
            ]
            use[engagement.slug] = [
                (column.effort_days, column.capacity_days) for column in board.quarters[:3]
            ]
        assert over == [("nordfer", str(current + 1))]
        assert use["nordfer"] == [
            (Decimal("23"), Decimal("45")),
            (Decimal("42"), Decimal("45")),
            (Decimal("51"), Decimal("45")),
        ]

    # --- Meetings

    def test_three_past_syncs_were_held_with_decisions_and_action_items(self):
        now = timezone.now()

        syncs = Meeting.objects.filter(kind=Meeting.Kind.WEEKLY_SYNC)
        held = syncs.filter(status=Meeting.Status.HELD)
        assert per_engagement(held) == {"nordfer": 3, "maison-lila": 3, "cave-saint-roch": 3}
        assert not held.filter(starts_at__gt=now).exists()
        assert not syncs.filter(status=Meeting.Status.SCHEDULED, ends_at__lte=now).exists()
        # Everybody came, except Nordfer's tester and Maison Lila's analyst once each.
        absent = Attendee.objects.filter(meeting__in=held, attended=False)
        assert sorted(absent.values_list("meeting__engagement__slug", "person__email")) == [
            ("maison-lila", "antoine.rousseau@atelier.example"),
            ("nordfer", "lea.fontaine@atelier.example"),
        ]
        assert not Attendee.objects.filter(meeting__in=held, attended__isnull=True).exists()
        decisions = Outcome.objects.filter(meeting__in=held, kind=Outcome.Kind.DECISION)
        assert per_engagement(decisions) == {"nordfer": 3, "maison-lila": 3, "cave-saint-roch": 3}
        actions = ActionItem.objects.all()
        assert per_engagement(actions.filter(status=ActionItem.Status.DONE)) == {
            "nordfer": 1,
            "maison-lila": 1,
            "cave-saint-roch": 1,
        }
        counts = action_item_counts(engagements=engagements())
        assert [(counts[e.pk].open, counts[e.pk].overdue) for e in engagements()] == [(1, 1)] * 3
        rhythm = rhythm_by_engagement(engagements=engagements(), now=now)
        assert all(rhythm[e.pk].last_sync is not None for e in engagements())

    def test_the_next_eight_syncs_and_review_are_scheduled_and_the_next_agenda_is_prepared(self):
        now = timezone.now()

        ahead = Meeting.objects.filter(status=Meeting.Status.SCHEDULED, starts_at__gt=now)
        assert per_engagement(ahead.filter(kind=Meeting.Kind.WEEKLY_SYNC)) == {
            "nordfer": 8,
            "maison-lila": 8,
            "cave-saint-roch": 8,
        }
        assert per_engagement(ahead.filter(kind=Meeting.Kind.ROADMAP_REVIEW)) == {
            "nordfer": 1,
            "maison-lila": 1,
            "cave-saint-roch": 1,
        }
        for engagement in engagements():
            upcoming = ahead.filter(engagement=engagement, kind=Meeting.Kind.WEEKLY_SYNC)
            first = upcoming.order_by("starts_at").first()
            assert first.agenda_built_at is not None
            assert first.agenda_items.exists()
            assert not upcoming.exclude(pk=first.pk).filter(agenda_built_at__isnull=False).exists()

    # --- Reviews and value realisation

    def test_past_reviews_are_signed_off_and_the_next_one_is_preparing(self):
        now = timezone.now()

        signed = Review.objects.filter(state="signed_off")
        assert per_engagement(signed) == {"nordfer": 1, "maison-lila": 2, "cave-saint-roch": 0}
        assert per_engagement(ReviewSnapshot.objects.all()) == {
            "nordfer": 1,
            "maison-lila": 2,
            "cave-saint-roch": 0,
        }
        assert per_engagement(
            Review.objects.filter(state="preparing", meeting__starts_at__gt=now)
        ) == {
            "nordfer": 1,
            "maison-lila": 1,
            "cave-saint-roch": 1,
        }
        assert not signed.exclude(meeting__status=Meeting.Status.HELD).exists()
        assert not signed.filter(meeting__ends_at__gt=now).exists()
        assert per_engagement(ReviewDecision.objects.all()) == {
            "nordfer": 2,
            "maison-lila": 4,
            "cave-saint-roch": 0,
        }
        rhythm = rhythm_by_engagement(engagements=engagements(), now=now)
        nordfer, lila, _cave = engagements()
        assert rhythm[nordfer.pk].last_review is not None
        assert rhythm[lila.pk].missed_review is None

    def test_the_roles_were_held_before_the_first_past_meeting(self):
        first_meeting = Meeting.objects.order_by("starts_at").first()
        starts = set(RoleAssignment.objects.values_list("start_date", flat=True))

        # One partnership start for everyone, the first of a month, before anything happened.
        assert len(starts) == 1
        (since,) = starts
        assert since.day == 1
        assert since < first_meeting.starts_at.date()
        assert not RoleAssignment.objects.exclude(end_date=None).exists()

    def test_maison_lila_last_review_differs_from_the_one_before(self):
        latest = snapshot_list(engagement=Engagement.objects.get(slug="maison-lila")).first()
        before = snapshot_before(snapshot=latest)
        assert before is not None
        assert before.review.period_end == latest.review.period_start

        def rank(snapshot: ReviewSnapshot, title: str) -> int:
            return next(row["rank"] for row in snapshot.data["backlog"] if row["title"] == title)

        # The director pinned it to the top between the two reviews: it climbed.
        assert rank(latest, "Customer reviews with photos") <= 2
        assert rank(before, "Customer reviews with photos") > 2
        # The size guide was pulled forward a quarter and started; Apple Pay was delivered.
        diff = snapshot_diff(before.data, latest.data)
        this_quarter = current_quarter(timezone.now())
        assert [(m.title, m.before, m.after) for m in diff.items_moved] == [
            ("Size guide with fit feedback", str(this_quarter + 1), str(this_quarter))
        ]
        assert [(c.title, c.before, c.after) for c in diff.item_status_changes] == [
            ("Apple Pay on every iPhone", "in_progress", "delivered"),
            ("Size guide with fit feedback", "planned", "in_progress"),
        ]

    def test_the_pack_and_the_diff_agree_on_value_delivered(self):
        for slug in ("nordfer", "maison-lila"):
            latest = snapshot_list(engagement=Engagement.objects.get(slug=slug)).first()
            before = snapshot_before(snapshot=latest)
            if before is None:
                continue
            pack_total = Decimal(latest.review.pack["value_delivered"]["total"])
            assert snapshot_diff(before.data, latest.data).value_delivered == pack_total, slug

    def test_value_realisation_is_asked_for_last_quarter_deliveries_and_one_is_recorded(self):
        realisations = ValueRealisation.objects.all()
        assert per_engagement(realisations.filter(requested_at__isnull=False)) == {
            "nordfer": 3,
            "maison-lila": 3,
            "cave-saint-roch": 3,
        }
        recorded = realisations.filter(recorded_at__isnull=False)
        assert list(
            recorded.values_list("ticket__title", "realised_annual_value", "recorded_by__email")
        ) == [
            (
                "Company accounts with buyer roles and spending limits",
                Decimal("152000.00"),
                "director@nordfer.example",
            )
        ]


# --- Other dates and refusals --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment",
    [
        # A Monday morning on the first day of a quarter, before Cave Saint-Roch's sync.
        dt.datetime(2027, 1, 4, 7, 0, tzinfo=dt.UTC),
        # Three weeks into a quarter: the scheduler running three weeks ago scheduled this
        # quarter's reviews, now past (Cave Saint-Roch's cannot be signed off: no consultant).
        dt.datetime(2027, 1, 20, 12, 0, tzinfo=dt.UTC),
        # Late on the last day of a quarter, across a daylight-saving change in the window.
        dt.datetime(2027, 3, 31, 22, 0, tzinfo=dt.UTC),
    ],
)
def test_the_demo_is_the_same_whatever_the_date(moment):
    with time_machine.travel(moment, tick=False):
        seed()
        again = every_model_count()
        seed()
        assert every_model_count() == again
        cards = engagement_health_list(engagements=engagements())

    held = Meeting.objects.filter(kind=Meeting.Kind.WEEKLY_SYNC, status=Meeting.Status.HELD)
    assert per_engagement(held) == {"nordfer": 3, "maison-lila": 3, "cave-saint-roch": 3}
    assert per_engagement(Review.objects.filter(state="signed_off")) == {
        "nordfer": 1,
        "maison-lila": 2,
        "cave-saint-roch": 0,
    }
    assert [card.delivered_last_quarter.tickets for card in cards] == [3, 3, 3]
    assert [card.planned.items for card in cards] == [4, 4, 4]
    assert [card.action_items.overdue for card in cards] == [1, 1, 1]
    assert all(card.rhythm.missed_review is None for card in cards[:2])


@pytest.mark.django_db
def test_a_negative_tickets_count_is_refused():
    before = every_model_count()

    with pytest.raises(CommandError, match=r"--tickets must be 0 or more\."):
        seed("--tickets", "-1")

    assert every_model_count() == before
    assert Engagement.objects.count() == 0
