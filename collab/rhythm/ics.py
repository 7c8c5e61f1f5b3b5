"""iCalendar documents built with the icalendar library: invitations and the personal feed.

Every meeting has one UID (``meeting-<id>@tandem``) for its whole life; ``SEQUENCE`` is the
meeting's ``sequence``, raised by every service that changes it, so calendar clients replace
the event they hold instead of adding a second one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from collab.rhythm.models import Attendee, Meeting

PRODID = "-//Tandem//Rhythm//EN"
PARTSTAT = {
    Attendee.Response.NEEDS_ACTION: "NEEDS-ACTION",
    Attendee.Response.ACCEPTED: "ACCEPTED",
    Attendee.Response.DECLINED: "DECLINED",
    Attendee.Response.TENTATIVE: "TENTATIVE",
}


def _address(email: str, name: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    return address


def meeting_event(
    *,
    meeting: Meeting,
    attendees: Iterable[Attendee],
    summary: str,
    description: str = "",
    stamp: dt.datetime | None = None,
) -> Event:
    """The VEVENT of a meeting (times in UTC; a cancelled meeting has STATUS:CANCELLED)."""
    event = Event()
    event.add("uid", meeting.uid)
    event.add("dtstamp", stamp or timezone.now())
    event.add("dtstart", meeting.starts_at.astimezone(dt.UTC))
    event.add("dtend", meeting.ends_at.astimezone(dt.UTC))
    event.add("sequence", meeting.sequence)
    event.add("summary", summary)
    if description:
        event.add("description", description)
    location = meeting.place or meeting.video_url
    if location:
        event.add("location", location)
    if meeting.video_url:
        event.add("url", meeting.video_url)
    event.add("status", "CANCELLED" if meeting.status == Meeting.Status.CANCELLED else "CONFIRMED")
    if meeting.organizer_id and meeting.organizer is not None:
        event.add("organizer", _address(meeting.organizer.email, str(meeting.organizer)))
    for attendee in attendees:
        address = _address(attendee.person.email, str(attendee.person))
        address.params["role"] = vText(
            "REQ-PARTICIPANT" if attendee.required else "OPT-PARTICIPANT"
        )
        address.params["partstat"] = vText(PARTSTAT[attendee.response])
        event.add("attendee", address, encode=0)
    return event


def calendar_bytes(*, events: Iterable[Event], method: str | None, name: str = "") -> bytes:
    """A VCALENDAR around the events; ``method`` is REQUEST, CANCEL or None (a feed)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()


def invitation_ics(
    *, meeting: Meeting, attendees: Iterable[Attendee], summary: str, description: str = ""
) -> tuple[bytes, str]:
    """An invitation attachment and its method: REQUEST, or CANCEL for a cancelled meeting."""
    method = "CANCEL" if meeting.status == Meeting.Status.CANCELLED else "REQUEST"
    event = meeting_event(
        meeting=meeting, attendees=attendees, summary=summary, description=description
    )
    return calendar_bytes(events=[event], method=method), method


def meeting_url(meeting: Meeting) -> str:
    """The meeting page's address: the web layer's ``rhythm:meeting-detail`` route (slug, pk),
    or the engagement page while that route does not exist."""
    slug = meeting.engagement.slug
    try:
        path = reverse("rhythm:meeting-detail", kwargs={"slug": slug, "pk": meeting.pk})
    except NoReverseMatch:
        path = reverse("collab:engagement-detail", kwargs={"slug": slug})
    return settings.SITE_URL + path
