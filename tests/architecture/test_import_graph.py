"""The house's floors, enforced: every import in the product's code points down or sideways.

- The ground (``GROUND``): what every link of the chain stands on. It imports no chain app, no
  reader of the whole chain and no tooling.
- The chain (``CHAIN``), one app per link, in the order of the sale: an app imports only the
  ground and the links before it. Where an upstream link needs a downstream fact, the downstream
  app registers it (docs/architecture.md lists the registries).
- The top floor (``TOP``): the readers of the whole chain (the dashboards and their figures).
  They may import anything but the tooling, and nothing below imports them.
- The tooling (``TOOLING``: the demo data, the benchmark): may import everything; production
  code never imports it.

Imports inside functions count too: a lazy import is still a dependency. The graph is read from
the source (``ast``), so a module need not be importable for the test to judge it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

GROUND = [
    "ltc.core",
    "ltc.formats",
    "ltc.org",
    "ltc.security",
    "ltc.audit",
    "ltc.idempotency",
    "ltc.customers",
    "ltc.activity",
    "ltc.attachments",
    "ltc.search",
    "ltc.ops",
    # The integrations are ground, not a reader of the chain: the outbox every link writes its
    # events into (``emit``), the webhooks that send them and the integration tokens. They
    # import no chain app; each link hands them a payload it builds itself.
    "ltc.integrations",
]
# In the order of the sale; each may import the ones before it.
CHAIN = [
    "leads",
    "opportunities",
    "partners",
    "tenders",
    "products",
    "contracts",
    "delivery",
    "billing",
    "complaints",
]
TOP = ["dashboards"]
TOOLING = ["ltc.demo", "ltc.bench"]
# The project's wiring: settings, URLs, the Celery app. They mount every floor.
WIRING = {"ltc", "ltc.settings", "ltc.urls", "ltc.api_urls", "ltc.celery", "ltc.wsgi"}


def package_of(module: str) -> str | None:
    """The floor package a dotted module belongs to, or None for third-party code."""
    for package in (*GROUND, *CHAIN, *TOP, *TOOLING):
        if module == package or module.startswith(package + "."):
            return package
    return None


def rank(package: str) -> tuple[int, int]:
    """(floor, position): the ground is 0, the chain 1 (by link), the top 2, the tooling 3."""
    if package in GROUND:
        return (0, 0)
    if package in CHAIN:
        return (1, CHAIN.index(package))
    if package in TOP:
        return (2, 0)
    return (3, 0)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # ``from ltc import dashboards`` imports a package by name.
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return found


def product_files() -> list[Path]:
    files = []
    for package in (*GROUND, *CHAIN, *TOP, *TOOLING):
        folder = ROOT.joinpath(*package.split("."))
        files += [p for p in folder.rglob("*.py") if "migrations" not in p.parts]
    return sorted(files)


def violation(source: str, target: str) -> str | None:
    """Why ``source`` (a floor package) may not import ``target``, or None when it may."""
    if source == target:
        return None
    source_rank, target_rank = rank(source), rank(target)
    if target in TOOLING and source not in TOOLING:
        return "production code imports the tooling"
    if source in TOOLING:
        return None
    if source_rank[0] == 0 and target_rank[0] > 0:
        return "the ground imports a floor above it"
    if source_rank[0] == 1 and target_rank[0] == 1 and target_rank[1] > source_rank[1]:
        return "a chain app imports a link downstream of it"
    if source_rank[0] == 1 and target_rank[0] == 2:
        return "a chain app imports a reader of the whole chain"
    return None


def downstream_imports() -> list[str]:
    problems = []
    for path in product_files():
        source = package_of(module_name(path))
        for line, target_module in imports_of(path):
            target = package_of(target_module)
            if target is None:
                continue
            why = violation(source, target)
            if why:
                where = path.relative_to(ROOT)
                problems.append(f"{where}:{line} imports {target_module}: {why}")
    return sorted(set(problems))


def test_every_import_points_down_or_sideways():
    problems = downstream_imports()
    assert not problems, "\n".join(problems)


def test_every_app_is_placed_on_a_floor():
    from django.conf import settings

    ours = [app for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()]
    unplaced = [app for app in ours if package_of(app) is None]
    assert not unplaced, f"put these apps on a floor in {__name__}: {unplaced}"


@pytest.mark.parametrize(
    "source, target, expected",
    [
        ("leads", "opportunities", "a chain app imports a link downstream of it"),
        ("opportunities", "leads", None),
        ("ltc.customers", "leads", "the ground imports a floor above it"),
        ("billing", "dashboards", "a chain app imports a reader of the whole chain"),
        ("dashboards", "billing", None),
        ("dashboards", "ltc.demo", "production code imports the tooling"),
        ("ltc.demo", "billing", None),
    ],
)
def test_the_rule_itself(source, target, expected):
    assert violation(source, target) == expected


def test_production_settings_leave_the_tooling_out(tmp_path):
    from tests.ops.helpers import python_with_settings

    code = "from django.conf import settings; print(sorted(set(settings.TOOLING_APPS) & set(settings.INSTALLED_APPS)))"
    production = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "ltc.example",
    }
    assert python_with_settings(code, tmp_path, drop=("LTC_TOOLING",), **production) == "[]"
    asked = python_with_settings(code, tmp_path, **production, LTC_TOOLING="1")
    assert asked == "['ltc.bench', 'ltc.demo']"
    assert python_with_settings(code, tmp_path, drop=("DJANGO_ENV", "LTC_TOOLING")) == (
        "['ltc.bench', 'ltc.demo']"
    )
