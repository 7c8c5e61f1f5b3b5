"""``manage.py create_api_token``: issues a scoped token and shows its key once."""

from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from collab.models import ApiToken


@pytest.fixture(autouse=True)
def _private_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tests-create-api-token",
        }
    }
    cache.clear()


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command("create_api_token", *args, stdout=out)
    return out.getvalue().splitlines()


@pytest.mark.django_db
def test_prints_the_key_once_with_a_warning_and_stores_only_its_hash(
    engagement, admin_user, api_client
):
    lines = run(
        "--engagement",
        "nordfer",
        "--scope",
        "write",
        "--name",
        "Helpdesk",
        "--created-by",
        "ADMIN@atelier.example",
    )

    token = ApiToken.objects.get()
    raw_key = lines[1]
    assert lines == [
        f"Created the write token “Helpdesk” for nordfer (prefix {token.prefix}).",
        raw_key,
        "Copy this key now: it is stored hashed and will not be shown again.",
    ]
    assert raw_key.startswith(f"tdm_{token.prefix}_")
    assert (token.engagement, token.scope, token.name, token.created_by) == (
        engagement,
        "write",
        "Helpdesk",
        admin_user,
    )
    assert raw_key not in token.key_hash
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    me = api_client.get("/api/v1/me/").json()
    assert (me["kind"], me["engagement"], me["scope"]) == ("token", "nordfer", "write")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--engagement", "nowhere", "--scope", "read", "--name", "CI"],
            "No engagement has the slug “nowhere”.",
        ),
        (
            ["--engagement", "nordfer", "--scope", "admin", "--name", "CI"],
            "Unknown scope “admin”: use read or write.",
        ),
        (
            ["--engagement", "nordfer", "--scope", "read", "--name", "CI", "--created-by", "x@y.z"],
            "No one has an account with “x@y.z”.",
        ),
        (
            ["--engagement", "nordfer", "--scope", "read", "--name", "  "],
            "Name the token, for example “CI pipeline”.",
        ),
    ],
)
def test_refuses_bad_arguments_clearly_and_creates_nothing(engagement, args, message):
    with pytest.raises(CommandError) as refused:
        run(*args)

    assert str(refused.value) == message
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_refuses_a_duplicate_name_among_active_tokens(engagement):
    run("--engagement", "nordfer", "--scope", "read", "--name", "CI")

    with pytest.raises(CommandError) as refused:
        run("--engagement", "nordfer", "--scope", "write", "--name", "CI")

    assert str(refused.value) == "An active token already has this name."
    assert list(ApiToken.objects.values_list("name", "scope")) == [("CI", "read")]
