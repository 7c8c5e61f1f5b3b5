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
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), required=False, queryset=User.objects.none()
    )
    sprint = forms.ModelChoiceField(
        label=_("Sprint"), required=False, queryset=Sprint.objects.none()
    )
    label = forms.CharField(label=_("Label"), required=False, max_length=50)

    def __init__(self, *args: Any, engagement: Engagement, keys: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["tickets"].choices = [(key, key) for key in keys]
        # Anyone who ever held a role: the service refuses whoever holds none today, by name.
        self.fields["assignee"].queryset = User.objects.filter(
            role_assignments__engagement=engagement
        ).distinct()
        self.fields["sprint"].queryset = Sprint.objects.filter(engagement=engagement)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") == "status" and not data.get("status"):
            self.add_error("status", _("Choose the status to move the tickets to."))
        if data.get("action") == "label" and not (data.get("label") or "").strip():
            self.add_error("label", _("Type the label to add."))
        return data
