"""Health indicators read from the backlog, for many engagements at once.

Every function takes engagements in bulk and answers a dict keyed by engagement id, in one
query whatever the number of engagements (aggregates grouped by engagement). Quarters are
calendar quarters in UTC, named ``2027-Q1`` (the same text as ``roadmap.quarters.Quarter``).
Definitions: docs/indicators.md.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce

from django.db.models import Count, DecimalField, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, ExtractQuarter, ExtractYear

from backlog.models import (
    CLOSED_STATUSES,
    FoundBy,
    InitiativeDecision,
    Kind,
    Origin,
    QAVerdict,
    Status,
    Ticket,
    TicketHistory,
)
from backlog.scoring import annual_value_expression
from backlog.selectors import breach_filter
from collab.models import Engagement

UTC = datetime.UTC
ZERO = Decimal("0")
_MONEY = DecimalField(max_digits=40, decimal_places=12)


def quarter_label(year: int, number: int) -> str:
    """``(2027, 1)`` → ``"2027-Q1"``."""
    return f"{year:04d}-Q{number}"


def _ids(engagements: Iterable[Engagement] | Iterable[int]) -> list[int]:
    return [e if isinstance(e, int) else e.pk for e in engagements]


def _share(part: int, whole: int) -> Decimal | None:
    return Decimal(part) / Decimal(whole) if whole else None


@dataclass(frozen=True)
class Proactivity:
    """Agency initiatives filed in a period and what the client made of them."""

    initiatives: int = 0
    accepted: int = 0
    rejected: int = 0

    @property
    def pending(self) -> int:
        return self.initiatives - self.accepted - self.rejected

    @property
    def decided(self) -> int:
        return self.accepted + self.rejected

    @property
    def accepted_share(self) -> Decimal | None:
        """Accepted / (accepted + rejected); None while nothing is decided."""
        return _share(self.accepted, self.decided)

    def __add__(self, other: Proactivity) -> Proactivity:
        return Proactivity(
            initiatives=self.initiatives + other.initiatives,
            accepted=self.accepted + other.accepted,
            rejected=self.rejected + other.rejected,
        )


def proactivity_by_quarter(
    *, engagements: Iterable[Engagement] | Iterable[int], since: datetime.datetime | None = None
) -> dict[int, dict[str, Proactivity]]:
    """Per engagement id and quarter of filing (``created_at``): agency initiatives, how many
    a client person accepted and declined explicitly (their answer on the ticket, whatever its
    status), one query."""
    return ticket_quarter_indicators(engagements=engagements, since=since, defects=False)[0]


@dataclass(frozen=True)
class DefectCounts:
    """Bugs by who found them; bugs without ``found_by`` are not counted."""

    client: int = 0
    agency_qa: int = 0
    monitoring: int = 0

    @property
    def total(self) -> int:
        return self.client + self.agency_qa + self.monitoring

    @property
    def client_share(self) -> Decimal | None:
        """Found by the client / all bugs with a finder; None without any."""
        return _share(self.client, self.total)

    def __add__(self, other: DefectCounts) -> DefectCounts:
        return DefectCounts(
            client=self.client + other.client,
            agency_qa=self.agency_qa + other.agency_qa,
            monitoring=self.monitoring + other.monitoring,
        )


@dataclass(frozen=True)
class Defects:
    """An engagement's bugs by finder, per quarter of filing and overall (all time)."""

    by_quarter: dict[str, DefectCounts] = field(default_factory=dict)
    overall: DefectCounts = DefectCounts()


def defects_by_finder(*, engagements: Iterable[Engagement] | Iterable[int]) -> dict[int, Defects]:
    """Per engagement id: bugs with a ``found_by``, counted by finder, per quarter of filing
    and overall (one query)."""
    return ticket_quarter_indicators(engagements=engagements, proactivity=False)[1]


