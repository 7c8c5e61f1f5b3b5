"""Every read of the backlog; the ranked list is one query whatever its size."""

from __future__ import annotations

import datetime
import hashlib
import json
import operator
import re
import statistics
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import (
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Window,
)
from django.db.models.functions import RowNumber

from backlog.models import (
    CLOSED_STATUSES,
    AcceptanceCriterion,
    Attachment,
    BacklogFacet,
    BacklogMedians,
    Comment,
    Kind,
    Label,
    QAException,
    QAVerdict,
    RankingJob,
    RankKey,
    ResponsibilityPolicy,
    ScoreKey,
    ScoringSettings,
    Sprint,
    StakeholderScore,
    Status,
    SuccessMetric,
    Ticket,
    TicketHistory,
)
from backlog.scoring import (
    FRESH_VALUE,
    Medians,
    ScoreBreakdown,
    annual_value_expression,
    score_breakdown,
    score_expression,
)
from collab.models import Engagement, User
from roles.models import Role

KEY_PATTERN = re.compile(r"^(?P<prefix>[A-Za-z][A-Za-z0-9]{1,9})-(?P<number>[1-9][0-9]{0,9})$")


class _PercentileDisc(models.Aggregate):
    """PostgreSQL's lower median: the first value whose cumulative share reaches one half."""

    function = "PERCENTILE_DISC"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


def scoring_settings_get(*, engagement: Engagement) -> ScoringSettings:
    """The engagement's scoring settings, or the defaults (unsaved) until someone changes them."""
    try:
        return ScoringSettings.objects.get(engagement=engagement)
    except ScoringSettings.DoesNotExist:
        return ScoringSettings(engagement=engagement)


def ranking_order(score: str = "score") -> list[Any]:
    """The order of the ranked backlog: pinned ranks first, then score (unscored last), then
    number, written as the keys of the ``ticket_ranked`` index so that it serves the order
    (fresh expressions for each queryset or window that uses them). ``score``: another
    annotation to rank by (a preview of other settings), served by no index."""
    if score == "score":
        return [RankKey().asc(), ScoreKey().asc(), F("number").asc()]
    return [
        F("manual_rank").asc(nulls_last=True),
        F(score).desc(nulls_last=True),
        F("number").asc(),
    ]


def open_valued_tickets(*, engagement_id: int, fresh: bool = False) -> QuerySet[Ticket]:
    """The engagement's open tickets having an annual value and an effort, the set whose
    medians place the quadrants: the stored annual value, or (``fresh``) one computed afresh
    under the name ``fresh_annual_value``."""
    tickets = Ticket.objects.filter(engagement_id=engagement_id, effort_days__isnull=False).exclude(
        status__in=CLOSED_STATUSES
    )
    if fresh:
        return tickets.annotate(**{FRESH_VALUE: annual_value_expression()}).filter(
            **{f"{FRESH_VALUE}__isnull": False}
        )
    return tickets.filter(annual_value__isnull=False)


def _medians_aggregates(value: str = "annual_value") -> dict[str, _PercentileDisc]:
    # The lower medians of ``value`` and of effort, as ``value`` and ``effort``.
    return {
        "value": _PercentileDisc(value, output_field=models.DecimalField()),
        "effort": _PercentileDisc("effort_days", output_field=models.DecimalField()),
    }


def medians_compute(*, tickets: QuerySet[Ticket], value: str = "annual_value") -> Medians:
    """The lower medians of ``value`` and of effort over ``tickets`` (one aggregate query on
    PostgreSQL)."""
    if connection.vendor == "postgresql":
        result = tickets.aggregate(**_medians_aggregates(value))
        return Medians(annual_value=result["value"], effort_days=result["effort"])
    rows = list(tickets.values_list(value, "effort_days"))
    # Both are non-null here (filtered by open_valued_tickets); the checks narrow the types.
    values = [amount for amount, _ in rows if amount is not None]
    efforts = [effort for _, effort in rows if effort is not None]
    if not values or not efforts:
        return Medians(annual_value=None, effort_days=None)
    return Medians(
        annual_value=Decimal(statistics.median_low(values)),
        effort_days=Decimal(statistics.median_low(efforts)),
    )


