"""Time: what people spent, in which role, on which engagement and ticket; the project manager's
approval of each person's week; a running timer per person.

Its models live here and are registered with the ``backlog`` app (imported by
``backlog.models``), as ``collab/rhythm`` is with ``collab``: the entries point at tickets, so
they sit at the backlog's level of the import order.
"""
