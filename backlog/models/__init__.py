"""Tickets and what hangs off them: value figures, analysis, QA, comments, history, sprints.

Every table here carries a direct ``engagement`` foreign key (the tenant), even when it could be
reached through its ticket, so that every query can be scoped by engagement first.

One module per part: ``tickets`` (tickets, their choices, labels, the number counter),
``sprints``, ``config`` (scoring settings and responsibility policies), ``analysis`` (stakeholder
scores, acceptance criteria, success metrics, impact analyses, QA verdicts, client acceptances),
``activity`` (comments, history) and ``attachments`` (files on tickets and comments). Import
them from here: ``from backlog.models import Ticket``.
"""

from backlog.models.activity import Comment, TicketHistory
from backlog.models.analysis import (
    AcceptanceCriterion,
    ClientAcceptance,
    ImpactAnalysis,
    QACriterionResult,
    QAException,
    QAVerdict,
    RiskLevel,
    StakeholderScore,
    SuccessMetric,
)
from backlog.models.attachments import Attachment
from backlog.models.config import (
    BacklogFacet,
    BacklogMedians,
    RankingJob,
    ResponsibilityPolicy,
    ScoringModel,
    ScoringSettings,
    SettingsChange,
)
from backlog.models.sprints import Sprint
from backlog.models.tickets import (
    CLOSED_STATUSES,
    Confidence,
    FoundBy,
    InitiativeDecision,
    Kind,
    Label,
    Origin,
    Quadrant,
    RankKey,
    ScoreKey,
    Severity,
    Status,
    Ticket,
    TicketCounter,
)
from backlog.timesheets.models import (
    Budget,
    BudgetAlert,
    BudgetPeriod,
    RunningTimer,
    TimeEntry,
    TimeEntryChange,
    TimesheetWeek,
)

__all__ = [
    "CLOSED_STATUSES",
    "AcceptanceCriterion",
    "Attachment",
    "BacklogFacet",
    "BacklogMedians",
    "Budget",
    "BudgetAlert",
    "BudgetPeriod",
    "ClientAcceptance",
    "Comment",
    "Confidence",
    "FoundBy",
    "ImpactAnalysis",
    "InitiativeDecision",
    "Kind",
    "Label",
    "Origin",
    "QACriterionResult",
    "QAException",
    "QAVerdict",
    "Quadrant",
    "RankKey",
    "RankingJob",
    "ResponsibilityPolicy",
    "RiskLevel",
    "RunningTimer",
    "ScoreKey",
    "ScoringModel",
    "ScoringSettings",
    "SettingsChange",
    "Severity",
    "Sprint",
    "StakeholderScore",
    "Status",
    "SuccessMetric",
    "Ticket",
    "TicketCounter",
    "TicketHistory",
    "TimeEntry",
    "TimeEntryChange",
    "TimesheetWeek",
]
