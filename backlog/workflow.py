"""The ticket workflow: which steps exist, who may take them, and the guards that refuse them.

``new → triage → analysis → ready → in progress → in review → QA → done``, plus *on hold* and
*rejected* from any open status. Reopening a done ticket (done → in progress) needs a reason and
is kept in the history like every other move.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from backlog.models import (
    AcceptanceCriterion,
    ClientAcceptance,
    ImpactAnalysis,
    Kind,
    QAVerdict,
    ScoringSettings,
    Status,
    Ticket,
    TicketHistory,
)
from roles.models import Role, RoleAssignment

S = Status
R = Role

OPEN_STATUSES = (S.NEW, S.TRIAGE, S.ANALYSIS, S.READY, S.IN_PROGRESS, S.IN_REVIEW, S.QA)
_TRIAGERS = frozenset({R.PROJECT_MANAGER, R.CONSULTANT, R.BUSINESS_ANALYST, R.DIRECTOR})
_ANALYSTS = frozenset({R.BUSINESS_ANALYST, R.PROJECT_MANAGER})
_BUILDERS = frozenset({R.DEVELOPER, R.PROJECT_MANAGER})
_QA = frozenset({R.TESTER, R.PROJECT_MANAGER})
_DECIDERS = frozenset({R.PROJECT_MANAGER, R.CONSULTANT, R.DIRECTOR})

# (from, to) → the roles that may take the step. A step not in this table does not exist.
TRANSITIONS: dict[tuple[Status, Status], frozenset[Role]] = {
    (S.NEW, S.TRIAGE): _TRIAGERS,
    (S.TRIAGE, S.ANALYSIS): _TRIAGERS,
    (S.TRIAGE, S.READY): _ANALYSTS,
    (S.ANALYSIS, S.READY): _ANALYSTS,
    (S.READY, S.ANALYSIS): _ANALYSTS,
    (S.READY, S.IN_PROGRESS): _BUILDERS,
    (S.IN_PROGRESS, S.IN_REVIEW): _BUILDERS,
    (S.IN_REVIEW, S.IN_PROGRESS): _BUILDERS,
    (S.IN_REVIEW, S.QA): _BUILDERS,
    (S.QA, S.IN_PROGRESS): _QA,
    (S.QA, S.DONE): _QA,
    (S.DONE, S.IN_PROGRESS): frozenset({R.PROJECT_MANAGER, R.TESTER, R.DIRECTOR}),
    **{(status, S.ON_HOLD): _DECIDERS for status in OPEN_STATUSES},
    **{(status, S.REJECTED): _DECIDERS for status in OPEN_STATUSES},
    **{(S.ON_HOLD, status): _DECIDERS for status in (S.TRIAGE, S.ANALYSIS, S.READY)},
    (S.ON_HOLD, S.IN_PROGRESS): _DECIDERS,
    (S.REJECTED, S.TRIAGE): _DECIDERS,
}
REASON_REQUIRED = frozenset({(status, S.REJECTED) for status in OPEN_STATUSES}) | {
    (S.DONE, S.IN_PROGRESS)
}
VALUE_KINDS = frozenset({Kind.FEATURE, Kind.IMPROVEMENT})
BUG_FIELDS = ("steps_to_reproduce", "expected_behaviour", "actual_behaviour", "environment")
# A state's guards hold for every state past it: a ticket is *in* a state only when it meets
# the guards of that state and of every state before it, whichever way it came in (on hold,
# a reopening, an import). Past triage a bug carries its reproduction details; from ready on,
# a feature or improvement carries its value, effort, criteria and impact analysis.
PAST_TRIAGE = frozenset({S.ANALYSIS, S.READY, S.IN_PROGRESS, S.IN_REVIEW, S.QA, S.DONE})
FROM_READY = frozenset({S.READY, S.IN_PROGRESS, S.IN_REVIEW, S.QA, S.DONE})


def allowed_targets(status: str, roles: frozenset[Role]) -> list[Status]:
    """The statuses a holder of these roles may move a ticket to from ``status``."""
    return [to for (frm, to), who in TRANSITIONS.items() if frm == status and who & roles]


@dataclass(frozen=True)
class GuardFacts:
    """What the guards of one step need to know, read from the database."""

    settings: ScoringSettings
    criteria_count: int = 0
    has_impact_analysis: bool = False
    has_tester: bool = False
    qa_passed: bool = False
    client_accepted: bool = False


def _entered_at(ticket: Ticket, status: str):
    entry = (
        TicketHistory.objects.filter(ticket=ticket, field="status", after=status)
        .order_by("-at", "-pk")
        .values_list("at", flat=True)
        .first()
    )
    return entry


def guard_facts(*, ticket: Ticket, to_status: str, settings: ScoringSettings) -> GuardFacts:
    """Read only the facts the guards of ``to_status`` (and of the states before it) need."""
    criteria_count, has_impact_analysis = 0, False
    if to_status in FROM_READY and ticket.kind in VALUE_KINDS:
        criteria_count = AcceptanceCriterion.objects.filter(ticket=ticket).count()
        has_impact_analysis = ImpactAnalysis.objects.filter(ticket=ticket).exists()
    if to_status != S.DONE:
        return GuardFacts(
            settings=settings,
            criteria_count=criteria_count,
            has_impact_analysis=has_impact_analysis,
        )
    # Only the verdicts and decisions given since the ticket last entered QA count (none when
    # it is not in QA now: done is reached through QA).
    since = _entered_at(ticket, S.QA) if ticket.status == S.QA else None
    verdicts = QAVerdict.objects.filter(ticket=ticket)
    acceptances = ClientAcceptance.objects.filter(ticket=ticket)
    if ticket.status != S.QA:
        verdicts, acceptances = verdicts.none(), acceptances.none()
    elif since is not None:
        verdicts = verdicts.filter(recorded_at__gte=since)
        acceptances = acceptances.filter(decided_at__gte=since)
    latest_verdict = verdicts.order_by("-recorded_at", "-pk").first()
    latest_acceptance = acceptances.order_by("-decided_at", "-pk").first()
    return GuardFacts(
        settings=settings,
        criteria_count=criteria_count,
        has_impact_analysis=has_impact_analysis,
        has_tester=RoleAssignment.objects.active()
        .filter(engagement_id=ticket.engagement_id, role=Role.TESTER)
        .exists(),
        qa_passed=latest_verdict is not None and latest_verdict.passed,
        client_accepted=latest_acceptance is not None
        and latest_acceptance.decision == ClientAcceptance.Decision.ACCEPTED,
    )


def _ready_reasons(ticket: Ticket, facts: GuardFacts) -> list[str]:
    reasons = []
    figures = (ticket.annual_revenue_gain, ticket.annual_cost_savings, ticket.hours_saved_per_month)
    if all(figure is None for figure in figures):
        reasons.append(
            _(
                "State the business value (annual revenue gain, annual cost savings or hours "
                "saved per month) before the ticket is ready."
            )
        )
    if ticket.effort_days is None:
        reasons.append(_("Estimate the effort in person-days before the ticket is ready."))
    if facts.criteria_count == 0:
        reasons.append(_("Write at least one acceptance criterion before the ticket is ready."))
    threshold = Decimal(facts.settings.impact_analysis_threshold_days)
    if (
        ticket.effort_days is not None
        and ticket.effort_days > threshold
        and not facts.has_impact_analysis
    ):
        reasons.append(
            _(
                "The effort (%(effort)s person-days) is above this engagement's threshold of "
                "%(threshold)s: write an impact analysis first."
            )
            % {"effort": ticket.effort_days, "threshold": threshold}
        )
    return reasons


def _done_reasons(ticket: Ticket, facts: GuardFacts) -> list[str]:
    reasons = []
    if facts.settings.qa_required and facts.has_tester and not facts.qa_passed:
        reasons.append(_("A passing QA verdict by a tester is needed before the ticket is done."))
    if (
        facts.settings.requires_client_acceptance
        and ticket.kind in VALUE_KINDS
        and not facts.client_accepted
    ):
        reasons.append(_("The client has not accepted this ticket yet."))
    return reasons


def _bug_reasons(ticket: Ticket) -> list[str]:
    missing = [
        str(Ticket._meta.get_field(name).verbose_name)
        for name in BUG_FIELDS
        if not getattr(ticket, name).strip()
    ]
    if not missing:
        return []
    return [
        _("A bug leaves triage only with its reproduction details; missing: %(fields)s.")
        % {"fields": ", ".join(missing)}
    ]


def state_reasons(*, ticket: Ticket, status: str, facts: GuardFacts) -> list[str]:
    """Every guard ``ticket`` fails to be in ``status``, whatever state it comes from: the
    guards of that state and of every state before it (empty: it may be there)."""
    reasons = []
    if ticket.kind == Kind.BUG and status in PAST_TRIAGE:
        reasons += _bug_reasons(ticket)
    if ticket.kind in VALUE_KINDS and status in FROM_READY:
        reasons += _ready_reasons(ticket, facts)
    if status == S.DONE:
        reasons += _done_reasons(ticket, facts)
    return reasons


def refusal_reasons(
    *, ticket: Ticket, to_status: str, roles: frozenset[Role], facts: GuardFacts, reason: str = ""
) -> list[str]:
    """Every reason the step of ``ticket`` to ``to_status`` is refused (empty: allowed)."""
    current = Status(ticket.status)
    if to_status not in Status.values:
        return [_("“%(status)s” is not a ticket status.") % {"status": to_status}]
    target = Status(to_status)
    if current == target:
        return [_("The ticket is already %(status)s.") % {"status": target.label}]
    allowed = TRANSITIONS.get((current, target))
    if allowed is None:
        return [
            _("A ticket cannot go from %(from)s to %(to)s.")
            % {"from": current.label, "to": target.label}
        ]
    if not allowed & roles:
        return [
            _("Your role does not allow moving a ticket from %(from)s to %(to)s.")
            % {"from": current.label, "to": target.label}
        ]
    reasons = []
    if (current, target) in REASON_REQUIRED and not reason.strip():
        reasons.append(_("Say why: a reason is required for this step."))
    return reasons + state_reasons(ticket=ticket, status=target, facts=facts)
