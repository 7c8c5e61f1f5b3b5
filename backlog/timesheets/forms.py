"""Forms of the time pages: a duration as people type it, the ticket page's quick add, an
entry's edit, a returned week's reason."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from backlog.timesheets.durations import duration_format, duration_parse
from backlog.timesheets.models import Budget
from roles.models import Role


class DurationField(forms.CharField):
    """``1h30``, ``90m`` or ``1.5`` (hours), cleaned to minutes."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("help_text", _("1h30, 90m or 1.5 (hours)."))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def prepare_value(self, value: Any) -> Any:
        return duration_format(value) if isinstance(value, int) else value

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        minutes = duration_parse(text)
        if minutes is not None and minutes <= 0:
            raise ValidationError(_("A duration must be more than zero."))
        return minutes


def _role_choices(roles: list[str]) -> list[tuple[str, str]]:
    return [("", _("Choose the role"))] + [(role, Role(role).label) for role in roles]


class QuickAddForm(forms.Form):
    """Time on a ticket: a duration, the day (today by default), the role when several."""

    duration = DurationField(label=_("Duration"))
    date = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    role = forms.ChoiceField(label=_("Role"), required=False)
    billable = forms.BooleanField(label=_("Billable"), required=False, initial=True)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    note_internal = forms.BooleanField(
        label=_("Internal note"), required=False, help_text=_("Hidden from the client's people.")
    )

    def __init__(self, *args: Any, roles: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if len(roles) > 1:
            self.fields["role"].choices = _role_choices(roles)
            self.fields["role"].required = True
        else:
            del self.fields["role"]


class TimerForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), required=True)

    def __init__(self, *args: Any, roles: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(roles)


class EntryForm(forms.Form):
    """Every field of an entry its person may change."""

    date = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    minutes = DurationField(label=_("Duration"))
    ticket = forms.CharField(
        label=_("Ticket"),
        required=False,
        max_length=40,
        help_text=_("Its key, e.g. NORD-42; empty for time on no ticket."),
    )
    role = forms.ChoiceField(label=_("Role"))
    billable = forms.BooleanField(label=_("Billable"), required=False)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    note_internal = forms.BooleanField(
        label=_("Internal note"), required=False, help_text=_("Hidden from the client's people.")
    )

    def __init__(self, *args: Any, roles: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(role, Role(role).label) for role in roles]


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it returned?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The person reads it in their inbox."),
    )


class BudgetForm(forms.Form):
    """A budget: its kind, unit and start (fixed once created), its amount per period, end
    and rollover rule."""

    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Budget.Kind.choices)
    unit = forms.ChoiceField(
        label=_("Counted in"),
        choices=Budget.Unit.choices,
        help_text=_("Money is counted at the engagement's day rate (a day is 8 hours)."),
    )
    amount = forms.DecimalField(
        label=_("Amount per period"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    starts_on = forms.DateField(
        label=_("Starts on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "A retainer renews on this day each month (or quarter): from the 1st to the 28th."
        ),
    )
    ends_on = forms.DateField(
        label=_("Ends on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Required for a fixed project budget; optional for a retainer."),
    )
    rollover = forms.ChoiceField(
        label=_("Unused hours at the end of a period"), choices=Budget.Rollover.choices
    )
    rollover_cap_hours = forms.DecimalField(
        label=_("Carry over at most (hours)"),
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            for name in ("kind", "unit", "starts_on"):
                del self.fields[name]
