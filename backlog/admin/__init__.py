"""Read-mostly admin of the backlog, a module per part like the models: ``tickets`` (tickets,
their activity, sprints, labels, the number counter), ``analysis`` (scores, criteria, metrics,
impact, QA, acceptance), ``config`` (scoring settings and routing, saved through their
services) and ``time`` (entries, weeks, their history, timers: read-only). Rows with
workflow rules change through the services, never here."""

from backlog.admin import analysis, config, tickets, time

__all__ = ["analysis", "config", "tickets", "time"]
