"""Template helpers of the design system (templates/cotton/, templates/forms/)."""

from __future__ import annotations

import zlib
from typing import Any

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeData, SafeString, mark_safe

from collab.common.forms import control_class, control_kind

register = template.Library()

# The avatar colours of the design system (Tabler's palette), chosen by a stable hash of the
# person so that someone keeps their colour on every page.
AVATAR_TONES = (
    "blue",
    "azure",
    "indigo",
    "purple",
    "pink",
    "red",
    "orange",
    "teal",
    "green",
    "cyan",
)


@register.filter
def control(field: BoundField, extra: str = "") -> SafeString:
    """Render a bound field's widget with the design system's class (and ``is-invalid`` when
    the field has errors), keeping the classes the form already gave it."""
    widget = field.field.widget
    classes = [control_class(widget), widget.attrs.get("class", ""), extra]
    if field.errors:
        classes.append("is-invalid")
    attrs: dict[str, Any] = {"class": " ".join(c for c in classes if c)}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def kind(field: BoundField) -> str:
    return control_kind(field.field.widget)


@register.filter
def initials(name: object) -> str:
    """Up to two initials of a display name ("Claire Dubois" → "CD"; an email → its first
    letter)."""
    words = [w for w in str(name or "").replace("@", " ").replace(".", " ").split() if w]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][0].upper()
    return (words[0][0] + words[-1][0]).upper()


@register.filter
def avatar_tone(key: object) -> str:
    """A stable colour class for a person (by id, email or name)."""
    return AVATAR_TONES[zlib.crc32(str(key).encode()) % len(AVATAR_TONES)]


@register.filter
def bare_label(label: object) -> object:
    """A label without the form's trailing suffix ("Title:" → "Title", "Titre :" → "Titre"):
    the design system sets labels above their control, where a colon reads as noise."""
    text = str(label).rstrip()
    if not text.endswith(":"):
        return label
    stripped = text[:-1].rstrip()
    return mark_safe(stripped) if isinstance(label, SafeData) else stripped  # noqa: S308


@register.filter
def selected_count(options: object) -> int:
    """How many options of a dropdown filter are chosen."""
    if not options or isinstance(options, str):
        return 0
    return sum(1 for option in options if option.get("selected"))  # type: ignore[attr-defined]
