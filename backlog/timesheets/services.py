"""Every write of time: entries (created, changed, deleted), a week approved or returned by the
project manager, the running timer. Each refusal is a ``ValidationError`` naming its field, or
``TimeLocked`` for an approved week; every change leaves a ``TimeEntryChange`` row."""

from __future__ import annotations

import datetime
import math
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from backlog.models import Ticket
from backlog.timesheets.durations import duration_format
from backlog.timesheets.events import week_approved_emit
from backlog.timesheets.models import (
    MINUTES_IN_A_DAY,
    RunningTimer,
    TimeEntry,
    TimeEntryChange,
    TimesheetWeek,
    week_start,
)
from collab.common.tasks import enqueue_on_commit
from collab.models import Engagement, User
from collab.rhythm.notify import notifications_write
from roles.models import Role, RoleAssignment

EDITABLE_FIELDS = ("date", "minutes", "ticket", "role", "billable", "note", "note_internal")


class TimeLocked(Exception):
    """The entry's week was approved: it cannot change until the project manager returns it."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message or _(
            "This week's time was approved and is locked; ask the project manager to return "
            "the week to change it."
        )
        super().__init__(self.message)


def person_today(person: User) -> datetime.date:
    """Today in the person's own time zone (the day they are logging for)."""
    return timezone.now().astimezone(zoneinfo.ZoneInfo(person.time_zone)).date()


def roles_held(*, person: User, engagement: Engagement, day: datetime.date) -> list[str]:
    """The roles the person holds on the engagement on that day, in the roles' order."""
    held = set(
        RoleAssignment.objects.active(on=day)
        .filter(person=person, engagement=engagement)
        .values_list("role", flat=True)
    )
    return [role.value for role in Role if role.value in held]


def week_is_approved(*, engagement_id: int, person_id: int, day: datetime.date) -> bool:
    """Whether the project manager approved the person's week containing this day."""
    return TimesheetWeek.objects.filter(
        engagement_id=engagement_id,
        person_id=person_id,
        week_start=week_start(day),
        status=TimesheetWeek.Status.APPROVED,
    ).exists()


def entry_snapshot(entry: TimeEntry) -> dict[str, Any]:
    """What the history keeps of an entry, in plain values."""
    return {
        "date": entry.date.isoformat(),
        "minutes": entry.minutes,
        "ticket": entry.ticket.key if entry.ticket_id and entry.ticket else None,
        "role": entry.role,
        "billable": entry.billable,
        "note": entry.note,
        "note_internal": entry.note_internal,
    }


