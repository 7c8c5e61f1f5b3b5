"""Backlog factories: every ticket takes its number from its engagement's counter."""

import datetime

import factory
from django.db import transaction

from backlog.models import AcceptanceCriterion, Sprint, Ticket
from backlog.services import ticket_number_allocate, tickets_rescore
from tests.factories import EngagementFactory, UserFactory


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    engagement = factory.SubFactory(EngagementFactory)
    title = factory.Sequence(lambda n: f"Ticket {n}")
    kind = "feature"
    reporter = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with transaction.atomic():
            kwargs.setdefault("number", ticket_number_allocate(engagement=kwargs["engagement"]))
            ticket = super()._create(model_class, *args, **kwargs)
            # As the services store it: the ranking kept true in the same transaction.
            tickets_rescore(engagement=ticket.engagement, tickets=[ticket.pk])
            ticket.refresh_from_db(fields=["annual_value", "score", "quadrant"])
            return ticket


class SprintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sprint

    engagement = factory.SubFactory(EngagementFactory)
    name = factory.Sequence(lambda n: f"Sprint {n}")
    start = datetime.date(2026, 1, 5)
    end = factory.LazyAttribute(lambda o: o.start)


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AcceptanceCriterion

    ticket = factory.SubFactory(TicketFactory)
    engagement = factory.SelfAttribute("ticket.engagement")
    order = factory.Sequence(lambda n: n + 1)
    text = "The customer sees the delivery date"
    author = factory.SubFactory(UserFactory)
