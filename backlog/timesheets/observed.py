"""Observed roles: where each person's hours and actions actually go on an engagement, beside
the roles they were assigned (docs/indicators.md, "Observed roles").

Over a window of days (the last four weeks by default), for each core role:

- its **hours**: the time entries logged in that role (all of them for the agency's people;
  for the client's people only what they see, approved billable time);
- its **actions**: QA verdicts recorded (tester), acceptance criteria written (business
  analyst), agency initiatives filed (consultant), timesheet weeks approved or returned
  (project manager).

A person is **observed** in a core role when they did at least ``OBSERVED_SHARE`` per cent of
that role's hours or of its actions on the engagement. The observed coverage is then judged
with the same rule as the assigned one (``roles.coverage.coverage_level``): one person observed
in three or more core roles is critical, in two a warning; a core role in which nobody worked is
missing. The overloaded project manager is visible even when someone else is nominally the
tester. Everything is read in two queries, whatever the number of engagements and people.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Sum, Value
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from backlog.models import AcceptanceCriterion, QAVerdict, Ticket
from backlog.models.tickets import Origin
from backlog.timesheets.models import TimeEntry, TimesheetWeek
from backlog.timesheets.selectors import client_visible
from collab.models import Engagement
from roles.coverage import (
    CORE_ROLES,
    HEALTH_LABELS,
    MISSING_ROLE_RISKS,
    Doubling,
    coverage_level,
)
from roles.models import AGENCY_ROLES, Role, RoleAssignment

OBSERVED_SHARE = 25
OBSERVED_DAYS = 28

# What counts as each core role's actions, as the page names them.
ACTION_LABELS: dict[Role, Promise] = {
    Role.PROJECT_MANAGER: _("timesheet weeks approved or returned"),
    Role.CONSULTANT: _("agency initiatives filed"),
    Role.BUSINESS_ANALYST: _("acceptance criteria written"),
    Role.TESTER: _("QA verdicts recorded"),
}


def _share(part: int, whole: int) -> int | None:
    """The whole per cent, rounded down, so that 24.8 % never reads as the 25 % threshold."""
    return 100 * part // whole if whole else None


@dataclass(frozen=True)
class RoleWork:
    """One person's work in one role over the window, and their share of the role's work."""

    role: Role
    minutes: int
    minutes_share: int | None
    actions: int
    actions_share: int | None
    assigned: bool
    # The share of the person's own hours (over every role) spent in this one.
    own_share: int | None = None

    @property
    def label(self) -> str:
        return str(self.role.label)

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.role, ""))

    @property
    def observed(self) -> bool:
        return self.role in CORE_ROLES and any(
            share is not None and share >= OBSERVED_SHARE
            for share in (self.minutes_share, self.actions_share)
        )


@dataclass(frozen=True)
class RoleTotal:
    """A core role's hours and actions on the engagement over the window."""

    role: Role
    minutes: int
    actions: int

    @property
    def label(self) -> str:
        return str(self.role.label)

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS[self.role])


@dataclass(frozen=True)
class PersonWork:
    """A person's assigned roles beside the work they did in each role."""

    person_id: int
    name: str
    assigned: tuple[Role, ...]
    work: tuple[RoleWork, ...]
    # The allocation (per cent of their time) of each role held.
    allocations: tuple[tuple[Role, int], ...] = ()

    @property
    def minutes(self) -> int:
        return sum(item.minutes for item in self.work)

    @property
    def logged(self) -> list[RoleWork]:
        return [item for item in self.work if item.minutes]

    @property
    def acted(self) -> list[RoleWork]:
        return [item for item in self.work if item.actions]

    @property
    def assigned_labels(self) -> list[str]:
        return [str(role.label) for role in self.assigned]

    @property
    def assigned_with_allocation(self) -> list[str]:
        """ "Project manager (70 %)" for each role held."""
        return [f"{role.label} ({percent}\u00a0%)" for role, percent in self.allocations]

    @property
    def observed(self) -> tuple[Role, ...]:
        return tuple(item.role for item in self.work if item.observed)

    @property
    def observed_labels(self) -> list[str]:
        return [str(role.label) for role in self.observed]

    @property
    def unassigned(self) -> tuple[Role, ...]:
        """Core roles the person works in without holding them."""
        return tuple(role for role in self.observed if role not in self.assigned)

    @property
    def unassigned_labels(self) -> list[str]:
        return [str(role.label) for role in self.unassigned]