def _record(
    *,
    entry: TimeEntry,
    actor: User | None,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> TimeEntryChange:
    return TimeEntryChange.objects.create(
        engagement_id=entry.engagement_id,
        entry_ref=entry.pk,
        actor=actor,
        action=action,
        before=before,
        after=after,
    )


def _person_name(person: User) -> str:
    return person.display_name or person.email


def _validate(entry: TimeEntry, *, role_given: bool) -> None:
    """The rules of an entry (``entry_errors``, ``day_total_error``), with the facts read from
    the database: the roles held that day, and the person's other time that day."""
    person = entry.person
    held = roles_held(person=person, engagement=entry.engagement, day=entry.date)
    errors = entry_errors(entry, role_given=role_given, held=held)
    if "minutes" not in errors and "date" not in errors:
        # The person's row is locked first, so that two saves of the same day (two tabs, two
        # engagements) cannot both pass the 24-hour check.
        User.objects.select_for_update().filter(pk=person.pk).first()
        others = (
            TimeEntry.objects.filter(person=person, date=entry.date)
            .exclude(pk=entry.pk)
            .aggregate(total=Sum("minutes"))["total"]
            or 0
        )
        message = day_total_error(entry, others=others)
        if message:
            errors["minutes"] = message
    if errors:
        raise ValidationError(errors)


def entry_errors(entry: TimeEntry, *, role_given: bool, held: list[str]) -> dict[str, str]:
    """The rules of an entry that need no other entry, each refusal on its field: a positive
    duration, not in the future, a role the person holds that day on the engagement (``held``:
    the only one, which the entry takes, or the one chosen), a ticket of the same engagement.
    Shared by one entry's save and a whole import's check."""
    errors: dict[str, str] = {}
    person, engagement = entry.person, entry.engagement
    if entry.minutes is None or entry.minutes <= 0:
        errors["minutes"] = _("A duration must be more than zero.")
    if entry.date > person_today(person):
        errors["date"] = _("Time cannot be logged for a day in the future.")
    date_label = formats.date_format(entry.date, "DATE_FORMAT")
    if "date" not in errors and not held:
        errors["date"] = _(
            "%(person)s holds no role on this engagement on %(date)s: no time can be logged "
            "for that day."
        ) % {"person": _person_name(person), "date": date_label}
    elif held and role_given and entry.role not in held:
        errors["role"] = _(
            "%(person)s does not hold the role “%(role)s” on this engagement on %(date)s."
        ) % {"person": _person_name(person), "role": _role_label(entry.role), "date": date_label}
    elif held and not role_given:
        if len(held) == 1:
            entry.role = held[0]
        else:
            errors["role"] = _(
                "%(person)s holds several roles on this engagement: choose the one this work "
                "was done in."
            ) % {"person": _person_name(person)}
    if entry.ticket is not None and entry.ticket.engagement_id != engagement.pk:
        errors["ticket"] = _("This ticket belongs to another engagement.")
    return errors


def day_total_error(entry: TimeEntry, *, others: int) -> str | None:
    """At most 24 hours a day for a person, all engagements together: ``others`` is the rest
    of their time that day. The refusal's message, or None."""
    if others + entry.minutes <= MINUTES_IN_A_DAY:
        return None
    return _(
        "That would make %(total)s on %(date)s for %(person)s (all engagements "
        "together): a day has 24 hours."
    ) % {
        "total": duration_format(others + entry.minutes),
        "date": formats.date_format(entry.date, "DATE_FORMAT"),
        "person": _person_name(entry.person),
    }


def _role_label(role: str) -> str:
    try:
        return str(Role(role).label)
    except ValueError:
        return role


@transaction.atomic
def time_entry_create(
    *,
    actor: User,
    engagement: Engagement,
    person: User,
    date: datetime.date,
    minutes: int,
    ticket: Ticket | None = None,
    role: str = "",
    billable: bool = True,
    note: str = "",
    note_internal: bool = False,
) -> TimeEntry:
    """Log time for a person on the engagement (refusals in ``_validate``); never into a week
    the project manager approved."""
    entry = TimeEntry(
        engagement=engagement,
        person=person,
        date=date,
        minutes=minutes,
        ticket=ticket,
        role=role or "",
        billable=billable,
        note=(note or "").strip(),
        note_internal=note_internal,
    )
    _validate(entry, role_given=bool(role))
    if week_is_approved(engagement_id=engagement.pk, person_id=person.pk, day=date):
        raise TimeLocked()
    entry.full_clean(exclude=["engagement", "person", "ticket"])
    entry.save()
    _record(
        entry=entry,
        actor=actor,
        action=TimeEntryChange.Action.CREATED,
        before={},
        after=entry_snapshot(entry),
    )
    return entry


def _locked_entry(entry: TimeEntry) -> TimeEntry:
    locked = (
        TimeEntry.objects.select_for_update(of=("self",))
        .select_related("person", "engagement", "ticket")
        .get(pk=entry.pk)
    )
    if locked.approved_at is not None or week_is_approved(
        engagement_id=locked.engagement_id, person_id=locked.person_id, day=locked.date
    ):
        raise TimeLocked()
    return locked


@transaction.atomic
def time_entry_update(*, actor: User, entry: TimeEntry, data: dict[str, Any]) -> TimeEntry:
    """Change an entry's date, duration, ticket, role, billing or note, under the same rules
    as a new one; an approved entry, or a move into an approved week, is refused."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    entry = _locked_entry(entry)
    before = entry_snapshot(entry)
    for name, value in data.items():
        if name == "note":
            value = (value or "").strip()
        setattr(entry, name, value)
    # The entry keeps its role when it moves to another day: refused if not held that day.
    _validate(entry, role_given=bool(entry.role))
    if "date" in data and week_is_approved(
        engagement_id=entry.engagement_id, person_id=entry.person_id, day=entry.date
    ):
        raise TimeLocked()
    after = entry_snapshot(entry)
    if after == before:
        return entry
    entry.full_clean(exclude=["engagement", "person", "ticket"])
    entry.version += 1
    entry.updated_at = timezone.now()
    entry.save()
    _record(
        entry=entry, actor=actor, action=TimeEntryChange.Action.UPDATED, before=before, after=after
    )
    return entry


@transaction.atomic
def time_entry_delete(*, actor: User, entry: TimeEntry) -> None:
    """Remove an entry (its history stays); refused once approved."""
    entry = _locked_entry(entry)
    before = entry_snapshot(entry)
    _record(
        entry=entry, actor=actor, action=TimeEntryChange.Action.DELETED, before=before, after={}
    )
    entry.delete()


def _week_entries(
    *, engagement: Engagement, person: User, monday: datetime.date
) -> QuerySet[TimeEntry]:
    return TimeEntry.objects.filter(
        engagement=engagement,
        person=person,
        date__gte=monday,
        date__lte=monday + datetime.timedelta(days=6),
    )


def _week_decide(
    *,
    actor: User,
    engagement: Engagement,
    person: User,
    monday: datetime.date,
    status: str,
    reason: str,
) -> TimesheetWeek:
    week, _created = TimesheetWeek.objects.select_for_update().get_or_create(
        engagement=engagement,
        person=person,
        week_start=monday,
        defaults={"status": status, "reason": reason, "decided_by": actor},
    )
    week.status, week.reason, week.decided_by = status, reason, actor
    week.decided_at = timezone.now()
    week.save()
    return week


@transaction.atomic
def timesheet_week_approve(
    *, actor: User, engagement: Engagement, person: User, week_of: datetime.date
) -> TimesheetWeek:
    """Approve a person's week on the engagement: its entries lock, and a
    ``time.week_approved`` webhook event is written with them. A week with no time, or one
    that has not started, has nothing to approve."""
    monday = week_start(week_of)
    if monday > person_today(actor):
        raise ValidationError(
            {"week": _("This week has not started: there is nothing to approve.")}
        )
    entries = list(
        _week_entries(engagement=engagement, person=person, monday=monday)
        .select_for_update(of=("self",))
        .select_related("ticket")
    )
    if not entries:
        raise ValidationError(
            {"week": _("%(person)s logged no time that week.") % {"person": _person_name(person)}}
        )
    now = timezone.now()
    week = _week_decide(
        actor=actor,
        engagement=engagement,
        person=person,
        monday=monday,
        status=TimesheetWeek.Status.APPROVED,
        reason="",
    )
    pending = [entry for entry in entries if entry.approved_at is None]
    TimeEntry.objects.filter(pk__in=[entry.pk for entry in pending]).update(
        approved_at=now, approved_by=actor
    )
    TimeEntryChange.objects.bulk_create(
        TimeEntryChange(
            engagement=engagement,
            entry_ref=entry.pk,
            actor=actor,
            action=TimeEntryChange.Action.APPROVED,
            before={"approved": False},
            after={"approved": True},
            at=now,
        )
        for entry in pending
    )
    if pending:
        # Approving a week again, with nothing new in it, tells the integrations nothing.
        week_approved_emit(week=week, entries=entries, approved_at=now)
    # Approved time burns budgets: the alerts' sweep looks at once (the beat would anyway).
    enqueue_on_commit("backlog.timesheets.tasks.budget_alerts_sweep_task")
    return week


@transaction.atomic
def timesheet_week_return(
    *,
    actor: User,
    engagement: Engagement,
    person: User,
    week_of: datetime.date,
    reason: str,
) -> TimesheetWeek:
    """Return a person's week with a reason (it unlocks if it was approved); the person is told
    in their inbox, in their language."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the week is returned.")})
    monday = week_start(week_of)
    entries = list(_week_entries(engagement=engagement, person=person, monday=monday))
    if not entries:
        raise ValidationError(
            {"week": _("%(person)s logged no time that week.") % {"person": _person_name(person)}}
        )
    now = timezone.now()
    week = _week_decide(
        actor=actor,
        engagement=engagement,
        person=person,
        monday=monday,
        status=TimesheetWeek.Status.RETURNED,
        reason=reason,
    )
    unlocked = [entry for entry in entries if entry.approved_at is not None]
    TimeEntry.objects.filter(pk__in=[entry.pk for entry in unlocked]).update(
        approved_at=None, approved_by=None
    )
    TimeEntryChange.objects.bulk_create(
        TimeEntryChange(
            engagement=engagement,
            entry_ref=entry.pk,
            actor=actor,
            action=TimeEntryChange.Action.RETURNED,
            before={"approved": entry.approved_at is not None},
            after={"approved": False, "reason": reason},
            at=now,
        )
        for entry in entries
    )
    url = reverse("timesheets:timesheet", args=[engagement.slug]) + f"?week={monday.isoformat()}"

    def compose() -> tuple[str, str]:
        return (
            _("Your time for the week of %(week)s was returned")
            % {"week": formats.date_format(monday, "DATE_FORMAT")},
            _("%(manager)s: %(reason)s") % {"manager": _person_name(actor), "reason": reason},
        )

    notifications_write(
        people=[person],
        engagement_id=engagement.pk,
        kind="time_returned",
        compose=compose,
        url=url,
    )
    return week


