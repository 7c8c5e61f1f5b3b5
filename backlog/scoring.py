"""The priority score: the same formulas as SQL expressions (for ranking in one query) and as a
pure-Python breakdown (for "why this rank"); both give the same number.

Common terms (engagement columns: ``client_hourly_cost``, ``agency_day_rate``):

- annual value = revenue gain + cost savings + 12 x hours saved per month x client hourly cost;
  a missing figure counts 0, and the annual value is unknown (NULL) when all three are missing;
- cost = effort (person-days) x agency day rate;
- ROI = (annual value - cost) / cost; payback (months) = cost / (annual value / 12);
- confidence factor: low 0.5, medium 0.8, high 1.0.

Models (the score is rounded half-up to 6 decimal places; a ticket without the figures its model
needs scores NULL and ranks after every scored ticket):

- **value per effort** (default): annual value x confidence factor
  x (1 + strategic weight x strategic alignment) / effort days.
  Needs the annual value and the effort.
- **WSJF**: cost of delay / job size, where
  business value points = min(annual value / U, 10) with U = ``wsjf_value_per_point``
  (a missing annual value counts 0 points), cost of delay = business value points
  + time criticality (1-10, missing 0) + risk reduction (1-10, missing 0), job size = effort days.
  Needs the effort and at least one of annual value, time criticality, risk reduction.
  Computed as (min(annual value, 10 U) + U x (time criticality + risk reduction)) / (U x effort)
  so that there is a single, exact division.
- **RICE**: reach x impact x confidence factor / effort days, where reach is the ticket's
  ``reach`` (people or orders per month) and impact comes from annual value bands against
  I = ``rice_impact_unit``: 3 from 10 I, 2 from 5 I, 1 from I, 0.5 from I / 10, else 0.25.
  Needs reach, annual value and effort.

Quadrant (against the engagement's open backlog: the *lower* medians of annual value and of effort
over open tickets having both): quick win (value ≥ median, effort < median), big bet
(value ≥ median, effort ≥ median), fill-in (value < median, effort < median), money pit
(value < median, effort ≥ median).
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Cast, Coalesce, Least, Round
from django.db.models.lookups import GreaterThanOrEqual, IsNull
from django.utils.translation import gettext_lazy as _

from backlog.models import Confidence, Quadrant, ScoringModel

if TYPE_CHECKING:
    from backlog.models import ScoringSettings, Ticket
    from collab.models import Engagement

CONFIDENCE_FACTORS: dict[str, Decimal] = {
    Confidence.LOW: Decimal("0.5"),
    Confidence.MEDIUM: Decimal("0.8"),
    Confidence.HIGH: Decimal("1.0"),
}
WSJF_MAX_VALUE_POINTS = Decimal("10")
_VALUE = ("annual_revenue_gain", "annual_cost_savings", "hours_saved_per_month", "effort_days")
# The value figures each model reads: what filing a ticket asks its author for.
FIGURES_BY_MODEL: dict[str, tuple[str, ...]] = {
    ScoringModel.VALUE_PER_EFFORT: (*_VALUE, "confidence"),
    ScoringModel.WSJF: (*_VALUE, "time_criticality", "risk_reduction"),
    ScoringModel.RICE: (*_VALUE, "reach", "confidence"),
}
# (threshold in impact units, impact) from the highest band down; below the last: 0.25.
RICE_IMPACT_BANDS: tuple[tuple[Decimal, Decimal], ...] = (
    (Decimal("10"), Decimal("3")),
    (Decimal("5"), Decimal("2")),
    (Decimal("1"), Decimal("1")),
    (Decimal("0.1"), Decimal("0.5")),
)
RICE_MIN_IMPACT = Decimal("0.25")
SCORE_PLACES = 6
_SCORE_QUANTUM = Decimal(1).scaleb(-SCORE_PLACES)
_CONTEXT = decimal.Context(prec=60, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Medians:
    """The engagement backlog's lower medians of annual value and effort (None when empty)."""

    annual_value: Decimal | None
    effort_days: Decimal | None


