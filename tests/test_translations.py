"""The translations in locale/ are whole and in step with the code.

Each catalogue must translate every message, leave nothing fuzzy, keep each message's
placeholders (``%(name)s``, ``%s``, ``{name}``) and HTML tags exactly, and hold exactly the
messages ``makemessages`` finds in the code today: a string added, changed or removed in the
code without running ``makemessages`` fails here (docs/languages.md says how to)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CATALOGUES = sorted((ROOT / "locale").glob("*/LC_MESSAGES/django.po"))
# The folders whose strings people read, and the makemessages run that gathers them
# (docs/languages.md gives the same command).
SOURCES = ["config", "planner", "programs", "reminders", "web", "locale"]
MAKEMESSAGES = [
    "makemessages",
    "--all",
    "--add-location",
    "file",
    *("--ignore", ".venv/*", "--ignore", "node_modules/*", "--ignore", "tests/*"),
    *("--ignore", "bench/*", "--ignore", "var/*", "--ignore", ".tools/*"),
]

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]|\{\w*\}|</?[a-z][^>]*>")


def placeholders(text: str) -> Counter[str]:
    return Counter(match.group(0) for match in PLACEHOLDER.finditer(text))


def entries(catalogue: Path) -> list[polib.POEntry]:
    return [entry for entry in polib.pofile(str(catalogue)) if not entry.obsolete]


def test_there_is_a_spanish_catalogue() -> None:
    assert [path.parent.parent.name for path in CATALOGUES] == ["es"]


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: path.parent.parent.name)
def test_every_message_is_translated_and_none_is_fuzzy(catalogue: Path) -> None:
    po = polib.pofile(str(catalogue))

    assert [entry.msgid for entry in po.untranslated_entries()] == []
    assert [entry.msgid for entry in po.fuzzy_entries()] == []


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: path.parent.parent.name)
def test_each_translation_keeps_the_placeholders_and_tags_of_its_source(catalogue: Path) -> None:
    wrong = []
    for entry in entries(catalogue):
        if entry.msgid_plural:
            pairs = [
                (entry.msgid if index == 0 else entry.msgid_plural, text)
                for index, text in sorted(entry.msgstr_plural.items())
            ]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, text in pairs:
            # A singular form may say "one" in words where the English says %(count)s.
            expected, found = placeholders(source), placeholders(text)
            if entry.msgid_plural and source == entry.msgid:
                expected.pop("%(count)s", None)
                found.pop("%(count)s", None)
            if expected != found:
                wrong.append((source, text))
    assert wrong == []


def test_the_placeholder_check_sees_a_lost_or_renamed_placeholder() -> None:
    assert placeholders("Save what %(name)s did") != placeholders("Guarda lo que hizo")
    assert placeholders("<strong>%(n)s</strong>") != placeholders("<b>%(m)s</b>")
    assert placeholders("Hola %(name)s") == placeholders("%(name)s, hola")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext (make installs it)")
def test_the_catalogue_holds_exactly_what_the_code_marks(tmp_path: Path) -> None:
    """makemessages, run on a copy of the code and its catalogues, would add or drop nothing:
    every marked string is in the catalogue and every message in it is still used."""
    copy = tmp_path / "gradus"
    skip = shutil.ignore_patterns("__pycache__", "*.mo")
    for name in SOURCES:
        shutil.copytree(ROOT / name, copy / name, ignore=skip)
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    for catalogue in CATALOGUES:
        language = catalogue.parent.parent.name
        fresh = polib.pofile(str(copy / "locale" / language / "LC_MESSAGES" / "django.po"))
        kept = {entry.msgid for entry in entries(catalogue)}
        now = {entry.msgid for entry in fresh if not entry.obsolete}
        assert sorted(now - kept) == [], "marked in the code, missing from the catalogue"
        assert sorted(kept - now) == [], "in the catalogue, no longer in the code"
