import datetime as dt

import pytest
from pytest_httpserver import HTTPServer

from collab.webhooks.services import webhook_create
from roles.models import Role
from tests.factories import member

UTC = dt.UTC
ALL_EVENTS = [
    "ticket.created",
    "ticket.status_changed",
    "review.signed_off",
    "meeting.held",
    "time.week_approved",
    "budget.alert",
]


@pytest.fixture
def private_targets(settings):
    """Deliveries go to the local test server (http://localhost:…), which the private-target
    rule refuses in production."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


@pytest.fixture
def receiver(httpserver: HTTPServer) -> HTTPServer:
    """A real HTTP server on localhost answering 204 to POST /hook."""
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=204)
    return httpserver


@pytest.fixture
def make_webhook(engagement, admin_user, private_targets, httpserver):
    def make(*, events=None, path="/hook", engagement_=None, description=""):
        return webhook_create(
            engagement=engagement_ or engagement,
            created_by=admin_user,
            target_url=httpserver.url_for(path),
            events=list(events or ALL_EVENTS),
            description=description,
        )

    return make


@pytest.fixture
def pm(engagement):
    return member(engagement, Role.PROJECT_MANAGER, email="pm@atelier.example")