@dataclass(frozen=True)
class ScoreTerm:
    label: str
    value: Decimal | int | None
    # An amount of money, in the engagement's currency (shown as such beside the figures).
    money: bool = False


@dataclass(frozen=True)
class ScoreBreakdown:
    """Every term of a ticket's score, for the "why this rank" panel and the API."""

    model: str
    score: Decimal | None
    annual_value: Decimal | None
    cost: Decimal | None
    roi: Decimal | None
    payback_months: Decimal | None
    currency: str
    effort_days: Decimal | None
    confidence_factor: Decimal
    strategic_alignment: Decimal
    strategic_multiplier: Decimal | None
    value_points: Decimal | None
    cost_of_delay: Decimal | None
    reach: int | None
    impact: Decimal | None
    quadrant: str | None
    terms: tuple[ScoreTerm, ...]


def _round_score(value: Decimal) -> Decimal:
    return value.quantize(_SCORE_QUANTUM, rounding=ROUND_HALF_UP, context=_CONTEXT)


def annual_value_of(ticket: Ticket, engagement: Engagement) -> Decimal | None:
    """Revenue gain + cost savings + 12 x hours saved x hourly cost; None without any figure."""
    figures = (ticket.annual_revenue_gain, ticket.annual_cost_savings, ticket.hours_saved_per_month)
    if all(figure is None for figure in figures):
        return None
    revenue, savings, hours = (Decimal(figure or 0) for figure in figures)
    return _CONTEXT.add(
        revenue + savings, _CONTEXT.multiply(12 * hours, Decimal(engagement.client_hourly_cost))
    )


def effort_cost(days: Decimal, engagement: Engagement) -> Decimal:
    """Person-days at the engagement's agency day rate: the estimated cost of an effort, and
    the realised cost of approved time (converted to days)."""
    return _CONTEXT.multiply(Decimal(days), Decimal(engagement.agency_day_rate))


def roi_of(annual_value: Decimal | None, cost: Decimal | None) -> Decimal | None:
    """(annual value - cost) / cost, to 4 places; None without a value or a cost."""
    if annual_value is None or not cost:
        return None
    return _CONTEXT.divide(annual_value - cost, cost).quantize(Decimal("0.0001"))


def rice_impact(annual_value: Decimal, unit: Decimal) -> Decimal:
    """The RICE impact of an annual value, from the bands of ``RICE_IMPACT_BANDS``."""
    for threshold, impact in RICE_IMPACT_BANDS:
        if annual_value >= threshold * unit:
            return impact
    return RICE_MIN_IMPACT


def quadrant_of(
    annual_value: Decimal | None, effort_days: Decimal | None, medians: Medians | None
) -> str | None:
    """The quadrant of a value and an effort against the backlog's medians."""
    if (
        annual_value is None
        or effort_days is None
        or medians is None
        or medians.annual_value is None
        or medians.effort_days is None
    ):
        return None
    high_value = annual_value >= medians.annual_value
    small = effort_days < medians.effort_days
    if high_value:
        return Quadrant.QUICK_WIN if small else Quadrant.BIG_BET
    return Quadrant.FILL_IN if small else Quadrant.MONEY_PIT


