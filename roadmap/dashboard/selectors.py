"""The dashboard's reads: every app's indicators composed per engagement, for many engagements
at once, in a fixed number of queries whatever their number (each indicator aggregates with a
GROUP BY engagement). Definitions: docs/indicators.md."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from backlog.indicators import (
    BacklogValue,
    DefectCounts,
    Defects,
    Delivered,
    Duties,
    FirstPass,
    Proactivity,
    backlog_value,
    duties_annotations,
    duties_by_quarter,
    proactivity_by_quarter,
    qa_first_pass,
    ticket_quarter_indicators,
    value_delivered_by_quarter,
)
from backlog.timesheets.burn import PeriodBurn, current_burns
from backlog.timesheets.observed import ObservedRoles, observed_roles, observed_window
from collab.models import Engagement, User
from collab.rhythm.indicators import (
    ActionItemCounts,
    Rhythm,
    action_item_counts,
    rhythm_annotations,
    rhythm_by_engagement,
    rhythm_of_row,
)
from roadmap.indicators import (
    Planned,
    ReviewStatus,
    overdue_of_row,
    overdue_review_annotations,
    overdue_reviews,
    planned_by_quarter,
    planned_for_quarter,
    review_status,
)
from roadmap.quarters import Quarter, quarter_range
from roles.coverage import (
    HEALTH_RANK,
    Health,
    MatrixRow,
    RoleCoverage,
    agency_engagements,
    agency_matrix,
    project_managers,
    role_coverage,
)
from roles.models import AGENCY_ROLES, RoleAssignment

# Proactivity on a card: the current quarter and the three before it.
CARD_QUARTERS = 4
# The overview's charts: the current quarter and the seven before it (two years).
CHART_QUARTERS = 8


def current_quarter(now: dt.datetime | None = None) -> Quarter:
    """The quarter of ``now`` in UTC, the zone every indicator's quarters are counted in."""
    return Quarter.of((now or timezone.now()).astimezone(dt.UTC).date())


def _quarter_start(quarter: Quarter) -> dt.datetime:
    return dt.datetime.combine(quarter.start, dt.time.min, tzinfo=dt.UTC)


@dataclass(frozen=True)
class EngagementHealth:
    """One engagement's indicators, as a card of the director home shows them."""

    engagement: Engagement
    current_quarter: Quarter
    last_quarter: Quarter
    coverage: RoleCoverage
    proactivity_by_quarter: dict[str, Proactivity]
    defects: Defects
    first_pass: FirstPass
    rhythm: Rhythm
    review: ReviewStatus
    action_items: ActionItemCounts
    backlog: BacklogValue
    planned: Planned
    delivered_by_quarter: dict[str, Delivered]
    duties_by_quarter: dict[str, Duties]
    observed: ObservedRoles | None = None

    @property
    def card_quarters(self) -> list[Quarter]:
        return quarter_range(self.current_quarter - (CARD_QUARTERS - 1), self.current_quarter)

    @property
    def duties_quarters(self) -> list[tuple[Quarter, Duties]]:
        """The separation of duties in each of the card's quarters, latest first."""
        return [
            (quarter, self.duties_by_quarter.get(str(quarter), Duties()))
            for quarter in reversed(self.card_quarters)
        ]

    @property
    def proactivity_this_quarter(self) -> Proactivity:
        return self.proactivity_by_quarter.get(str(self.current_quarter), Proactivity())

    @property
    def proactivity_recent(self) -> Proactivity:
        """The last four quarters together (the current one included)."""
        return sum(
            (self.proactivity_by_quarter.get(str(q), Proactivity()) for q in self.card_quarters),
            Proactivity(),
        )

    @property
    def duties_recent(self) -> Duties:
        """The separation of duties over the card's four quarters together."""
        return sum((duties for _quarter, duties in self.duties_quarters), Duties())

    @property
    def delivered_last_quarter(self) -> Delivered:
        return self.delivered_by_quarter.get(str(self.last_quarter), Delivered())

    @property
    def level(self) -> str:
        return self.coverage.level