def ticket_quarter_indicators(
    *,
    engagements: Iterable[Engagement] | Iterable[int],
    since: datetime.datetime | None = None,
    proactivity: bool = True,
    defects: bool = True,
) -> tuple[dict[int, dict[str, Proactivity]], dict[int, Defects]]:
    """Proactivity (agency initiatives filed since ``since``) and defects by finder (bugs with
    a ``found_by``, all time), per engagement id and quarter of filing, in one grouped query:
    the dashboards need both."""
    ids = _ids(engagements)
    initiative = Q(origin=Origin.AGENCY_INITIATIVE)
    if since is not None:
        initiative &= Q(created_at__gte=since)
    bug = Q(kind=Kind.BUG) & ~Q(found_by="")
    wanted = [q for q, on in ((initiative, proactivity), (bug, defects)) if on]
    rows = (
        Ticket.objects.filter(Q(engagement_id__in=ids), reduce(operator.or_, wanted))
        .values(
            "engagement_id",
            year=ExtractYear("created_at", tzinfo=UTC),
            quarter_number=ExtractQuarter("created_at", tzinfo=UTC),
        )
        .annotate(
            initiatives=Count("pk", filter=initiative),
            accepted=Count(
                "pk", filter=initiative & Q(initiative_decision=InitiativeDecision.ACCEPTED)
            ),
            rejected=Count(
                "pk", filter=initiative & Q(initiative_decision=InitiativeDecision.DECLINED)
            ),
            client=Count("pk", filter=bug & Q(found_by=FoundBy.CLIENT)),
            agency_qa=Count("pk", filter=bug & Q(found_by=FoundBy.AGENCY_QA)),
            monitoring=Count("pk", filter=bug & Q(found_by=FoundBy.MONITORING)),
        )
        .order_by()
    )
    initiatives: dict[int, dict[str, Proactivity]] = {pk: {} for pk in ids}
    quarters: dict[int, dict[str, DefectCounts]] = {pk: {} for pk in ids}
    for row in rows:
        quarter = quarter_label(row["year"], row["quarter_number"])
        if proactivity and row["initiatives"]:
            initiatives[row["engagement_id"]][quarter] = Proactivity(
                initiatives=row["initiatives"], accepted=row["accepted"], rejected=row["rejected"]
            )
        if defects and (row["client"] or row["agency_qa"] or row["monitoring"]):
            quarters[row["engagement_id"]][quarter] = DefectCounts(
                client=row["client"], agency_qa=row["agency_qa"], monitoring=row["monitoring"]
            )
    return initiatives, {
        pk: Defects(by_quarter=by_quarter, overall=sum(by_quarter.values(), DefectCounts()))
        for pk, by_quarter in quarters.items()
    }


@dataclass(frozen=True)
class FirstPass:
    """Tickets with at least one QA verdict, and those whose first verdict passed."""

    tested: int = 0
    passed_first: int = 0

    @property
    def rate(self) -> Decimal | None:
        return _share(self.passed_first, self.tested)


def qa_first_pass(*, engagements: Iterable[Engagement] | Iterable[int]) -> dict[int, FirstPass]:
    """Per engagement id: tickets with a QA verdict, and those whose first verdict (earliest
    ``recorded_at``) passed (one query)."""
    ids = _ids(engagements)
    first_verdict = (
        QAVerdict.objects.filter(ticket=OuterRef("pk"))
        .order_by("recorded_at", "pk")
        .values("passed")[:1]
    )
    rows = (
        Ticket.objects.filter(engagement_id__in=ids)
        .annotate(first_passed=Subquery(first_verdict))
        .filter(first_passed__isnull=False)
        .values("engagement_id")
        .annotate(tested=Count("pk"), passed_first=Count("pk", filter=Q(first_passed=True)))
        .order_by()
    )
    result = {pk: FirstPass() for pk in ids}
    for row in rows:
        result[row["engagement_id"]] = FirstPass(
            tested=row["tested"], passed_first=row["passed_first"]
        )
    return result


@dataclass(frozen=True)
class BacklogValue:
    """Σ annual value of the open tickets (not done, not rejected) and how many are open."""

    annual_value: Decimal = ZERO
    open_tickets: int = 0


def backlog_value(*, engagements: Iterable[Engagement] | Iterable[int]) -> dict[int, BacklogValue]:
    """Per engagement id: Σ annual value of the open tickets (tickets without value figures
    add nothing) and their number (one query)."""
    ids = _ids(engagements)
    rows = (
        Ticket.objects.filter(engagement_id__in=ids)
        .exclude(status__in=CLOSED_STATUSES)
        .values("engagement_id")
        .annotate(
            total=Sum(annual_value_expression(), output_field=_MONEY),
            count=Count("pk"),
        )
        .order_by()
    )
    result = {pk: BacklogValue() for pk in ids}
    for row in rows:
        result[row["engagement_id"]] = BacklogValue(
            annual_value=row["total"] or ZERO, open_tickets=row["count"]
        )
    return result


