"""Every write of the backlog; callers import from here."""

from backlog.services.analysis import (
    criterion_add,
    criterion_delete,
    criterion_update,
    impact_analysis_set,
    qa_verdict_record,
    success_metric_add,
)
from backlog.services.attachments import attachment_delete, attachments_add
from backlog.services.bulk import BulkResult, tickets_bulk_transition, tickets_bulk_update
from backlog.services.common import StaleVersion, TicketRowsRefused, TransitionRefused
from backlog.services.duties import qa_clearance, qa_exception_grant
from backlog.services.fields import label_name_clean, ticket_fields_validate
from backlog.services.filing import (
    DUPLICATE_EXTERNAL_REF,
    Filed,
    ticket_create,
    ticket_create_many,
    ticket_file,
    ticket_number_allocate,
    ticket_numbers_reserve,
)
from backlog.services.initiatives import initiative_answer
from backlog.services.ranking import (
    Rescored,
    engagement_rescore,
    medians_refresh,
    ranking_drift,
    tickets_rescore,
)
from backlog.services.routing import DEFAULT_RESPONSIBILITY, responsible_role_for
from backlog.services.settings import (
    ROUTABLE_ROLES,
    StaleSettings,
    backlog_settings_update,
    responsibility_policy_update,
    scoring_settings_build,
    scoring_settings_update,
)
from backlog.services.sprints import sprint_create, sprint_update
from backlog.services.tickets import (
    comment_add,
    stakeholder_score_set,
    ticket_accept,
    ticket_pin_rank,
    ticket_reject_acceptance,
    ticket_strategic_alignment_set,
    ticket_transition,
    ticket_update,
    ticket_value_update,
    tickets_strategic_alignment_store,
)

__all__ = [
    "DEFAULT_RESPONSIBILITY",
    "DUPLICATE_EXTERNAL_REF",
    "ROUTABLE_ROLES",
    "BulkResult",
    "Filed",
    "Rescored",
    "StaleSettings",
    "StaleVersion",
    "TicketRowsRefused",
    "TransitionRefused",
    "attachment_delete",
    "attachments_add",
    "backlog_settings_update",
    "comment_add",
    "criterion_add",
    "criterion_delete",
    "criterion_update",
    "engagement_rescore",
    "impact_analysis_set",
    "initiative_answer",
    "label_name_clean",
    "medians_refresh",
    "qa_clearance",
    "qa_exception_grant",
    "qa_verdict_record",
    "ranking_drift",
    "responsibility_policy_update",
    "responsible_role_for",
    "scoring_settings_build",
    "scoring_settings_update",
    "sprint_create",
    "sprint_update",
    "stakeholder_score_set",
    "success_metric_add",
    "ticket_accept",
    "ticket_create",
    "ticket_create_many",
    "ticket_fields_validate",
    "ticket_file",
    "ticket_number_allocate",
    "ticket_numbers_reserve",
    "ticket_pin_rank",
    "ticket_reject_acceptance",
    "ticket_strategic_alignment_set",
    "ticket_transition",
    "ticket_update",
    "ticket_value_update",
    "tickets_bulk_transition",
    "tickets_bulk_update",
    "tickets_rescore",
    "tickets_strategic_alignment_store",
]
