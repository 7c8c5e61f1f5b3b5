"""Dashboard forms of roles: the team, invitations, API tokens."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from collab.models import ApiToken, Language, User
from roles.models import Role

EMAIL_SEPARATORS = re.compile(r"[\s,;]+")


class InvitationForm(forms.Form):
    """Invite several people at once with one role."""

    emails = forms.CharField(
        label=_("Email addresses"),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("One per line, or separated by commas."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    allocation_percent = forms.IntegerField(
        label=_("Allocation (%)"),
        initial=100,
        min_value=0,
        max_value=100,
        help_text=_("Share of each person's working time, 0 to 100."),
    )

    def clean_emails(self) -> list[str]:
        emails = [part for part in EMAIL_SEPARATORS.split(self.cleaned_data["emails"]) if part]
        invalid = []
        for email in emails:
            try:
                validate_email(email)
            except ValidationError:
                invalid.append(email)
        if invalid:
            raise ValidationError(
                ngettext(
                    "Not a valid email address: %(emails)s.",
                    "Not valid email addresses: %(emails)s.",
                    len(invalid),
                )
                % {"emails": ", ".join(invalid)}
            )
        if not emails:
            raise ValidationError(_("Enter at least one email address."))
        return emails


class RoleAssignmentForm(forms.Form):
    """A person's share of time on a role, and when they hold it."""

    allocation_percent = forms.IntegerField(
        label=_("Allocation (%)"), help_text=_("0 to 100."), min_value=0
    )
    start_date = forms.DateField(
        label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label=_("End date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty while the role goes on."),
    )


class ApiTokenForm(forms.Form):
    """A new token for an integration."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What uses it, for example “CI pipeline” or “Helpdesk”."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"), choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ
    )


class InvitationSignUpForm(forms.Form):
    """A new person accepting an invitation: a name, a password, and the time zone and
    language Tandem shows them (suggested from their browser)."""

    display_name = forms.CharField(label=_("Your name"), max_length=150)
    time_zone = forms.CharField(
        label=_("Your time zone"),
        max_length=64,
        help_text=_("IANA name, for example Europe/Paris: meetings and reminders use it."),
        # static/js/timezone-suggest.js fills it from the browser's zone.
        widget=forms.TextInput(
            attrs={"list": "time-zones", "autocomplete": "off", "data-suggest-time-zone": ""}
        ),
    )
    language = forms.ChoiceField(label=_("Your language"), choices=Language.choices)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_time_zone(self) -> str:
        return self.cleaned_data["time_zone"].strip()

    def clean(self) -> dict:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            candidate = User(email=self.email, display_name=cleaned.get("display_name", ""))
            try:
                password_validation.validate_password(password1, user=candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned
