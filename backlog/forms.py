"""Dashboard forms of the backlog. They only parse input: the services hold the rules, and
their ValidationError is shown on the form with ``collab.forms.add_service_errors``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from backlog.attachment_forms import AttachmentFilesField, files_field_ready
from backlog.models import (
    ClientAcceptance,
    Confidence,
    FoundBy,
    InitiativeDecision,
    Kind,
    Origin,
    RiskLevel,
    Severity,
    Sprint,
    Ticket,
)
from collab.models import Engagement, User
from roles.models import Role, RoleAssignment

BUG_FIELDS = (
    "steps_to_reproduce",
    "expected_behaviour",
    "actual_behaviour",
    "environment",
    "severity",
    "found_by",
)
VALUE_FORM_FIELDS = (
    "annual_revenue_gain",
    "annual_cost_savings",
    "hours_saved_per_month",
    "effort_days",
    "confidence",
    "time_criticality",
    "risk_reduction",
    "reach",
)


def _members(engagement: Engagement):
    return User.objects.filter(
        pk__in=RoleAssignment.objects.active().filter(engagement=engagement).values("person_id")
    ).order_by("display_name", "email")


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class BugFieldsMixin(forms.Form):
    steps_to_reproduce = forms.CharField(
        label=_("Steps to reproduce"), required=False, widget=_textarea(4)
    )
    expected_behaviour = forms.CharField(
        label=_("Expected behaviour"), required=False, widget=_textarea(2)
    )
    actual_behaviour = forms.CharField(
        label=_("Actual behaviour"), required=False, widget=_textarea(2)
    )
    environment = forms.CharField(
        label=_("Environment"),
        required=False,
        max_length=200,
        help_text=_("Browser, device, store view, production or staging…"),
    )
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", "—"), *Severity.choices]
    )
    found_by = forms.ChoiceField(
        label=_("Found by"), required=False, choices=[("", "—"), *FoundBy.choices]
    )

    def bug_data(self) -> dict[str, Any]:
        """The bug template's fields, only for a bug (another kind keeps them empty)."""
        if self.cleaned_data.get("kind") != Kind.BUG:
            return {}
        return {name: self.cleaned_data.get(name, "") for name in BUG_FIELDS}


