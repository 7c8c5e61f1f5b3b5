"""Roadmap factories: items and objectives stay inside one engagement."""

import factory

from roadmap.models import RoadmapItem, StrategicObjective
from tests.factories import EngagementFactory


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StrategicObjective

    engagement = factory.SubFactory(EngagementFactory)
    title = factory.Sequence(lambda n: f"Objective {n}")


class RoadmapItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoadmapItem
        skip_postgeneration_save = True

    engagement = factory.SubFactory(EngagementFactory)
    title = factory.Sequence(lambda n: f"Item {n}")
    quarter = "2027-Q1"

    @factory.post_generation
    def tickets(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.tickets.set(extracted)

    @factory.post_generation
    def objectives(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.objectives.set(extracted)
