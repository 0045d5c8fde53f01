"""The integrations app is cross-cutting: the chain calls into it, it imports no chain app."""

import ast
from pathlib import Path

import ltc.integrations

CHAIN_APPS = {"leads", "opportunities", "contracts", "delivery", "billing"}


def test_the_integrations_app_imports_no_chain_app():
    root = Path(ltc.integrations.__file__).parent
    offenders = []
    for source in root.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            offenders += [(source.name, n) for n in names if n.split(".")[0] in CHAIN_APPS]
    assert not offenders
