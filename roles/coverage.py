"""Role coverage and allocation: whether an engagement's four agency roles are held by distinct
people, who carries more than one, which is missing, and who is assigned above 100 %.

Definitions (docs/indicators.md): the *core roles* are project manager, consultant, business
analyst and tester. On an engagement, from the assignments in force on the day:

- **critical**: one person holds three or more core roles;
- **warning**: otherwise, one person holds two core roles (typically the project manager also
  testing), or a core role has nobody;
- **healthy**: each core role is held, and nobody holds two of them.

Each missing core role is a named risk. Allocation: a person's load is the sum of
``allocation_percent`` of all their assignments in force, across every engagement; above 100 %
is an overload.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from collab.models import Engagement, User
from roles.models import AGENCY_ROLES, Role, RoleAssignment, assignment_today

CORE_ROLES: tuple[Role, ...] = (
    Role.PROJECT_MANAGER,
    Role.CONSULTANT,
    Role.BUSINESS_ANALYST,
    Role.TESTER,
)
CRITICAL_ROLE_COUNT = 3
FULL_ALLOCATION = 100

# What goes wrong when a core role has nobody: the named risk shown on the dashboard.
MISSING_ROLE_RISKS: dict[Role, Promise] = {
    Role.PROJECT_MANAGER: _("No project manager: nobody runs the sprint and the weekly sync."),
    Role.CONSULTANT: _("No consultant: no business partner."),
    Role.BUSINESS_ANALYST: _("No business analyst: the client is analysing for the agency."),
    Role.TESTER: _("No tester: the client is testing for the agency."),
}


class Health:
    HEALTHY = "healthy"
    WARNING = "warning"
    CRITICAL = "critical"


HEALTH_LABELS: dict[str, Promise] = {
    Health.HEALTHY: _("Healthy"),
    Health.WARNING: _("Warning"),
    Health.CRITICAL: _("Critical"),
}
HEALTH_RANK = {Health.HEALTHY: 0, Health.WARNING: 1, Health.CRITICAL: 2}


@dataclass(frozen=True)
class Doubling:
    """One person holding several core roles on the engagement."""

    person_id: int
    name: str
    roles: tuple[Role, ...]

    @property
    def role_labels(self) -> list[str]:
        return [str(role.label) for role in self.roles]

    @property
    def includes_project_manager(self) -> bool:
        return Role.PROJECT_MANAGER in self.roles


@dataclass(frozen=True)
class PersonLoad:
    """A person's total allocation across all their assignments in force."""

    person_id: int
    name: str
    total_percent: int

    @property
    def overloaded(self) -> bool:
        return self.total_percent > FULL_ALLOCATION


@dataclass(frozen=True)
class RoleCoverage:
    """The coverage of the core roles on one engagement."""

    engagement_id: int
    level: str
    holders: dict[Role, list[str]]
    doubled: list[Doubling]
    missing: list[Role]
    overloaded: list[PersonLoad] = field(default_factory=list)

    @property
    def level_label(self) -> str:
        return str(HEALTH_LABELS[self.level])

    @property
    def risks(self) -> list[str]:
        return [str(MISSING_ROLE_RISKS[role]) for role in self.missing]

    @property
    def core_holders(self) -> list[tuple[str, list[str]]]:
        """(role label, names) of each core role, in the core order."""
        return [(str(role.label), self.holders.get(role, [])) for role in CORE_ROLES]


def coverage_level(*, doubled: Iterable[Doubling], missing: Iterable[Role]) -> str:
    """Critical when one person holds three or more core roles; warning when one holds two or
    a core role is missing; healthy otherwise."""
    doubled, missing = list(doubled), list(missing)
    if any(len(d.roles) >= CRITICAL_ROLE_COUNT for d in doubled):
        return Health.CRITICAL
    if doubled or missing:
        return Health.WARNING
    return Health.HEALTHY


def _ids(engagements: Iterable[Engagement] | Iterable[int]) -> list[int]:
    return [e if isinstance(e, int) else e.pk for e in engagements]


