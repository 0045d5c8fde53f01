"""The Simplified Chinese catalogue (locale/zh_Hans) is complete, compiled and used.

When a test here fails because a string is new or changed, run ``./locale/build.sh`` (what
``make messages`` calls), translate every entry it lists in locale/zh_Hans/LC_MESSAGES/django.po
(and remove their ``#, fuzzy`` flags), then run it again to compile django.mo.

It also holds the catalogue to locale/GLOSSARY.md (one Chinese term per concept) and reads the
demo's pages in Chinese for what must never show there: the English of shipped data (processes,
stages, requirements), codes in timelines and the audit trail, amounts not grouped.

Tests that need GNU gettext (msgfmt, xgettext, …) skip with a reason when it is missing, and fail
in CI (CI=true), which installs it. The others read the .po and .mo files with Python alone.
"""

import ast
import gettext
import html.parser
import io
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


# --- (e) one Chinese term per concept: locale/GLOSSARY.md --------------------------------------

GLOSSARY = LOCALE_DIR / "GLOSSARY.md"


@dataclass
class Term:
    concept: str
    english: re.Pattern
    chinese: str
    avoid: list[re.Pattern]


def read_glossary(path: Path = GLOSSARY) -> list[Term]:
    """The rows of the glossary's table: | Concept | English | 中文 | Not |."""
    terms = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith("| Concept"):
            continue
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        concept, english, chinese, avoid = cells
        terms.append(
            Term(
                concept=concept,
                english=re.compile(english.strip("`")),
                chinese=chinese,
                avoid=[re.compile(a.strip().strip("`")) for a in avoid.split(";") if a.strip()],
            )
        )
    return terms


def glossary_violations(entries: list[Entry], terms: list[Term]) -> list[str]:
    wrong = []
    for term in terms:
        for entry in entries:
            english = f"{entry.msgctxt} {entry.msgid}" if entry.msgctxt else entry.msgid
            if not entry.msgid or not term.english.search(english):
                continue
            for text in entry.msgstr.values():
                for avoid in term.avoid:
                    if avoid.search(text):
                        wrong.append(
                            f"{term.concept} is {term.chinese}, not {avoid.pattern}: {entry}: {text!r}"
                        )
    return wrong


def test_the_glossary_is_read_and_each_row_names_strings_of_the_catalogue():
    terms = read_glossary()
    assert len(terms) >= 15, "locale/GLOSSARY.md's table was not read"
    entries = read_po(CATALOGUE)
    unused = [
        t.concept for t in terms if not any(e.msgid and t.english.search(e.msgid) for e in entries)
    ]
    assert not unused, f"glossary rows whose English matches no msgid (a typo?): {unused}"


def test_the_catalogue_uses_one_chinese_term_per_concept():
    wrong = glossary_violations(read_po(CATALOGUE), read_glossary())
    assert not wrong, (
        "translations that use another word than locale/GLOSSARY.md's term:\n  "
        + "\n  ".join(wrong)
    )


def test_the_glossary_check_finds_a_second_name_for_a_concept(tmp_path):
    """The check itself: an entry that says 被收回 for "Taken back" is a violation."""
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Taken back"\nmsgstr "被收回"\n\n'
        'msgid "Name"\nmsgstr "姓名"\n\n'
        'msgctxt "person"\nmsgid "Name"\nmsgstr "姓名"\n',
        encoding="utf-8",
    )
    wrong = glossary_violations(read_po(po), read_glossary())
    assert len(wrong) == 2 and "Taken back" in wrong[0] and "'Name'" in wrong[1], wrong


# --- (f) no English shipped data and no codes in the Chinese pages ------------------------------

TIMELINE_CODE = re.compile(r"\b[a-z][a-z_]+ → [a-z][a-z_]+\b|∅ →")
AUDIT_CODE = re.compile(r"\b[a-z]+\.[A-Z][A-Za-z]+ #\d+")
RAW_AMOUNT = re.compile(r"(?<![\d,.])\d{5,}\.\d{2}\b")