def engagement_health_list(
    *,
    engagements: Sequence[Engagement],
    now: dt.datetime | None = None,
    quarters: int = CARD_QUARTERS,
) -> list[EngagementHealth]:
    """Every indicator of each engagement, in the given order; the number of queries does not
    depend on the number of engagements. ``quarters`` is how far back the per-quarter series
    go (the current quarter included)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    current = current_quarter(now)
    since = _quarter_start(current - (quarters - 1))
    ids = [engagement.pk for engagement in engagements]
    if not ids:
        return []
    start, end = observed_window(today)
    observed = observed_roles(engagements=ids, start=start, end=end, sees_all=False)
    coverage = _coverage(ids, today, observed)
    proactivity, defects = ticket_quarter_indicators(engagements=ids, since=since)
    first_pass = qa_first_pass(engagements=ids)
    rhythm = rhythm_by_engagement(engagements=ids, now=now)
    reviews = review_status(
        engagements=engagements,
        rhythm=rhythm,
        overdue=overdue_reviews(engagements=ids, now=now),
        now=now,
    )
    actions = action_item_counts(engagements=ids, today=today)
    backlog = backlog_value(engagements=ids)
    planned = planned_for_quarter(engagements=ids, quarter=current)
    delivered = value_delivered_by_quarter(
        engagements=ids, since=min(since, _quarter_start(current - 1))
    )
    duties = duties_by_quarter(engagements=ids, since=since)
    return [
        EngagementHealth(
            engagement=engagement,
            current_quarter=current,
            last_quarter=current - 1,
            coverage=coverage[engagement.pk],
            proactivity_by_quarter=proactivity[engagement.pk],
            defects=defects[engagement.pk],
            first_pass=first_pass[engagement.pk],
            rhythm=rhythm[engagement.pk],
            review=reviews[engagement.pk],
            action_items=actions[engagement.pk],
            backlog=backlog[engagement.pk],
            planned=planned[engagement.pk],
            delivered_by_quarter=delivered[engagement.pk],
            duties_by_quarter=duties[engagement.pk],
            observed=observed[engagement.pk],
        )
        for engagement in engagements
    ]


def _coverage(
    ids: list[int], today: dt.date, observed: dict[int, ObservedRoles]
) -> dict[int, RoleCoverage]:
    """Role coverage on ``today`` from the roles held that observed roles already read (the
    observed window ends today): one query fewer."""
    return role_coverage(
        engagements=ids, on=today, held=[row for found in observed.values() for row in found.held]
    )


# The director home's trends (sparklines): the current quarter and the three before it.
TREND_QUARTERS = 4


@dataclass(frozen=True)
class TrendPoint:
    """One quarter of a sparkline."""

    quarter: Quarter
    value: Decimal | int

    @property
    def label(self) -> str:
        return str(self.quarter)


@dataclass(frozen=True)
class DirectorCard:
    """One engagement of the director home: its health (role coverage), the figures that
    matter with their trend over the last quarters, and the next meetings."""

    engagement: Engagement
    current_quarter: Quarter
    coverage: RoleCoverage
    rhythm: Rhythm
    review: ReviewStatus
    proactivity_by_quarter: dict[str, Proactivity]
    defects: Defects
    planned_by_quarter: dict[str, Planned]
    delivered_by_quarter: dict[str, Delivered]
    duties_recent: Duties
    # The current period of each of the engagement's budgets, with its burn and forecast.
    budgets: Sequence[PeriodBurn] = ()
    # Where the last four weeks' approved billable hours and the actions went (the director's
    # view of time, the same for every reader of the home).
    observed: ObservedRoles | None = None

    @property
    def level(self) -> str:
        return self.coverage.level

    @property
    def quarters(self) -> list[Quarter]:
        return quarter_range(self.current_quarter - (TREND_QUARTERS - 1), self.current_quarter)

    @property
    def delivered(self) -> Delivered:
        return self.delivered_by_quarter.get(str(self.current_quarter), Delivered())

    @property
    def planned(self) -> Planned:
        return self.planned_by_quarter.get(str(self.current_quarter), Planned())

    @property
    def proactivity(self) -> Proactivity:
        return self.proactivity_by_quarter.get(str(self.current_quarter), Proactivity())

    @property
    def proactivity_recent(self) -> Proactivity:
        """The last four quarters together (the current one included)."""
        return sum(
            (self.proactivity_by_quarter.get(str(q), Proactivity()) for q in self.quarters),
            Proactivity(),
        )

    def _trend(self, value_of: Callable[[str], Decimal | int]) -> list[TrendPoint]:
        return [TrendPoint(quarter=q, value=value_of(str(q))) for q in self.quarters]

    @property
    def delivered_trend(self) -> list[TrendPoint]:
        return self._trend(lambda key: self.delivered_by_quarter.get(key, Delivered()).annual_value)

    @property
    def planned_trend(self) -> list[TrendPoint]:
        return self._trend(lambda key: self.planned_by_quarter.get(key, Planned()).annual_value)

    @property
    def proactivity_trend(self) -> list[TrendPoint]:
        return self._trend(
            lambda key: self.proactivity_by_quarter.get(key, Proactivity()).initiatives
        )

    @property
    def defects_trend(self) -> list[TrendPoint]:
        """Bugs found by the client, per quarter of filing."""
        return self._trend(lambda key: self.defects.by_quarter.get(key, DefectCounts()).client)


@dataclass(frozen=True)
class DirectorHome:
    cards: list[DirectorCard]
    agency_staff: bool

    @property
    def counts(self) -> dict[str, int]:
        """How many cards are at each health level."""
        return {
            level: sum(1 for card in self.cards if card.level == level)
            for level in (Health.CRITICAL, Health.WARNING, Health.HEALTHY)
        }


def director_home(
    *, person: User, visible: QuerySet[Engagement], now: dt.datetime | None = None
) -> DirectorHome:
    """The cards of the director home: every visible engagement, critical ones first, then
    warnings, then by name; and whether the person holds an agency role on one of them (the
    agency view is theirs). The rhythm, the overdue reviews and the person's agency role ride
    on the query of the engagements, so that the page makes a fixed, small number of queries
    whatever the number of engagements."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    current = current_quarter(now)
    quarters = quarter_range(current - (TREND_QUARTERS - 1), current)
    agency_role = RoleAssignment.objects.active(today).filter(
        engagement=OuterRef("pk"), person_id=person.pk, role__in=AGENCY_ROLES
    )
    since = _quarter_start(quarters[0])
    engagements = list(
        visible.select_related("client", "agency")
        .annotate(
            **rhythm_annotations(now),
            **overdue_review_annotations(now),
            **duties_annotations(since=since),
            holds_agency_role=Exists(agency_role),
        )
        .order_by("name", "pk")
    )
    if not engagements:
        return DirectorHome(cards=[], agency_staff=False)
    ids = [engagement.pk for engagement in engagements]
    rhythm = {engagement.pk: rhythm_of_row(engagement.__dict__) for engagement in engagements}
    overdue = {}
    for engagement in engagements:
        late = overdue_of_row(engagement.__dict__)
        if late is not None:
            overdue[engagement.pk] = late
    reviews = review_status(engagements=engagements, rhythm=rhythm, overdue=overdue, now=now)
    start, end = observed_window(today)
    observed = observed_roles(engagements=ids, start=start, end=end, sees_all=False)
    coverage = _coverage(ids, today, observed)
    proactivity, defects = ticket_quarter_indicators(engagements=ids, since=since)
    planned = planned_by_quarter(engagements=ids, quarters=quarters)
    delivered = value_delivered_by_quarter(engagements=ids, since=since)
    budgets = current_burns(engagement_ids=ids, today=today)
    cards = [
        DirectorCard(
            engagement=engagement,
            current_quarter=current,
            coverage=coverage[engagement.pk],
            rhythm=rhythm[engagement.pk],
            review=reviews[engagement.pk],
            proactivity_by_quarter=proactivity[engagement.pk],
            defects=defects[engagement.pk],
            planned_by_quarter=planned[engagement.pk],
            delivered_by_quarter=delivered[engagement.pk],
            # Annotations spread from a dict, which the Django plugin cannot see (as for the
            # rhythm above, they are read from the row).
            duties_recent=Duties(
                breaches=engagement.__dict__["duties_breaches"],
                self_verified=engagement.__dict__["duties_self_verified"],
            ),
            budgets=budgets.get(engagement.pk, ()),
            observed=observed[engagement.pk],
        )
        for engagement in engagements
    ]
    return DirectorHome(
        cards=sorted(cards, key=lambda card: -HEALTH_RANK[card.level]),
        agency_staff=any(engagement.holds_agency_role for engagement in engagements),
    )


