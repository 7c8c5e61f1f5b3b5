"""The ticket filters shared by the dashboard and the API (on a ``ticket_list`` queryset, which
carries the ``score`` and ``quadrant`` annotations)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from backlog.models import Kind, Label, Origin, Sprint, Status, Ticket
from backlog.scoring import Quadrant
from collab.models import User
from roles.models import RoleAssignment

ORDERINGS = {
    "score": ("-score", "number"),
    "-score": ("score", "-number"),
    "rank": ("manual_rank", "-score", "number"),
    "created": ("created_at", "number"),
    "-created": ("-created_at", "-number"),
    "updated": ("updated_at", "number"),
    "-updated": ("-updated_at", "-number"),
}

ANY = _("Any")
# The query values the API documents (?needs_alignment=true), with words a person reads.
YES_NO_ANY = [("", ANY), ("true", _("Yes")), ("false", _("No"))]


class InChoiceFilter(django_filters.MultipleChoiceFilter):
    """Several choices of one field as ``field__in`` (a single-valued column: no join, so no
    ``DISTINCT``, which would sort the whole backlog)."""

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if not value or set(value) == {choice for choice, _label in self.field.choices}:
            return qs
        return qs.filter(**{f"{self.field_name}__in": list(value)})


class TicketFilter(django_filters.FilterSet):
    """Filters of the backlog; sprint, assignee and label choices are the engagement's own."""

    status = InChoiceFilter(label=_("Status"), choices=Status.choices)
    kind = InChoiceFilter(label=_("Kind"), choices=Kind.choices)
    origin = django_filters.ChoiceFilter(label=_("Origin"), choices=Origin.choices, empty_label=ANY)
    sprint = django_filters.ModelChoiceFilter(
        label=_("Sprint"), queryset=Sprint.objects.none(), empty_label=ANY
    )
    assignee = django_filters.ModelChoiceFilter(
        label=_("Assignee"), queryset=User.objects.none(), empty_label=ANY
    )
    label = django_filters.ModelChoiceFilter(
        label=_("Label"), field_name="labels", queryset=Label.objects.none(), empty_label=ANY
    )
    objective = django_filters.NumberFilter(label=_("Objective"), method="filter_objective")
    quadrant = django_filters.ChoiceFilter(
        label=_("Quadrant"), choices=Quadrant.choices, empty_label=ANY
    )
    needs_alignment = django_filters.BooleanFilter(
        label=_("Needs alignment"), widget=forms.Select(choices=YES_NO_ANY)
    )
    unrouted = django_filters.BooleanFilter(
        label=_("Unrouted"), widget=forms.Select(choices=YES_NO_ANY)
    )
    q = django_filters.CharFilter(label=_("Search"), method="filter_text")
    ordering = django_filters.ChoiceFilter(
        label=_("Sort by"),
        method="filter_ordering",
        empty_label=_("Pinned, then score"),
        choices=[
            ("score", _("Score, highest first")),
            ("-score", _("Score, lowest first")),
            ("rank", _("Pinned rank")),
            ("created", _("Created, oldest first")),
            ("-created", _("Created, newest first")),
            ("updated", _("Updated, oldest first")),
            ("-updated", _("Updated, newest first")),
        ],
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    def __init__(self, *args: Any, engagement: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.engagement = engagement
        self.filters["sprint"].queryset = Sprint.objects.filter(engagement=engagement)
        self.filters["label"].queryset = Label.objects.filter(engagement=engagement)
        self.filters["assignee"].queryset = User.objects.filter(
            pk__in=RoleAssignment.objects.filter(engagement=engagement).values("person_id")
        )

    def filter_objective(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        # The alignment rows live in roadmap; the backlog names the relation, never the module.
        # A subquery rather than a join: one row per ticket without DISTINCT.
        aligned = Ticket.objects.filter(
            engagement=self.engagement,
            alignments__objective_id=value,
            alignments__objective__engagement=self.engagement,
            alignments__level__in=("supports", "key"),
        ).values("pk")
        return queryset.filter(pk__in=aligned)

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        condition = Q(title__icontains=value) | Q(description__icontains=value)
        prefix, _sep, number = value.upper().partition("-")
        if prefix == self.engagement.key_prefix and number.isdigit():
            condition |= Q(number=int(number))
        return queryset.filter(condition)

    def filter_ordering(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        fields = []
        for term in ORDERINGS[value]:
            descending = term.startswith("-")
            column = F(term.lstrip("-"))
            fields.append(
                column.desc(nulls_last=True) if descending else column.asc(nulls_last=True)
            )
        return queryset.order_by(*fields)