@transaction.atomic
def timer_start(
    *, person: User, engagement: Engagement, ticket: Ticket | None = None, role: str = ""
) -> RunningTimer:
    """Start the person's timer (one per person, kept on the server). The role is settled now,
    so that stopping never fails for want of one."""
    existing = RunningTimer.objects.select_for_update().filter(person=person).first()
    if existing is not None:
        raise ValidationError(
            _("A timer is already running since %(time)s; stop it first.")
            % {"time": formats.time_format(timezone.localtime(existing.started_at), "TIME_FORMAT")}
        )
    probe = TimeEntry(
        engagement=engagement,
        person=person,
        date=person_today(person),
        minutes=1,
        ticket=ticket,
        role=role or "",
    )
    _validate(probe, role_given=bool(role))
    return RunningTimer.objects.create(
        person=person, engagement=engagement, ticket=ticket, role=probe.role
    )


@transaction.atomic
def timer_stop(*, person: User) -> TimeEntry:
    """Stop the person's timer: a time entry for the minutes it ran (rounded up), dated the
    day it started in the person's time zone."""
    timer = (
        RunningTimer.objects.select_for_update(of=("self",))
        .select_related("engagement", "ticket")
        .filter(person=person)
        .first()
    )
    if timer is None:
        raise ValidationError(_("No timer is running."))
    seconds = (timezone.now() - timer.started_at).total_seconds()
    minutes = max(1, math.ceil(seconds / 60))
    if minutes > MINUTES_IN_A_DAY:
        raise ValidationError(
            _("The timer ran for more than 24 hours: discard it and add the time by hand.")
        )
    day = timer.started_at.astimezone(zoneinfo.ZoneInfo(person.time_zone)).date()
    entry = time_entry_create(
        actor=person,
        engagement=timer.engagement,
        person=person,
        date=day,
        minutes=minutes,
        ticket=timer.ticket,
        role=timer.role,
    )
    timer.delete()
    return entry