@dataclass(frozen=True)
class ObservedRoles:
    """The observed coverage of one engagement's core roles over a window of days."""

    engagement_id: int
    start: datetime.date
    end: datetime.date
    people: list[PersonWork]
    role_minutes: dict[Role, int]
    role_actions: dict[Role, int]
    # The roles held on ``end`` as read: (engagement id, person id, role, display name, email),
    # what ``roles.coverage.role_coverage`` takes as ``held`` instead of reading them again.
    held: tuple[tuple[int, int, str, str, str], ...] = ()

    @property
    def core_totals(self) -> list[RoleTotal]:
        return [
            RoleTotal(role=role, minutes=self.role_minutes[role], actions=self.role_actions[role])
            for role in CORE_ROLES
        ]

    @property
    def has_work(self) -> bool:
        return any(self.role_minutes.values()) or any(self.role_actions.values())

    @property
    def doubled(self) -> list[Doubling]:
        return [
            Doubling(person_id=row.person_id, name=row.name, roles=row.observed)
            for row in self.people
            if len(row.observed) >= 2
        ]

    @property
    def missing(self) -> list[Role]:
        observed = {role for row in self.people for role in row.observed}
        return [role for role in CORE_ROLES if role not in observed]

    @property
    def level(self) -> str | None:
        """None while nothing was logged or done in the window: there is nothing to observe."""
        if not self.has_work:
            return None
        return coverage_level(doubled=self.doubled, missing=self.missing)

    @property
    def level_label(self) -> str:
        return str(HEALTH_LABELS[self.level]) if self.level else ""

    @property
    def risks(self) -> list[str]:
        return [str(MISSING_ROLE_RISKS[role]) for role in self.missing] if self.has_work else []

    @property
    def unassigned(self) -> list[PersonWork]:
        """People working in a core role they do not hold."""
        return [row for row in self.people if row.unassigned]


# The kind of the union's rows that are roles held, not work done.
ASSIGNED = "assigned"


