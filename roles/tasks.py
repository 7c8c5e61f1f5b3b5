"""Celery entry points of roles: thin, idempotent, taking ids."""

from celery import shared_task

from roles import services
from roles.rhythm import meetings_schedule_all


@shared_task(
    name="roles.tasks.invitation_email_task",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def invitation_email_task(*, invitation_id: int) -> None:
    """Email one invitation, unless it was already sent."""
    services.invitation_email_send(invitation_id=invitation_id)


@shared_task(name="roles.tasks.invitations_sweep_task")
def invitations_sweep_task() -> int:
    """Email invitations whose first attempt never reached a worker."""
    return services.invitations_send_pending()


@shared_task(name="roles.tasks.meetings_schedule_task")
def meetings_schedule_task() -> int:
    """Keep the next eight weekly syncs and the next roadmap review of every active engagement
    scheduled, with the attendees their roles name (roles decide who attends; the rhythm
    schedules)."""
    return meetings_schedule_all()
