"""The OpenAPI schema is the contract: Schemathesis generates requests from it for every
operation and checks every answer against it (status codes, content types, headers, bodies, no
server error, schema-invalid input refused...), statelessly and along the schema's links.

Two callers: an integration with a write token of Nordfer (the engagement the requests name),
and a signed-in agency admin of another engagement, who must only ever get 404 there.

The run is bounded and reproducible: Hypothesis derandomised (a fixed seed), a fixed number of
examples per operation (``CONTRACT_EXAMPLES``, 3 by default), no deadline.
"""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.config import SchemathesisConfig

from backlog.models import Ticket
from collab.services import api_token_create
from collab.wsgi import application
from roadmap.models import RoadmapItem, StrategicObjective
from roles.models import Role
from tests.backlog.factories import SprintFactory, TicketFactory
from tests.factories import member

pytestmark = pytest.mark.django_db(transaction=False)

EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "3"))
SLUG = "nordfer"
FOREIGN = {"slug": SLUG}
HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # The WSGI handler closes the database connection after each request (as in production);
    # inside a test's transaction it must stay open, as Django's own test client keeps it.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def contract_settings(settings):
    # Thousands of requests: no throttling, and no webhook may point at this machine.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"principal": "1000000/hour"},
    }
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tests-api-contract",
        }
    }
    return settings


@pytest.fixture
def nordfer(contract_settings, engagement):
    """Nordfer with a team, tickets, a sprint, an objective and a roadmap item."""
    admin = member(engagement, Role.AGENCY_ADMIN, email="admin@atelier.example")
    pm = member(engagement, Role.PROJECT_MANAGER, email="pm@atelier.example")
    member(engagement, Role.DIRECTOR, email="director@nordfer.example")
    sprint = SprintFactory(engagement=engagement)
    for n in range(3):
        TicketFactory(
            engagement=engagement,
            reporter=pm,
            title=f"Ticket {n}",
            effort_days=Decimal("2.5"),
            annual_revenue_gain=Decimal("1200.00"),
            sprint=sprint,
        )
    objective = StrategicObjective.objects.create(
        engagement=engagement, title="B2B online", weight=Decimal("1.00")
    )
    item = RoadmapItem.objects.create(engagement=engagement, title="Punch-out", lane="now")
    item.objectives.add(objective)
    item.tickets.add(Ticket.objects.first())
    issued = api_token_create(engagement=engagement, name="CI", scope="write", created_by=admin)
    return {"engagement": engagement, "token": issued.raw_key}


# Every check runs. One is told more than its default: a request the schema allows may still
# break a business rule the schema cannot state (the assignee must hold a role here, a sprint's
# name is unique, an objective's weight is above 0, an item sits in a quarter or a lane), which
# is a 400 naming the field, like any invalid input.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "412", "428"]
            }
        }
    }
)
# The schema is public and reads no data: it is loaded once, as the test module is collected.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application, config=CONFIG)
# The stateful run leaves out one check, "ignored_auth", which the stateless run above makes on
# every operation: the WSGI client's cookie jar may still hold the other engagement's session
# of the test before it, which that check would take for credentials the API accepted.
STATEFUL = schemathesis.openapi.from_wsgi(
    "/api/v1/schema/",
    application,
    config=SchemathesisConfig.from_dict(
        {
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "412", "428"]
                },
                "ignored_auth": {"enabled": False},
            }
        }
    ),
)


def _in_nordfer(case) -> None:
    # Requests name the engagement that holds the data (a random slug would only meet 404s).
    if "slug" in (case.path_parameters or {}):
        case.path_parameters["slug"] = SLUG


@schema.parametrize()
@settings(HYPOTHESIS)
def test_every_operation_keeps_the_contract_for_a_write_token(case, nordfer):
    _in_nordfer(case)
    case.call_and_validate(headers={"Authorization": f"Bearer {nordfer['token']}"})


@pytest.fixture
def outsider_session(client, other_engagement, nordfer):
    """A signed-in agency admin of another engagement, with their CSRF cookie."""
    outsider = member(other_engagement, Role.AGENCY_ADMIN, email="admin@maison-lila.example")
    client.force_login(outsider)
    csrf = "a" * 32
    return {
        "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf},
        "headers": {"X-CSRFToken": csrf},
    }


@schema.include(path_regex=r"\{slug\}").parametrize()
@settings(HYPOTHESIS)
def test_another_engagements_session_meets_only_404(case, outsider_session):
    if case.method.upper() != case.operation.method.upper():
        return  # a method the path does not have: 405 whoever asks, and tells nothing
    if case.meta is not None and case.meta.generation.mode.value == "negative":
        return  # a request the schema refuses (not JSON, say) may be refused before the lookup
    _in_nordfer(case)
    # The session is the only credential (the schema's bearer scheme would add a token).
    case.headers = {k: v for k, v in (case.headers or {}).items() if k != "Authorization"}
    response = case.call(headers=outsider_session["headers"], cookies=outsider_session["cookies"])
    assert response.status_code == 404, (case.method, case.formatted_path, response.text)
    content_type = {k.lower(): v for k, v in response.headers.items()}["content-type"]
    assert content_type in ("application/problem+json", ["application/problem+json"])


def test_the_links_between_creations_and_their_objects_keep_the_contract(nordfer):
    token = nordfer["token"]

    class Workflow(STATEFUL.as_state_machine()):
        def before_call(self, case):
            # On the case itself, not on every call: the auth checks then replace it with
            # credentials that must be refused.
            _in_nordfer(case)
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}

    run_state_machine_as_test(
        Workflow,
        settings=settings(
            HYPOTHESIS,
            max_examples=max(EXAMPLES // 2, 3),
            stateful_step_count=6,
        ),
    )