def observed_window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The default window: the last four weeks, today included."""
    return today - datetime.timedelta(days=OBSERVED_DAYS - 1), today


def _since(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


def _work_rows(
    ids: list[int], start: datetime.date, end: datetime.date, sees_all: bool
) -> list[tuple[int, int, str, str, str, str, int]]:
    """(engagement id, person id, display name, email, role, "minutes", "actions" or
    "assigned", amount) of the hours logged per role, of every core role's actions and of the
    roles held on ``end``, in one query."""
    after, before = _since(start), _since(end + datetime.timedelta(days=1))
    entries = TimeEntry.objects.filter(engagement_id__in=ids, date__gte=start, date__lte=end)
    if not sees_all:
        entries = client_visible(entries)
    # (rows, person field, role, what is summed): each becomes one grouped SELECT of the union.
    parts = [
        (entries, "person", F("role"), "minutes", Sum("minutes")),
        (
            QAVerdict.objects.filter(
                engagement_id__in=ids, recorded_at__gte=after, recorded_at__lt=before
            ),
            "tester",
            Value(Role.TESTER.value),
            "actions",
            Count("pk"),
        ),
        (
            AcceptanceCriterion.objects.filter(
                engagement_id__in=ids, created_at__gte=after, created_at__lt=before
            ),
            "author",
            Value(Role.BUSINESS_ANALYST.value),
            "actions",
            Count("pk"),
        ),
        (
            Ticket.objects.filter(
                engagement_id__in=ids,
                origin=Origin.AGENCY_INITIATIVE,
                created_at__gte=after,
                created_at__lt=before,
                reporter__isnull=False,
            ),
            "reporter",
            Value(Role.CONSULTANT.value),
            "actions",
            Count("pk"),
        ),
        (
            TimesheetWeek.objects.filter(
                engagement_id__in=ids,
                decided_at__gte=after,
                decided_at__lt=before,
                decided_by__isnull=False,
            ),
            "decided_by",
            Value(Role.PROJECT_MANAGER.value),
            "actions",
            Count("pk"),
        ),
        # The roles held on the window's last day ride in the same union, with their allocation.
        (
            RoleAssignment.objects.active(end).filter(engagement_id__in=ids),
            "person",
            F("role"),
            ASSIGNED,
            Sum("allocation_percent"),
        ),
    ]
    grouped = [
        rows.values(
            obs_engagement=F("engagement_id"),
            obs_person=F(f"{person}_id"),
            obs_name=F(f"{person}__display_name"),
            obs_email=F(f"{person}__email"),
            obs_role=role,
        )
        .annotate(obs_kind=Value(kind), obs_amount=amount)
        .values_list(
            "obs_engagement",
            "obs_person",
            "obs_name",
            "obs_email",
            "obs_role",
            "obs_kind",
            "obs_amount",
        )
        .order_by()
        for rows, person, role, kind, amount in parts
    ]
    return list(grouped[0].union(*grouped[1:], all=True).order_by())


def observed_roles(
    *,
    engagements: Iterable[Engagement] | Iterable[int],
    start: datetime.date,
    end: datetime.date,
    sees_all: bool,
) -> dict[int, ObservedRoles]:
    """Per engagement id, each person's assigned roles (in force on ``end``) beside their hours
    and actions per role from ``start`` to ``end`` (one query)."""
    ids = [e if isinstance(e, int) else e.pk for e in engagements]
    rows = _work_rows(ids, start, end, sees_all)
    names: dict[int, str] = {}
    for _engagement, person_id, display_name, email, *_rest in rows:
        names[person_id] = display_name or email
    work_rows = [row for row in rows if row[5] != ASSIGNED]
    assignment_rows = [(*row[:5], row[6]) for row in rows if row[5] == ASSIGNED]

    minutes: dict[int, dict[tuple[int, Role], int]] = {pk: {} for pk in ids}
    actions: dict[int, dict[tuple[int, Role], int]] = {pk: {} for pk in ids}
    assigned: dict[int, dict[int, set[Role]]] = {pk: {} for pk in ids}
    for engagement_id, person_id, _name, _email, role, kind, amount in work_rows:
        into = minutes if kind == "minutes" else actions
        key = (person_id, Role(role))
        into[engagement_id][key] = into[engagement_id].get(key, 0) + int(amount)
    allocation: dict[int, dict[tuple[int, Role], int]] = {pk: {} for pk in ids}
    for engagement_id, person_id, _name, _email, role, percent in assignment_rows:
        assigned[engagement_id].setdefault(person_id, set()).add(Role(role))
        allocation[engagement_id][(person_id, Role(role))] = int(percent or 0)

    role_order = list(Role)
    result = {}
    for pk in ids:
        role_minutes = dict.fromkeys(role_order, 0)
        role_actions = dict.fromkeys(CORE_ROLES, 0)
        for (_person, role), value in minutes[pk].items():
            role_minutes[role] += value
        for (_person, role), value in actions[pk].items():
            role_actions[role] += value
        # The agency's people, and anyone else (a client person) who did a role's work.
        people = {person for person, held in assigned[pk].items() if held & AGENCY_ROLES}
        people |= {person for person, _role in minutes[pk]}
        people |= {person for person, _role in actions[pk]}
        rows = []
        for person_id in people:
            held = assigned[pk].get(person_id, set())
            roles = {role for (p, role) in (*minutes[pk], *actions[pk]) if p == person_id}
            roles |= {role for role in held if role in CORE_ROLES}
            own_minutes = sum(
                value for (person, _role), value in minutes[pk].items() if person == person_id
            )
            work = tuple(
                RoleWork(
                    role=role,
                    minutes=minutes[pk].get((person_id, role), 0),
                    minutes_share=_share(minutes[pk].get((person_id, role), 0), role_minutes[role]),
                    actions=actions[pk].get((person_id, role), 0),
                    actions_share=_share(
                        actions[pk].get((person_id, role), 0), role_actions.get(role, 0)
                    ),
                    assigned=role in held,
                    own_share=_share(minutes[pk].get((person_id, role), 0), own_minutes),
                )
                for role in role_order
                if role in roles
            )
            rows.append(
                PersonWork(
                    person_id=person_id,
                    name=names.get(person_id, ""),
                    assigned=tuple(role for role in role_order if role in held),
                    work=work,
                    allocations=tuple(
                        (role, allocation[pk][(person_id, role)])
                        for role in role_order
                        if role in held
                    ),
                )
            )
        rows.sort(key=lambda row: (-row.minutes, row.name.lower(), row.person_id))
        result[pk] = ObservedRoles(
            engagement_id=pk,
            start=start,
            end=end,
            people=rows,
            role_minutes=role_minutes,
            role_actions=role_actions,
            held=tuple(
                (engagement_id, person_id, role, name, email)
                for engagement_id, person_id, name, email, role, _percent in assignment_rows
                if engagement_id == pk
            ),
        )
    return result
