"""What hangs off a ticket through the API (criteria, QA verdicts, comments, stakeholder scores),
sprints, strategic objectives and alignment; and tenancy on every backlog route."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache

from backlog.models import AcceptanceCriterion, Comment, QAVerdict, Sprint, StakeholderScore, Ticket
from collab.services import api_token_create
from roadmap.models import StrategicObjective, TicketAlignment
from roles.models import Role
from tests.backlog.factories import CriterionFactory, SprintFactory, TicketFactory
from tests.factories import member

PROBLEM = "application/problem+json"


def base(slug: str = "nordfer") -> str:
    return f"/api/v1/engagements/{slug}/"


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    return response.json()


@pytest.fixture(autouse=True)
def _private_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tests-backlog-api-parts",
        }
    }
    cache.clear()


@pytest.fixture
def analyst(engagement):
    return member(engagement, Role.BUSINESS_ANALYST, email="ba@atelier.example")


@pytest.fixture
def tester(engagement):
    return member(engagement, Role.TESTER, email="qa@atelier.example")


@pytest.fixture
def ticket(engagement):
    return TicketFactory(engagement=engagement)


# --- Acceptance criteria ------------------------------------------------------------------------


def test_an_analyst_writes_rewords_and_removes_criteria(api_client, ticket, analyst):
    api_client.force_login(analyst)
    url = f"{base()}tickets/{ticket.key}/criteria/"

    first = api_client.post(url, {"text": "Shows the date", "given": "a product in stock"})
    second = api_client.post(url, {"text": "Hides it when out of stock"})
    assert (first.status_code, second.status_code) == (201, 201)
    pk = first.json()["id"]
    assert first["Location"] == f"http://testserver{url}{pk}/"

    response = api_client.patch(f"{url}{pk}/", {"text": "Shows the delivery date"})
    assert response.status_code == 200, response.content
    listed = api_client.get(url).json()["results"]
    assert [(row["order"], row["text"]) for row in listed] == [
        (1, "Shows the delivery date"),
        (2, "Hides it when out of stock"),
    ]
    assert listed[0]["author"]["email"] == "ba@atelier.example"

    assert api_client.delete(f"{url}{pk}/").status_code == 204
    assert list(AcceptanceCriterion.objects.values_list("text", flat=True)) == [
        "Hides it when out of stock"
    ]


def test_a_developer_cannot_write_criteria(api_client, engagement, ticket):
    api_client.force_login(member(engagement, Role.DEVELOPER))

    problem(api_client.post(f"{base()}tickets/{ticket.key}/criteria/", {"text": "X"}), 403)

    assert not AcceptanceCriterion.objects.exists()


def test_another_tickets_criterion_is_not_found_under_this_ticket(
    api_client, engagement, ticket, analyst
):
    other = CriterionFactory(ticket=TicketFactory(engagement=engagement))
    api_client.force_login(analyst)
    url = f"{base()}tickets/{ticket.key}/criteria/{other.pk}/"

    problem(api_client.get(url), 404)
    problem(api_client.patch(url, {"text": "Hijacked"}), 404)
    problem(api_client.delete(url), 404)

    other.refresh_from_db()
    assert other.text == "The customer sees the delivery date"


# --- QA verdicts ----------------------------------------------------------------------------------


def test_a_tester_records_a_verdict_per_criterion(api_client, engagement, tester):
    ticket = TicketFactory(engagement=engagement, status="qa")
    ok, ko = CriterionFactory(ticket=ticket), CriterionFactory(ticket=ticket)
    api_client.force_login(tester)
    url = f"{base()}tickets/{ticket.key}/qa-verdicts/"

    response = api_client.post(
        url,
        {
            "passed": False,
            "notes": "Breaks on Safari",
            "results": [
                {"criterion": ok.pk, "passed": True},
                {"criterion": ko.pk, "passed": False},
            ],
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["passed"], body["notes"], body["tester"]["email"]) == (
        False,
        "Breaks on Safari",
        "qa@atelier.example",
    )
    assert body["results"] == [
        {"criterion": ok.pk, "passed": True},
        {"criterion": ko.pk, "passed": False},
    ]
    assert [row["id"] for row in api_client.get(url).json()["results"]] == [body["id"]]


def test_a_verdict_naming_another_tickets_criterion_is_refused(api_client, engagement, tester):
    ticket = TicketFactory(engagement=engagement, status="qa")
    foreign = CriterionFactory(ticket=TicketFactory(engagement=engagement))
    api_client.force_login(tester)

    body = problem(
        api_client.post(
            f"{base()}tickets/{ticket.key}/qa-verdicts/",
            {"passed": True, "results": [{"criterion": foreign.pk, "passed": True}]},
        ),
        400,
    )

    assert body["errors"] == {"results": ["These criteria are not this ticket's."]}
    assert not QAVerdict.objects.exists()


def test_only_a_tester_records_a_verdict(api_client, engagement):
    ticket = TicketFactory(engagement=engagement, status="qa")
    api_client.force_login(member(engagement, Role.DEVELOPER))

    problem(api_client.post(f"{base()}tickets/{ticket.key}/qa-verdicts/", {"passed": True}), 403)

    assert not QAVerdict.objects.exists()


# --- Comments and stakeholder scores ---------------------------------------------------------


def test_comments_are_markdown_rendered_inert(api_client, engagement, ticket):
    api_client.force_login(member(engagement, Role.STAKEHOLDER, email="sh@nordfer.example"))
    url = f"{base()}tickets/{ticket.key}/comments/"

    response = api_client.post(url, {"body": "**Urgent** <script>alert(1)</script>"})

    assert response.status_code == 201, response.content
    row = api_client.get(url).json()["results"][0]
    assert row["body"] == "**Urgent** <script>alert(1)</script>"
    assert row["body_html"] == (
        "<p><strong>Urgent</strong> &lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
    )
    assert row["author"]["email"] == "sh@nordfer.example"


def test_a_read_token_cannot_comment(api_client, engagement, ticket):
    read = api_token_create(engagement=engagement, name="BI", scope="read", created_by=None)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {read.raw_key}")

    problem(api_client.post(f"{base()}tickets/{ticket.key}/comments/", {"body": "Hi"}), 403)

    assert not Comment.objects.exists()


def test_stakeholders_score_and_a_spread_of_two_flags_the_ticket(
    api_client, engagement, ticket, director
):
    url = f"{base()}tickets/{ticket.key}/stakeholder-scores/"
    stakeholder = member(engagement, Role.STAKEHOLDER, email="sh@nordfer.example")
    api_client.force_login(director)
    assert api_client.post(url, {"score": 5, "comment": "Must have"}).status_code == 200
    api_client.force_login(stakeholder)
    assert api_client.put(url, {"score": 4}).status_code == 200
    assert Ticket.objects.get(pk=ticket.pk).needs_alignment is False

    response = api_client.put(url, {"score": 2})

    assert response.status_code == 200
    assert Ticket.objects.get(pk=ticket.pk).needs_alignment is True
    rows = [(row["person"]["email"], row["score"]) for row in api_client.get(url).json()["results"]]
    assert rows == [("director@nordfer.example", 5), ("sh@nordfer.example", 2)]


def test_the_agency_does_not_score_for_the_client(api_client, engagement, ticket, analyst):
    api_client.force_login(analyst)

    body = problem(
        api_client.post(f"{base()}tickets/{ticket.key}/stakeholder-scores/", {"score": 5}), 403
    )

    assert body["detail"] == "Only the client's director or stakeholders can do this."
    assert not StakeholderScore.objects.exists()


# --- Sprints --------------------------------------------------------------------------------------


def test_sprints_are_planned_and_renamed(api_client, engagement, analyst):
    api_client.force_login(analyst)

    response = api_client.post(
        f"{base()}sprints/", {"name": "S1", "start": "2026-03-02", "end": "2026-03-13"}
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = api_client.patch(f"{base()}sprints/{pk}/", {"goal": "Checkout"})
    assert (response.status_code, response.json()["goal"]) == (200, "Checkout")
    body = problem(
        api_client.post(
            f"{base()}sprints/", {"name": "S1", "start": "2026-03-16", "end": "2026-03-27"}
        ),
        400,
    )
    assert body["errors"] == {"name": ["A sprint of this engagement has this name."]}
    body = problem(api_client.patch(f"{base()}sprints/{pk}/", {"end": "2026-03-01"}), 400)
    assert Sprint.objects.get().end.isoformat() == "2026-03-13"


def test_a_developer_does_not_plan_sprints(api_client, engagement):
    api_client.force_login(member(engagement, Role.DEVELOPER))

    problem(
        api_client.post(
            f"{base()}sprints/", {"name": "S1", "start": "2026-03-02", "end": "2026-03-13"}
        ),
        403,
    )

    assert not Sprint.objects.exists()


# --- Objectives and alignment ---------------------------------------------------------------------


def test_the_director_sets_objectives_and_aligns_a_ticket_its_score_follows(
    api_client, engagement, director
):
    ticket = TicketFactory(
        engagement=engagement, annual_revenue_gain=Decimal("1000"), effort_days=Decimal("1")
    )
    api_client.force_login(director)
    response = api_client.post(f"{base()}objectives/", {"title": "Grow B2B", "weight": "2"})
    assert response.status_code == 201, response.content
    objective = response.json()

    response = api_client.put(
        f"{base()}tickets/{ticket.key}/alignments/{objective['id']}/", {"level": "key"}
    )

    assert response.status_code == 200, response.content
    assert (response.json()["level"], response.json()["strategic_alignment"]) == ("key", "4.00")
    detail = api_client.get(f"{base()}tickets/{ticket.key}/").json()
    # 1000 x 0.8 x (1 + 0.25 x 4) / 1
    assert detail["score"] == "1600.000000"
    assert detail["alignments"] == [
        {
            "objective": objective["id"],
            "objective_title": "Grow B2B",
            "level": "key",
            "updated_at": detail["alignments"][0]["updated_at"],
        }
    ]
    response = api_client.patch(objective["url"], {"weight": "1"})
    assert response.status_code == 200
    assert api_client.get(f"{base()}tickets/{ticket.key}/").json()["score"] == "1200.000000"


def test_an_alignment_with_another_engagements_objective_is_not_found(
    api_client, engagement, other_engagement, director
):
    ticket = TicketFactory(engagement=engagement)
    foreign = StrategicObjective.objects.create(engagement=other_engagement, title="Theirs")
    api_client.force_login(director)

    problem(
        api_client.put(f"{base()}tickets/{ticket.key}/alignments/{foreign.pk}/", {"level": "key"}),
        404,
    )

    assert not TicketAlignment.objects.exists()


def test_a_stakeholder_does_not_edit_objectives(api_client, engagement):
    objective = StrategicObjective.objects.create(engagement=engagement, title="Grow")
    api_client.force_login(member(engagement, Role.STAKEHOLDER))

    problem(api_client.patch(f"{base()}objectives/{objective.pk}/", {"title": "Shrink"}), 403)

    assert StrategicObjective.objects.get().title == "Grow"


# --- Tenancy: another engagement's member or token finds nothing ------------------------------


def _routes(engagement) -> list[tuple[str, str, dict]]:
    ticket = TicketFactory(engagement=engagement, status="qa", title="Victim ticket")
    criterion = CriterionFactory(ticket=ticket)
    sprint = SprintFactory(engagement=engagement)
    objective = StrategicObjective.objects.create(engagement=engagement, title="Victim goal")
    t = f"{base()}tickets/{ticket.key}/"
    return [
        ("get", f"{base()}tickets/", {}),
        ("post", f"{base()}tickets/", {"title": "X", "kind": "bug"}),
        ("get", t, {}),
        ("patch", t, {"title": "X"}),
        ("post", f"{t}transition/", {"to": "done"}),
        ("post", f"{t}pin/", {"rank": 1}),
        ("post", f"{t}acceptance/", {"accepted": True}),
        ("get", f"{t}history/", {}),
        ("get", f"{t}criteria/", {}),
        ("post", f"{t}criteria/", {"text": "X"}),
        ("get", f"{t}criteria/{criterion.pk}/", {}),
        ("patch", f"{t}criteria/{criterion.pk}/", {"text": "X"}),
        ("delete", f"{t}criteria/{criterion.pk}/", {}),
        ("get", f"{t}qa-verdicts/", {}),
        ("post", f"{t}qa-verdicts/", {"passed": True}),
        ("get", f"{t}comments/", {}),
        ("post", f"{t}comments/", {"body": "X"}),
        ("get", f"{t}stakeholder-scores/", {}),
        ("put", f"{t}stakeholder-scores/", {"score": 1}),
        ("get", f"{base()}sprints/", {}),
        ("post", f"{base()}sprints/", {"name": "X", "start": "2026-01-01", "end": "2026-01-02"}),
        ("get", f"{base()}sprints/{sprint.pk}/", {}),
        ("patch", f"{base()}sprints/{sprint.pk}/", {"name": "X"}),
        ("get", f"{base()}objectives/", {}),
        ("post", f"{base()}objectives/", {"title": "X"}),
        ("get", f"{base()}objectives/{objective.pk}/", {}),
        ("patch", f"{base()}objectives/{objective.pk}/", {"title": "X"}),
        ("put", f"{t}alignments/{objective.pk}/", {"level": "key"}),
    ]


def _fingerprint(engagement) -> list:
    return [
        list(Ticket.objects.filter(engagement=engagement).values()),
        list(AcceptanceCriterion.objects.filter(engagement=engagement).values()),
        list(Sprint.objects.filter(engagement=engagement).values()),
        list(StrategicObjective.objects.filter(engagement=engagement).values()),
        Comment.objects.count(),
        QAVerdict.objects.count(),
        StakeholderScore.objects.count(),
        TicketAlignment.objects.count(),
    ]


@pytest.mark.parametrize("principal", ["member", "token"])
def test_another_engagements_member_or_token_gets_404_on_every_route(
    api_client, engagement, other_engagement, principal
):
    routes = _routes(engagement)
    if principal == "member":
        api_client.force_login(member(other_engagement, Role.DIRECTOR))
    else:
        issued = api_token_create(
            engagement=other_engagement,
            name="Theirs",
            scope="write",
            created_by=member(other_engagement, Role.AGENCY_ADMIN),
        )
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.raw_key}")
    before = _fingerprint(engagement)

    for method, url, data in routes:
        response = getattr(api_client, method)(url, data, HTTP_IF_MATCH="*")
        assert response.status_code == 404, (method, url, response.content)
        assert b"Victim" not in response.content

    assert _fingerprint(engagement) == before