def person_loads(
    *, engagements: Iterable[Engagement] | Iterable[int], on: datetime.date | None = None
) -> dict[int, PersonLoad]:
    """Every person holding a role in force on one of the engagements, with the sum of the
    allocations of all their assignments in force on any engagement (one query)."""
    day = on or assignment_today()
    people = (
        RoleAssignment.objects.active(day)
        .filter(engagement_id__in=_ids(engagements))
        .values("person_id")
    )
    rows = (
        RoleAssignment.objects.active(day)
        .filter(person_id__in=people)
        .values("person_id", "person__display_name", "person__email")
        .annotate(total=Sum("allocation_percent"))
        .order_by()
    )
    return {
        row["person_id"]: PersonLoad(
            person_id=row["person_id"],
            name=row["person__display_name"] or row["person__email"],
            total_percent=int(row["total"] or 0),
        )
        for row in rows
    }


def role_coverage(
    *,
    engagements: Iterable[Engagement] | Iterable[int],
    on: datetime.date | None = None,
    held: Iterable[tuple[int, int, str, str, str]] | None = None,
) -> dict[int, RoleCoverage]:
    """Coverage of the core roles per engagement id, with the overloaded people among each
    engagement's members (two queries whatever the number of engagements; one when the caller
    already read the roles ``held`` on that day: (engagement id, person id, role, display name,
    email) rows, as observed roles read them)."""
    day = on or assignment_today()
    ids = _ids(engagements)
    if held is None:
        assignments: Iterable[tuple[int, int, str, str, str]] = (
            RoleAssignment.objects.active(day)
            .filter(engagement_id__in=ids)
            .values_list(
                "engagement_id", "person_id", "role", "person__display_name", "person__email"
            )
            .order_by("engagement_id", "person__display_name", "person__email", "person_id")
        )
    else:
        assignments = sorted(held, key=lambda row: (row[0], row[3] or "", row[4], row[1]))
    loads = person_loads(engagements=ids, on=day)
    holders: dict[int, dict[Role, list[str]]] = {pk: {} for pk in ids}
    per_person: dict[int, dict[int, tuple[str, set[Role]]]] = {pk: {} for pk in ids}
    overloaded: dict[int, dict[int, PersonLoad]] = {pk: {} for pk in ids}
    for engagement_id, person_id, role, display_name, email in assignments:
        load = loads.get(person_id)
        if load is not None and load.overloaded:
            overloaded[engagement_id][person_id] = load
        if role not in CORE_ROLES:
            continue
        name = display_name or email
        holders[engagement_id].setdefault(Role(role), []).append(name)
        per_person[engagement_id].setdefault(person_id, (name, set()))[1].add(Role(role))
    result = {}
    for pk in ids:
        doubled = [
            Doubling(
                person_id=person_id,
                name=name,
                roles=tuple(role for role in CORE_ROLES if role in roles),
            )
            for person_id, (name, roles) in per_person[pk].items()
            if len(roles) >= 2
        ]
        missing = [role for role in CORE_ROLES if role not in holders[pk]]
        result[pk] = RoleCoverage(
            engagement_id=pk,
            level=coverage_level(doubled=doubled, missing=missing),
            holders=holders[pk],
            doubled=doubled,
            missing=missing,
            overloaded=sorted(
                overloaded[pk].values(), key=lambda load: (load.name, load.person_id)
            ),
        )
    return result


@dataclass(frozen=True)
class MatrixCell:
    role_labels: list[str]
    allocation_percent: int


@dataclass(frozen=True)
class MatrixRow:
    """One person of the agency matrix: their roles and allocation per engagement."""

    person: User
    cells: dict[int, MatrixCell]
    total_percent: int

    @property
    def overloaded(self) -> bool:
        return self.total_percent > FULL_ALLOCATION


