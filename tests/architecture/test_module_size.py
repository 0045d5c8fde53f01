"""Modules a reader can hold in one sitting: no product module over 600 lines and no function
over 60 lines (docs/architecture.md: a room grown past 600 lines becomes a package of the same
name, one module per concept, re-exporting its names).

The product is every floor of ``test_import_graph`` but the tooling (``ltc/demo``, ``ltc/bench``:
not production code) and the migrations (generated). A function may stay longer when it says
why in its own body, with a comment starting ``Over 60 lines on purpose:``; the few that do not
(yet) are listed below, each with its reason. The lists only shrink: an entry that no longer
needs its place fails the test too, so it is removed with the fix.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .test_import_graph import CHAIN, GROUND, ROOT, TOOLING, TOP

MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60
SAYS_WHY = "Over 60 lines on purpose:"

# path -> why it stays over 600 lines.
LONG_MODULES = {
    "ltc/settings.py": "one settings module, everything read from the environment (STYLE.md); "
    "splitting it would hide which variable sets what",
}

# "path::function" -> why it stays over 60 lines.
LONG_FUNCTIONS = {
    "leads/api/serializers.py::represent_leads": "the lean list's hand-written serializer: one "
    "field after the other, compared byte for byte with LeadSerializer by its test; a hot path "
    "where a call per field costs",
    "leads/services/sweeps.py::recover_overdue_leads": "kept as it was (byte for byte but its "
    "sweeps_pg import) while the recovery sweep is batched on another branch (issue 20); the "
    "ORM form of the set-based sweep, each step one statement",
    "leads/workbench.py::lead_panels": "the lead panels of every role's workbench in their "
    "order on the page, a few lines each",
    "contracts/workbench.py::contract_panels": "the contract panels of every role's workbench "
    "in their order on the page, a few lines each",
    "delivery/services.py::accept_units": "one transaction on the units taken in lock order, "
    "checking every unit before accepting any",
    "billing/views.py::payment_create": "the GET/POST round trip of the payment form and its "
    "allocation formset, refusals kept beside the fields they name",
    "ltc/activity/outbox.py::queue_for_notifications": "the e-mails and the robot posts of a "
    "batch of notifications written in one pass of set-based queries",
    "ltc/customers/merge_views.py::merge": "the pick-a-side merge page: the GET preview and "
    "the POST merge share the same lookups",
    "ltc/customers/merging.py::merge_customers": "one transaction that moves every kind of "
    "record of one customer to the other, each kind a few lines",
    "dashboards/customer360.py::chain_sections": "the customer page's chain sections in "
    "their order on the page (leads, deals, contracts, orders, invoices), a few lines each",
    "dashboards/drilldown.py::records": "one branch per bar kind of the figures, each a "
    "line or two; a table of lambdas read worse",
    "dashboards/partner_figures.py::partners": "four grouped queries and the rows they "
    "fill, kept together so the figure reads as its definition",
    "dashboards/views.py::_charts": "the chart specs of every dashboard figure; issue 21 "
    "moves each into its figure's module",
}


def product_files() -> list[Path]:
    tooling = tuple(package.replace(".", "/") + "/" for package in TOOLING)
    packages = {package.split(".")[0] for package in (*GROUND, *CHAIN, *TOP)}
    files = []
    for package in sorted(packages):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "migrations" in path.parts or relative.startswith(tooling):
                continue
            files.append(path)
    return files


def long_functions(path: Path) -> dict[str, int]:
    """The functions over the limit that do not say why: name -> length."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            body = "\n".join(lines[node.lineno - 1 : node.end_lineno])
            if length > MAX_FUNCTION_LINES and SAYS_WHY not in body:
                found[node.name] = length
    return found


def test_no_product_module_is_over_600_lines():
    over = {}
    for path in product_files():
        relative = path.relative_to(ROOT).as_posix()
        length = len(path.read_text(encoding="utf-8").splitlines())
        if length > MAX_MODULE_LINES:
            over[relative] = length
    assert set(over) - set(LONG_MODULES) == set(), (
        f"split these by concept into packages (docs/architecture.md): {over}"
    )
    assert set(LONG_MODULES) - set(over) == set(), "no longer long: remove from LONG_MODULES"


def test_no_function_is_over_60_lines_without_saying_why():
    over = {}
    for path in product_files():
        relative = path.relative_to(ROOT).as_posix()
        for name, length in long_functions(path).items():
            over[f"{relative}::{name}"] = length
    unexplained = {key: length for key, length in over.items() if key not in LONG_FUNCTIONS}
    assert unexplained == {}, (
        f"shorten these, or say why in the body with '{SAYS_WHY}': {unexplained}"
    )
    assert set(LONG_FUNCTIONS) - set(over) == set(), "no longer long: remove from LONG_FUNCTIONS"


def test_the_check_sees_a_long_function_and_its_reason(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    (tmp_path / "long.py").write_text(f"def long():\n{body}\n")
    (tmp_path / "said.py").write_text(f"def said():\n    # {SAYS_WHY} a reason.\n{body}\n")
    assert long_functions(tmp_path / "long.py") == {"long": MAX_FUNCTION_LINES + 1}
    assert long_functions(tmp_path / "said.py") == {}
