"""Emails of the rhythm: in the person's language, times in the person's zone, text and HTML,
with an ``.ics`` invitation where a calendar should change."""

from __future__ import annotations

import datetime as dt
import email.message
import email.policy
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from collab.models import User

# Stand for the reader's name, address and Message-ID in an email rendered once for many
# readers. The name's mark is not ASCII on purpose: the parts holding it are then written
# "8bit", in the clear, so that each reader's name can be put in without re-encoding them.
NAME_MARK = "tandem\u00b7reader\u00b7name"
TO_MARK = "tandem-reader@tandem.invalid"
ID_MARK = "<tandem-reader-message@tandem>"
# Lines up to the RFC 5322 limit are kept whole: no part is re-encoded as quoted-printable.
BATCH_POLICY = email.policy.default.clone(max_line_length=998)


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


class _Reader:
    """The reader of a body rendered once for everyone of one language and zone."""

    def __init__(self, language: str) -> None:
        self.language = language

    def get_short_name(self) -> str:
        return NAME_MARK


class _RawMessage(email.message.EmailMessage):
    """A message already written out: what the mail backends ask of ``message()``."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self.data = data

    def as_bytes(self, unixfrom: bool = False, policy: email.policy.Policy | None = None) -> bytes:
        return self.data


class PreparedEmail(EmailMultiAlternatives):
    """A reader's copy of a ``BatchEmail``: its MIME text is the batch's with the reader's
    address, Message-ID and name put in, so that no backend serialises it again."""

    raw: bytes | None = None

    def message(
        self, *, policy: email.policy.Policy = email.policy.default
    ) -> email.message.EmailMessage:  # type: ignore[override]
        if self.raw is None:
            return super().message(policy=policy)
        linesep = getattr(policy, "linesep", "\n")
        return _RawMessage(
            self.raw if linesep == "\n" else self.raw.replace(b"\n", linesep.encode())
        )


def _plain(value: str) -> str:
    return value.replace("\r", " ").replace("\n", " ")


@dataclass
class BatchEmail:
    """One email for many readers of one language and zone: rendered and written out once,
    then copied per reader (``for_person``). A reader whose address is not ASCII gets a message
    built the ordinary way."""

    subject: str
    text: str
    html: str
    attachment: email.message.MIMEPart | None = None
    raw: bytes = field(init=False, default=b"")

    def __post_init__(self) -> None:
        template = EmailMultiAlternatives(
            self.subject, self.text, to=[TO_MARK], headers={"Message-ID": ID_MARK}
        )
        template.attach_alternative(self.html, "text/html")
        if self.attachment is not None:
            template.attach(self.attachment)
        raw = template.message(policy=BATCH_POLICY).as_bytes()
        marks = self.text.count(NAME_MARK) + self.html.count(NAME_MARK)
        encoded = NAME_MARK.encode()
        # Kept only when every mark is found in the clear (else each reader's is built anew).
        if raw.count(encoded) == marks and raw.count(TO_MARK.encode()) == 1:
            self.raw = raw

    def for_person(self, person: User, *, message_id: str) -> PreparedEmail:
        name = _plain(person.get_short_name())
        text = self.text.replace(NAME_MARK, name)
        html = self.html.replace(NAME_MARK, escape(name))
        message = PreparedEmail(
            self.subject, text, to=[person.email], headers={"Message-ID": message_id}
        )
        message.attach_alternative(html, "text/html")
        if self.attachment is not None:
            message.attach(self.attachment)
        if self.raw and person.email.isascii() and message_id.isascii():
            body_name, html_name = name.encode(), escape(name).encode()
            raw = self.raw.replace(TO_MARK.encode(), person.email.encode(), 1)
            raw = raw.replace(ID_MARK.encode(), _plain(message_id).encode(), 1)
            head, sep, rest = raw.partition(b"Content-Type: text/html")
            message.raw = (
                head.replace(NAME_MARK.encode(), body_name)
                + sep
                + rest.replace(NAME_MARK.encode(), html_name)
            )
        return message


def batch_email_build(
    *,
    template: str,
    context: dict[str, Any],
    language: str,
    zone: str,
    subject: str,
    ics: bytes | None = None,
    method: str = "REQUEST",
) -> BatchEmail:
    """Render ``rhythm/email/<template>.txt`` and ``.html`` once for every reader of one
    language and zone (the templates may use the reader's short name and language only)."""
    with translation.override(language), timezone.override(ZoneInfo(zone)):
        context = {**context, "person": _Reader(language), "time_zone": zone, "subject": subject}
        text = render_to_string(f"rhythm/email/{template}.txt", context)
        html = render_to_string(f"rhythm/email/{template}.html", context)
    return BatchEmail(
        subject=subject,
        text=text,
        html=html,
        attachment=calendar_part(ics, method) if ics is not None else None,
    )