def agency_matrix(
    *, engagements: Iterable[Engagement] | Iterable[int], on: datetime.date | None = None
) -> list[MatrixRow]:
    """Person x engagement x role: every person holding an agency role in force on one of the
    engagements, their roles and allocation on each of them, and their total allocation across
    all their assignments in force (two queries)."""
    day = on or assignment_today()
    ids = _ids(engagements)
    assignments = (
        RoleAssignment.objects.active(day)
        .filter(engagement_id__in=ids, role__in=AGENCY_ROLES)
        .select_related("person")
        .order_by("person__display_name", "person__email", "person_id", "engagement_id", "role")
    )
    loads = person_loads(engagements=ids, on=day)
    rows: dict[int, tuple[User, dict[int, MatrixCell]]] = {}
    for assignment in assignments:
        _person, cells = rows.setdefault(assignment.person_id, (assignment.person, {}))
        cell = cells.get(assignment.engagement_id)
        label = str(Role(assignment.role).label)
        if cell is None:
            cells[assignment.engagement_id] = MatrixCell([label], assignment.allocation_percent)
        else:
            cells[assignment.engagement_id] = MatrixCell(
                [*cell.role_labels, label], cell.allocation_percent + assignment.allocation_percent
            )
    return [
        MatrixRow(
            person=person,
            cells=cells,
            total_percent=loads[pk].total_percent if pk in loads else 0,
        )
        for pk, (person, cells) in rows.items()
    ]


def is_agency_staff(person: User, *, on: datetime.date | None = None) -> bool:
    """Whether the person holds an agency role in force on some engagement (an API token
    never does)."""
    if not isinstance(person, User):
        return False
    return (
        RoleAssignment.objects.active(on)
        .filter(person_id=person.pk, role__in=AGENCY_ROLES, person__is_active=True)
        .exists()
    )


@dataclass(frozen=True)
class AgencyWork:
    """Where an agency person's work is: the engagement of their largest allocation, and
    whether they are an agency admin somewhere (staffing is then their work)."""

    engagement: Engagement
    admin: bool


def agency_work(person: User, *, on: datetime.date | None = None) -> AgencyWork | None:
    """The engagement where the person holds the agency role in force with the largest
    allocation (then by engagement name), and whether they hold the agency admin role on any;
    None when they hold no agency role (one query)."""
    if not isinstance(person, User):
        return None
    assignments = list(
        RoleAssignment.objects.active(on)
        .filter(person_id=person.pk, role__in=AGENCY_ROLES, person__is_active=True)
        .select_related("engagement")
        .order_by("-allocation_percent", "engagement__name", "pk")
    )
    if not assignments:
        return None
    return AgencyWork(
        engagement=assignments[0].engagement,
        admin=any(assignment.role == Role.AGENCY_ADMIN for assignment in assignments),
    )


def agency_engagements(
    *,
    person: User,
    visible: QuerySet[Engagement],
    on: datetime.date | None = None,
    project_manager: User | None = None,
) -> QuerySet[Engagement]:
    """The engagements among ``visible`` where the person holds an agency role in force, and,
    with ``project_manager``, where that person is project manager."""
    day = on or assignment_today()
    staffed = RoleAssignment.objects.active(day).filter(person_id=person.pk, role__in=AGENCY_ROLES)
    scope = visible.filter(pk__in=staffed.values("engagement_id"))
    if project_manager is not None:
        managed = RoleAssignment.objects.active(day).filter(
            person_id=project_manager.pk, role=Role.PROJECT_MANAGER
        )
        scope = scope.filter(pk__in=managed.values("engagement_id"))
    return scope


def project_managers(
    *, engagements: QuerySet[Engagement], on: datetime.date | None = None
) -> list[User]:
    """The people holding the project manager role in force on these engagements, by name
    (one query)."""
    day = on or assignment_today()
    managing = RoleAssignment.objects.active(day).filter(
        engagement__in=engagements, role=Role.PROJECT_MANAGER
    )
    return list(
        User.objects.filter(pk__in=managing.values("person_id")).order_by(
            "display_name", "email", "pk"
        )
    )