@dataclass(frozen=True)
class QuarterPoint:
    """One quarter of the overview's series."""

    quarter: Quarter
    delivered: Delivered
    proactivity: Proactivity
    defects_client: int
    defects_agency_qa: int
    defects_monitoring: int

    @property
    def label(self) -> str:
        return str(self.quarter)


@dataclass(frozen=True)
class EngagementOverview:
    health: EngagementHealth
    series: list[QuarterPoint]


def engagement_overview(
    *, engagement: Engagement, now: dt.datetime | None = None
) -> EngagementOverview:
    """One engagement's indicators with two years of quarters for the charts."""
    health = engagement_health_list(engagements=[engagement], now=now, quarters=CHART_QUARTERS)[0]
    current = health.current_quarter
    series = []
    for quarter in quarter_range(current - (CHART_QUARTERS - 1), current):
        key = str(quarter)
        defects = health.defects.by_quarter.get(key)
        series.append(
            QuarterPoint(
                quarter=quarter,
                delivered=health.delivered_by_quarter.get(key, Delivered()),
                proactivity=health.proactivity_by_quarter.get(key, Proactivity()),
                defects_client=defects.client if defects else 0,
                defects_agency_qa=defects.agency_qa if defects else 0,
                defects_monitoring=defects.monitoring if defects else 0,
            )
        )
    return EngagementOverview(health=health, series=series)


