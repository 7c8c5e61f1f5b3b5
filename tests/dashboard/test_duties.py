"""Separation of duties on the dashboard, the agency view and the review pack."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from backlog import services
from backlog.models import QAVerdict
from roles.models import Role, RoleAssignment
from tests.backlog.factories import CriterionFactory, TicketFactory
from tests.factories import member

pytestmark = pytest.mark.django_db


def _quarter(moment):
    moment = moment.astimezone(dt.UTC)
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


@pytest.fixture
def lila(other_engagement):
    """The project manager also the tester: one ticket self-verified under the director's
    exception, and one verdict recorded while the rule was off (a breach)."""
    pm = member(other_engagement, Role.PROJECT_MANAGER, display_name="Claire Dubois")
    RoleAssignment.objects.create(engagement=other_engagement, person=pm, role=Role.TESTER)
    director = member(other_engagement, Role.DIRECTOR)
    member(other_engagement, Role.AGENCY_ADMIN)
    excepted = TicketFactory(engagement=other_engagement, kind="question", status="qa")
    criterion = CriterionFactory(ticket=excepted, engagement=other_engagement, author=pm)
    services.qa_exception_grant(actor=director, ticket=excepted, person=pm, reason="Only tester")
    services.qa_verdict_record(actor=pm, ticket=excepted, passed=True, results={criterion.pk: True})
    breached = TicketFactory(engagement=other_engagement, kind="question", status="qa")
    QAVerdict.objects.create(engagement=other_engagement, ticket=breached, tester=pm, passed=True)
    CriterionFactory(ticket=breached, engagement=other_engagement, author=pm)
    return other_engagement, pm, director


def test_the_director_home_shows_breaches_and_self_verified_of_the_quarter(client, lila):
    engagement, _pm, director = lila
    client.force_login(director)

    content = client.get(reverse("dashboard:director-home")).content.decode()

    card = content.split(f'id="card-{engagement.slug}"')[1].split("</article>")[0]
    overview = reverse("dashboard:engagement-overview", args=[engagement.slug])
    assert f'href="{overview}#duties-{engagement.slug}"' in card
    assert "Separation of duties: 1 breach and 1 self-verified over four quarters." in card


def test_the_overview_shows_them_per_quarter(client, lila):
    engagement, _pm, director = lila
    client.force_login(director)

    url = reverse("dashboard:engagement-overview", args=[engagement.slug])
    content = client.get(url).content.decode()

    section = content.split(f'id="duties-{engagement.slug}"')[1].split("</section>")[0]
    quarter = _quarter(dt.datetime.now(dt.UTC))
    row = section.split(f'<th scope="row" class="table-stack__title">{quarter}</th>')[1]
    row = row.split("</tr>")[0]
    assert re.search(
        r'data-label="Breaches" class="num">\s*<span class="badge bg-warning-lt[^>]*>1</span>', row
    )
    assert '<td data-label="Self-verified" class="num">1</td>' in row


def test_the_agency_view_counts_them_per_engagement(client, lila, engagement):
    other, pm, _director = lila
    client.force_login(pm)

    content = client.get(reverse("dashboard:agency-view")).content.decode()

    section = content.split('id="duties"')[1].split("</section>")[0]
    row = section.split(other.name)[1].split("</tr>")[0]
    assert re.search(
        r'data-label="Breaches" class="num">\s*<span class="badge bg-warning-lt[^>]*>1</span>', row
    )
    assert '<td data-label="Self-verified" class="num">1</td>' in row
    assert engagement.name not in section
