"""An unrouted ticket reaches the project manager's inbox, once its filing commits."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from backlog import services
from collab.rhythm.models import Notification
from roles.models import Role
from tests.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def pm(engagement):
    # Nobody holds the tester role: bugs go unrouted.
    return member(engagement, Role.PROJECT_MANAGER, email="pm@atelier.example")


def test_an_unrouted_ticket_notifies_the_project_manager_after_commit(
    engagement, pm, director, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket = services.ticket_create(
            actor=director, engagement=engagement, title="Cart empties itself", kind="bug"
        )
    assert ticket.unrouted
    assert not Notification.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    (notification,) = Notification.objects.all()
    assert (notification.person, notification.engagement, notification.kind) == (
        pm,
        engagement,
        "ticket_unrouted",
    )
    assert notification.title == "NORD-1 is unrouted: Cart empties itself"
    assert notification.url == reverse("backlog:ticket-detail", args=["nordfer", "NORD-1"])
    assert notification.read_at is None


def test_every_project_manager_in_force_is_told_once(
    engagement, pm, director, django_capture_on_commit_callbacks
):
    second = member(engagement, Role.PROJECT_MANAGER, language="fr")
    member(engagement, Role.DEVELOPER)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_create(actor=director, engagement=engagement, title="Panier", kind="bug")
    assert sorted(Notification.objects.values_list("person_id", flat=True)) == sorted(
        [pm.pk, second.pk]
    )


def test_a_routed_ticket_notifies_nobody(
    engagement, pm, director, django_capture_on_commit_callbacks
):
    member(engagement, Role.TESTER)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ticket = services.ticket_create(
            actor=director, engagement=engagement, title="Cart bug", kind="bug"
        )
    assert not ticket.unrouted
    assert callbacks == []
    assert not Notification.objects.exists()


def test_a_batch_of_unrouted_tickets_makes_one_entry_listing_their_keys(
    engagement, pm, director, django_capture_on_commit_callbacks
):
    member(engagement, Role.BUSINESS_ANALYST)  # features are routed
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_create_many(
            actor=director,
            engagement=engagement,
            rows=[
                {"title": "A", "kind": "bug"},
                {"title": "B", "kind": "feature"},
                {"title": "C", "kind": "bug"},
            ],
        )
    (notification,) = Notification.objects.filter(person=pm)
    assert notification.title == "2 tickets are unrouted"
    assert "NORD-1, NORD-3" in notification.body


def test_a_refused_filing_notifies_nobody(
    engagement, pm, director, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError),
    ):
        services.ticket_create(actor=director, engagement=engagement, title="", kind="bug")
    assert callbacks == []
    assert not Notification.objects.exists()