class ValueFieldsMixin(forms.Form):
    annual_revenue_gain = forms.DecimalField(
        label=_("Annual revenue gain"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    annual_cost_savings = forms.DecimalField(
        label=_("Annual cost savings"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    hours_saved_per_month = forms.DecimalField(
        label=_("Hours saved per month"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
    )
    effort_days = forms.DecimalField(
        label=_("Effort (person-days)"),
        required=False,
        min_value=0.01,
        max_digits=8,
        decimal_places=2,
    )
    confidence = forms.ChoiceField(
        label=_("Confidence"), choices=Confidence.choices, initial=Confidence.MEDIUM, required=False
    )
    time_criticality = forms.IntegerField(
        label=_("Time criticality (1-10)"), required=False, min_value=1, max_value=10
    )
    risk_reduction = forms.IntegerField(
        label=_("Risk reduction (1-10)"), required=False, min_value=1, max_value=10
    )
    reach = forms.IntegerField(
        label=_("Reach (people or orders per month)"), required=False, min_value=0
    )


class TicketCreateForm(BugFieldsMixin, ValueFieldsMixin):
    """Quick logging: a title, a kind, optionally a description and the bug template; for a
    feature or improvement, the value figures the engagement's scoring model reads (its
    author states them). Agency staff choose the origin explicitly; a client person's request
    is a client request."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, widget=forms.RadioSelect)
    origin = forms.ChoiceField(
        label=_("Origin"),
        choices=[("", _("Choose: who asks for it?")), *Origin.choices],
        help_text=_("A bug is always a client request."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=_textarea(5),
        help_text=_("Markdown."),
    )
    # A bug's screenshots or logs, attached as it is filed (only a bug's: the field belongs to
    # the bug template).
    files = AttachmentFilesField(label=_("Screenshots or files"))
    field_order = ["title", "kind", "description", *BUG_FIELDS, "files", "origin"]

    def __init__(
        self,
        *args: Any,
        client_side: bool = False,
        figures: tuple[str, ...] = VALUE_FORM_FIELDS,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        files_field_ready(self.fields["files"])
        self.client_side = client_side
        if client_side:
            del self.fields["origin"]
        for name in VALUE_FORM_FIELDS:
            if name not in figures:
                del self.fields[name]
        self.figures = [name for name in VALUE_FORM_FIELDS if name in self.fields]

    def value_data(self) -> dict[str, Any]:
        """The value figures stated, only for a feature or improvement."""
        if self.cleaned_data.get("kind") not in (Kind.FEATURE, Kind.IMPROVEMENT):
            return {}
        return {
            name: self.cleaned_data[name]
            for name in self.figures
            if self.cleaned_data.get(name) not in (None, "")
        }

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "kind": data["kind"],
            "origin": Origin.CLIENT_REQUEST if self.client_side else data["origin"],
            "description": data["description"],
            **self.bug_data(),
            **self.value_data(),
            "uploads": (data.get("files") or []) if data["kind"] == Kind.BUG else [],
        }


class TicketUpdateForm(BugFieldsMixin):
    """The description fields of a ticket, with the version it was read at."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=_textarea(8), help_text=_("Markdown.")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), required=False, queryset=User.objects.none()
    )
    sprint = forms.ModelChoiceField(
        label=_("Sprint"), required=False, queryset=Sprint.objects.none()
    )
    deadline = forms.DateField(
        label=_("Deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    labels = forms.CharField(
        label=_("Labels"),
        required=False,
        help_text=_("Separated by commas, for example: checkout, SEO."),
    )
    field_order = ["version", "title", "description", "kind", "assignee", "sprint", "deadline"]

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _members(engagement)
        self.fields["sprint"].queryset = Sprint.objects.filter(engagement=engagement)

    @staticmethod
    def initial_from(ticket: Ticket) -> dict[str, Any]:
        initial = {
            name: getattr(ticket, name)
            for name in ("version", "title", "description", "kind", "deadline", *BUG_FIELDS)
        }
        initial["assignee"] = ticket.assignee_id
        initial["sprint"] = ticket.sprint_id
        initial["labels"] = ", ".join(label.name for label in ticket.labels.all())
        return initial

    def clean_labels(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["labels"].split(",") if name.strip()]

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        result = {
            name: data[name]
            for name in ("title", "description", "kind", "assignee", "sprint", "deadline")
        }
        result["labels"] = data["labels"]
        if data["kind"] == Kind.BUG:
            result.update({name: data.get(name, "") for name in BUG_FIELDS})
        return result


class ValueForm(forms.Form):
    """The value figures of a ticket (the score preview reads the same form)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    annual_revenue_gain = forms.DecimalField(
        label=_("Annual revenue gain"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    annual_cost_savings = forms.DecimalField(
        label=_("Annual cost savings"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    hours_saved_per_month = forms.DecimalField(
        label=_("Hours saved per month"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
    )
    effort_days = forms.DecimalField(
        label=_("Effort (person-days)"),
        required=False,
        min_value=0.01,
        max_digits=8,
        decimal_places=2,
    )
    confidence = forms.ChoiceField(label=_("Confidence"), choices=Confidence.choices)
    time_criticality = forms.IntegerField(
        label=_("Time criticality (1-10)"), required=False, min_value=1, max_value=10
    )
    risk_reduction = forms.IntegerField(
        label=_("Risk reduction (1-10)"), required=False, min_value=1, max_value=10
    )
    reach = forms.IntegerField(
        label=_("Reach (people or orders per month)"), required=False, min_value=0
    )

    @staticmethod
    def initial_from(ticket: Ticket) -> dict[str, Any]:
        return {
            "version": ticket.version,
            **{name: getattr(ticket, name) for name in VALUE_FORM_FIELDS},
        }

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in VALUE_FORM_FIELDS}


class PinForm(forms.Form):
    rank = forms.IntegerField(
        label=_("Pinned rank"),
        required=False,
        min_value=1,
        help_text=_("Leave empty to unpin."),
        widget=forms.NumberInput(attrs={"size": 3, "class": "rank-input"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TransitionForm(forms.Form):
    to_status = forms.CharField(max_length=20)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=_textarea(2),
        help_text=_("Required to reject a ticket or to reopen a done one."),
    )


class CriterionForm(forms.Form):
    text = forms.CharField(label=_("Criterion"), widget=_textarea(2))
    given = forms.CharField(label=_("Given"), required=False)
    when = forms.CharField(label=_("When"), required=False)
    then = forms.CharField(label=_("Then"), required=False)


class CriterionUpdateForm(CriterionForm):
    order = forms.IntegerField(label=_("Order"), min_value=1)
    field_order = ["order", "text", "given", "when", "then"]


class SuccessMetricForm(forms.Form):
    name = forms.CharField(label=_("Metric"), max_length=200)
    target = forms.CharField(label=_("Target"), max_length=200)


class ImpactAnalysisForm(forms.Form):
    affected_areas = forms.CharField(label=_("Affected areas"), widget=_textarea(3))
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)


class QAVerdictForm(forms.Form):
    """Overall pass or fail, notes, and pass or fail for each acceptance criterion."""

    passed = forms.TypedChoiceField(
        label=_("Overall verdict"),
        choices=[("pass", _("Pass")), ("fail", _("Fail"))],
        coerce=lambda value: value == "pass",
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=_textarea(3))

    def __init__(self, *args: Any, criteria: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.TypedChoiceField(
                label=criterion.text,
                choices=[("pass", _("Pass")), ("fail", _("Fail"))],
                coerce=lambda value: value == "pass",
                widget=forms.RadioSelect,
            )
        self.order_fields(
            [f"criterion_{criterion.pk}" for criterion in criteria] + ["passed", "notes"]
        )

    def results(self) -> dict[int, bool]:
        return {
            criterion.pk: self.cleaned_data[f"criterion_{criterion.pk}"]
            for criterion in self.criteria
        }


class InitiativeAnswerForm(forms.Form):
    """A client person's answer to an agency initiative."""

    decision = forms.ChoiceField(
        label=_("Your answer"), choices=InitiativeDecision.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=_textarea(2),
        help_text=_("Required when you decline it."),
    )


class QAExceptionForm(forms.Form):
    """The director's exception to the separation of duties for one ticket."""

    person = forms.ModelChoiceField(
        label=_("Tester allowed to verify"), queryset=User.objects.none()
    )
    reason = forms.CharField(label=_("Reason"), widget=_textarea(2))

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = User.objects.filter(
            pk__in=RoleAssignment.objects.active()
            .filter(engagement=engagement, role=Role.TESTER)
            .values("person_id")
        ).order_by("display_name", "email")


class AcceptanceForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=ClientAcceptance.Decision.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=_textarea(2),
        help_text=_("Required when you reject the ticket."),
    )


class StakeholderScoreForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Your value score"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1: little value for the business, 5: essential."),
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=_textarea(2))


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"), widget=_textarea(4), help_text=_("Markdown is supported.")
    )
    files = AttachmentFilesField(label=_("Attach files"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        files_field_ready(self.fields["files"])


class SprintForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    start = forms.DateField(label=_("Start"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("End"), widget=forms.DateInput(attrs={"type": "date"}))
    goal = forms.CharField(label=_("Goal"), required=False, widget=_textarea(2))


# The properties of the ticket page edited in place, one at a time (the value figures have
# their own form, ValueForm).
PROPERTY_FIELDS = ("kind", "origin", "assignee", "sprint", "deadline", "labels")


class TicketPropertyForm(forms.Form):
    """One property of a ticket, with the version it was read at."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    origin = forms.ChoiceField(label=_("Origin"), choices=Origin.choices)

    def __init__(self, *args: Any, engagement: Engagement, name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name = name
        if name != "origin":
            del self.fields["origin"]
            self.fields[name] = TicketUpdateForm(engagement=engagement).fields[name]

    @staticmethod
    def initial_from(ticket: Ticket, name: str) -> dict[str, Any]:
        initial = TicketUpdateForm.initial_from(ticket)
        initial["origin"] = ticket.origin
        return {"version": ticket.version, name: initial[name]}

    def clean_labels(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["labels"].split(",") if name.strip()]

    def service_data(self) -> dict[str, Any]:
        return {self.name: self.cleaned_data[self.name]}