@dataclass(frozen=True)
class Delivered:
    """Tickets done in a quarter and Σ of their annual values."""

    annual_value: Decimal = ZERO
    tickets: int = 0


def done_at_expression() -> Coalesce:
    """When a ticket was last moved to done (its history), or its last update without one."""
    moved = (
        TicketHistory.objects.filter(ticket=OuterRef("pk"), field="status", after=Status.DONE)
        .order_by("-at", "-pk")
        .values("at")[:1]
    )
    return Coalesce(Subquery(moved), F("updated_at"))


def value_delivered_by_quarter(
    *, engagements: Iterable[Engagement] | Iterable[int], since: datetime.datetime | None = None
) -> dict[int, dict[str, Delivered]]:
    """Per engagement id and quarter of the done time: the tickets now done and Σ of their
    annual values (one query)."""
    ids = _ids(engagements)
    tickets = Ticket.objects.filter(engagement_id__in=ids, status=Status.DONE).annotate(
        done_at=done_at_expression()
    )
    if since is not None:
        tickets = tickets.filter(done_at__gte=since)
    rows = (
        tickets.values(
            "engagement_id",
            year=ExtractYear("done_at", tzinfo=UTC),
            quarter_number=ExtractQuarter("done_at", tzinfo=UTC),
        )
        .annotate(total=Sum(annual_value_expression(), output_field=_MONEY), count=Count("pk"))
        .order_by()
    )
    result: dict[int, dict[str, Delivered]] = {pk: {} for pk in ids}
    for row in rows:
        result[row["engagement_id"]][quarter_label(row["year"], row["quarter_number"])] = Delivered(
            annual_value=row["total"] or ZERO, tickets=row["count"]
        )
    return result


@dataclass(frozen=True)
class Duties:
    """QA verdicts of a period that broke the separation of duties (given by the ticket's
    assignee or an author of its criteria without an exception), and those self-verified
    under the director's exception."""

    breaches: int = 0
    self_verified: int = 0

    @property
    def total(self) -> int:
        return self.breaches + self.self_verified

    def __add__(self, other: Duties) -> Duties:
        return Duties(
            breaches=self.breaches + other.breaches,
            self_verified=self.self_verified + other.self_verified,
        )


def duties_annotations(*, since: datetime.datetime) -> dict[str, Coalesce]:
    """The separation of duties of each engagement since a moment, as two annotations of an
    engagement queryset (``duties_breaches``, ``duties_self_verified``): a page of many
    engagements reads them with its engagements, in no query of their own."""
    verdicts = (
        QAVerdict.objects.filter(engagement=OuterRef("pk"), recorded_at__gte=since)
        .order_by()
        .values("engagement")
    )
    breaches = verdicts.filter(breach_filter()).annotate(n=Count("pk")).values("n")
    verified = verdicts.filter(self_verified=True).annotate(n=Count("pk")).values("n")
    return {
        "duties_breaches": Coalesce(Subquery(breaches), 0),
        "duties_self_verified": Coalesce(Subquery(verified), 0),
    }


def duties_by_quarter(
    *, engagements: Iterable[Engagement] | Iterable[int], since: datetime.datetime | None = None
) -> dict[int, dict[str, Duties]]:
    """Per engagement id and quarter of the verdict (``recorded_at``): QA verdicts that broke
    the separation of duties, and those self-verified under the director's exception (one
    query)."""
    ids = _ids(engagements)
    verdicts = QAVerdict.objects.filter(engagement_id__in=ids).filter(
        breach_filter() | Q(self_verified=True)
    )
    if since is not None:
        verdicts = verdicts.filter(recorded_at__gte=since)
    rows = (
        verdicts.values(
            "engagement_id",
            year=ExtractYear("recorded_at", tzinfo=UTC),
            quarter_number=ExtractQuarter("recorded_at", tzinfo=UTC),
        )
        .annotate(
            breaches=Count("pk", filter=Q(self_verified=False)),
            exceptions=Count("pk", filter=Q(self_verified=True)),
        )
        .order_by()
    )
    result: dict[int, dict[str, Duties]] = {pk: {} for pk in ids}
    for row in rows:
        result[row["engagement_id"]][quarter_label(row["year"], row["quarter_number"])] = Duties(
            breaches=row["breaches"], self_verified=row["exceptions"]
        )
    return result