def medians_select(*, tickets: QuerySet[Ticket]) -> QuerySet[Any, Any]:
    """``medians_compute`` of the stored annual values as a query to embed (PostgreSQL): one
    row (``value``, ``effort``) per engagement of ``tickets``, none without tickets."""
    aggregates = _medians_aggregates()
    return (
        tickets.order_by()
        .values("engagement_id")
        .annotate(value=aggregates["value"], effort=aggregates["effort"])
        .values("value", "effort")
    )


def backlog_medians(*, engagement: Engagement) -> Medians:
    """The lower medians of annual value and of effort over the engagement's open tickets that
    have both, as stored by the ranking services (one query)."""
    stored = BacklogMedians.objects.filter(engagement=engagement).first()
    if stored is None:
        return Medians(annual_value=None, effort_days=None)
    return Medians(annual_value=stored.annual_value, effort_days=stored.effort_days)


def ranking_job_get(*, engagement: Engagement) -> RankingJob | None:
    """The engagement's ranking job (the last one asked for), or None if it never needed one."""
    return RankingJob.objects.filter(engagement=engagement).first()


def ranking_job_running(*, engagement: Engagement) -> RankingJob | None:
    """The engagement's ranking job while it is queued or running, else None: one query by
    primary key (what the backlog page's banner costs)."""
    return (
        RankingJob.objects.filter(engagement=engagement)
        .exclude(state=RankingJob.State.DONE)
        .first()
    )


TICKET_LIST_RELATED = ("engagement", "assignee", "reporter", "sprint")


def ticket_list(
    *,
    engagement: Engagement,
    filters: dict[str, Any] | None = None,
) -> QuerySet[Ticket]:
    """The engagement's tickets with their stored ``annual_value``, ``score`` and ``quadrant``;
    pinned ranks first, then score (unscored last), then number: the order of the
    ``ticket_ranked`` index, so that a page reads only its own rows."""
    from backlog.filters import TicketFilter

    queryset = (
        Ticket.objects.filter(engagement=engagement)
        .select_related(*TICKET_LIST_RELATED)
        .order_by(*ranking_order())
    )
    if filters:
        filterset = TicketFilter(data=filters, queryset=queryset, engagement=engagement)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors.get_json_data())
        queryset = filterset.qs
    return queryset


# What the ranked list shows of each ticket, read as plain values (no model instances: at 100
# rows they cost more than the query): the API's list rows are built from these.
TICKET_LIST_COLUMNS = (
    "pk",
    "number",
    "title",
    "kind",
    "origin",
    "status",
    "reporter__email",
    "reporter__display_name",
    "assignee__email",
    "assignee__display_name",
    "responsible_role",
    "unrouted",
    "sprint_id",
    "sprint__name",
    "deadline",
    "manual_rank",
    "score",
    "annual_value",
    "quadrant",
    "needs_alignment",
    "version",
    "created_at",
    "updated_at",
)


def ticket_list_values(tickets: QuerySet[Ticket]) -> QuerySet[Ticket, dict[str, Any]]:
    """The list's rows as plain values (``TICKET_LIST_COLUMNS``), each with its label names
    sorted, under ``label_names``: on PostgreSQL an array subquery of the same statement (the
    page's rows only, through the labels' index), elsewhere filled in by
    ``ticket_label_names_fill`` once the page is read."""
    rows: QuerySet[Ticket, dict[str, Any]]
    if connection.vendor != "postgresql":
        rows = tickets.values(*TICKET_LIST_COLUMNS)
        return rows
    names = Label.objects.filter(ticket=OuterRef("pk")).order_by("name").values("name")
    rows = tickets.annotate(label_names=ArraySubquery(names)).values(
        *TICKET_LIST_COLUMNS, "label_names"
    )
    return rows