def _score(
    ticket: Ticket, annual_value: Decimal | None, settings: ScoringSettings
) -> tuple[Decimal | None, dict[str, Any]]:
    effort = ticket.effort_days
    factor = CONFIDENCE_FACTORS[ticket.confidence]
    parts: dict[str, Any] = {
        "strategic_multiplier": None,
        "value_points": None,
        "cost_of_delay": None,
        "impact": None,
    }
    if settings.model == ScoringModel.WSJF:
        unit = Decimal(settings.wsjf_value_per_point)
        known = (annual_value, ticket.time_criticality, ticket.risk_reduction)
        if effort is None or all(term is None for term in known):
            return None, parts
        capped = min(annual_value or Decimal(0), WSJF_MAX_VALUE_POINTS * unit)
        urgency = (ticket.time_criticality or 0) + (ticket.risk_reduction or 0)
        numerator = _CONTEXT.add(capped, _CONTEXT.multiply(unit, Decimal(urgency)))
        parts["value_points"] = _CONTEXT.divide(capped, unit)
        parts["cost_of_delay"] = _CONTEXT.divide(numerator, unit)
        return _round_score(_CONTEXT.divide(numerator, _CONTEXT.multiply(unit, effort))), parts
    if settings.model == ScoringModel.RICE:
        if ticket.reach is None or annual_value is None or effort is None:
            return None, parts
        impact = rice_impact(annual_value, Decimal(settings.rice_impact_unit))
        parts["impact"] = impact
        numerator = _CONTEXT.multiply(Decimal(ticket.reach) * impact, factor)
        return _round_score(_CONTEXT.divide(numerator, effort)), parts
    multiplier = 1 + _CONTEXT.multiply(
        Decimal(settings.strategic_weight), Decimal(ticket.strategic_alignment)
    )
    parts["strategic_multiplier"] = multiplier
    if annual_value is None or effort is None:
        return None, parts
    numerator = _CONTEXT.multiply(_CONTEXT.multiply(annual_value, factor), multiplier)
    return _round_score(_CONTEXT.divide(numerator, effort)), parts


def stored_ranking(
    ticket: Ticket, engagement: Engagement, settings: ScoringSettings, medians: Medians | None
) -> tuple[Decimal | None, Decimal | None, str | None]:
    """What the ticket's ranking columns hold (annual value, score, quadrant), computed here
    by the formulas that ``annotate_fresh`` writes in SQL: a ticket about to be inserted is
    ranked without a statement of its own."""
    annual_value = annual_value_of(ticket, engagement)
    score, _parts = _score(ticket, annual_value, settings)
    return annual_value, score, quadrant_of(annual_value, ticket.effort_days, medians)


def _terms(ticket: Ticket, breakdown: dict[str, Any], model: str) -> tuple[ScoreTerm, ...]:
    terms = [
        ScoreTerm(str(_("Annual value")), breakdown["annual_value"], money=True),
        ScoreTerm(str(_("Effort (person-days)")), ticket.effort_days),
        ScoreTerm(str(_("Confidence factor")), breakdown["confidence_factor"]),
    ]
    if model == ScoringModel.WSJF:
        terms += [
            ScoreTerm(str(_("Business value points")), breakdown["value_points"]),
            ScoreTerm(str(_("Time criticality")), ticket.time_criticality),
            ScoreTerm(str(_("Risk reduction")), ticket.risk_reduction),
            ScoreTerm(str(_("Cost of delay")), breakdown["cost_of_delay"]),
        ]
    elif model == ScoringModel.RICE:
        terms += [
            ScoreTerm(str(_("Reach")), ticket.reach),
            ScoreTerm(str(_("Impact")), breakdown["impact"]),
        ]
    else:
        terms += [
            ScoreTerm(str(_("Strategic alignment")), ticket.strategic_alignment),
            ScoreTerm(str(_("Strategic multiplier")), breakdown["strategic_multiplier"]),
        ]
    terms.append(ScoreTerm(str(_("Score")), breakdown["score"]))
    return tuple(terms)


