"""Which ticket fields each write may set; the field, reference and label checks they share."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from backlog.models import Label, Sprint, Ticket
from backlog.services.common import check_member, check_same_engagement
from collab.models import Engagement

VALUE_FIELDS = (
    "annual_revenue_gain",
    "annual_cost_savings",
    "hours_saved_per_month",
    "effort_days",
    "confidence",
    "time_criticality",
    "risk_reduction",
    "reach",
)
TICKET_EDITABLE_FIELDS = (
    "title",
    "description",
    "kind",
    "origin",
    "deadline",
    "assignee",
    "sprint",
    "labels",
    "external_ref",
    "steps_to_reproduce",
    "expected_behaviour",
    "actual_behaviour",
    "environment",
    "severity",
    "found_by",
)
# Imports bring the status and the creation time of the tool they come from, and for a ticket
# already done the time it got there (``status_since``: the history's move to that status).
TICKET_CREATE_FIELDS = (
    *TICKET_EDITABLE_FIELDS,
    *VALUE_FIELDS,
    "status",
    "status_since",
    "created_at",
    "reporter",
)
# Every field a person changes is kept in the history, before → after (labels as their names).
TRACKED_FIELDS = frozenset(
    {"status", "manual_rank", *TICKET_EDITABLE_FIELDS, *VALUE_FIELDS} - {"labels"}
)
# Long texts: their history entry carries the lines removed and added (the note), as a diff.
TEXT_DIFF_FIELDS = frozenset(
    {"description", "steps_to_reproduce", "expected_behaviour", "actual_behaviour"}
)
# Checked against the engagement by the services rather than by the model's validation.
_REFERENCE_FIELDS = ("engagement", "reporter", "assignee", "sprint")
LABEL_MAX_LENGTH = 50
# A ticket's labels are a handful of tags, not a data store: a bound keeps one request from
# writing thousands of rows.
LABELS_PER_TICKET_MAX = 20


def ticket_fields_validate(ticket: Ticket) -> None:
    """A ticket's own field rules (required title, lengths, choices, ranges, decimal places),
    without a query. Its references (engagement, reporter, assignee, sprint) are checked
    against the engagement by the services; the table's check constraints repeat these field
    rules, and the database still enforces them."""
    ticket.full_clean(
        exclude=[*_REFERENCE_FIELDS, "number"], validate_unique=False, validate_constraints=False
    )


def refuse_unknown_fields(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    """Refuse, field by field, what this write may not set."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})


def check_references(
    engagement: Engagement, data: dict[str, Any], in_force: Collection[int] | None = None
) -> None:
    """The sprint is one of the engagement's, the assignee a member in force."""
    if "sprint" in data:
        sprint = data["sprint"]
        if sprint is not None and not isinstance(sprint, Sprint):
            raise ValidationError({"sprint": _("Choose a sprint.")})
        check_same_engagement(engagement=engagement, obj=sprint, field="sprint")
    if "assignee" in data:
        check_member(
            engagement=engagement, person=data["assignee"], field="assignee", in_force=in_force
        )


def label_name_clean(label: Any) -> str:
    """A label's name as stored: trimmed (empty means no label), at most 50 characters."""
    name = str(label).strip()
    if len(name) > LABEL_MAX_LENGTH:
        raise ValidationError({"labels": _("A label has at most 50 characters.")})
    return name


def label_choices(engagement: Engagement, labels: Iterable[Any]) -> list[Label | str]:
    # Labels of this engagement, or names to find or create (checked, without a query).
    labels = list(labels)
    if len(labels) > LABELS_PER_TICKET_MAX:
        raise ValidationError(
            {"labels": _("A ticket has at most %(max)d labels.") % {"max": LABELS_PER_TICKET_MAX}}
        )
    chosen: list[Label | str] = []
    for label in labels:
        if isinstance(label, Label):
            check_same_engagement(engagement=engagement, obj=label, field="labels")
            chosen.append(label)
        elif name := label_name_clean(label):
            chosen.append(name)
    return chosen


def labels_resolve(
    engagement: Engagement, chosen: Sequence[list[Label | str]]
) -> list[list[Label]]:
    # Every name of every list found, or created, at once: one query, three when some are new.
    names = {item for items in chosen for item in items if isinstance(item, str)}
    found: dict[str, Label] = {}
    if names:
        found = {
            label.name: label
            for label in Label.objects.filter(engagement=engagement, name__in=names)
        }
        missing = names - set(found)
        if missing:
            Label.objects.bulk_create(
                [Label(engagement=engagement, name=name) for name in sorted(missing)],
                ignore_conflicts=True,
            )
            found.update(
                (label.name, label)
                for label in Label.objects.filter(engagement=engagement, name__in=missing)
            )
    result = []
    for items in chosen:
        labels: dict[int, Label] = {}
        for item in items:
            label = found[item] if isinstance(item, str) else item
            labels.setdefault(label.pk, label)
        result.append(list(labels.values()))
    return result


def labels_for(engagement: Engagement, labels: list[Any]) -> list[Label]:
    """One ticket's labels, found or created in the engagement."""
    return labels_resolve(engagement, [label_choices(engagement, labels)])[0]
