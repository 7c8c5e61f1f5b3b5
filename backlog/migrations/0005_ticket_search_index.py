"""The full-text index of the search (roadmap.search.selectors.ticket_document): PostgreSQL
only, so it lives outside the model state; the embedded SQLite default searches without it."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEX = GinIndex(SearchVector("title", "description", config="simple"), name="ticket_search")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("backlog", "Ticket"), INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("backlog", "Ticket"), INDEX)


class Migration(migrations.Migration):
    dependencies = [("backlog", "0004_settings_history")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
