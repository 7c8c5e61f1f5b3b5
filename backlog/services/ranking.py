"""Keeping the stored ranking true: each ticket's ``annual_value``, ``score`` and ``quadrant``,
and each engagement's backlog medians (``BacklogMedians``).

Every write that changes what they are computed from calls one of these, in its own
transaction: ``tickets_rescore`` for the tickets it changed (one ticket or a batch: one
``UPDATE`` statement whatever their number), ``engagement_rescore`` when a setting moves
every score of the engagement (scoring model or weights, the client's hourly cost), and
``medians_refresh`` when only the open backlog changed (a ticket closed or reopened). None loops
over tickets in Python.

The medians row is locked first, by every one of them: two writers of one engagement take
turns, so the medians stored are always those of the committed backlog. When the medians move,
only the tickets whose value or effort lies between the old and the new median change quadrant,
and only those rows are written.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.db import connection, models, transaction
from django.db.models import F, Func, Q, QuerySet

from backlog.models import BacklogFacet, BacklogMedians, ScoringSettings, Ticket
from backlog.scoring import (
    FRESH_QUADRANT,
    FRESH_SCORE,
    FRESH_VALUE,
    Medians,
    annotate_fresh,
    fresh_ranking,
    quadrant_expression,
)
from backlog.selectors import (
    FACET_COLUMNS,
    medians_compute,
    medians_select,
    open_valued_tickets,
    scoring_settings_get,
    ticket_facet_rows,
    ticket_facet_rows_counted,
)
from collab.models import Engagement

# A stored ranking column ← the name ``annotate_fresh`` computes it under.
_FRESH_COLUMNS = {"annual_value": FRESH_VALUE, "score": FRESH_SCORE, "quadrant": FRESH_QUADRANT}


def _medians_lock(*, engagement_id: int) -> Medians:
    """Lock the engagement's medians row (created on first use) and return what it holds: one
    statement, the upsert that takes the row lock until the transaction ends."""
    return medians_lock_counting(engagement_id=engagement_id, counting=False)[0]


def medians_lock_counting(*, engagement_id: int, counting: bool = True) -> tuple[Medians, int]:
    """``_medians_lock``, also answering how many tickets the engagement has (``counting``) in
    the same statement: what decides whether a recomputation of all of them fits the request."""
    quote = connection.ops.quote_name
    table = quote(BacklogMedians._meta.db_table)
    count = (
        f", (SELECT count(*) FROM {quote(Ticket._meta.db_table)} WHERE engagement_id = %s)"  # noqa: S608
        if counting
        else ", 0"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (engagement_id, annual_value, effort_days) "  # noqa: S608
            "VALUES (%s, NULL, NULL) ON CONFLICT (engagement_id) "
            "DO UPDATE SET engagement_id = EXCLUDED.engagement_id "
            f"RETURNING annual_value, effort_days{count}",
            [engagement_id, engagement_id] if counting else [engagement_id],
        )
        value, effort, tickets = cursor.fetchone()
    medians = Medians(
        annual_value=None if value is None else Decimal(str(value)),
        effort_days=None if effort is None else Decimal(str(effort)),
    )
    return medians, int(tickets)


@dataclass(frozen=True)
class RankingBasis:
    """What an engagement's tickets are ranked against: its scoring settings and the medians
    stored for it."""

    settings: ScoringSettings
    medians: Medians
    hourly_cost: Decimal


def ranking_basis_lock(*, engagement: Engagement) -> RankingBasis:
    """Lock the engagement's medians row and read the scoring settings and the client's hourly
    cost with it: one query (three the first time, when the row is created)."""
    row = (
        BacklogMedians.objects.select_for_update(of=("self",))
        .select_related("engagement__scoring_settings")
        .filter(engagement_id=engagement.pk)
        .first()
    )
    if row is None:
        medians = _medians_lock(engagement_id=engagement.pk)
        return RankingBasis(
            settings=scoring_settings_get(engagement=engagement),
            medians=medians,
            hourly_cost=engagement.client_hourly_cost,
        )
    try:
        settings = row.engagement.scoring_settings
    except ScoringSettings.DoesNotExist:
        settings = ScoringSettings(engagement=row.engagement)
    return RankingBasis(
        settings=settings,
        medians=Medians(annual_value=row.annual_value, effort_days=row.effort_days),
        hourly_cost=row.engagement.client_hourly_cost,
    )


def _medians_store(*, engagement_id: int, medians: Medians) -> None:
    BacklogMedians.objects.filter(engagement_id=engagement_id).update(
        annual_value=medians.annual_value, effort_days=medians.effort_days
    )


def _between(column: str, old: Decimal | None, new: Decimal | None) -> Q | None:
    """The rows whose ``column`` sits on the other side of the new median than of the old one
    (a comparison ``>=`` or ``<`` against either gives a different answer); None: every row."""
    if old is None or new is None:
        return None
    low, high = sorted((old, new))
    return Q(**{f"{column}__gte": low, f"{column}__lt": high})


def _quadrants_follow(*, engagement_id: int, old: Medians, new: Medians) -> int:
    """Recompute the quadrant of the tickets the move of the medians can change (one UPDATE);
    how many rows it wrote."""
    if old == new:
        return 0
    tickets = Ticket.objects.filter(engagement_id=engagement_id)
    by_value = _between("annual_value", old.annual_value, new.annual_value)
    by_effort = _between("effort_days", old.effort_days, new.effort_days)
    if by_value is not None and by_effort is not None:
        tickets = tickets.filter(by_value | by_effort)
    return tickets.update(quadrant=quadrant_expression(new))


class _DistinctFrom(Func):
    """``a IS DISTINCT FROM b``: true when they differ, NULL counting as a value."""

    arg_joiner = " IS DISTINCT FROM "
    template = "(%(expressions)s)"
    output_field = models.BooleanField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, arg_joiner=" IS NOT ", **extra)


def _update_fresh(tickets: QuerySet[Ticket], columns: dict[str, Any]) -> int:
    """``UPDATE ticket SET column = expression … WHERE … AND (a column differs)``: one
    statement over the ticket table alone, each row computed from its own columns (no join, so
    the rows are found by the queryset's own index), writing only the rows whose stored values
    differ from the fresh ones; how many rows it wrote."""
    differs = reduce(or_, (Q(_DistinctFrom(F(column), fresh)) for column, fresh in columns.items()))
    return tickets.filter(differs).update(**columns)


@dataclass(frozen=True)
class Rescored:
    """What a recomputation wrote: tickets whose ranking changed, tickets whose quadrant
    followed the medians, and the medians now stored."""

    tickets: int
    quadrants: int
    medians: Medians


@transaction.atomic(savepoint=False)
def tickets_rescore(
    *,
    engagement: Engagement,
    tickets: QuerySet[Ticket] | list[int],
    settings: ScoringSettings | None = None,
    medians_may_move: bool = True,
) -> Rescored:
    """Store the ranking of these tickets of the engagement (a queryset or primary keys),
    computed afresh in one ``UPDATE``, then refresh the engagement's medians and the
    quadrants their move changes (unless the caller knows the tickets are outside the medians'
    set: ``medians_may_move=False``). Call it in the transaction that changed the tickets."""
    basis = ranking_basis_lock(engagement=engagement)
    old = basis.medians
    chosen = Ticket.objects.filter(engagement_id=engagement.pk)
    if isinstance(tickets, list):
        chosen = chosen.filter(pk__in=tickets)
    else:
        chosen = chosen.filter(pk__in=tickets.values("pk"))
    written = _update_fresh(
        chosen, fresh_ranking(settings or basis.settings, old, hourly_cost=basis.hourly_cost)
    )
    if not medians_may_move:
        return Rescored(tickets=written, quadrants=0, medians=old)
    followed = medians_follow(engagement_id=engagement.pk, old=old)
    return Rescored(tickets=written, quadrants=followed.quadrants, medians=followed.medians)


def medians_follow(*, engagement_id: int, old: Medians) -> Rescored:
    """Once tickets of the engagement changed under the medians row's lock (taken by
    ``ranking_basis_lock``, which read ``old``): its medians computed afresh, stored when they
    moved, and the quadrants that move changes."""
    new = _medians_restore(engagement_id=engagement_id)
    quadrants = 0
    if new != old:
        quadrants = _quadrants_follow(engagement_id=engagement_id, old=old, new=new)
    return Rescored(tickets=0, quadrants=quadrants, medians=new)


def _medians_restore(*, engagement_id: int) -> Medians:
    """The engagement's medians computed afresh from its stored values, and stored: one
    statement on PostgreSQL (``UPDATE … SET (…) = (SELECT …) RETURNING``; no open valued
    ticket sets both to NULL), two elsewhere."""
    tickets = open_valued_tickets(engagement_id=engagement_id)
    if connection.vendor != "postgresql":
        medians = medians_compute(tickets=tickets)
        _medians_store(engagement_id=engagement_id, medians=medians)
        return medians
    sql, params = medians_select(tickets=tickets).query.sql_with_params()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(BacklogMedians._meta.db_table)} "  # noqa: S608
            "SET (annual_value, effort_days) = "
            f"(SELECT fresh.value, fresh.effort FROM ({sql}) AS fresh) "
            "WHERE engagement_id = %s RETURNING annual_value, effort_days",
            [*params, engagement_id],
        )
        value, effort = cursor.fetchone()
    return Medians(annual_value=value, effort_days=effort)


@transaction.atomic(savepoint=False)
def engagement_rescore(
    *, engagement: Engagement, settings: ScoringSettings | None = None
) -> Rescored:
    """Store the ranking of every ticket of the engagement, computed afresh (after a change of
    scoring model or weights, or of the client's hourly cost): the medians from the fresh
    values, then one ``UPDATE`` writing only the tickets whose ranking changed."""
    _medians_lock(engagement_id=engagement.pk)
    return engagement_rescore_locked(engagement=engagement, settings=settings)


def engagement_rescore_locked(
    *, engagement: Engagement, settings: ScoringSettings | None = None
) -> Rescored:
    """``engagement_rescore`` once the caller holds the medians row lock, at the hourly cost of
    the engagement given (the caller's, as it has just saved or read it)."""
    settings = settings or scoring_settings_get(engagement=engagement)
    everything = Ticket.objects.filter(engagement_id=engagement.pk)
    medians = fresh_medians_store(engagement_id=engagement.pk)
    fresh = fresh_ranking(settings, medians, hourly_cost=engagement.client_hourly_cost)
    written = _update_fresh(everything, fresh)
    return Rescored(tickets=written, quadrants=0, medians=medians)


def fresh_medians_store(*, engagement_id: int) -> Medians:
    """Store the medians of the engagement's fresh values (computed from its figures and
    settings, not from the stored values): two statements."""
    medians = medians_compute(
        tickets=open_valued_tickets(engagement_id=engagement_id, fresh=True), value=FRESH_VALUE
    )
    _medians_store(engagement_id=engagement_id, medians=medians)
    return medians


def tickets_range_rescore(
    *, engagement: Engagement, settings: ScoringSettings, medians: Medians, after: int, upto: int
) -> int:
    """Store the ranking of the engagement's tickets whose primary key lies in (after, upto],
    against the medians given and the engagement's hourly cost: one ``UPDATE``, idempotent; how
    many rows it wrote."""
    chosen = Ticket.objects.filter(engagement_id=engagement.pk, pk__gt=after, pk__lte=upto)
    fresh = fresh_ranking(settings, medians, hourly_cost=engagement.client_hourly_cost)
    return _update_fresh(chosen, fresh)


def quadrants_settle(*, engagement_id: int) -> Rescored:
    """Refresh the medians from the stored values and write every quadrant that differs from
    them (one UPDATE over the engagement, writing only those rows): the last step of a
    recomputation in chunks, during which other writes may have moved the medians."""
    _medians_lock(engagement_id=engagement_id)
    medians = medians_compute(tickets=open_valued_tickets(engagement_id=engagement_id))
    _medians_store(engagement_id=engagement_id, medians=medians)
    quadrants = _update_fresh(
        Ticket.objects.filter(engagement_id=engagement_id),
        {"quadrant": quadrant_expression(medians)},
    )
    return Rescored(tickets=0, quadrants=quadrants, medians=medians)


@transaction.atomic(savepoint=False)
def medians_refresh(*, engagement_id: int) -> Rescored:
    """Refresh the engagement's medians after its open backlog changed without any figure
    changing (a ticket closed, rejected or reopened), and the quadrants their move changes."""
    return medians_follow(
        engagement_id=engagement_id, old=_medians_lock(engagement_id=engagement_id)
    )


@dataclass(frozen=True)
class RankingDrift:
    """A ticket whose stored ranking is not what its figures give today."""

    key: str
    stored: dict[str, Any]
    fresh: dict[str, Any]


def ranking_drift(*, engagement: Engagement, limit: int = 20) -> list[RankingDrift]:
    """The engagement's tickets (up to ``limit``) whose stored annual value, score or quadrant
    differs from a fresh computation, and its medians row when it differs from the fresh
    medians (reported under the key ``medians``); empty when everything is true."""
    settings = scoring_settings_get(engagement=engagement)
    medians = medians_compute(
        tickets=open_valued_tickets(engagement_id=engagement.pk, fresh=True), value=FRESH_VALUE
    )
    drift: list[RankingDrift] = []
    stored = BacklogMedians.objects.filter(engagement=engagement).first()
    stored_medians = Medians(
        annual_value=stored.annual_value if stored else None,
        effort_days=stored.effort_days if stored else None,
    )
    has_tickets = Ticket.objects.filter(engagement=engagement).exists()
    if stored_medians != medians and (stored is not None or has_tickets):
        drift.append(
            RankingDrift(
                key="medians",
                stored={
                    "annual_value": stored_medians.annual_value,
                    "effort": stored_medians.effort_days,
                },
                fresh={"annual_value": medians.annual_value, "effort": medians.effort_days},
            )
        )
    # Computed through the join to the engagement, as a read does, not as the writers do (an
    # UPDATE at the hourly cost they read): the check does not share the code it checks.
    differs = reduce(
        or_, (Q(_DistinctFrom(F(column), F(alias))) for column, alias in _FRESH_COLUMNS.items())
    )
    rows = (
        annotate_fresh(Ticket.objects.filter(engagement=engagement), settings, medians)
        .filter(differs)
        .order_by("number")
        .values("number", *_FRESH_COLUMNS, *_FRESH_COLUMNS.values())[:limit]
    )
    for row in rows:
        drift.append(
            RankingDrift(
                key=f"{engagement.key_prefix}-{row['number']}",
                stored={column: row[column] for column in _FRESH_COLUMNS},
                fresh={column: row[alias] for column, alias in _FRESH_COLUMNS.items()},
            )
        )
    kept, counted = (
        _facets(ticket_facet_rows(engagement=engagement, filters=None)),
        _facets(ticket_facet_rows_counted(engagement=engagement, filters=None)),
    )
    if kept != counted:
        drift.append(
            RankingDrift(
                key="facets",
                stored={"combinations": len(kept), "tickets": sum(kept.values())},
                fresh={"combinations": len(counted), "tickets": sum(counted.values())},
            )
        )
    return drift


def _facets(rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], int]:
    return {tuple(row[column] for column in FACET_COLUMNS): row["count"] for row in rows}


@transaction.atomic
def facets_recount(*, engagement: Engagement) -> int:
    """Count the engagement's backlog facets afresh (after ``ranking_verify`` found them
    wrong): its rows replaced by one grouped ``INSERT … SELECT``; how many it wrote. Nothing to
    do where the database does not keep them (SQLite)."""
    if connection.vendor != "postgresql":
        return 0
    BacklogFacet.objects.filter(engagement=engagement).delete()
    # The facet table's columns are named as the ticket's (``FACET_COLUMNS`` are columns).
    columns = ", ".join(
        connection.ops.quote_name(name) for name in ("engagement_id", *FACET_COLUMNS)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {BacklogFacet._meta.db_table} ({columns}, tickets) "  # noqa: S608
            f"SELECT {columns}, count(*) FROM {Ticket._meta.db_table} "
            f"WHERE engagement_id = %s GROUP BY {columns}",
            [engagement.pk],
        )
        return int(cursor.rowcount)
