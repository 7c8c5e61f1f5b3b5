"""The forms of the webhooks' pages; the services check the rules (events, allowed targets)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from collab.webhooks.models import SUBSCRIBABLE_EVENTS


class WebhookForm(forms.Form):
    target_url = forms.URLField(
        label=_("Target URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("An https:// address of your integration that accepts POST requests."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(event.value, event.label) for event in SUBSCRIBABLE_EVENTS],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )


class WebhookActiveForm(forms.Form):
    active = forms.TypedChoiceField(
        choices=[("1", _("Enable")), ("0", _("Disable"))], coerce=lambda value: value == "1"
    )
