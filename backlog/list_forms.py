"""Forms of the ranked backlog page: re-ranking by drag and drop, and bulk changes. They only
parse input; the services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from backlog.forms import PinForm
from backlog.models import Sprint, Status
from collab.models import Engagement, User

BULK_ACTIONS = ("status", "assignee", "sprint", "label")
# A rejection needs its reason, which a bulk change does not ask for: reject one at a time.
BULK_STATUSES = [(value, label) for value, label in Status.choices if value != Status.REJECTED]


class RerankForm(PinForm):
    """A pin from the list: an explicit ``rank`` (empty unpins), or ``after``, the key of the
    ticket it was dropped under (empty: dropped at the top)."""

    after = forms.CharField(required=False, max_length=30)


class BulkForm(forms.Form):
    """Several tickets (by key) and one change for all of them."""

    tickets = forms.MultipleChoiceField(label=_("Tickets"), choices=[])
    action = forms.ChoiceField(
        label=_("Change"), choices=[(action, action) for action in BULK_ACTIONS]
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=BULK_STATUSES)
    # "none" clears the assignee or the sprint; empty means nothing was chosen.
    assignee = forms.CharField(label=_("Assignee"), required=False)
    sprint = forms.CharField(label=_("Sprint"), required=False)
    label = forms.CharField(label=_("Label"), required=False, max_length=50)

    def __init__(self, *args: Any, engagement: Engagement, keys: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.engagement = engagement
        self.fields["tickets"].choices = [(key, key) for key in keys]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        action = data.get("action")
        if action == "status" and not data.get("status"):
            self.add_error("status", _("Choose the status to move the tickets to."))
        if action == "label" and not (data.get("label") or "").strip():
            self.add_error("label", _("Type the label to add."))
        if action == "assignee":
            data["assignee"] = self._chosen(
                "assignee",
                # Anyone who ever held a role: the service refuses, by name, whoever holds
                # none today.
                User.objects.filter(role_assignments__engagement=self.engagement).distinct(),
                _("Choose the person to assign the tickets to."),
            )
        else:
            data["assignee"] = None
        if action == "sprint":
            data["sprint"] = self._chosen(
                "sprint",
                Sprint.objects.filter(engagement=self.engagement),
                _("Choose the sprint to plan the tickets in."),
            )
        else:
            data["sprint"] = None
        return data

    def _chosen(self, name: str, queryset: Any, missing: str) -> Any:
        value = (self.cleaned_data.get(name) or "").strip()
        if value == "none":
            return None
        found = queryset.filter(pk=value).first() if value.isdigit() else None
        if found is None:
            self.add_error(name, missing)
        return found
