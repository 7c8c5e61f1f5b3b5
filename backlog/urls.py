"""The dashboard's routes of the backlog: the ranked list, the matrix, its settings, tickets,
sprints."""

from django.urls import path

from backlog.views import analysis, attachments, backlog, configure, properties, sprints, ticket

app_name = "backlog"

_T = "engagements/<slug:slug>/backlog/<str:key>/"

urlpatterns = [
    path("engagements/<slug:slug>/backlog/", backlog.ticket_list, name="ticket-list"),
    path("engagements/<slug:slug>/backlog/matrix/", backlog.matrix, name="matrix"),
    path("engagements/<slug:slug>/backlog/new/", ticket.ticket_create, name="ticket-create"),
    path(
        "engagements/<slug:slug>/backlog/new/score-preview/",
        ticket.ticket_create_score_preview,
        name="ticket-create-score-preview",
    ),
    path("engagements/<slug:slug>/backlog/bulk/", backlog.ticket_bulk, name="ticket-bulk"),
    # Before the ticket routes, whose <key> would otherwise take "settings".
    path("engagements/<slug:slug>/backlog/settings/", configure.backlog_settings, name="settings"),
    path(
        "engagements/<slug:slug>/backlog/settings/preview/",
        configure.backlog_settings_preview,
        name="settings-preview",
    ),
    path(
        "engagements/<slug:slug>/backlog/ranking-job/",
        backlog.ranking_job,
        name="ranking-job",
    ),
    path(_T, ticket.ticket_detail, name="ticket-detail"),
    path(f"{_T}edit/", ticket.ticket_update, name="ticket-update"),
    path(f"{_T}value/", ticket.ticket_value_update, name="ticket-value-update"),
    path(f"{_T}score-preview/", ticket.ticket_score_preview, name="ticket-score-preview"),
    path(f"{_T}pin/", backlog.ticket_pin, name="ticket-pin"),
    path(f"{_T}properties/<slug:name>/", properties.ticket_property, name="ticket-property"),
    path(f"{_T}peek/", backlog.ticket_peek, name="ticket-peek"),
    path(f"{_T}transition/", ticket.ticket_transition, name="ticket-transition"),
    path(f"{_T}comments/", ticket.comment_add, name="comment-add"),
    path(f"{_T}attachments/", attachments.attachment_add, name="attachment-add"),
    path(f"{_T}attachments/<int:pk>/", attachments.attachment_file, name="attachment-file"),
    path(
        f"{_T}attachments/<int:pk>/delete/",
        attachments.attachment_delete,
        name="attachment-delete",
    ),
    path(f"{_T}criteria/", analysis.criterion_add, name="criterion-add"),
    path(f"{_T}criteria/<int:pk>/", analysis.criterion_update, name="criterion-update"),
    path(f"{_T}criteria/<int:pk>/delete/", analysis.criterion_delete, name="criterion-delete"),
    path(f"{_T}metrics/", analysis.metric_add, name="metric-add"),
    path(f"{_T}impact-analysis/", analysis.impact_analysis, name="impact-analysis"),
    path(f"{_T}qa-verdicts/", analysis.qa_verdict_add, name="qa-verdict-add"),
    path(f"{_T}acceptance/", analysis.ticket_acceptance, name="ticket-acceptance"),
    path(f"{_T}qa-exception/", analysis.qa_exception_grant, name="qa-exception-grant"),
    path(f"{_T}initiative-answer/", analysis.initiative_answer, name="initiative-answer"),
    path(f"{_T}stakeholder-score/", analysis.stakeholder_score, name="stakeholder-score"),
    path("engagements/<slug:slug>/sprints/", sprints.sprint_list, name="sprint-list"),
    path("engagements/<slug:slug>/sprints/<int:pk>/", sprints.sprint_board, name="sprint-board"),
]