def score_breakdown(
    ticket: Ticket,
    engagement: Engagement,
    settings: ScoringSettings,
    medians: Medians | None = None,
) -> ScoreBreakdown:
    """Every term of the ticket's score under the engagement's model, with its ROI, payback
    and quadrant; the score equals the database's (``score_expression``, stored in
    ``Ticket.score``)."""
    annual_value = annual_value_of(ticket, engagement)
    effort = ticket.effort_days
    cost = effort_cost(effort, engagement) if effort is not None else None
    roi = roi_of(annual_value, cost)
    payback = None
    if annual_value and cost is not None:
        payback = _CONTEXT.divide(cost * 12, annual_value).quantize(Decimal("0.01"))
    score, parts = _score(ticket, annual_value, settings)
    values: dict[str, Any] = {
        "annual_value": annual_value,
        "confidence_factor": CONFIDENCE_FACTORS[ticket.confidence],
        "score": score,
        **parts,
    }
    return ScoreBreakdown(
        model=settings.model,
        score=score,
        annual_value=annual_value,
        cost=cost,
        roi=roi,
        payback_months=payback,
        currency=engagement.currency,
        effort_days=effort,
        confidence_factor=values["confidence_factor"],
        strategic_alignment=Decimal(ticket.strategic_alignment),
        strategic_multiplier=parts["strategic_multiplier"],
        value_points=parts["value_points"],
        cost_of_delay=parts["cost_of_delay"],
        reach=ticket.reach,
        impact=parts["impact"],
        quadrant=quadrant_of(annual_value, effort, medians),
        terms=_terms(ticket, values, settings.model),
    )


# The same formulas in SQL. Decimal constants are typed so that PostgreSQL keeps ``numeric``
# arithmetic (exact) all the way; the numerator is cast to a scale of 12 before the single
# division so that the quotient always carries more than the 6 places the score keeps.

_WIDE = models.DecimalField(max_digits=40, decimal_places=12)
SCORE_FIELD = models.DecimalField(max_digits=40, decimal_places=SCORE_PLACES)


def _d(value: Decimal | int | str) -> Value:
    return Value(Decimal(value), output_field=_WIDE)


def annual_value_expression(hourly_cost: Decimal | None = None) -> Case:
    """SQL for the annual value of a ticket: at the engagement's hourly cost (a join), or at
    ``hourly_cost`` when the caller read it (an ``UPDATE`` of the ticket table alone)."""
    cost = F("engagement__client_hourly_cost") if hourly_cost is None else _d(hourly_cost)
    return Case(
        When(
            annual_revenue_gain__isnull=True,
            annual_cost_savings__isnull=True,
            hours_saved_per_month__isnull=True,
            then=Value(None, output_field=_WIDE),
        ),
        default=Coalesce("annual_revenue_gain", _d(0))
        + Coalesce("annual_cost_savings", _d(0))
        + _d(12) * Coalesce("hours_saved_per_month", _d(0)) * cost,
        output_field=_WIDE,
    )


def confidence_factor_expression() -> Case:
    return Case(
        *(When(confidence=level, then=_d(factor)) for level, factor in CONFIDENCE_FACTORS.items()),
        output_field=_WIDE,
    )


def _divide_rounded(numerator: Any, denominator: Any) -> Round:
    return Round(Cast(numerator, _WIDE) / denominator, SCORE_PLACES, output_field=SCORE_FIELD)


def _value(value: str | Any) -> Any:
    """The annual value a formula reads: a column or annotation by name, or an expression."""
    return F(value) if isinstance(value, str) else value


