"""Dashboard forms of the rhythm: meetings, agenda items, outcomes, notes, preferences.

Forms only parse input (times in the viewer's zone, which the middleware activates); the
services validate the rules and their ``ValidationError`` is mapped back onto the form with
``collab.forms.add_service_errors``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from collab.models import User
from collab.rhythm.models import AgendaSection, Attendee, Outcome, PersonPreferences

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class PersonField(forms.TypedChoiceField):
    """One person among those given (already loaded by the view: rendering the field costs no
    query, however many forms the page shows); cleans to the ``User``."""

    def __init__(self, *, people: Iterable[User] = (), **kwargs: Any) -> None:
        super().__init__(coerce=int, empty_value=None, **kwargs)
        self.set_people(people)

    def set_people(self, people: Iterable[User]) -> None:
        self.people = {person.pk: person for person in people}
        self.choices = [("", "—"), *((pk, str(person)) for pk, person in self.people.items())]

    def clean(self, value: Any) -> User | None:
        pk = super().clean(value)
        return self.people.get(pk) if pk is not None else None


class PeopleField(forms.TypedMultipleChoiceField):
    """Several people among those given; cleans to a list of ``User``."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, people: Iterable[User] = (), **kwargs: Any) -> None:
        super().__init__(coerce=int, **kwargs)
        self.set_people(people)

    def set_people(self, people: Iterable[User]) -> None:
        self.people = {person.pk: person for person in people}
        self.choices = [(pk, str(person)) for pk, person in self.people.items()]

    def clean(self, value: Any) -> list[User]:
        return [self.people[pk] for pk in super().clean(value)]


class _TimesForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Starts"), widget=DATETIME_WIDGET, input_formats=DATETIME_FORMATS
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"), widget=DATETIME_WIDGET, input_formats=DATETIME_FORMATS
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    video_url = forms.URLField(label=_("Video link"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The meeting must end after it starts."))
        return data


class MeetingCreateForm(_TimesForm):
    """An ad-hoc meeting: its title, when and where, and whom it invites (the organizer
    attends anyway)."""

    field_order = ["title", "starts_at", "ends_at", "place", "video_url", "required", "optional"]

    title = forms.CharField(label=_("Title"), max_length=200)
    required = PeopleField(label=_("Required attendees"), required=False)
    optional = PeopleField(label=_("Optional attendees"), required=False)

    def __init__(self, *args: Any, members: Iterable[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = list(members)
        self.fields["required"].set_people(members)
        self.fields["optional"].set_people(members)

    def attendees(self) -> list[tuple[User, bool]]:
        """(person, required) pairs; someone ticked as both is required."""
        chosen: dict[User, bool] = dict.fromkeys(self.cleaned_data["optional"], False)
        chosen.update(dict.fromkeys(self.cleaned_data["required"], True))
        return list(chosen.items())


class MeetingMoveForm(_TimesForm):
    """Move this one occurrence (the series keeps its other dates)."""


class ActionItemTicketForm(forms.Form):
    """What an action item becomes in the backlog: its kind and origin, chosen by the person
    (the choices come from the backlog, through the rhythm's bridge)."""

    kind = forms.ChoiceField(label=_("Kind"))
    origin = forms.ChoiceField(label=_("Origin"))

    def __init__(
        self,
        *args: Any,
        kinds: Iterable[tuple[str, str]],
        origins: Iterable[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "—"), *kinds]
        self.fields["origin"].choices = [("", "—"), *origins]


class RespondForm(forms.Form):
    response = forms.ChoiceField(
        label=_("Your answer"),
        choices=[
            (Attendee.Response.ACCEPTED, Attendee.Response.ACCEPTED.label),
            (Attendee.Response.TENTATIVE, Attendee.Response.TENTATIVE.label),
            (Attendee.Response.DECLINED, Attendee.Response.DECLINED.label),
        ],
    )


class AgendaItemForm(forms.Form):
    """An agenda item added by hand, in a section of this meeting (Other topics by default)."""

    title = forms.CharField(label=_("Title"), max_length=300)
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=1, max_value=480, initial=5
    )
    presenter = PersonField(label=_("Presenter"), required=False)
    section = forms.TypedChoiceField(
        label=_("Section"), coerce=int, empty_value=None, required=False
    )

    def __init__(
        self, *args: Any, people: Iterable[User], sections: Iterable[AgendaSection], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["presenter"].set_people(people)
        self.sections = {section.pk: section for section in sections}
        self.fields["section"].choices = [
            ("", _("Other topics")),
            *((pk, section.label) for pk, section in self.sections.items()),
        ]

    def clean_section(self) -> AgendaSection | None:
        pk = self.cleaned_data.get("section")
        return self.sections.get(pk) if pk is not None else None


class AgendaItemUpdateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1, max_value=480)
    presenter = PersonField(label=_("Presenter"), required=False)

    def __init__(self, *args: Any, people: Iterable[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["presenter"].set_people(people)


class OutcomeForm(forms.Form):
    """What an agenda item came to; a follow-up also needs an owner and a due date."""

    agenda_item = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Outcome"), choices=Outcome.Kind.choices)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = PersonField(label=_("Owner (follow-up)"), required=False)
    due_date = forms.DateField(
        label=_("Due date (follow-up)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, people: Iterable[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].set_people(people)


class NotesForm(forms.Form):
    body = forms.CharField(
        label=_("Notes (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class MarkHeldForm(forms.Form):
    attended = PeopleField(label=_("Who attended"), required=False)

    def __init__(self, *args: Any, people: Iterable[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attended"].set_people(people)


class PreferencesForm(forms.Form):
    reminder_opt_out = forms.BooleanField(label=_("Send me no meeting reminders"), required=False)
    notification_mode = forms.ChoiceField(
        label=_("Meeting updates and cancellations"),
        choices=PersonPreferences.NotificationMode.choices,
        widget=forms.RadioSelect,
    )
