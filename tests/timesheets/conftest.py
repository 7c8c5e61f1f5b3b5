import datetime

import pytest

from backlog.timesheets.services import time_entry_create
from roles.models import Role
from tests.backlog.factories import TicketFactory
from tests.factories import RoleAssignmentFactory, member

# A Wednesday afternoon in Paris; the week runs from Monday 2026-03-09.
NOW = datetime.datetime(2026, 3, 11, 15, 0, tzinfo=datetime.UTC)
MONDAY = datetime.date(2026, 3, 9)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def developer(engagement):
    return member(engagement, Role.DEVELOPER, email="dev@atelier.example", display_name="Dev One")


@pytest.fixture
def manager(engagement):
    return member(
        engagement, Role.PROJECT_MANAGER, email="pm@atelier.example", display_name="Claire Dubois"
    )


@pytest.fixture
def multi(engagement):
    """A person who is both project manager and tester: the role must be chosen."""
    person = member(engagement, Role.PROJECT_MANAGER, display_name="Multi Role")
    RoleAssignmentFactory(engagement=engagement, person=person, role=Role.TESTER)
    return person


@pytest.fixture
def ticket(engagement):
    return TicketFactory(engagement=engagement, title="Checkout", effort_days=2)


@pytest.fixture
def log(engagement):
    def _log(person, *, day=MONDAY, minutes=60, **extra):
        return time_entry_create(
            actor=person, engagement=engagement, person=person, date=day, minutes=minutes, **extra
        )

    return _log
