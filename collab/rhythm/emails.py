"""Emails of the rhythm: in the person's language, times in the person's zone, text and HTML,
with an ``.ics`` invitation where a calendar should change."""

from __future__ import annotations

import datetime as dt
import email.message
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from collab.models import User


def format_when(moment: dt.datetime, *, zone: str, language: str) -> str:
    """A date and time as the person reads it: "mardi 10 mars 2026 à 10:00" in French,
    "Tuesday, March 10, 2026 at 10:00 AM" in English (with the zone's name appended by the
    templates)."""
    local = moment.astimezone(ZoneInfo(zone))
    with translation.override(language):
        return _("%(date)s at %(time)s") % {
            "date": format_date(local.date(), format="full", locale=language),
            "time": format_time(local.time(), format="short", locale=language),
        }


def format_time_only(moment: dt.datetime, *, zone: str, language: str) -> str:
    return format_time(moment.astimezone(ZoneInfo(zone)).time(), format="short", locale=language)


def starts_in(minutes: int) -> str:
    """ "starts in 45 minutes" below an hour and a half, else "starts in 24 hours" (rounded)."""
    if minutes < 90:
        return ngettext("starts in %(count)d minute", "starts in %(count)d minutes", minutes) % {
            "count": minutes
        }
    hours = round(minutes / 60)
    return ngettext("starts in %(count)d hour", "starts in %(count)d hours", hours) % {
        "count": hours
    }


def calendar_part(ics: bytes, method: str, filename: str = "invite.ics") -> email.message.MIMEPart:
    """The ``text/calendar; method=…`` attachment calendar clients act upon."""
    part = email.message.MIMEPart()
    part.set_content(
        ics.decode(),
        subtype="calendar",
        charset="utf-8",
        params={"method": method},
        filename=filename,
        disposition="attachment",
    )
    return part


def build_message(
    *,
    person: User,
    subject: str,
    template: str,
    context: dict[str, Any],
    message_id: str,
    ics: bytes | None = None,
    method: str = "REQUEST",
) -> EmailMultiAlternatives:
    """Render ``rhythm/email/<template>.txt`` and ``.html`` in the person's language and zone;
    the subject is also the HTML part's title."""
    with translation.override(person.language), timezone.override(ZoneInfo(person.time_zone)):
        context = {**context, "person": person, "time_zone": person.time_zone, "subject": subject}
        text = render_to_string(f"rhythm/email/{template}.txt", context)
        html = render_to_string(f"rhythm/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject, text, to=[person.email], headers={"Message-ID": message_id}
    )
    message.attach_alternative(html, "text/html")
    if ics is not None:
        message.attach(calendar_part(ics, method))
    return message
