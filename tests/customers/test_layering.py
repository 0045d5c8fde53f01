"""The ground apps stay below the chain: customers and attachments import no chain app (the
customer page's chain sections are registered by the dashboards, which read every app)."""

import ast
from pathlib import Path

import pytest

import ltc.attachments
import ltc.customers

CHAIN_APPS = {"leads", "opportunities", "contracts", "delivery", "billing"}


@pytest.mark.parametrize("package", [ltc.customers, ltc.attachments])
def test_the_ground_app_imports_no_chain_app(package):
    root = Path(package.__file__).parent
    offenders = []
    for source in root.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            offenders += [
                (source.name, n)
                for n in names
                if n.split(".")[0] in CHAIN_APPS or n.startswith("dashboards")
            ]
    assert not offenders