def score_expression(settings: ScoringSettings, *, value: str | Any = "annual_value") -> Any:
    """SQL for the score under ``settings``' model, reading the annual value from ``value``
    (the stored column, an annotation of a fresh computation, or its expression)."""
    effort = F("effort_days")
    annual_value = _value(value)
    if settings.model == ScoringModel.WSJF:
        unit = _d(settings.wsjf_value_per_point)
        capped = Least(Coalesce(annual_value, _d(0)), _d(WSJF_MAX_VALUE_POINTS * unit.value))
        urgency = Cast(Coalesce("time_criticality", 0) + Coalesce("risk_reduction", 0), _WIDE)
        return Case(
            When(effort_days__isnull=True, then=Value(None, output_field=SCORE_FIELD)),
            When(
                IsNull(annual_value, True),
                time_criticality__isnull=True,
                risk_reduction__isnull=True,
                then=Value(None, output_field=SCORE_FIELD),
            ),
            default=_divide_rounded(capped + unit * urgency, unit * effort),
            output_field=SCORE_FIELD,
        )
    if settings.model == ScoringModel.RICE:
        unit = Decimal(settings.rice_impact_unit)
        impact = Case(
            *(
                When(GreaterThanOrEqual(annual_value, _d(threshold * unit)), then=_d(level))
                for threshold, level in RICE_IMPACT_BANDS
            ),
            default=_d(RICE_MIN_IMPACT),
            output_field=_WIDE,
        )
        numerator = Cast("reach", _WIDE) * impact * confidence_factor_expression()
        return Case(
            When(
                Q(reach__isnull=True) | Q(IsNull(annual_value, True)) | Q(effort_days__isnull=True),
                then=Value(None, output_field=SCORE_FIELD),
            ),
            default=_divide_rounded(numerator, effort),
            output_field=SCORE_FIELD,
        )
    multiplier = _d(1) + _d(settings.strategic_weight) * F("strategic_alignment")
    numerator = annual_value * confidence_factor_expression() * multiplier
    return _divide_rounded(numerator, effort)


def quadrant_expression(medians: Medians, *, value: str | Any = "annual_value") -> Any:
    """SQL for the quadrant against the given medians, reading the annual value from ``value``
    (the stored column, an annotation of a fresh computation, or its expression)."""
    if medians.annual_value is None or medians.effort_days is None:
        return Value(None, output_field=models.CharField())
    annual_value = _value(value)
    effort_median = _d(medians.effort_days)
    high = Q(GreaterThanOrEqual(annual_value, _d(medians.annual_value)))
    return Case(
        When(
            Q(IsNull(annual_value, True)) | Q(effort_days__isnull=True),
            then=Value(None, output_field=models.CharField()),
        ),
        When(high, effort_days__lt=effort_median, then=Value(Quadrant.QUICK_WIN.value)),
        When(high, then=Value(Quadrant.BIG_BET.value)),
        When(effort_days__lt=effort_median, then=Value(Quadrant.FILL_IN.value)),
        default=Value(Quadrant.MONEY_PIT.value),
        output_field=models.CharField(),
    )


# The names under which ``annotate_fresh`` computes a ticket's ranking from its figures (the
# stored columns are ``annual_value``, ``score`` and ``quadrant``).
FRESH_VALUE, FRESH_SCORE, FRESH_QUADRANT = "fresh_annual_value", "fresh_score", "fresh_quadrant"


def annotate_fresh(
    queryset: models.QuerySet, settings: ScoringSettings, medians: Medians | None = None
) -> models.QuerySet:
    """Tickets annotated with their ranking computed afresh from their figures, the
    engagement's hourly cost (a join) and ``settings``: ``fresh_annual_value``,
    ``fresh_score`` and, given medians, ``fresh_quadrant``."""
    queryset = queryset.annotate(**{FRESH_VALUE: annual_value_expression()}).annotate(
        **{FRESH_SCORE: score_expression(settings, value=FRESH_VALUE)}
    )
    if medians is not None:
        queryset = queryset.annotate(
            **{FRESH_QUADRANT: quadrant_expression(medians, value=FRESH_VALUE)}
        )
    return queryset


def fresh_ranking(
    settings: ScoringSettings, medians: Medians, *, hourly_cost: Decimal
) -> dict[str, Any]:
    """The stored ranking columns, each as the SQL that computes it afresh from the ticket's own
    columns at this hourly cost: what an ``UPDATE`` of the ticket table alone (no join, no
    ``FROM``) sets them to."""
    annual_value = annual_value_expression(hourly_cost)
    return {
        "annual_value": annual_value,
        "score": score_expression(settings, value=annual_value),
        "quadrant": quadrant_expression(medians, value=annual_value),
    }