class VisibleText(html.parser.HTMLParser):
    """The text a reader sees: no tags, attributes, scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(page: str) -> str:
    parser = VisibleText()
    parser.feed(page)
    return "\n".join(parser.parts)


def shipped_english() -> set[str]:
    """What LTC ships in English beside its Chinese: the processes' names, the stages' and the
    requirements' English (the defaults and whatever the seed added)."""
    from opportunities.defaults import DEFAULT_PROCESS, PARTNER_PROCESS
    from opportunities.models import Stage, StageRequirement

    texts = {spec["name"] for spec in (DEFAULT_PROCESS, PARTNER_PROCESS)}
    texts |= set(Stage.objects.values_list("name_en", flat=True))
    texts |= set(StageRequirement.objects.exclude(label_en="").values_list("label_en", flat=True))
    return {text for text in texts if re.search("[A-Za-z]{3}", text)}


@pytest.fixture(scope="module")
def demo(module_db):
    from django.test import override_settings

    with (
        module_db.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        call_command("seed_demo", stdout=io.StringIO())


def _pages(role: str) -> list[str]:
    """The pages a user of ``role`` reads most, with the demo's records that carry a history."""
    from billing.models import Invoice
    from complaints.models import Complaint
    from contracts.models import Contract
    from delivery.models import Order
    from leads.models import Lead
    from opportunities.models import Opportunity

    if role == "finance":
        return [
            "/audit/",
            *(
                f"/billing/invoices/{pk}/"
                for pk in Invoice.objects.values_list("pk", flat=True)[:3]
            ),
        ]
    first = {
        "/leads/": Lead.objects.filter(state="assigned"),
        "/opportunities/": Opportunity.objects.all(),
        "/contracts/": Contract.objects.all(),
        "/delivery/orders/": Order.objects.all(),
        "/complaints/": Complaint.objects.all(),
    }
    pages = ["/", "/opportunities/board/", "/dashboards/", "/dashboards/mine/"]
    for prefix, rows in first.items():
        pages += [f"{prefix}{pk}/" for pk in rows.order_by("pk").values_list("pk", flat=True)[:3]]
    return pages


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["manager", "finance"])
def test_chinese_pages_show_no_english_shipped_data_and_no_codes(demo, client, settings, role):
    from ltc.org.models import User

    english = shipped_english()
    assert "Project sales (A–D)" in english and "Verify the opportunity" in english
    client.force_login(User.objects.get(username=role))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    problems, read = [], 0
    for url in _pages(role):
        response = client.get(url)
        if response.status_code != 200:  # a record this role does not see
            continue
        read += 1
        text = visible_text(response.content.decode())
        problems += [f"{url}: English shipped data {s!r}" for s in english if s in text]
        problems += [f"{url}: a code {m!r}" for m in TIMELINE_CODE.findall(text)]
        problems += [f"{url}: a record as a code {m!r}" for m in AUDIT_CODE.findall(text)]
        problems += [f"{url}: an amount not grouped {m!r}" for m in RAW_AMOUNT.findall(text)]
    assert read >= 4, "the demo's pages were not read"
    assert not problems, "\n  ".join(["the Chinese pages show:", *problems])


def test_shipped_data_uses_the_glossary_terms_too():
    """The default processes' stages and requirements carry their Chinese as data: the same
    terms as the catalogue."""
    from opportunities.defaults import DEFAULT_PROCESS, PARTNER_PROCESS

    entries = []
    for spec in (DEFAULT_PROCESS, PARTNER_PROCESS):
        for _order, _code, english, chinese, *_rest, requirements in spec["stages"]:
            entries.append(Entry(msgid=english, msgstr={0: chinese}))
            entries += [
                Entry(msgid=label_en, msgstr={0: label_zh})
                for _kind, _code, label_en, label_zh, *_ in requirements
                if label_en
            ]
    assert len(entries) > 10
    wrong = glossary_violations(entries, read_glossary())
    assert not wrong, "shipped data that uses another word than the glossary's:\n  " + "\n  ".join(
        wrong
    )
