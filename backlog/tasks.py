"""Celery entry points of the backlog (Celery autodiscovers ``backlog.tasks``)."""

from backlog.timesheets import tasks as timesheets_tasks  # noqa: F401  (registers time's tasks)
