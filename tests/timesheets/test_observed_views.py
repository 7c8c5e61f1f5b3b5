"""The observed roles page: who did what beside the roles assigned, what the client sees,
isolation, query counts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from roles.models import Role
from tests.backlog.factories import CriterionFactory, TicketFactory
from tests.factories import EngagementFactory, RoleAssignmentFactory, member
from tests.timesheets.conftest import MONDAY
from tests.timesheets.test_observed import entry

pytestmark = pytest.mark.django_db


def _url(engagement):
    return reverse("timesheets:observed-roles", args=[engagement.slug])


@pytest.fixture
def story(engagement):
    """Claire manages and holds the tester role too; Tom is the nominal tester but Claire logs
    most of the testing; she also writes most of the acceptance criteria."""
    claire = member(engagement, Role.PROJECT_MANAGER, display_name="Claire Dubois")
    RoleAssignmentFactory(engagement=engagement, person=claire, role=Role.TESTER)
    tom = member(engagement, Role.TESTER, display_name="Tom Tester")
    ana = member(engagement, Role.BUSINESS_ANALYST, display_name="Ana Analyst")
    paul = member(engagement, Role.CONSULTANT, display_name="Paul Partner")
    entry(engagement, claire, Role.PROJECT_MANAGER, 90)
    entry(engagement, claire, Role.TESTER, 240)
    entry(engagement, claire, Role.TESTER, 120, approved=False)
    entry(engagement, tom, Role.TESTER, 60)
    entry(engagement, ana, Role.BUSINESS_ANALYST, 300)
    entry(engagement, paul, Role.CONSULTANT, 120)
    ticket = TicketFactory(engagement=engagement)
    for _ in range(3):
        CriterionFactory(ticket=ticket, author=claire)
    CriterionFactory(ticket=ticket, author=ana)
    return {"claire": claire, "tom": tom, "ana": ana, "paul": paul}


def test_the_page_shows_the_project_manager_working_as_tester_and_analyst(
    client, engagement, story
):
    client.force_login(story["tom"])
    response = client.get(_url(engagement))
    assert response.status_code == 200
    body = response.content.decode()
    # Assigned: Claire holds two core roles (warning); observed: three (critical).
    observed = response.context["observed"]
    assert response.context["assigned"].level == "warning"
    assert observed.level == "critical"
    assert "Claire Dubois works as: Project manager, Business analyst, Tester." in body
    assert "Claire Dubois does work of roles they are not assigned: Business analyst." in body
    # All of the agency's time: 4 h + 2 h unapproved of the 7 h of testing.
    # Her share of her own hours beside her share of the role's, and what she was assigned.
    assert "Tester: 6h, 80 % of their hours (85 % of the role)" in body
    assert "Project manager: 1h30, 20 % of their hours (100 % of the role)" in body
    assert "Tester: 1h, 100 % of their hours (14 % of the role)" in body
    assert "Project manager (50\u00a0%), Tester (50\u00a0%)" in body
    assert "Business analyst: 3 acceptance criteria written (75 % of the role)" in body
    assert "Business analyst, not assigned" in body


def test_the_director_sees_approved_billable_time_only(client, engagement, story, director):
    client.force_login(director)
    response = client.get(_url(engagement))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Tester: 4h, 72 % of their hours (80 % of the role)" in body
    assert "Tester: 6h" not in body
    assert "Approved billable time of the agency" in body


def test_nothing_logged_yet_says_so(client, engagement, story):
    from backlog.models import AcceptanceCriterion
    from backlog.timesheets.models import TimeEntry

    TimeEntry.objects.all().delete()
    AcceptanceCriterion.objects.all().delete()
    client.force_login(story["tom"])
    response = client.get(_url(engagement))
    assert response.context["observed"].level is None
    assert "Nothing to observe yet" in response.content.decode()


def test_the_page_reads_in_french(client, engagement, story):
    story["tom"].language = "fr"
    story["tom"].save()
    client.force_login(story["tom"])
    with translation.override("fr"):
        body = client.get(_url(engagement), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Rôles observés" in body
    assert "Claire Dubois travaille comme : " in body


def test_another_engagements_person_gets_404(client, engagement, story):
    stranger = member(EngagementFactory(), Role.PROJECT_MANAGER)
    client.force_login(stranger)
    assert client.get(_url(engagement)).status_code == 404


def test_anonymous_is_sent_to_log_in(client, engagement):
    response = client.get(_url(engagement))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_tab_is_on_the_time_pages(client, engagement, story):
    client.force_login(story["tom"])
    body = client.get(reverse("timesheets:entry-list", args=[engagement.slug])).content.decode()
    assert _url(engagement) in body


# The shell (session, person, the engagement with the person's roles, inbox) and the page's
# own reads: the one of the observed roles and the two of the assigned coverage.
PAGE_QUERIES = 8


@pytest.mark.parametrize("people", [1, 8])
def test_page_queries_do_not_grow(client, engagement, people, django_assert_num_queries):
    manager = member(engagement, Role.PROJECT_MANAGER, display_name="Claire Dubois")
    for n in range(people):
        person = member(engagement, Role.TESTER)
        entry(engagement, person, Role.TESTER, 30 + n)
        entry(engagement, person, Role.TESTER, 15, day=MONDAY - datetime.timedelta(days=1))
        CriterionFactory(ticket=TicketFactory(engagement=engagement), author=person)
    client.force_login(manager)
    client.get(_url(engagement))
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(_url(engagement)).status_code == 200


def test_the_team_page_loads_the_observed_roles_card(client, engagement, story):
    client.force_login(story["tom"])
    team = client.get(reverse("roles:team", args=[engagement.slug])).content.decode()
    assert f'hx-get="{_url(engagement)}?part=summary"' in team
    response = client.get(_url(engagement), {"part": "summary"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert "Observed roles" in body
    assert "Business analyst, not assigned" in body
    rows = {row.name: row.observed_labels for row in response.context["observed"].people}
    assert rows == {
        "Claire Dubois": ["Project manager", "Business analyst", "Tester"],
        "Ana Analyst": ["Business analyst"],
        "Paul Partner": ["E-commerce consultant"],
        "Tom Tester": [],
    }


def test_the_summary_is_as_closed_to_outsiders_as_the_page(client, engagement, story):
    client.force_login(member(EngagementFactory(), Role.PROJECT_MANAGER))
    assert client.get(_url(engagement), {"part": "summary"}).status_code == 404