@dataclass(frozen=True)
class AgencyEngagement:
    """An engagement of the agency view: its coverage and its proactivity."""

    engagement: Engagement
    coverage: RoleCoverage
    proactivity: Proactivity
    duties: Duties

    @property
    def at_risk(self) -> bool:
        return bool(self.coverage.doubled or self.coverage.missing)


@dataclass(frozen=True)
class AgencyView:
    engagements: list[AgencyEngagement]
    matrix: list[MatrixRow]
    project_managers: list[User]
    selected_pm: User | None

    @property
    def at_risk(self) -> list[AgencyEngagement]:
        return [entry for entry in self.engagements if entry.at_risk]

    @property
    def overloaded(self) -> list[MatrixRow]:
        return [row for row in self.matrix if row.overloaded]


def agency_view(
    *, person: User, visible: QuerySet[Engagement], pm_id: int | None = None
) -> AgencyView:
    """The agency view of a person: the visible engagements where they hold an agency role
    (only those where ``pm_id`` is project manager, when given), the person x engagement x role
    matrix, the engagements at risk and proactivity over the last four quarters; the number of
    queries does not depend on the number of people or engagements."""
    now = timezone.now()
    today = timezone.localdate(now)
    scope = agency_engagements(person=person, visible=visible, on=today)
    managers = project_managers(engagements=scope, on=today)
    selected = next((pm for pm in managers if pm.pk == pm_id), None)
    if selected is not None:
        scope = agency_engagements(
            person=person, visible=visible, on=today, project_manager=selected
        )
    engagements = list(scope.order_by("name", "pk"))
    ids = [engagement.pk for engagement in engagements]
    current = current_quarter(now)
    since = _quarter_start(current - (CARD_QUARTERS - 1))
    coverage = role_coverage(engagements=ids, on=today)
    proactivity = proactivity_by_quarter(engagements=ids, since=since)
    duties = duties_by_quarter(engagements=ids, since=since)
    return AgencyView(
        engagements=[
            AgencyEngagement(
                engagement=engagement,
                coverage=coverage[engagement.pk],
                proactivity=sum(proactivity[engagement.pk].values(), Proactivity()),
                duties=sum(duties[engagement.pk].values(), Duties()),
            )
            for engagement in engagements
        ],
        matrix=agency_matrix(engagements=ids, on=today),
        project_managers=managers,
        selected_pm=selected,
    )
