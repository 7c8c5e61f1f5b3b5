"""Dashboard forms of the roadmap. They only parse input: roadmap.services holds the rules, and
their ValidationError is shown on the form with ``collab.forms.add_service_errors``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from backlog.models import Ticket
from collab.models import Engagement
from roadmap import selectors
from roadmap.models import Lane, ObjectiveStatus, RoadmapItem, RoadmapItemStatus
from roadmap.quarters import Quarter, quarter_range


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ObjectiveForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=_textarea())
    kpi = forms.CharField(
        label=_("KPI"),
        max_length=200,
        required=False,
        help_text=_("What is measured, for example: B2B online orders."),
    )
    target = forms.CharField(
        label=_("Target"),
        max_length=200,
        required=False,
        help_text=_("For example: +15 % by 2027."),
    )
    horizon = forms.CharField(
        label=_("Horizon"),
        max_length=50,
        required=False,
        help_text=_("For example 2027 or Q4 2026."),
    )
    weight = forms.DecimalField(
        label=_("Weight"),
        max_digits=6,
        decimal_places=2,
        initial=Decimal("1"),
        help_text=_("How much the objective counts in tickets' scores; more than 0."),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=ObjectiveStatus.choices, initial=ObjectiveStatus.ACTIVE
    )
    position = forms.IntegerField(label=_("Position"), min_value=0, initial=0)

    @classmethod
    def initial_from(cls, objective) -> dict[str, Any]:
        return {name: getattr(objective, name) for name in cls.base_fields}


class TicketChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Ticket) -> str:
        return f"{obj.key} {obj.title}"


def placement_choices(*, current: Quarter, keep: str = "") -> list[tuple[Any, Any]]:
    """Quarters from the previous one to two years ahead (and ``keep`` if outside), then the
    lanes; grouped for the select."""
    quarters = [str(q) for q in quarter_range(current - 1, current + 8)]
    if keep and keep not in quarters and keep not in Lane.values:
        quarters.insert(0, keep)
    return [
        (_("Quarters"), [(q, q) for q in quarters]),
        (_("Lanes"), list(Lane.choices)),
    ]


def split_placement(value: str) -> tuple[str, str]:
    """A placement choice as the (quarter, lane) pair the services take."""
    return ("", value) if value in Lane.values else (value, "")


class RoadmapItemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=_textarea(4))
    placement = forms.ChoiceField(
        label=_("Quarter or lane"),
        help_text=_("A quarter when it is planned; now, next or later while it is not yet."),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=RoadmapItemStatus.choices, initial=RoadmapItemStatus.PLANNED
    )
    objectives = forms.ModelMultipleChoiceField(
        label=_("Objectives"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The client's objectives this item serves."),
    )
    tickets = TicketChoiceField(
        label=_("Tickets"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_(
            "Open tickets of the backlog; the item's value and effort are summed from them."
        ),
    )

    def __init__(
        self,
        *args: Any,
        engagement: Engagement,
        current: Quarter,
        item: RoadmapItem | None = None,
        **kwargs: Any,
    ) -> None:
        if item is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": item.title,
                "description": item.description,
                "placement": item.quarter or item.lane,
                "status": item.status,
                "objectives": list(item.objectives.all()),
                "tickets": list(item.tickets.all()),
            }
        super().__init__(*args, **kwargs)
        linked = list(item.tickets.values_list("pk", flat=True)) if item is not None else []
        self.fields["objectives"].queryset = selectors.objective_list(engagement=engagement)
        self.fields["tickets"].queryset = selectors.roadmap_ticket_choices(
            engagement=engagement, keep=linked
        )
        keep = item.quarter if item is not None else ""
        self.fields["placement"].choices = placement_choices(current=current, keep=keep)
        if item is None:
            self.fields["placement"].initial = str(current)

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["quarter"], data["lane"] = split_placement(data.pop("placement"))
        return data


class MoveForm(forms.Form):
    """Where an item goes: a quarter (``2027-Q1``) or a lane; the board's first quarter comes
    back so that the answer shows the same columns."""

    to = forms.CharField(label=_("Move to"), max_length=7)
    position = forms.IntegerField(required=False, min_value=0)
    start = forms.CharField(required=False, max_length=7)

    def clean_to(self) -> str:
        value = self.cleaned_data["to"].strip()
        if value in Lane.values:
            return value
        try:
            return str(Quarter.parse(value))
        except ValueError:
            raise forms.ValidationError(
                _("Choose a quarter (for example 2027-Q1) or now, next or later.")
            ) from None


class RoadmapSettingsForm(forms.Form):
    capacity_days_per_quarter = forms.DecimalField(
        label=_("Agency capacity (person-days per quarter)"),
        max_digits=8,
        decimal_places=1,
        min_value=Decimal("0"),
        help_text=_("The board warns when a quarter's planned effort exceeds it."),
    )
    value_realisation_weeks = forms.IntegerField(
        label=_("Weeks before asking for realised value"),
        min_value=1,
        max_value=520,
        help_text=_("How long after a ticket is done the director records its actual value."),
    )
