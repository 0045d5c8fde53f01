"""The Simplified Chinese catalogue (locale/zh_Hans) is complete, compiled and used.

When a test here fails because a string is new or changed, run ``./locale/build.sh`` (what
``make messages`` calls), translate every entry it lists in locale/zh_Hans/LC_MESSAGES/django.po
(and remove their ``#, fuzzy`` flags), then run it again to compile django.mo.

Tests that need GNU gettext (msgfmt, xgettext, …) skip with a reason when it is missing, and fail
in CI (CI=true), which installs it. The others read the .po and .mo files with Python alone.
"""

import ast
import gettext
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import django_filters
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import translation

IN_CI = os.environ.get("CI", "").lower() == "true"
ROOT = Path(django_settings.BASE_DIR)
LOCALE_DIR = ROOT / "locale"
CATALOGUE = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
DJANGO_FILTER_PO = LOCALE_DIR / "zh_Hans" / "django_filter.po"
UPSTREAM_DJANGO_FILTER_PO = (
    Path(django_filters.__file__).parent / "locale/zh_CN/LC_MESSAGES/django.po"
)
# What locale/build.sh passes to makemessages: nothing in these is ours to translate.
SOURCE_IGNORES = [".venv", "var", "tests", "node_modules", ".git", "staticfiles", "artifacts"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{\{\s*\w+\s*\}\}")


def require_gettext(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        reason = f"needs GNU gettext: {', '.join(missing)} not found (apt-get install gettext)"
        if IN_CI:
            pytest.fail(f"CI installs gettext, yet {reason}")
        pytest.skip(reason)


# --- a small .po reader, so that these tests need no third-party package -------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())

    @property
    def key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid

    def __str__(self) -> str:
        context = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"line {self.line}: {self.msgid!r}{context}"


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, the header (msgid "") first, without obsolete (#~) entries."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int | None] | None = None  # the field a continuation line extends
    flags: set[str] = set()

    def start(number: int) -> Entry:
        nonlocal entry, flags
        entry = Entry(flags=flags, line=number)
        flags = set()
        entries.append(entry)
        return entry

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            target = None if not line else target
            continue
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
            target = None
            continue
        if line.startswith("#"):
            target = None
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            keyword, rest = "", line
        text = ast.literal_eval(rest) if rest else ""
        if keyword == "msgctxt":
            current = start(number)
            current.msgctxt = text
            target = ("msgctxt", None)
        elif keyword == "msgid":
            if entry is None or target is None or target[0] != "msgctxt":
                current = start(number)
            entry.msgid = text
            target = ("msgid", None)
        elif keyword == "msgid_plural":
            entry.msgid_plural = text
            target = ("msgid_plural", None)
        elif keyword == "msgstr":
            entry.msgstr[0] = text
            target = ("msgstr", 0)
        elif keyword.startswith("msgstr["):
            index = int(keyword[7:-1])
            entry.msgstr[index] = text
            target = ("msgstr", index)
        elif keyword == "" and target is not None:
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += text
            else:
                setattr(entry, name, getattr(entry, name) + text)
        else:
            raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    return entries


def unfinished(entries: list[Entry]) -> list[str]:
    """The entries a translator still has to do: empty or fuzzy (the header excepted)."""
    problems = []
    for entry in entries:
        if entry.msgid == "" and entry.msgctxt is None:
            continue
        if not entry.translated:
            problems.append(f"untranslated {entry}")
        elif entry.fuzzy:
            problems.append(f"fuzzy {entry}")
    return problems


def expected_catalog(entries: list[Entry]) -> dict:
    """What msgfmt puts in a .mo for these entries, keyed like gettext.GNUTranslations._catalog."""
    catalog = {}
    for entry in entries:
        if entry.fuzzy and entry.msgid != "" or not entry.translated and entry.msgid != "":
            continue  # msgfmt leaves out fuzzy and untranslated entries
        if entry.msgid_plural is not None:
            for index, text in entry.msgstr.items():
                catalog[(entry.key, index)] = text
        else:
            catalog[entry.key] = entry.msgstr[0]
    if "" in catalog:  # msgfmt drops this header line
        catalog[""] = re.sub(r"(?m)^POT-Creation-Date:.*\n", "", catalog[""])
    return catalog


def read_mo(path: Path) -> dict:
    with path.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)


# --- (a) the catalogue is complete and well-formed -----------------------------------------------


def test_catalogue_has_no_untranslated_or_fuzzy_entry():
    entries = read_po(CATALOGUE)
    assert entries and entries[0].msgid == "", "the catalogue has no header"
    assert not entries[0].fuzzy, "the header is marked fuzzy; remove the flag"
    header = entries[0].msgstr[0]
    assert "Plural-Forms: nplurals=1; plural=0;" in header
    assert "charset=UTF-8" in header
    problems = unfinished(entries)
    assert not problems, (
        f"{len(problems)} entries of {CATALOGUE.relative_to(ROOT)} need a translation "
        "(translate them, drop the fuzzy flags, run ./locale/build.sh):\n  " + "\n  ".join(problems)
    )


def test_translations_keep_the_placeholders():
    wrong = []
    for entry in read_po(CATALOGUE):
        if not entry.msgid or not entry.translated:
            continue
        wanted = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in entry.msgstr.values():
            if sorted(PLACEHOLDER.findall(text)) != wanted:
                wrong.append(f"{entry}: {text!r}")
    assert not wrong, "translations that lose or add a placeholder:\n  " + "\n  ".join(wrong)


def test_msgfmt_accepts_the_catalogue(tmp_path):
    require_gettext("msgfmt")
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(tmp_path / "check.mo"), str(CATALOGUE)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "fuzzy" not in result.stderr and "untranslated" not in result.stderr, result.stderr


# --- (b) makemessages finds nothing new in our sources -------------------------------------------


def test_sources_have_no_string_missing_from_the_catalogue(tmp_path, settings, monkeypatch):
    """makemessages over a copy of the sources and of locale/ leaves no entry untranslated.

    makemessages writes into the locale/ directory it finds under the current directory, whatever
    LOCALE_PATHS says, so it runs in a copy of the project and never touches the real catalogue.
    """
    require_gettext("xgettext", "msgmerge", "msguniq", "msgattrib")
    project = tmp_path / "project"
    shutil.copytree(
        ROOT,
        project,
        symlinks=True,
        ignore=shutil.ignore_patterns(*SOURCE_IGNORES, "locale", "__pycache__", "*.sqlite3*"),
    )
    shutil.copytree(LOCALE_DIR, project / "locale")
    settings.LOCALE_PATHS = [project / "locale"]
    monkeypatch.chdir(project)

    call_command(
        "makemessages",
        locale=["zh_Hans"],
        ignore_patterns=SOURCE_IGNORES,
        no_obsolete=True,
        verbosity=0,
    )

    entries = read_po(project / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    assert len(entries) > 100, "makemessages found almost nothing: is the copy complete?"
    problems = unfinished(entries)
    assert not problems, (
        f"{len(problems)} strings of the sources are not translated in "
        f"{CATALOGUE.relative_to(ROOT)}; run ./locale/build.sh and translate them:\n  "
        + "\n  ".join(problems)
    )


# --- (c) the committed django.mo is compiled from the committed django.po ------------------------


def test_compiled_catalogue_matches_the_po():
    """Read with Python alone: works where gettext is not installed."""
    assert COMPILED.exists(), f"{COMPILED.relative_to(ROOT)} is missing: run ./locale/build.sh"
    expected = expected_catalog(read_po(CATALOGUE))
    actual = read_mo(COMPILED)
    stale = sorted(str(key) for key in expected.keys() ^ actual.keys())
    stale += sorted(
        str(key) for key in expected.keys() & actual.keys() if expected[key] != actual[key]
    )
    assert not stale, (
        "django.mo is out of date (run ./locale/build.sh); differing msgids:\n  "
        + "\n  ".join(stale[:50])
    )


def test_compiled_catalogue_is_what_msgfmt_makes(tmp_path):
    require_gettext("msgfmt")
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(CATALOGUE)], check=True)
    assert read_mo(COMPILED) == read_mo(fresh), "django.mo is out of date: run ./locale/build.sh"


# --- (d) Django uses the catalogue ---------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_speaks_the_requested_language(client):
    english = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200
    assert english.headers["Content-Language"] == "en"
    assert "Log in to LTC" in english.text
    assert "登录" not in english.text

    chinese = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 200
    assert chinese.headers["Content-Language"] == "zh-hans"
    assert "登录 LTC" in chinese.text
    assert "Log in" not in chinese.text


@pytest.mark.django_db
def test_chinese_is_the_default_language(client):
    response = client.get("/login/")
    assert response.headers["Content-Language"] == "zh-hans"
    assert "登录 LTC" in response.text


def test_django_filter_strings_are_translated():
    with translation.override("zh-hans"):
        assert translation.gettext("Past 7 days") == "最近 7 天"
        assert (
            translation.gettext("Multiple values may be separated by commas.")
            == "多个值可用逗号分隔。"
        )
    with translation.override("en"):
        assert translation.gettext("Past 7 days") == "Past 7 days"


def test_catalogue_carries_every_django_filter_string():
    """django_filter.po covers what django-filter translates, and build.sh merged all of it."""
    ours = {entry.key: entry for entry in read_po(DJANGO_FILTER_PO) if entry.msgid}
    assert not unfinished(list(ours.values())), unfinished(list(ours.values()))
    upstream = {entry.key for entry in read_po(UPSTREAM_DJANGO_FILTER_PO) if entry.msgid}
    missing = sorted(upstream - ours.keys())
    assert not missing, (
        f"django-filter has strings {DJANGO_FILTER_PO.relative_to(ROOT)} lacks: {missing}"
    )
    merged = {entry.key for entry in read_po(CATALOGUE)}
    missing = sorted(ours.keys() - merged)
    assert not missing, f"run ./locale/build.sh: the catalogue lacks django-filter's {missing}"
    with translation.override("zh-hans"):
        untranslated = [key for key in ours if translation.gettext(key) == key]
    assert not untranslated, f"django-filter strings shown in English under zh-hans: {untranslated}"


def test_every_catalogue_entry_is_used_under_zh_hans():
    """Django loads our catalogue for zh-hans, and it wins over Django's and the apps' own."""
    entries = [
        e for e in read_po(CATALOGUE) if e.msgid and e.msgctxt is None and e.msgid_plural is None
    ]
    with translation.override("zh-hans"):
        wrong = [
            f"{e}: {translation.gettext(e.msgid)!r}"
            for e in entries
            if translation.gettext(e.msgid) != e.msgstr[0]
        ]
    assert not wrong, "translations Django does not use (stale django.mo?):\n  " + "\n  ".join(
        wrong
    )
