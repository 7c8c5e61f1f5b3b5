"""Celery entry points of the roadmap reviews: thin, idempotent sweeps run by the beat schedule
(registered through ``roadmap.tasks``)."""

from __future__ import annotations

from celery import shared_task

from roadmap.reviews import services


@shared_task(name="roadmap.reviews.tasks.reviews_prepare_task")
def reviews_prepare_task() -> int:
    """Give every roadmap-review meeting its review and pack; refresh packs still preparing."""
    return services.reviews_prepare()


@shared_task(name="roadmap.reviews.tasks.value_realisations_sweep_task")
def value_realisations_sweep_task() -> dict[str, int]:
    """Note newly done tickets' estimated value; ask directors for the realised value when due."""
    result = services.value_realisations_sweep()
    return {"recorded": result.recorded, "requested": result.requested}


@shared_task(name="roadmap.reviews.tasks.overdue_reviews_remind_task")
def overdue_reviews_remind_task() -> int:
    """Remind the director and the consultant of overdue reviews, once a day at most."""
    return services.overdue_reviews_remind()
