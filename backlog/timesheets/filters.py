"""The time filters: entries (shared by the list page and the API) and week decisions (the
API's list of approvals)."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from backlog.selectors import parse_key
from backlog.timesheets.models import TimeEntry, TimesheetWeek, week_start
from collab.models import Engagement, User


class TimeEntryFilter(django_filters.FilterSet):
    """Person, days (from, to, inclusive) or a month (``2026-03``), ticket key, approved,
    billable."""

    person = django_filters.ModelChoiceFilter(
        label=_("Person"), queryset=User.objects.none(), empty_label=_("Anyone")
    )
    date_from = django_filters.DateFilter(label=_("From"), field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(label=_("To"), field_name="date", lookup_expr="lte")
    month = django_filters.DateFilter(
        label=_("Month"), method="filter_month", input_formats=["%Y-%m"]
    )
    ticket = django_filters.CharFilter(label=_("Ticket"), method="filter_ticket")
    approved = django_filters.BooleanFilter(label=_("Approved"), method="filter_approved")
    billable = django_filters.BooleanFilter(label=_("Billable"))

    class Meta:
        model = TimeEntry
        fields: list[str] = []

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.engagement = engagement
        self.filters["person"].queryset = User.objects.filter(
            role_assignments__engagement=engagement
        ).distinct()

    def filter_ticket(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value.strip():
            return queryset
        parsed = parse_key(value.strip().upper())
        if parsed is None or parsed[0] != self.engagement.key_prefix:
            return queryset.none()
        return queryset.filter(ticket__number=parsed[1])

    def filter_month(self, queryset: QuerySet, name: str, value: datetime.date | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(date__year=value.year, date__month=value.month)

    def filter_approved(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(approved_at__isnull=not value)


class TimesheetWeekFilter(django_filters.FilterSet):
    """Person, decision (approved or returned), weeks (from, to: any day of a week counts
    from its Monday)."""

    person = django_filters.ModelChoiceFilter(
        label=_("Person"), queryset=User.objects.none(), empty_label=_("Anyone")
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=TimesheetWeek.Status.choices)
    week_from = django_filters.DateFilter(label=_("From"), method="filter_week_from")
    week_to = django_filters.DateFilter(label=_("To"), field_name="week_start", lookup_expr="lte")

    class Meta:
        model = TimesheetWeek
        fields: list[str] = []

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["person"].queryset = User.objects.filter(
            role_assignments__engagement=engagement
        ).distinct()

    def filter_week_from(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(week_start__gte=week_start(value))