@transaction.atomic
def timer_discard(*, person: User) -> None:
    """Throw the person's running timer away without logging anything."""
    RunningTimer.objects.filter(person=person).delete()


@dataclass(frozen=True)
class CellInput:
    """What a timesheet cell says: the total minutes of one (ticket, role) on one day."""

    ticket: Ticket | None
    role: str
    day: datetime.date
    minutes: int


def timesheet_cells_save(
    *, actor: User, engagement: Engagement, person: User, cells: list[CellInput]
) -> dict[CellInput, str]:
    """Make each cell's entries add up to its total: create one, change or delete the single
    one there. A cell holding several entries is refused (change them one by one), as is any
    cell the rules of an entry refuse; each cell is saved on its own, so that one refusal loses
    none of the others. The refused cells come back with their message."""
    refused: dict[CellInput, str] = {}
    if not cells:
        return refused
    days = [cell.day for cell in cells]
    existing: dict[tuple[int, str, datetime.date], list[TimeEntry]] = {}
    for entry in TimeEntry.objects.filter(
        engagement=engagement, person=person, date__gte=min(days), date__lte=max(days)
    ).select_related("ticket", "person", "engagement"):
        existing.setdefault((entry.ticket_id or 0, entry.role, entry.date), []).append(entry)
    for cell in cells:
        entries = existing.get((cell.ticket.pk if cell.ticket else 0, cell.role, cell.day), [])
        if sum(entry.minutes for entry in entries) == cell.minutes:
            continue
        try:
            if len(entries) > 1:
                raise ValidationError(
                    _(
                        "This day holds %(count)d entries: change them one by one from the "
                        "list of entries."
                    )
                    % {"count": len(entries)}
                )
            if cell.minutes < 0:
                raise ValidationError(_("A duration must be more than zero."))
            if not entries:
                time_entry_create(
                    actor=actor,
                    engagement=engagement,
                    person=person,
                    date=cell.day,
                    minutes=cell.minutes,
                    ticket=cell.ticket,
                    role=cell.role,
                )
            elif cell.minutes == 0:
                time_entry_delete(actor=actor, entry=entries[0])
            else:
                time_entry_update(actor=actor, entry=entries[0], data={"minutes": cell.minutes})
        except ValidationError as error:
            refused[cell] = " ".join(error.messages)
        except TimeLocked as error:
            refused[cell] = error.message
    return refused
