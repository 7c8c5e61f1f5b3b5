"""Dashboard forms of the collaboration core: engagements, a person's settings, the language.

Forms only parse input; the services validate the rules and their ``ValidationError`` is mapped
back onto the form with :func:`add_service_errors`, so a refusal shows beside the right field.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from collab.models import BusinessModel, Engagement, Language, Platform, ReviewCadence, Weekday


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: field errors beside their field, the rest
    (and errors on fields the form does not show) at the top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        target = field if field in form.fields else None
        if field == NON_FIELD_ERRORS:
            target = None
        form.add_error(target, errors)


class EngagementSettingsForm(forms.Form):
    """The settings of an engagement any agency admin may change later."""

    name = forms.CharField(label=_("Name"), max_length=200)
    platform = forms.ChoiceField(label=_("E-commerce platform"), choices=Platform.choices)
    business_model = forms.ChoiceField(label=_("Business model"), choices=BusinessModel.choices)
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        help_text=_("ISO 4217 code, for example EUR, USD or CHF."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "size": 4}),
    )
    client_hourly_cost = forms.DecimalField(
        label=_("Client internal hourly cost"),
        max_digits=10,
        decimal_places=2,
        help_text=_("What an hour of the client's staff costs; values hours saved."),
    )
    agency_day_rate = forms.DecimalField(
        label=_("Agency day rate"),
        max_digits=10,
        decimal_places=2,
        help_text=_("What a person-day of the agency costs the client."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=Engagement.Status.choices)
    strategy = forms.CharField(
        label=_("Strategy statement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The client's long-term e-commerce vision, in a few sentences."),
    )
    sync_weekday = forms.TypedChoiceField(
        label=_("Weekly sync weekday"), choices=Weekday.choices, coerce=int
    )
    sync_time = forms.TimeField(
        label=_("Weekly sync local time"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    sync_time_zone = forms.CharField(
        label=_("Weekly sync time zone"),
        max_length=64,
        help_text=_("IANA name, for example Europe/Paris."),
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off"}),
    )
    sync_duration_minutes = forms.IntegerField(label=_("Weekly sync duration (minutes)"))
    review_cadence = forms.ChoiceField(
        label=_("Roadmap review cadence"), choices=ReviewCadence.choices
    )

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()

    def clean_sync_time_zone(self) -> str:
        return self.cleaned_data["sync_time_zone"].strip()

    @classmethod
    def initial_from(cls, engagement: Engagement) -> dict:
        return {name: getattr(engagement, name) for name in cls.base_fields}


class EngagementCreateForm(EngagementSettingsForm):
    """Opening an engagement: also names the client and the identifiers fixed for good."""

    client_name = forms.CharField(
        label=_("Client"),
        max_length=200,
        help_text=_("The client company; created if Tandem does not know it yet."),
    )
    slug = forms.SlugField(
        label=_("Address name"),
        max_length=60,
        help_text=_("Lower-case letters, digits and hyphens; used in links. Cannot change."),
    )
    key_prefix = forms.CharField(
        label=_("Ticket key prefix"),
        max_length=10,
        help_text=_("2 to 10 capital letters or digits, for example NORD. Cannot change."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters"}),
    )

    field_order = ["name", "client_name", "slug", "key_prefix"]

    def clean_key_prefix(self) -> str:
        return self.cleaned_data["key_prefix"].strip().upper()


def engagement_create_initial() -> dict:
    """Sensible defaults for a new engagement form."""
    return {
        "currency": "EUR",
        "client_hourly_cost": Decimal("0"),
        "agency_day_rate": Decimal("0"),
        "status": Engagement.Status.ACTIVE,
        "sync_weekday": Weekday.TUESDAY,
        "sync_time": "10:00",
        "sync_time_zone": "Europe/Paris",
        "sync_duration_minutes": 45,
        "review_cadence": ReviewCadence.QUARTERLY,
    }


class ProfileForm(forms.Form):
    """A person's own settings."""

    display_name = forms.CharField(label=_("Display name"), max_length=150, required=False)
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        help_text=_("IANA name, for example Europe/Paris. Times are shown in this zone."),
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)

    def clean_time_zone(self) -> str:
        return self.cleaned_data["time_zone"].strip()


class LanguageForm(forms.Form):
    """The language switch."""

    language = forms.ChoiceField(choices=Language.choices)
