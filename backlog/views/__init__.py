"""The backlog's dashboard pages (see ``backlog.urls``)."""
