"""A Python client generated from the schema (openapi-python-client, into a temporary folder,
never committed) works against a live server: it lists, creates, updates under If-Match,
transitions and paginates tickets, and reads a refusal as a problem document."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings as django_settings
from drf_spectacular.generators import SchemaGenerator

from backlog.models import Ticket
from roles.models import Role
from tests.factories import member

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
CONFIG = "package_name_override: tandem_client\npost_hooks: []\n"


@pytest.fixture(scope="module")
def tandem_client(tmp_path_factory):
    """The client package, generated from the schema the server publishes."""
    folder = tmp_path_factory.mktemp("generated")
    schema = SchemaGenerator().get_schema(request=None, public=True)
    (folder / "schema.json").write_text(json.dumps(schema, default=str))
    (folder / "config.yml").write_text(CONFIG)
    result = subprocess.run(  # noqa: S603 -- the generator of this virtualenv, fixed arguments
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(folder / "schema.json"),
            "--meta",
            "none",
            "--output-path",
            str(folder / "tandem_client"),
            "--config",
            str(folder / "config.yml"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=folder,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout, result.stdout
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("tandem_client")
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m.split(".")[0] == "tandem_client"]:
            del sys.modules[name]


def _op(name: str):
    return importlib.import_module(f"tandem_client.api.engagements.{name}")


def _model(name: str):
    return getattr(importlib.import_module("tandem_client.models"), name)


@pytest.fixture
def signed_in(live_server, client, engagement, settings):
    """The generated client, signed in as Nordfer's project manager (with the CSRF token a
    session's writes need)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tests-generated-client",
        }
    }
    pm = member(engagement, Role.PROJECT_MANAGER, email="pm@atelier.example")
    client.force_login(pm)
    csrf = "c" * 32
    from tandem_client import Client

    return Client(
        base_url=live_server.url,
        cookies={
            django_settings.SESSION_COOKIE_NAME: client.cookies["sessionid"].value,
            "csrftoken": csrf,
        },
        headers={"X-CSRFToken": csrf, "Referer": live_server.url + "/"},
        raise_on_unexpected_status=True,
    )


@pytest.mark.django_db(transaction=True)
def test_the_generated_client_files_edits_moves_and_pages_tickets(tandem_client, signed_in):
    create, retrieve = _op("engagements_tickets_create"), _op("engagements_tickets_retrieve")
    update, transition = (
        _op("engagements_tickets_partial_update"),
        _op("engagements_tickets_transition_create"),
    )
    listing = _op("engagements_tickets_list")
    TicketCreate = _model("TicketCreateInputRequest")
    TicketPatch = _model("PatchedTicketUpdateInputRequest")
    Transition = _model("TicketTransitionInputRequest")
    Problem = _model("Problem")
    Ordering = _model("EngagementsTicketsListOrdering")

    keys = []
    for n in range(3):
        created = create.sync_detailed(
            "nordfer",
            client=signed_in,
            body=TicketCreate.from_dict(
                {"title": f"Checkout {n}", "kind": "feature", "effort_days": "2.50"}
            ),
        )
        assert created.status_code == 201
        keys.append(created.parsed.key)
    assert keys == ["NORD-1", "NORD-2", "NORD-3"]

    read = retrieve.sync_detailed("nordfer", "NORD-1", client=signed_in)
    etag = read.headers["ETag"]
    assert read.parsed.effort_days == "2.50"

    changed = update.sync_detailed(
        "nordfer",
        "NORD-1",
        client=signed_in,
        body=TicketPatch.from_dict({"title": "Checkout, B2B"}),
        if_match=etag,
    )
    assert (changed.status_code, changed.parsed.title) == (200, "Checkout, B2B")
    stale = update.sync_detailed(
        "nordfer",
        "NORD-1",
        client=signed_in,
        body=TicketPatch.from_dict({"title": "Lost update"}),
        if_match=etag,
    )
    assert stale.status_code == 412
    assert isinstance(stale.parsed, Problem)
    assert stale.parsed.type_.endswith("/precondition-failed")

    moved = transition.sync_detailed(
        "nordfer", "NORD-1", client=signed_in, body=Transition.from_dict({"to": "triage"})
    )
    assert (moved.status_code, moved.parsed.status.value) == (200, "triage")

    seen, cursor = [], None
    while True:
        kwargs = {"page_size": 2, "ordering": Ordering("created")}
        if cursor:
            kwargs["cursor"] = cursor
        page = listing.sync_detailed("nordfer", client=signed_in, **kwargs).parsed
        seen += [ticket.key for ticket in page.results]
        if not page.next_:
            break
        cursor = parse_qs(urlsplit(page.next_).query)["cursor"][0]
    assert seen == ["NORD-1", "NORD-2", "NORD-3"]
    assert Ticket.objects.get(number=1).title == "Checkout, B2B"
