"""Filing many tickets at once: the same rules as one at a time, in a number of queries that
does not grow with the rows, all or nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from backlog import services
from backlog.models import Label, Ticket, TicketCounter, TicketHistory
from backlog.transfer.csv_import import RowError, tickets_import
from roles.models import Role
from tests.backlog.factories import SprintFactory, TicketFactory
from tests.factories import EngagementFactory, RoleAssignmentFactory, UserFactory, member

pytestmark = pytest.mark.django_db
CREATED = datetime.datetime(2024, 3, 12, 10, 15, tzinfo=datetime.UTC)


def snapshot() -> tuple:
    return (
        list(Ticket.objects.order_by("pk").values()),
        list(Label.objects.order_by("pk").values()),
        list(TicketHistory.objects.order_by("pk").values()),
        list(TicketCounter.objects.order_by("pk").values()),
    )


@pytest.fixture
def team():
    """Two engagements with the same people in the same roles (and the same policy), and no
    one holding the consultant or tester role: questions and bugs go unrouted."""
    pm, analyst, developer, former = (UserFactory() for _n in range(4))
    engagements = [EngagementFactory(key_prefix="ONE"), EngagementFactory(key_prefix="TWO")]
    for engagement in engagements:
        RoleAssignmentFactory(engagement=engagement, person=pm, role=Role.PROJECT_MANAGER)
        RoleAssignmentFactory(engagement=engagement, person=analyst, role=Role.BUSINESS_ANALYST)
        RoleAssignmentFactory(engagement=engagement, person=developer, role=Role.DEVELOPER)
        RoleAssignmentFactory(
            engagement=engagement,
            person=former,
            role=Role.DEVELOPER,
            start_date=datetime.date(2020, 1, 1),
            end_date=datetime.date(2020, 12, 31),
        )
        services.responsibility_policy_update(
            engagement=engagement, routing={"platform_upgrade": "project_manager"}
        )
        Label.objects.create(engagement=engagement, name="checkout")
    return engagements, {"pm": pm, "analyst": analyst, "developer": developer, "former": former}


def rows_for(engagement, people) -> list[dict]:
    sprint = SprintFactory(engagement=engagement, name="Sprint 1")
    return [
        {"title": "Quick order", "kind": "feature", "labels": ["b2b", " checkout ", "b2b", ""]},
        {"title": "Crash on Safari", "kind": "bug", "severity": "critical", "labels": ["b2b"]},
        {"title": "Which carrier?", "kind": "question", "reporter": people["former"]},
        {
            "title": "Upgrade Shopify",
            "kind": "platform_upgrade",
            "status": "ready",
            "created_at": CREATED,
            "external_ref": "SHOP-7",
            "effort_days": Decimal("3.5"),
        },
        {
            "title": "Faster search",
            "kind": "improvement",
            "assignee": people["developer"],
            "sprint": sprint,
            "labels": [Label.objects.get(engagement=engagement, name="checkout"), "search"],
        },
        {"title": "Alerts by SMS", "kind": "security", "assignee": None},
    ]


def outcome(engagement) -> list[tuple]:
    return [
        (
            ticket.number,
            ticket.title,
            ticket.kind,
            ticket.status,
            ticket.reporter_id,
            ticket.assignee_id,
            ticket.responsible_role,
            ticket.unrouted,
            ticket.sprint.name if ticket.sprint else None,
            ticket.external_ref,
            ticket.effort_days,
            ticket.created_at if ticket.created_at == CREATED else "now",
            sorted(label.name for label in ticket.labels.all()),
            [
                (entry.field, entry.before, entry.after, entry.note, entry.actor_id)
                for entry in ticket.history.all()
            ],
        )
        for ticket in Ticket.objects.filter(engagement=engagement)
        .select_related("sprint")
        .prefetch_related("labels", "history")
        .order_by("number")
    ]


def test_filing_a_batch_gives_exactly_what_filing_one_at_a_time_gives(team):
    (one, two), people = team
    pm = people["pm"]

    singly = [
        services.ticket_create(actor=pm, engagement=one, **row) for row in rows_for(one, people)
    ]
    batch = services.ticket_create_many(actor=pm, engagement=two, rows=rows_for(two, people))

    assert [t.key for t in singly] == [f"ONE-{n}" for n in range(1, 7)]
    assert [t.key for t in batch] == [f"TWO-{n}" for n in range(1, 7)]
    assert outcome(two) == outcome(one)
    expected = outcome(one)
    # Routing: the analyst takes the feature and the improvement its assignee kept, the policy
    # sends the upgrade to the PM, nobody takes the bug, the question or the security ticket.
    assert [(row[6], row[5], row[7]) for row in expected] == [
        ("business_analyst", people["analyst"].pk, False),
        ("tester", None, True),
        ("consultant", None, True),
        ("project_manager", pm.pk, False),
        ("business_analyst", people["developer"].pk, False),
        ("consultant", None, True),
    ]
    assert expected[2][4] == people["former"].pk  # a past role is enough to be the reporter
    assert [row[12] for row in expected] == [
        ["b2b", "checkout"],
        ["b2b"],
        [],
        [],
        ["checkout", "search"],
        [],
    ]
    assert expected[1][13] == [
        (
            "routing",
            "",
            "unrouted",
            "Nobody holds the role Tester on this engagement; the project manager routes it.",
            pm.pk,
        )
    ]
    # The upgrade was filed with its effort: the history keeps who stated it.
    assert expected[3][13] == [
        ("value_stated", "", '{"confidence": "medium", "effort_days": "3.50"}', "", pm.pk)
    ]
    assert [row[13] for row in expected].count([]) == 2
    for engagement in (one, two):
        assert sorted(
            Label.objects.filter(engagement=engagement).values_list("name", flat=True)
        ) == [
            "b2b",
            "checkout",
            "search",
        ]
        assert TicketCounter.objects.get(engagement=engagement).last_number == 6


@pytest.mark.parametrize("size", [10, 200])
def test_a_batch_costs_the_same_queries_whatever_its_size(team, django_assert_num_queries, size):
    (engagement, _two), people = team
    sprint = SprintFactory(engagement=engagement)
    rows = [
        {
            "title": f"Ticket {n}",
            "kind": ("feature", "bug", "question", "platform_upgrade")[n % 4],
            "reporter": people["former"],
            "assignee": people["developer"] if n % 3 == 0 else None,
            "sprint": sprint,
            "external_ref": f"EXT-{n}",
            "labels": ["checkout", "new", f"tag-{n % 2}"],
        }
        for n in range(size)
    ]

    # Savepoint, members, reporters, sprints, policy, holders, the counter (one upsert),
    # references, labels (3), tickets, their labels, history, their ranking (medians lock,
    # settings, one UPDATE … FROM; no effort, so the medians cannot move), webhooks subscribed
    # (none here), release.
    with django_assert_num_queries(19):
        tickets = services.ticket_create_many(actor=people["pm"], engagement=engagement, rows=rows)

    assert len(tickets) == size
    assert Ticket.objects.filter(engagement=engagement).count() == size
    assert TicketHistory.objects.filter(engagement=engagement).count() == size // 2
    assert Ticket.labels.through.objects.filter(ticket__engagement=engagement).count() == 3 * size


@pytest.mark.parametrize("size", [10, 200])
def test_an_import_costs_the_same_queries_whatever_its_size(
    engagement, admin_user, director, django_assert_num_queries, size
):
    lines = [
        f"Ticket {n},JIRA-{n},{('Story', 'Bug', 'Task')[n % 3]},To Do,"
        f"{director.email if n % 2 else ''},12/Mar/24 10:15 AM,a,b{n % 2}\n"
        for n in range(1, size + 1)
    ]
    data = "Summary,Issue key,Issue Type,Status,Reporter,Created,Labels,Labels\n" + "".join(lines)

    # Reading (members, sprints, references, numbers, the workflow settings and whether there
    # is a tester, for the guards), then one batch of filing: savepoints, reporters, policy,
    # holders, the counter (one upsert), references, labels (3), tickets, their labels, history,
    # their ranking (3: no effort, so the medians cannot move), webhooks subscribed (none here),
    # releases.
    with django_assert_num_queries(25):
        report = tickets_import(actor=admin_user, engagement=engagement, data=data.encode())

    assert report.errors == []
    assert report.created == [f"NORD-{n}" for n in range(1, size + 1)]
    assert Ticket.objects.get(external_ref="JIRA-1").reporter == director


def test_every_bad_row_of_a_batch_is_named_and_nothing_is_written(team):
    (engagement, other), people = team
    stranger = UserFactory()
    services.ticket_create(actor=people["pm"], engagement=engagement, title="Old", kind="bug")
    before = snapshot()

    with pytest.raises(services.TicketRowsRefused) as refused:
        services.ticket_create_many(
            actor=people["pm"],
            engagement=engagement,
            rows=[
                {"title": "Fine", "kind": "feature", "labels": ["fresh"]},
                {"title": "Foreign", "kind": "feature", "assignee": stranger},
                {"title": "", "kind": "feature", "effort_days": Decimal("-1")},
                {"title": "Long label", "kind": "feature", "labels": ["x" * 51]},
                {"title": "Kindless", "kind": "chore"},
                {"title": "Their sprint", "kind": "bug", "sprint": SprintFactory(engagement=other)},
                {"title": "Stranger", "kind": "bug", "reporter": stranger},
                {"title": "Fine too", "kind": "question"},
            ],
        )

    assert {index: error.message_dict for index, error in refused.value.rows.items()} == {
        1: {"assignee": ["This person holds no role on this engagement."]},
        2: {
            "title": ["This field cannot be blank."],
            "effort_days": ["Ensure this value is greater than or equal to 0.01."],
        },
        3: {"labels": ["A label has at most 50 characters."]},
        4: {"kind": ["Choose a kind of ticket."]},
        5: {"sprint": ["This belongs to another engagement."]},
        6: {"reporter": ["This person holds no role on this engagement."]},
    }
    assert snapshot() == before


def test_an_external_reference_already_taken_is_refused_in_a_batch_or_alone(team):
    (engagement, other), people = team
    TicketFactory(engagement=engagement, external_ref="SHOP-1")
    TicketFactory(engagement=other, external_ref="SHOP-2")
    before = snapshot()

    with pytest.raises(services.TicketRowsRefused) as refused:
        services.ticket_create_many(
            actor=people["pm"],
            engagement=engagement,
            rows=[
                {"title": "A", "kind": "feature", "external_ref": "SHOP-1"},
                {"title": "B", "kind": "feature", "external_ref": "SHOP-2"},
                {"title": "C", "kind": "feature", "external_ref": "SHOP-2"},
            ],
        )
    with pytest.raises(ValidationError) as alone:
        services.ticket_create(
            actor=people["pm"],
            engagement=engagement,
            title="A",
            kind="feature",
            external_ref="SHOP-1",
        )

    taken = {"external_ref": ["Another ticket of this engagement has this external reference."]}
    assert {index: error.message_dict for index, error in refused.value.rows.items()} == {
        0: taken,
        2: taken,
    }
    assert alone.value.message_dict == taken
    assert snapshot() == before


def test_a_reference_imported_between_the_check_and_the_writing_refuses_the_import(
    engagement, admin_user
):
    data = b"Summary,Issue key,Issue Type\nFirst,SHOP-1,Story\nSecond,SHOP-2,Bug\n"

    def meanwhile(stage, done, total):
        if stage == "validated" and done == total:
            TicketFactory(engagement=engagement, external_ref="SHOP-2", title="Faster")

    report = tickets_import(actor=admin_user, engagement=engagement, data=data, progress=meanwhile)

    assert report.errors == [RowError(3, "external_ref", "“SHOP-2” was imported meanwhile.")]
    assert report.created == []
    assert list(Ticket.objects.values_list("title", flat=True)) == ["Faster"]
    assert TicketCounter.objects.get(engagement=engagement).last_number == 1


def test_an_import_larger_than_a_batch_keeps_consecutive_keys_and_one_progress_per_batch(
    engagement, admin_user
):
    member(engagement, Role.TESTER)
    rows = "".join(f"Ticket {n},BIG-{n},Bug\n" for n in range(1, 1202))
    seen = []

    report = tickets_import(
        actor=admin_user,
        engagement=engagement,
        data=("Summary,Issue key,Issue Type\n" + rows).encode(),
        progress=lambda stage, done, total: seen.append((stage, done, total)),
    )

    assert [entry for entry in seen if entry[0] == "written"] == [
        ("written", 500, 1201),
        ("written", 1000, 1201),
        ("written", 1201, 1201),
    ]
    assert report.created == [f"NORD-{n}" for n in range(1, 1202)]
    numbers = dict(Ticket.objects.values_list("external_ref", "number"))
    assert all(numbers[f"BIG-{n}"] == n for n in range(1, 1202))
    assert not Ticket.objects.filter(unrouted=True).exists()


def test_a_sprint_deleted_meanwhile_is_refused_like_a_missing_reference(engagement, admin_user):
    sprint = SprintFactory(engagement=engagement)
    sprint.__class__.objects.filter(pk=sprint.pk).delete()
    before = snapshot()

    with pytest.raises(ValidationError) as error:
        services.ticket_create(
            actor=admin_user, engagement=engagement, title="Late", kind="feature", sprint=sprint
        )

    assert error.value.message_dict == {"sprint": ["This sprint no longer exists."]}
    assert snapshot() == before
