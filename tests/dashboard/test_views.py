"""The dashboard pages: what each person sees, who is refused, and fixed query budgets."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from backlog.models import QAVerdict, TimeEntry
from backlog.timesheets.budgets import budget_create
from backlog.timesheets.models import Budget
from collab.rhythm.models import ActionItem, Meeting
from roles.models import Role, RoleAssignment
from tests.backlog.factories import TicketFactory
from tests.factories import EngagementFactory, UserFactory, member

pytestmark = pytest.mark.django_db

PM, CONSULTANT, BA, TESTER = (
    Role.PROJECT_MANAGER,
    Role.CONSULTANT,
    Role.BUSINESS_ANALYST,
    Role.TESTER,
)


def assign(engagement, person, *roles, allocation=25):
    for role in roles:
        RoleAssignment.objects.create(
            engagement=engagement, person=person, role=role, allocation_percent=allocation
        )


def populate(engagement, *, pm=None):
    """A team where the project manager is also the tester, and some of everything."""
    pm = pm or UserFactory(display_name=f"PM of {engagement.name}")
    assign(engagement, pm, PM, TESTER)
    assign(engagement, UserFactory(), CONSULTANT)
    assign(engagement, UserFactory(), BA)
    reporter = UserFactory()
    now = dt.datetime.now(dt.UTC)
    for kind, origin, status, found_by in (
        ("feature", "agency_initiative", "analysis", ""),
        ("bug", "client_request", "done", "client"),
        ("bug", "client_request", "new", "agency_qa"),
    ):
        ticket = TicketFactory(
            engagement=engagement,
            kind=kind,
            origin=origin,
            status=status,
            found_by=found_by,
            reporter=reporter,
            annual_revenue_gain=Decimal("1000"),
        )
    QAVerdict.objects.create(engagement=engagement, ticket=ticket, tester=pm, passed=True)
    Meeting.objects.create(
        engagement=engagement,
        kind=Meeting.Kind.WEEKLY_SYNC,
        starts_at=now + dt.timedelta(days=2),
        ends_at=now + dt.timedelta(days=2, hours=1),
    )
    ActionItem.objects.create(
        engagement=engagement, title="Call", owner=pm, due_date=dt.date(2020, 1, 1)
    )
    return pm


def test_home_sends_the_clients_people_to_the_dashboard(client, director):
    client.force_login(director)
    assert client.get(reverse("collab:home")).url == reverse("dashboard:director-home")


def test_home_sends_an_agency_admin_to_the_agency_view(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("collab:home")).url == reverse("dashboard:agency-view")


def test_home_sends_agency_staff_to_their_tickets_on_their_main_engagement(
    client, engagement, other_engagement
):
    developer = UserFactory()
    assign(other_engagement, developer, Role.DEVELOPER, allocation=20)
    assign(engagement, developer, Role.DEVELOPER, allocation=60)
    client.force_login(developer)

    response = client.get(reverse("collab:home"))

    backlog = reverse("backlog:ticket-list", args=["nordfer"])
    assert response.url == f"{backlog}?assignee={developer.pk}"
    assert client.get(response.url).status_code == 200


def test_logging_in_lands_on_the_home_of_the_person(client, director):
    director.set_password("a-long-password-1")
    director.save()

    response = client.post(
        reverse("login"), {"username": director.email, "password": "a-long-password-1"}
    )

    assert response.url == reverse("collab:home")
    assert client.get(response.url).url == reverse("dashboard:director-home")


def test_director_sees_the_warning_that_the_pm_is_also_the_tester(client, engagement, director):
    populate(engagement, pm=UserFactory(display_name="Julien Moreau"))
    client.force_login(director)

    response = client.get(reverse("dashboard:director-home"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Nordfer Industrie" in content
    # Under the name: the client when it differs from it, the platform and the business model.
    client_name = engagement.client.name
    assert (
        '<div class="card-subtitle text-secondary small engagement-card__meta">'
        f"{client_name} · Shopify Plus · B2C</div>"
    ) in content
    assert 'class="card engagement-card engagement-card--warning ' in content
    assert "Warning" in content
    assert "Julien Moreau holds several roles: Project manager, Tester." in content
    assert reverse("roles:team", args=["nordfer"]) in content
    assert reverse("dashboard:engagement-overview", args=["nordfer"]) in content
    assert "50 %" in content  # one bug of two found by the client
    assert "1 of 2 bugs" in content
    assert 'href="/engagements/nordfer/backlog/?kind=bug"' in content
    # The next sync in two days, and a sparkline per figure with its trend in words.
    assert content.count("data-sparkline=") == 4
    assert "Trend by quarter: " in content
    # Not the agency's view: a director holds no agency role.
    assert reverse("dashboard:agency-view") not in content


def test_a_director_sees_only_the_cards_of_their_engagements(
    client, engagement, other_engagement, director
):
    populate(other_engagement)
    client.force_login(director)

    content = client.get(reverse("dashboard:director-home")).content.decode()

    assert "Nordfer Industrie" in content
    assert "Maison Lila" not in content
    assert "maison-lila" not in content


def test_the_director_home_asks_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("dashboard:director-home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# Session, person, the engagements (with their rhythm, overdue reviews and the person's agency
# role), the observed roles (the hours, the actions and the roles held in one union), role
# coverage (the people's loads; the roles held come from the union), proactivity and defects
# (one grouped query), value planned (2), value delivered, the budgets' current periods with
# their burn, and the shell's inbox count and engagement switcher.
DIRECTOR_HOME_QUERIES = 12


def _retainer(engagement, hours_burnt):
    """A 10-hour monthly retainer of this month with ``hours_burnt`` approved billable hours."""
    today = timezone.localdate()
    budget_create(
        engagement=engagement,
        name="Retainer",
        kind=Budget.Kind.MONTHLY,
        unit=Budget.Unit.HOURS,
        amount=Decimal(10),
        starts_on=today.replace(day=1) if today.day <= 28 else today.replace(day=28),
    )
    if hours_burnt:
        person = UserFactory()
        assign(engagement, person, Role.DEVELOPER)
        TimeEntry.objects.create(
            engagement=engagement,
            person=person,
            date=today,
            minutes=hours_burnt * 60,
            role=Role.DEVELOPER,
            approved_at=timezone.now(),
        )


@pytest.mark.parametrize("count", [2, 20])
def test_director_home_query_count_does_not_grow_with_engagements(
    client, django_assert_num_queries, count
):
    director = UserFactory()
    for _ in range(count):
        engagement = EngagementFactory()
        populate(engagement)
        assign(engagement, director, Role.DIRECTOR)
        _retainer(engagement, hours_burnt=9)
    client.force_login(director)

    with django_assert_num_queries(DIRECTOR_HOME_QUERIES):
        response = client.get(reverse("dashboard:director-home"))

    page = response.content.decode()
    assert page.count('class="card engagement-card ') == count
    assert page.count('class="engagement-card__budget ') == count


def test_each_card_shows_its_budget_burn_with_a_warning_from_80_percent(
    client, director, time_machine
):
    # Twenty days into the month: 3 hours of 10 go on at a pace that stays under 100 %.
    time_machine.move_to(dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC), tick=False)
    healthy = EngagementFactory(name="Healthy", slug="healthy")
    burning = EngagementFactory(name="Burning", slug="burning")
    for engagement, hours in ((healthy, 3), (burning, 9)):
        assign(engagement, director, Role.DIRECTOR)
        _retainer(engagement, hours_burnt=hours)
    client.force_login(director)
    page = client.get(reverse("dashboard:director-home")).content.decode()
    assert 'aria-valuenow="30"' in page and 'aria-valuenow="90"' in page
    healthy_card = page[page.index("card-healthy") :]
    healthy_card = healthy_card[: healthy_card.index("</article>")]
    burning_card = page[page.index("card-burning") :]
    burning_card = burning_card[: burning_card.index("</article>")]
    assert "30 % burnt" in healthy_card and "engagement-card__budget--success" in healthy_card
    assert "90 % burnt" in burning_card and "engagement-card__budget--warning" in burning_card


def test_the_overview_shows_indicators_and_charts_with_text_alternatives(
    client, engagement, director
):
    populate(engagement)
    client.force_login(director)

    response = client.get(reverse("dashboard:engagement-overview", args=["nordfer"]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Health of Nordfer Industrie" in content
    # Three Chart.js charts drawn from JSON, each with its figures in a table beside it.
    assert content.count("<canvas data-chart=") == 3
    for chart in ("chart-delivered", "chart-proactivity", "chart-defects"):
        assert f'<script id="{chart}" type="application/json">' in content
    assert content.count('<details class="chart-figures') == 3
    for title in (
        "Value delivered per quarter",
        "Proactivity: agency initiatives per quarter",
        "Defects by who found them",
    ):
        assert f'<caption class="visually-hidden">{title}</caption>' in content
    assert "<style" not in content and " style=" not in content
    assert "<script>" not in content and '<script src="/static/js/dashboard.js" defer>' in content
    assert 'aria-current="page"><span class="nav-link-icon"><i class="ti ti-heartbeat"' in content
    # The indicators the director card leaves to this page.
    assert "1 open" in content and "1 overdue" in content


def test_a_member_of_another_engagement_gets_404_on_the_overview(
    client, engagement, other_engagement
):
    stranger = member(other_engagement, Role.PROJECT_MANAGER)
    client.force_login(stranger)

    response = client.get(reverse("dashboard:engagement-overview", args=["nordfer"]))

    assert response.status_code == 404
    assert "Nordfer" not in response.content.decode()


def test_client_people_get_403_on_the_agency_view(client, director):
    client.force_login(director)

    response = client.get(reverse("dashboard:agency-view"))

    assert response.status_code == 403


def test_the_agency_view_shows_roles_overloads_risks_and_proactivity(
    client, engagement, other_engagement
):
    julien = UserFactory(display_name="Julien Moreau")
    assign(engagement, julien, PM, TESTER, allocation=50)
    assign(other_engagement, julien, PM, allocation=40)
    sam = UserFactory(display_name="Sam Carter")
    assign(engagement, sam, CONSULTANT, allocation=50)
    assign(other_engagement, sam, CONSULTANT, BA, TESTER, allocation=10)
    TicketFactory(
        engagement=engagement,
        origin="agency_initiative",
        status="ready",
        initiative_decision="accepted",
    )
    TicketFactory(
        engagement=engagement,
        origin="agency_initiative",
        status="rejected",
        initiative_decision="declined",
    )
    client.force_login(julien)

    response = client.get(reverse("dashboard:agency-view"))

    assert response.status_code == 200
    content = response.content.decode()
    assert (
        '<td class="heat-4" data-label="Nordfer Industrie"><span><span class="matrix-cell__roles" '
        'title="Project manager, Tester">Project manager, Tester</span> '
        '<span class="text-secondary">100 %</span></span></td>'
    ) in content
    assert '<td class="heat-2" data-label="Maison Lila">' in content  # Julien's 40 %
    assert "140 % (overloaded)" in content
    assert 'class="is-overloaded"' in content
    assert "Sam Carter holds several roles: E-commerce consultant, Business analyst, Tester." in (
        content
    )
    assert "No business analyst: the client is analysing for the agency." in content
    assert "Julien Moreau holds several roles: Project manager, Tester." in content
    assert "50 %" in content  # one of two initiatives accepted


def test_the_agency_view_filters_by_project_manager(client, engagement, other_engagement):
    viewer = UserFactory(display_name="Agency admin")
    assign(engagement, viewer, Role.AGENCY_ADMIN)
    assign(other_engagement, viewer, Role.AGENCY_ADMIN)
    julien = UserFactory(display_name="Julien Moreau")
    assign(engagement, julien, PM)
    ines = UserFactory(display_name="Ines Roy")
    assign(other_engagement, ines, PM)
    client.force_login(viewer)

    everything = client.get(reverse("dashboard:agency-view")).content.decode()
    filtered = client.get(reverse("dashboard:agency-view"), {"pm": julien.pk}).content.decode()
    nonsense = client.get(reverse("dashboard:agency-view"), {"pm": "x"})

    nordfer_team, lila_team = (reverse("roles:team", args=[s]) for s in ("nordfer", "maison-lila"))
    assert nordfer_team in everything and lila_team in everything
    assert nordfer_team in filtered and lila_team not in filtered
    assert "Engagements managed by Julien Moreau." in filtered
    assert f'<option value="{julien.pk}" selected>' in filtered
    assert nonsense.status_code == 200
    assert lila_team in nonsense.content.decode()


def test_the_agency_view_covers_only_engagements_the_person_works_on(
    client, engagement, other_engagement
):
    populate(other_engagement)
    viewer = member(engagement, Role.DEVELOPER)
    client.force_login(viewer)

    content = client.get(reverse("dashboard:agency-view")).content.decode()

    assert "Nordfer Industrie" in content
    assert "Maison Lila" not in content


AGENCY_VIEW_QUERIES = 13


@pytest.mark.parametrize("people", [2, 20])
def test_agency_view_query_count_does_not_grow_with_people(
    client, django_assert_num_queries, people
):
    viewer = UserFactory()
    engagements = [EngagementFactory() for _ in range(3)]
    for engagement in engagements:
        assign(engagement, viewer, Role.AGENCY_ADMIN)
    for index in range(people - 1):
        person = UserFactory()
        assign(engagements[index % 3], person, [PM, CONSULTANT, BA, TESTER][index % 4])
    client.force_login(viewer)

    with django_assert_num_queries(AGENCY_VIEW_QUERIES):
        response = client.get(reverse("dashboard:agency-view"))

    assert response.content.decode().count('<th scope="row" class="table-stack__title">') >= people


def test_french_pages_write_money_the_french_way_in_tiles_charts_and_tables(
    client, engagement, director
):
    populate(engagement)
    director.language = "fr"
    director.save()
    client.force_login(director)
    client.cookies["django_language"] = "fr"

    home = client.get(reverse("dashboard:director-home"), HTTP_ACCEPT_LANGUAGE="fr").content
    overview = client.get(
        reverse("dashboard:engagement-overview", args=["nordfer"]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()

    home = home.decode()
    assert '<html lang="fr">' in home
    assert "Tendance par trimestre : " in home
    assert "0,00\xa0€ par an, 0 élément de feuille de route" in home
    # Two open tickets of 1 000 € a year each: the exact sum in the hint, rounded in the tile.
    assert "2\u202f000,00\xa0€ par an sur 2 tickets ouverts" in overview
    assert '<a class="text-reset" href="/engagements/nordfer/backlog/">2\xa0k\xa0€</a>' in overview
