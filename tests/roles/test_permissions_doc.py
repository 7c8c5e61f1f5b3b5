from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from collab.models import ApiToken
from roles.management.commands.permissions_table import default_path, permissions_markdown
from roles.models import Role
from roles.policy import ROLE_ACTIONS, TOKEN_SCOPE_ACTIONS, Action


def test_the_committed_permissions_doc_is_current():
    # When this fails: run `python manage.py permissions_table` and commit docs/permissions.md.
    out = StringIO()

    call_command("permissions_table", "--check", stdout=out)

    assert "is up to date" in out.getvalue()


def test_check_fails_and_writes_nothing_when_the_file_differs(tmp_path):
    stale = tmp_path / "permissions.md"
    stale.write_text("# Permissions\n\nstale\n", encoding="utf-8")

    with pytest.raises(CommandError, match="out of date"):
        call_command("permissions_table", "--check", "--path", str(stale), stdout=StringIO())

    assert stale.read_text(encoding="utf-8") == "# Permissions\n\nstale\n"


def test_check_fails_when_the_file_is_missing(tmp_path):
    with pytest.raises(CommandError, match="out of date"):
        call_command(
            "permissions_table", "--check", "--path", str(tmp_path / "none.md"), stdout=StringIO()
        )


def test_writing_then_checking_passes(tmp_path):
    target = tmp_path / "docs" / "permissions.md"

    call_command("permissions_table", "--path", str(target), stdout=StringIO())
    call_command("permissions_table", "--check", "--path", str(target), stdout=StringIO())

    assert target.read_text(encoding="utf-8") == permissions_markdown()


def test_every_role_row_marks_exactly_the_actions_it_grants():
    lines = permissions_markdown().splitlines()
    actions = list(Action)

    for role in Role:
        row = next(line for line in lines if f"(`{role.value}`)" in line)
        marks = [cell.strip() for cell in row.strip("|").split("|")][2:]
        assert marks == ["✓" if a in ROLE_ACTIONS[role] else "—" for a in actions], role


def test_token_scope_rows_match_the_policy_and_grant_no_human_decision():
    lines = permissions_markdown().splitlines()
    human_decisions = {
        Action.APPROVE_PRIORITIES,
        Action.SIGN_OFF_REVIEWS,
        Action.MANAGE_TEAM,
        Action.MANAGE_API_TOKENS,
        Action.CONFIGURE_BACKLOG,
    }

    for scope in ApiToken.Scope:
        row = next(line for line in lines if f"(`{scope.value}`)" in line)
        marks = [cell.strip() for cell in row.strip("|").split("|")][1:]
        granted = {action for action, mark in zip(Action, marks, strict=True) if mark == "✓"}
        assert granted == TOKEN_SCOPE_ACTIONS[scope]
        assert not granted & human_decisions
    assert default_path().name == "permissions.md"
