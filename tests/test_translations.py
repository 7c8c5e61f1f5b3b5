"""Every page and email exists in French: the catalog is complete, current and not fuzzy."""

import shutil
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po
from django.conf import settings

CATALOG = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
SOURCE_DIRS = ("collab", "roles", "backlog", "roadmap", "templates")


def _read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle, locale="fr")


def _ids(catalog) -> set:
    return {message.id for message in catalog if message.id}


def test_every_french_entry_is_translated_and_none_is_fuzzy():
    catalog = _read(CATALOG)
    untranslated = [
        m.id
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]

    assert untranslated == []
    assert fuzzy == []


def test_the_french_catalog_holds_every_string_of_the_code(tmp_path):
    assert shutil.which("xgettext"), "makemessages needs GNU gettext: apt-get install gettext"
    for name in SOURCE_DIRS:
        shutil.copytree(Path(settings.BASE_DIR) / name, tmp_path / name)
    shutil.copy(Path(settings.BASE_DIR) / "manage.py", tmp_path)
    (tmp_path / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-location", "-v", "0"],
        cwd=tmp_path,
        check=True,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin", "TANDEM_RUN_DIR": str(tmp_path / ".run")},
    )

    missing = _ids(_read(tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po")) - _ids(
        _read(CATALOG)
    )

    assert sorted(missing, key=str) == [], "run: make messages, then translate the new entries"


def test_the_french_catalog_defines_each_message_once():
    # A merge can leave one message twice (wrapped differently): gettext's tools then refuse the
    # whole catalog ("duplicate message definition"), so `make messages` stops working.
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt is part of GNU gettext: apt-get install gettext"
    checked = subprocess.run(  # noqa: S603 - GNU gettext on our own catalog
        [msgfmt, "--check-format", "-o", "/dev/null", str(CATALOG)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert checked.returncode == 0, checked.stderr