def ticket_label_names_fill(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of ``ticket_list_values`` with their ``label_names``: read here in one query
    where the statement did not (SQLite), none otherwise."""
    if rows and "label_names" not in rows[0]:
        names = ticket_label_names(ticket_ids=[row["pk"] for row in rows])
        for row in rows:
            row["label_names"] = names[row["pk"]]
    return rows


def ticket_label_names(*, ticket_ids: list[int]) -> dict[int, list[str]]:
    """The names of each ticket's labels, sorted (one query, none for no ticket)."""
    if not ticket_ids:
        return {}
    names: dict[int, list[str]] = {pk: [] for pk in ticket_ids}
    rows = Ticket.labels.through.objects.filter(ticket_id__in=ticket_ids).values_list(
        "ticket_id", "label__name"
    )
    for ticket_id, name in rows.order_by("label__name"):
        names[ticket_id].append(name)
    return names


def parse_key(key: str) -> tuple[str, int] | None:
    """``NORD-42`` → ("NORD", 42); None when it is not a ticket key."""
    match = KEY_PATTERN.match(key.strip())
    if match is None:
        return None
    return match["prefix"].upper(), int(match["number"])


def ticket_get(*, engagement: Engagement, key: str) -> Ticket | None:
    """The ticket with this key in this engagement, or None (another engagement's key, or a
    number that does not exist, are the same: not found)."""
    parsed = parse_key(key)
    if parsed is None or parsed[0] != engagement.key_prefix:
        return None
    return (
        Ticket.objects.filter(engagement=engagement, number=parsed[1])
        .select_related("engagement", "assignee", "reporter", "sprint")
        .first()
    )


@dataclass(frozen=True)
class TicketDetail:
    ticket: Ticket
    breakdown: ScoreBreakdown
    settings: ScoringSettings


def ticket_detail(*, engagement: Engagement, key: str) -> TicketDetail | None:
    """A ticket with everything its page shows (criteria, metrics, impact analysis, verdicts
    and their results, comments, stakeholder scores, labels) and its score breakdown; the
    number of queries does not depend on how many comments or criteria it has."""
    parsed = parse_key(key)
    if parsed is None or parsed[0] != engagement.key_prefix:
        return None
    ticket = (
        Ticket.objects.filter(engagement=engagement, number=parsed[1])
        .select_related(
            "engagement",
            "assignee",
            "reporter",
            "sprint",
            "impact_analysis__author",
            "initiative_decided_by",
        )
        .prefetch_related(
            "labels",
            Prefetch(
                "criteria",
                queryset=AcceptanceCriterion.objects.select_related("author").order_by(
                    "order", "pk"
                ),
            ),
            "success_metrics",
            Prefetch(
                "qa_verdicts",
                queryset=QAVerdict.objects.select_related("tester")
                .prefetch_related("results")
                .order_by("-recorded_at", "-pk"),
            ),
            Prefetch("comments", queryset=Comment.objects.select_related("author")),
            Prefetch(
                "stakeholder_scores", queryset=StakeholderScore.objects.select_related("person")
            ),
        )
        .first()
    )
    if ticket is None:
        return None
    settings = scoring_settings_get(engagement=engagement)
    breakdown = score_breakdown(
        ticket, engagement, settings, backlog_medians(engagement=engagement)
    )
    return TicketDetail(ticket=ticket, breakdown=breakdown, settings=settings)


# What filing a ticket never writes: its detail needs not read them (see ticket_detail_filed).
UNWRITTEN_BY_FILING: dict[str, type[models.Model]] = {
    "criteria": AcceptanceCriterion,
    "success_metrics": SuccessMetric,
    "qa_verdicts": QAVerdict,
    "comments": Comment,
    "stakeholder_scores": StakeholderScore,
}


def ticket_detail_filed(
    *,
    ticket: Ticket,
    labels: list[Label],
    settings: ScoringSettings,
    medians: Medians,
) -> TicketDetail:
    """``ticket_detail`` of a ticket just filed, from what its filing holds, without a query:
    the ticket as inserted (its ranking computed at filing, its relations the objects it was
    filed with), the labels it was given, the settings and medians it was ranked against; what
    a filing never writes (``UNWRITTEN_BY_FILING``, an impact analysis) is known empty."""
    # The cache prefetch_related fills, filled as Django's prefetching fills it: each relation a
    # queryset already evaluated (Django's private attributes, as in prefetch_one_level).
    cache: dict[str, QuerySet[Any]] = {
        name: getattr(ticket, name).none() for name in UNWRITTEN_BY_FILING
    }
    given = ticket.labels.all()
    given._result_cache = list(labels)
    given._prefetch_done = True  # type: ignore[attr-defined]
    cache["labels"] = given
    ticket._prefetched_objects_cache = cache  # type: ignore[attr-defined]
    Ticket.impact_analysis.related.set_cached_value(ticket, None)
    breakdown = score_breakdown(ticket, ticket.engagement, settings, medians)
    return TicketDetail(ticket=ticket, breakdown=breakdown, settings=settings)


def ticket_breakdown(
    *, ticket: Ticket, settings: ScoringSettings | None = None, medians: Medians | None = None
) -> ScoreBreakdown:
    """The "why this rank" breakdown of one ticket under its engagement's model."""
    engagement = ticket.engagement
    return score_breakdown(
        ticket,
        engagement,
        settings or scoring_settings_get(engagement=engagement),
        medians or backlog_medians(engagement=engagement),
    )


def criterion_list(*, ticket: Ticket) -> QuerySet[AcceptanceCriterion]:
    """The ticket's acceptance criteria, in order."""
    return AcceptanceCriterion.objects.filter(ticket=ticket).order_by("order", "pk")


def criterion_get(*, ticket: Ticket, pk: int) -> AcceptanceCriterion | None:
    """One acceptance criterion of this ticket, or None (another ticket's is not found)."""
    return criterion_list(ticket=ticket).filter(pk=pk).first()


def ticket_history_list(*, ticket: Ticket) -> QuerySet[TicketHistory]:
    """The ticket's timeline, oldest first, with who made each change."""
    return TicketHistory.objects.filter(ticket=ticket).select_related("actor").order_by("at", "pk")


def stakeholder_score_list(*, ticket: Ticket) -> QuerySet[StakeholderScore]:
    """The client people's scores of a ticket."""
    return StakeholderScore.objects.filter(ticket=ticket).select_related("person")


def comment_list(*, ticket: Ticket) -> QuerySet[Comment]:
    """The ticket's comments, oldest first, with their authors."""
    return (
        Comment.objects.filter(ticket=ticket).select_related("author").order_by("created_at", "pk")
    )


def attachment_list_base() -> QuerySet[Attachment]:
    return Attachment.objects.order_by("created_at", "pk")


def attachment_list(*, ticket: Ticket) -> QuerySet[Attachment]:
    """The ticket's attachments (its comments' included), oldest first, with their uploaders."""
    return (
        attachment_list_base()
        .filter(engagement_id=ticket.engagement_id, ticket=ticket)
        .select_related("uploaded_by")
    )


def attachment_get(*, ticket: Ticket, pk: int) -> Attachment | None:
    """One attachment of the ticket (None for another ticket's or engagement's)."""
    return attachment_list(ticket=ticket).filter(pk=pk).first()


def qa_verdict_list(*, ticket: Ticket) -> QuerySet[QAVerdict]:
    """The ticket's QA verdicts, latest first, with their testers and per-criterion results."""
    return (
        QAVerdict.objects.filter(ticket=ticket)
        .select_related("tester")
        .prefetch_related("results")
        .order_by("-recorded_at", "-pk")
    )


def unrouted_tickets(*, engagement: Engagement) -> QuerySet[Ticket]:
    """Open tickets filed while nobody held their responsible role and still unassigned: the
    project manager's routing queue."""
    return (
        Ticket.objects.filter(engagement=engagement, unrouted=True, assignee__isnull=True)
        .exclude(status__in=CLOSED_STATUSES)
        .select_related("engagement")
        .order_by("number")
    )


def breach_filter() -> Q:
    """A QA verdict given by its ticket's assignee or by an author of its acceptance criteria,
    without the director's exception (a verdict queryset's filter)."""
    authored = AcceptanceCriterion.objects.filter(
        ticket=OuterRef("ticket"), author=OuterRef("tester")
    )
    return Q(self_verified=False) & (Q(tester=F("ticket__assignee")) | Q(Exists(authored)))


@dataclass(frozen=True)
class ValueStatement:
    """The value figures a ticket's author stated when filing it: who, when, and each figure
    (field name → value as text), whatever later edits changed."""

    person: User | None
    at: datetime.datetime
    figures: dict[str, str]


def value_statement_get(*, ticket: Ticket) -> ValueStatement | None:
    """The figures the ticket was filed with and who stated them, or None (one query)."""
    entry = (
        TicketHistory.objects.filter(ticket=ticket, field="value_stated")
        .select_related("actor")
        .order_by("at", "pk")
        .first()
    )
    if entry is None:
        return None
    return ValueStatement(person=entry.actor, at=entry.at, figures=json.loads(entry.after))


def qa_exception_get(*, ticket: Ticket) -> QAException | None:
    """The director's exception to the separation of duties for this ticket, with who granted
    it and for whom, or None."""
    return QAException.objects.filter(ticket=ticket).select_related("person", "granted_by").first()


def separation_of_duties_breaches(*, engagement: Engagement) -> QuerySet[Ticket]:
    """Tickets whose QA verdict was given by their assignee or by an author of their acceptance
    criteria, without the director's exception."""
    breaching = QAVerdict.objects.filter(ticket=OuterRef("pk")).filter(breach_filter())
    return (
        Ticket.objects.filter(engagement=engagement)
        .filter(Exists(breaching))
        .select_related("engagement")
        .order_by("number")
    )


def sprint_list(*, engagement: Engagement) -> QuerySet[Sprint]:
    """The engagement's sprints, latest first."""
    return Sprint.objects.filter(engagement=engagement).order_by("-start", "name")


def sprint_get(*, engagement: Engagement, pk: int) -> Sprint | None:
    """One sprint of this engagement, or None."""
    return Sprint.objects.filter(engagement=engagement, pk=pk).first()


@dataclass(frozen=True)
class SprintVelocity:
    sprint: Sprint
    done_effort_days: Decimal


def velocity(*, engagement: Engagement) -> list[SprintVelocity]:
    """Effort (person-days) of the done tickets of each sprint, oldest sprint first."""
    sprints = Sprint.objects.filter(engagement=engagement).annotate(
        done_effort=Sum(
            "tickets__effort_days",
            filter=models.Q(tickets__status=Status.DONE),
            default=Decimal("0"),
        )
    )
    return [
        SprintVelocity(sprint=sprint, done_effort_days=Decimal(sprint.done_effort))
        for sprint in sprints.order_by("start", "pk")
    ]


# Which role answers for a new ticket of each kind until the engagement chooses otherwise.
DEFAULT_RESPONSIBILITY: dict[str, Role] = {
    Kind.BUG: Role.TESTER,
    Kind.QUESTION: Role.CONSULTANT,
    Kind.FEATURE: Role.BUSINESS_ANALYST,
    Kind.IMPROVEMENT: Role.BUSINESS_ANALYST,
    Kind.PLATFORM_UPGRADE: Role.CONSULTANT,
    Kind.SECURITY: Role.CONSULTANT,
}
# The settings an engagement chooses for its backlog, in the order pages and the API show them.
SCORING_SETTING_FIELDS = (
    "model",
    "strategic_weight",
    "wsjf_value_per_point",
    "rice_impact_unit",
    "impact_analysis_threshold_days",
    "requires_client_acceptance",
    "qa_required",
    "separation_of_duties",
)
RANKING_PREVIEW_SIZE = 10


def responsibility_routing_get(*, engagement: Engagement) -> dict[str, Role]:
    """For every kind of ticket (in the order of ``Kind``), the role that answers for it: the
    engagement's stored choice, else the default (one query)."""
    stored = dict(
        ResponsibilityPolicy.objects.filter(engagement=engagement).values_list("kind", "role")
    )
    return {
        kind: Role(stored[kind])
        if stored.get(kind) in Role.values
        else DEFAULT_RESPONSIBILITY[kind]
        for kind in Kind.values
    }


def _setting_text(value: Any) -> str:
    # 0.250 read back from the database and 0.25 just typed are the same setting.
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


@dataclass(frozen=True)
class BacklogSettings:
    """What an engagement chose for its backlog: scoring model, weights and workflow rules
    (``scoring``, unsaved defaults until the first change) and the routing of new tickets."""

    scoring: ScoringSettings
    routing: dict[str, Role]

    @property
    def fingerprint(self) -> str:
        """A digest of every setting: it changes with any of them (the API's ETag, the form's
        guard against overwriting a change made meanwhile)."""
        parts = [
            f"{name}={_setting_text(getattr(self.scoring, name))}"
            for name in SCORING_SETTING_FIELDS
        ]
        parts += [f"{kind}={self.routing[kind]}" for kind in sorted(self.routing)]
        return hashlib.sha256(";".join(parts).encode()).hexdigest()[:20]


def backlog_settings_get(*, engagement: Engagement) -> BacklogSettings:
    """The engagement's scoring settings and its effective routing (two queries)."""
    return BacklogSettings(
        scoring=scoring_settings_get(engagement=engagement),
        routing=responsibility_routing_get(engagement=engagement),
    )


@dataclass(frozen=True)
class RankMove:
    """A ticket's position in the open backlog under the stored settings (``before``) and
    under the proposed ones (``after``); 1 is the top."""

    ticket: Ticket
    before: int
    after: int

    @property
    def change(self) -> int:
        """How many places the ticket climbs (negative: falls)."""
        return self.before - self.after

    @property
    def places(self) -> int:
        """How many places the ticket moves, up or down."""
        return abs(self.change)


@dataclass(frozen=True)
class RankingPreview:
    """The open backlog's top under the stored settings beside its top under the proposed
    ones; every entry knows its position under both."""

    current: list[RankMove]
    proposed: list[RankMove]


PREVIEW_SCORE = "preview_score"


def _ranked_open(*, engagement: Engagement, settings: ScoringSettings | None) -> QuerySet[Ticket]:
    """The open backlog with each ticket's ``position`` in it: by the stored ranking, or
    (``settings``) by the score those settings would give (from the stored annual values)."""
    tickets = ticket_list(engagement=engagement).exclude(status__in=CLOSED_STATUSES)
    if settings is None:
        return tickets.annotate(position=Window(RowNumber(), order_by=ranking_order()))
    return (
        tickets.annotate(**{PREVIEW_SCORE: score_expression(settings)})
        .annotate(position=Window(RowNumber(), order_by=ranking_order(PREVIEW_SCORE)))
        .order_by(*ranking_order(PREVIEW_SCORE))
    )


def _top_and(ranking: QuerySet[Ticket], *, also: QuerySet[Ticket], size: int) -> dict[int, Ticket]:
    """The first ``size`` of ``ranking`` and, with their place in it, the first ``size`` of
    ``also``; one query. (The membership is an annotation: PostgreSQL is not given a subquery
    inside the filter on the window's position.)"""
    in_other_top = ExpressionWrapper(
        Q(pk__in=also.values("pk")[:size]), output_field=models.BooleanField()
    )
    rows = ranking.annotate(in_other_top=in_other_top).filter(
        Q(position__lte=size) | Q(in_other_top=True)
    )
    found: dict[int, Ticket] = {ticket.pk: ticket for ticket in rows}
    for ticket in found.values():
        # Under proposed settings a ticket shows the score they would give it.
        ticket.score = getattr(ticket, PREVIEW_SCORE, ticket.score)
    return found


def ranking_preview(
    *,
    engagement: Engagement,
    current: ScoringSettings,
    proposed: ScoringSettings,
    size: int = RANKING_PREVIEW_SIZE,
) -> RankingPreview:
    """The top ``size`` open tickets under the stored settings and under proposed (unsaved)
    ones, with each one's position under the other: two queries whatever the backlog's size
    (one per ranking, each also fetching the other's top). The stored ranking is the current
    settings' (``current``: kept for the callers, which read it anyway)."""
    before_ranking = _ranked_open(engagement=engagement, settings=None)
    after_ranking = _ranked_open(engagement=engagement, settings=proposed)
    before = _top_and(before_ranking, also=after_ranking, size=size)
    after = _top_and(after_ranking, also=before_ranking, size=size)

    # ``position`` is the window annotation of ``_ranked_open``, not a field of the model.
    position = operator.attrgetter("position")

    def moves(rows: dict[int, Ticket]) -> list[RankMove]:
        top = sorted((t for t in rows.values() if position(t) <= size), key=position)
        return [
            RankMove(ticket=t, before=position(before[t.pk]), after=position(after[t.pk]))
            for t in top
        ]

    return RankingPreview(current=moves(before), proposed=moves(after))


def ticket_rank(*, ticket: Ticket, score: Decimal | None) -> int | None:
    """The place ``ticket`` takes in its open backlog (1 is the top) if its score were
    ``score``, its pinned rank kept, the others by their stored scores: the order of
    ``ticket_list``. None for a done or rejected ticket, which has left the ranking. One
    query."""
    if ticket.status in CLOSED_STATUSES:
        return None
    others = (
        ticket_list(engagement=ticket.engagement)
        .exclude(status__in=CLOSED_STATUSES)
        .exclude(pk=ticket.pk)
    )
    if score is None:
        by_score = Q(score__isnull=False) | Q(score__isnull=True, number__lt=ticket.number)
    else:
        by_score = Q(score__gt=score) | Q(score=score, number__lt=ticket.number)
    if ticket.manual_rank is None:
        ahead = Q(manual_rank__isnull=False) | (Q(manual_rank__isnull=True) & by_score)
    else:
        ahead = Q(manual_rank__lt=ticket.manual_rank) | (
            Q(manual_rank=ticket.manual_rank) & by_score
        )
    return others.filter(ahead).count() + 1


# The columns the backlog page counts its filter options over (``ticket_facet_rows``), and the
# names it shows for the people and sprints among them.
FACET_COLUMNS = (
    "status",
    "kind",
    "origin",
    "quadrant",
    "assignee_id",
    "sprint_id",
    "needs_alignment",
)
FACET_NAMES = ("assignee__display_name", "assignee__email", "sprint__name")


def ticket_facet_rows(
    *,
    engagement: Engagement,
    filters: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    """How many tickets matching ``filters`` share each combination of the ``FACET_COLUMNS``
    (with the names of their assignee and sprint), from which the backlog page counts every
    option of every filter, and its total. Without filters on PostgreSQL, the counts the
    database keeps (``BacklogFacet``): a few hundred rows whatever the backlog's size;
    otherwise one grouped query over the matching tickets."""
    if not filters and connection.vendor == "postgresql":
        return list(
            BacklogFacet.objects.filter(engagement=engagement)
            .values(*FACET_COLUMNS, *FACET_NAMES)
            .annotate(count=models.F("tickets"))
            .order_by()
        )
    return ticket_facet_rows_counted(engagement=engagement, filters=filters)


def ticket_facet_rows_counted(
    *,
    engagement: Engagement,
    filters: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    """``ticket_facet_rows`` counted afresh: one grouped query over the matching tickets."""
    queryset = ticket_list(engagement=engagement, filters=filters)
    return list(
        queryset.order_by()
        .values(*FACET_COLUMNS, *FACET_NAMES)
        .annotate(count=models.Count("pk"))
        .order_by()
    )


def ticket_summary_get(*, engagement: Engagement, key: str) -> Ticket | None:
    """One ticket with its score, annual value and quadrant (as in the ranked list) and its
    labels: what the backlog's side panel shows."""
    parsed = parse_key(key)
    if parsed is None or parsed[0] != engagement.key_prefix:
        return None
    return (
        ticket_list(engagement=engagement)
        .filter(number=parsed[1])
        .prefetch_related("labels")
        .first()
    )


def tickets_by_keys(*, engagement: Engagement, keys: list[str]) -> list[Ticket]:
    """The engagement's tickets having these keys, in the order given (a key of another
    engagement, or none, is left out); one query."""
    numbers = []
    for key in keys:
        parsed = parse_key(key)
        if parsed is not None and parsed[0] == engagement.key_prefix:
            numbers.append(parsed[1])
    found = {
        ticket.number: ticket
        for ticket in Ticket.objects.filter(engagement=engagement, number__in=numbers)
        .select_related("engagement")
        .prefetch_related("labels")
    }
    return [found[number] for number in dict.fromkeys(numbers) if number in found]
