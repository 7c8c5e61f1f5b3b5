"""Forms of the review pages: they parse and type; the services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 3}))
    ticket = forms.CharField(
        label=_("Ticket (optional)"),
        max_length=24,
        required=False,
        help_text=_("Its key, for example NORD-42."),
    )


class RealisationForm(forms.Form):
    realisation = forms.IntegerField(widget=forms.HiddenInput)
    realised_annual_value = forms.DecimalField(
        label=_("Realised annual value"),
        max_digits=16,
        decimal_places=2,
        min_value=Decimal("0"),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
