"""The full-text index of the search (roadmap.search.selectors): PostgreSQL only, so it lives
outside the model state; the embedded SQLite default searches without it. The expression is
written out once, in ``TICKET_DOCUMENT_SQL``, and the search reads the same text, so that
PostgreSQL recognises the index's expression in the query."""

from django.db import migrations

from backlog.search import TICKET_DOCUMENT_SQL


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX ticket_search ON backlog_ticket USING gin ({TICKET_DOCUMENT_SQL})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS ticket_search")


class Migration(migrations.Migration):
    dependencies = [("backlog", "0004_settings_history")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
