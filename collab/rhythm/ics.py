"""iCalendar documents built with the icalendar library: invitations and the personal feed.

Every meeting has one UID (``meeting-<id>@tandem``) for its whole life; ``SEQUENCE`` is the
meeting's ``sequence``, raised by every service that changes it, so calendar clients replace
the event they hold instead of adding a second one. A sync scheduled from the cadence belongs
to its series (``series-<id>@tandem``): invitations about it name the series' UID and the
occurrence's RECURRENCE-ID (where the series' weekly RRULE puts it), with SEQUENCE the series'
plus the occurrence's own, so a client changes that one occurrence of the recurring event it
holds. The personal feed lists every meeting under its own UID. Times carry the meeting's IANA
zone (TZID, with its VTIMEZONE in the calendar), so a client shows a 10:00 Paris sync at 10:00
Paris time whatever the daylight-saving rules it knows; the organizer appears only as ORGANIZER
(never as an attendee who has not answered); each reminder offset of the person becomes a
VALARM.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from icalendar import Alarm, Calendar, Event, vCalAddress, vText

from collab.rhythm.models import Attendee, Meeting, MeetingSeries

PRODID = "-//Tandem//Rhythm//EN"
BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
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


def local_time(meeting: Meeting, moment: dt.datetime) -> dt.datetime:
    """A meeting's instant in the meeting's own zone (written with its TZID)."""
    return moment.astimezone(ZoneInfo(meeting.time_zone or "UTC"))


def add_alarms(event: Event, *, offsets: Sequence[int], summary: str) -> None:
    """One display VALARM per reminder offset (minutes before the start)."""
    for minutes in sorted(set(offsets), reverse=True):
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", dt.timedelta(minutes=-minutes))
        event.add_component(alarm)


def add_people(event: Event, *, meeting: Meeting, attendees: Iterable[Attendee]) -> None:
    """ORGANIZER, then every attendee but the organizer with their role and answer."""
    organizer = meeting.organizer if meeting.organizer_id else None
    if organizer is not None:
        event.add("organizer", _address(organizer.email, str(organizer)))
    for attendee in attendees:
        if attendee.person_id == meeting.organizer_id:
            continue
        address = _address(attendee.person.email, str(attendee.person))
        address.params["role"] = vText(
            "REQ-PARTICIPANT" if attendee.required else "OPT-PARTICIPANT"
        )
        address.params["partstat"] = vText(PARTSTAT[attendee.response])
        event.add("attendee", address, encode=0)


def series_instance_start(series: MeetingSeries, occurrence_date: dt.date) -> dt.datetime:
    """Where the series' rule puts the occurrence of the week starting ``occurrence_date`` (a
    Monday), in the series' zone: the occurrence's RECURRENCE-ID, whether or not it was moved."""
    day = occurrence_date + dt.timedelta(days=series.weekday)
    return dt.datetime.combine(day, series.local_time, tzinfo=ZoneInfo(series.time_zone))


def in_series(meeting: Meeting) -> MeetingSeries | None:
    """The series whose recurring event holds this occurrence in calendars, if any."""
    if meeting.series_id is None or meeting.occurrence_date is None:
        return None
    series = meeting.series
    return series if meeting.occurrence_date >= series.starts_on else None


def meeting_event(
    *,
    meeting: Meeting,
    attendees: Iterable[Attendee],
    summary: str,
    description: str = "",
    stamp: dt.datetime | None = None,
    alarm_offsets: Sequence[int] = (),
    as_occurrence: bool = True,
) -> Event:
    """The VEVENT of a meeting (times in its zone; a cancelled meeting has STATUS:CANCELLED and
    no alarm). An occurrence of a series is written as that occurrence of the series' event
    (its UID and RECURRENCE-ID) unless ``as_occurrence`` is false (the personal feed)."""
    event = Event()
    series = in_series(meeting) if as_occurrence else None
    if series is not None:
        event.add("uid", series.uid)
        event.add("recurrence-id", series_instance_start(series, meeting.occurrence_date))
    else:
        event.add("uid", meeting.uid)
    event.add("dtstamp", stamp or timezone.now())
    event.add("dtstart", local_time(meeting, meeting.starts_at))
    event.add("dtend", local_time(meeting, meeting.ends_at))
    event.add("sequence", meeting.sequence + (series.sequence if series else 0))
    event.add("summary", summary)
    if description:
        event.add("description", description)
    location = meeting.place or meeting.video_url
    if location:
        event.add("location", location)
    if meeting.video_url:
        event.add("url", meeting.video_url)
    cancelled = meeting.status == Meeting.Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    add_people(event, meeting=meeting, attendees=attendees)
    if not cancelled:
        add_alarms(event, offsets=alarm_offsets, summary=summary)
    return event


def series_event(
    *,
    series: MeetingSeries,
    organizer_meeting: Meeting | None,
    attendees: Iterable[Attendee],
    summary: str,
    description: str = "",
    exdates: Sequence[dt.datetime] = (),
    cancelled: bool = False,
    stamp: dt.datetime | None = None,
    alarm_offsets: Sequence[int] = (),
) -> Event:
    """The master VEVENT of a series: every week from ``starts_on`` at the series' wall-clock
    time in its zone (RRULE, no end: the cadence goes on), cancelled occurrences as EXDATE."""
    start = series_instance_start(series, series.starts_on)
    event = Event()
    event.add("uid", series.uid)
    event.add("dtstamp", stamp or timezone.now())
    event.add("dtstart", start)
    event.add("dtend", start + dt.timedelta(minutes=series.duration_minutes))
    event.add("rrule", {"FREQ": "WEEKLY", "BYDAY": [BYDAY[series.weekday]]})
    for exdate in exdates:
        event.add("exdate", exdate)
    event.add("sequence", series.sequence)
    event.add("summary", summary)
    if description:
        event.add("description", description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if organizer_meeting is not None:
        add_people(event, meeting=organizer_meeting, attendees=attendees)
    if not cancelled:
        add_alarms(event, offsets=alarm_offsets, summary=summary)
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
    events = list(events)
    for event in events:
        calendar.add_component(event)
    add_timezones(calendar, events)
    return calendar.to_ical()


def add_timezones(calendar: Calendar, events: list[Event]) -> None:
    """A VTIMEZONE for every TZID used, covering only the years of the events: a definition
    from 1970 on is long and read wrongly by some parsers (vobject takes summer for winter)."""
    days = [event.decoded(name).date() for event in events for name in ("dtstart", "dtend")]
    if days:
        calendar.add_missing_timezones(
            first_date=dt.date(min(days).year, 1, 1), last_date=dt.date(max(days).year + 1, 1, 1)
        )


def invitation_ics(
    *,
    meeting: Meeting,
    attendees: Iterable[Attendee],
    summary: str,
    description: str = "",
    alarm_offsets: Sequence[int] = (),
) -> tuple[bytes, str]:
    """An invitation attachment and its method: REQUEST, or CANCEL for a cancelled meeting."""
    method = "CANCEL" if meeting.status == Meeting.Status.CANCELLED else "REQUEST"
    event = meeting_event(
        meeting=meeting,
        attendees=attendees,
        summary=summary,
        description=description,
        alarm_offsets=alarm_offsets,
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
