"""Search across what a person may see: tickets (by key or words), meetings, objectives and
people of the engagements visible to them. Every query is scoped to the ``visible`` engagements
the caller passes (``roles.policy.engagements_visible_to``), so no search reaches another
engagement's rows.

On PostgreSQL ticket words go through full-text search on ``title`` and ``description`` with
the ``simple`` configuration (English and French text alike, no stemming), served by the
expression index of migration backlog 0005; every word is matched as a prefix, so a title is
found while its words are still being typed. The embedded SQLite default matches the title's
words with ``icontains`` instead."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Q, QuerySet

from backlog.models import Ticket
from backlog.search import ticket_document
from collab.models import Engagement, User
from collab.rhythm.models import Meeting
from roadmap.models import StrategicObjective
from roles.models import RoleAssignment

TICKET_KEY = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]{0,9})-(\d{1,9})\s*$")
WORD = re.compile(r"\w+", re.UNICODE)
# Longest query read: a palette query is a few words; more is noise and a slower plan.
MAX_QUERY_LENGTH = 200
MAX_WORDS = 8


@dataclass(frozen=True)
class SearchResults:
    """What a query found, by kind, each list ordered best first."""

    query: str
    tickets: list[Ticket]
    meetings: list[Meeting]
    objectives: list[StrategicObjective]
    people: list[User]

    @property
    def count(self) -> int:
        return len(self.tickets) + len(self.meetings) + len(self.objectives) + len(self.people)


def search_words(query: str) -> list[str]:
    """The words of a query, lower-cased, at most ``MAX_WORDS``."""
    return [word.lower() for word in WORD.findall(query[:MAX_QUERY_LENGTH])][:MAX_WORDS]


def _tickets(*, visible: QuerySet[Engagement], query: str, limit: int) -> list[Ticket]:
    tickets = Ticket.objects.filter(engagement__in=visible).select_related("engagement")
    key = TICKET_KEY.match(query)
    if key:
        prefix, number = key.group(1), int(key.group(2))
        exact = list(tickets.filter(engagement__key_prefix__iexact=prefix, number=number)[:1])
        if exact:
            return exact
    words = search_words(query)
    if not words:
        return []
    matched: QuerySet[Ticket]
    if connection.vendor == "postgresql":
        raw = " & ".join(f"{word}:*" for word in words)
        matched = tickets.annotate(document=ticket_document()).filter(
            document=SearchQuery(raw, search_type="raw", config="simple")
        )
    else:
        condition = Q()
        for word in words:
            condition &= Q(title__icontains=word)
        matched = tickets.filter(condition)
    return list(matched.order_by("-updated_at", "-pk")[:limit])


def _words_condition(words: list[str], *fields: str) -> Q:
    condition = Q()
    for word in words:
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": word})
        condition &= any_field
    return condition


def search(*, visible: QuerySet[Engagement], query: str, limit: int = 8) -> SearchResults:
    """Tickets, meetings, objectives and people matching ``query`` in the ``visible``
    engagements; at most ``limit`` of each kind. Five queries whatever the data's size."""
    query = query.strip()[:MAX_QUERY_LENGTH]
    words = search_words(query)
    if not query or not words:
        return SearchResults(query=query, tickets=[], meetings=[], objectives=[], people=[])
    meetings = list(
        Meeting.objects.filter(engagement__in=visible)
        .filter(_words_condition(words, "title", "engagement__name"))
        .select_related("engagement")
        .order_by("-starts_at", "-pk")[:limit]
    )
    objectives = list(
        StrategicObjective.objects.filter(engagement__in=visible)
        .filter(_words_condition(words, "title", "kpi"))
        .select_related("engagement")
        .order_by("title", "pk")[:limit]
    )
    members = RoleAssignment.objects.active().filter(engagement__in=visible).values("person_id")
    people = list(
        User.objects.filter(pk__in=members, is_active=True)
        .filter(_words_condition(words, "display_name", "email"))
        .order_by("display_name", "pk")[:limit]
    )
    return SearchResults(
        query=query,
        tickets=_tickets(visible=visible, query=query, limit=limit),
        meetings=meetings,
        objectives=objectives,
        people=people,
    )
