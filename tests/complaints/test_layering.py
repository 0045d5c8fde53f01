"""Complaints sit downstream of delivery: they import customers, contracts and delivery, and no
app imports them but the ones that read every app (the dashboards, the demo seed)."""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
READERS_OF_EVERY_APP = {ROOT / "dashboards", ROOT / "ltc" / "demo"}
SKIPPED = {ROOT / "complaints", ROOT / "tests", ROOT / ".venv", ROOT / "var"}


def _imports(source: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.append(node.module or "")
    return names


def test_no_upstream_app_imports_complaints():
    offenders = []
    for source in ROOT.rglob("*.py"):
        parents = set(source.parents)
        if parents & (SKIPPED | READERS_OF_EVERY_APP):
            continue
        offenders += [
            (str(source.relative_to(ROOT)), name)
            for name in _imports(source)
            if name.split(".")[0] == "complaints"
        ]
    assert not offenders
