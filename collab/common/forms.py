"""The form renderer of the design system: every Django form renders its fields as the design
system's form groups (label, control, help, error), so templates write ``{{ form }}`` or
``{{ form.field.as_field_group }}`` and never style a widget themselves."""

from __future__ import annotations

from django.forms import CheckboxInput, CheckboxSelectMultiple, RadioSelect, Select, SelectMultiple
from django.forms.renderers import TemplatesSetting
from django.forms.widgets import Widget


class TandemFormRenderer(TemplatesSetting):
    """Forms and fields from templates/forms/, widgets from Django's own templates."""

    form_template_name = "forms/div.html"
    field_template_name = "forms/field.html"


def control_class(widget: Widget) -> str:
    """The design system's class for a widget: a check, a select or a text-like control."""
    if isinstance(widget, CheckboxInput):
        return "form-check-input"
    if isinstance(widget, (RadioSelect, CheckboxSelectMultiple)):
        return "form-check-input"
    if isinstance(widget, (Select, SelectMultiple)):
        return "form-select"
    return "form-control"


def control_kind(widget: Widget) -> str:
    """How the field group lays a widget out: ``check`` (box after label), ``choices`` (a list of
    radios or boxes) or ``control`` (label above the control)."""
    if isinstance(widget, CheckboxInput):
        return "check"
    if isinstance(widget, (RadioSelect, CheckboxSelectMultiple)):
        return "choices"
    return "control"
