"""Routes of the backlog API, nested under their engagement; a ticket is named by its key."""

from django.urls import path

from backlog.api import views, views_analysis, views_attachments, views_settings, views_sprints

TICKET = "engagements/<slug:slug>/tickets/<str:key>/"

urlpatterns = [
    path("engagements/<slug:slug>/tickets/", views.TicketListApi.as_view(), name="api-ticket-list"),
    path(TICKET, views.TicketDetailApi.as_view(), name="api-ticket-detail"),
    path(
        f"{TICKET}transition/",
        views.TicketTransitionApi.as_view(),
        name="api-ticket-transition",
    ),
    path(f"{TICKET}pin/", views.TicketPinApi.as_view(), name="api-ticket-pin"),
    path(f"{TICKET}acceptance/", views.TicketAcceptanceApi.as_view(), name="api-ticket-acceptance"),
    path(f"{TICKET}history/", views.TicketHistoryApi.as_view(), name="api-ticket-history"),
    path(
        f"{TICKET}criteria/",
        views_analysis.CriterionListApi.as_view(),
        name="api-criterion-list",
    ),
    path(
        f"{TICKET}criteria/<int:pk>/",
        views_analysis.CriterionDetailApi.as_view(),
        name="api-criterion-detail",
    ),
    path(
        f"{TICKET}qa-verdicts/",
        views_analysis.QAVerdictListApi.as_view(),
        name="api-qa-verdict-list",
    ),
    path(f"{TICKET}comments/", views_analysis.CommentListApi.as_view(), name="api-comment-list"),
    path(
        f"{TICKET}attachments/",
        views_attachments.AttachmentListApi.as_view(),
        name="api-attachment-list",
    ),
    path(
        f"{TICKET}attachments/<int:pk>/",
        views_attachments.AttachmentDetailApi.as_view(),
        name="api-attachment-detail",
    ),
    path(
        f"{TICKET}attachments/<int:pk>/content/",
        views_attachments.AttachmentContentApi.as_view(),
        name="api-attachment-content",
    ),
    path(
        f"{TICKET}stakeholder-scores/",
        views_analysis.StakeholderScoreListApi.as_view(),
        name="api-stakeholder-score-list",
    ),
    path(
        f"{TICKET}initiative-answer/",
        views_analysis.InitiativeAnswerApi.as_view(),
        name="api-initiative-answer",
    ),
    path(
        f"{TICKET}qa-exception/",
        views_analysis.QAExceptionApi.as_view(),
        name="api-qa-exception",
    ),
    path(
        "engagements/<slug:slug>/backlog-settings/",
        views_settings.BacklogSettingsApi.as_view(),
        name="api-backlog-settings",
    ),
    path(
        "engagements/<slug:slug>/ranking-job/",
        views_settings.RankingJobApi.as_view(),
        name="api-ranking-job",
    ),
    path(
        "engagements/<slug:slug>/sprints/",
        views_sprints.SprintListApi.as_view(),
        name="api-sprint-list",
    ),
    path(
        "engagements/<slug:slug>/sprints/<int:pk>/",
        views_sprints.SprintDetailApi.as_view(),
        name="api-sprint-detail",
    ),
]
