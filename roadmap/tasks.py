"""Celery entry points of the roadmap (Celery autodiscovers ``roadmap.tasks``)."""

from roadmap.reviews import tasks as reviews_tasks  # noqa: F401  (registers the reviews' tasks)
