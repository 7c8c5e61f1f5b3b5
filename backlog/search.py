"""The searched text of a ticket, as one SQL expression shared by the full-text index
(migration 0005) and the search (roadmap.search.selectors): PostgreSQL uses an expression
index only for a query that writes the expression the same way."""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db.models.expressions import RawSQL

# The ``simple`` configuration: English and French text alike, no stemming. ``{table}`` is
# empty in the index and the table's name in a query (joined tables may share column names);
# PostgreSQL compares the parsed expressions, so both forms match.
_DOCUMENT = (
    "to_tsvector('simple'::regconfig, "
    "COALESCE({table}title, '') || ' ' || COALESCE({table}description, ''))"
)
TICKET_DOCUMENT_SQL = _DOCUMENT.format(table="")


def ticket_document() -> RawSQL:
    """The ticket's searchable document (title and description), PostgreSQL only."""
    # A constant expression with no parameter: nothing from a request reaches it.
    sql = _DOCUMENT.format(table='"backlog_ticket".')
    return RawSQL(sql, [], output_field=SearchVectorField())  # noqa: S611
