import datetime as dt

import pytest

from roles.models import Role
from tests.factories import member

UTC = dt.UTC


@pytest.fixture
def team(engagement):
    """Director (Paris, French), project manager (Paris), consultant (New York)."""
    engagement.sync_weekday = 1  # Tuesday
    engagement.sync_time = dt.time(10, 0)
    engagement.sync_time_zone = "Europe/Paris"
    engagement.save()
    people = {
        "director": member(
            engagement,
            Role.DIRECTOR,
            email="director@nordfer.example",
            display_name="Claire Dubois",
            language="fr",
        ),
        "pm": member(
            engagement,
            Role.PROJECT_MANAGER,
            email="pm@atelier.example",
            display_name="Julien Moreau",
        ),
        "consultant": member(
            engagement,
            Role.CONSULTANT,
            email="consultant@atelier.example",
            display_name="Sam Carter",
            time_zone="America/New_York",
        ),
    }
    return people
