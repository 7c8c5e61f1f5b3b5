"""factory_boy factories; every object graph stays inside one engagement."""

import datetime

import factory
from django.utils import timezone

from collab.models import ApiToken, Engagement, Organization, User
from roles.models import Invitation, Role, RoleAssignment

DEMO_PASSWORD = "tandem-demo"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    time_zone = "Europe/Paris"
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", DEMO_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("name",)

    name = "Atelier Test"
    kind = Organization.Kind.AGENCY


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Client {n}")
    kind = Organization.Kind.CLIENT


class EngagementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Engagement

    agency = factory.SubFactory(AgencyFactory)
    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Engagement {n}")
    slug = factory.Sequence(lambda n: f"engagement-{n}")
    key_prefix = factory.Sequence(lambda n: f"EN{n}")
    platform = "shopify_plus"
    business_model = "b2c"
    currency = "EUR"
    client_hourly_cost = 60
    agency_day_rate = 750


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    engagement = factory.SubFactory(EngagementFactory)
    person = factory.SubFactory(UserFactory)
    role = Role.DEVELOPER
    allocation_percent = 50
    # Held since long before any date a test travels to: a role that started "today" would not
    # be in force in a test set in an earlier month, and the suite would depend on the day it runs.
    start_date = datetime.date(2020, 1, 1)


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    engagement = factory.SubFactory(EngagementFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.TESTER
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=7))


def member(engagement: Engagement, role: str = Role.DEVELOPER, **person_fields) -> User:
    """A new person holding ``role`` on ``engagement``."""
    person = UserFactory(**person_fields)
    RoleAssignmentFactory(engagement=engagement, person=person, role=role)
    return person


__all__ = ["ApiToken", "member"]
