"""Money in billing is integer fen or Decimal, never float (BIL rules).
(Domain purity and docstrings of every service: ``tests/unit/test_import_directions.py``.)"""

from __future__ import annotations

import ast
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[4] / "services" / "billing"


MONEY_MODULES = (
    *sorted((SERVICE / "domain").glob("*.py")),
    *sorted((SERVICE / "api").glob("*.py")),
    SERVICE / "commands" / "billing.py",
    SERVICE / "commands" / "upstream.py",
    *sorted((SERVICE / "handlers").glob("*.py")),
    SERVICE / "repository.py",
)


def test_no_float_in_billing_money() -> None:
    """Money is integer fen or Decimal, never float: no module that prices, stores or
    shows money names ``float`` or holds a float literal."""
    floats = [
        f"{path.relative_to(SERVICE)}:{node.lineno}"
        for path in MONEY_MODULES
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if (isinstance(node, ast.Name) and node.id == "float")
        or (isinstance(node, ast.Constant) and isinstance(node.value, float))
    ]
    assert floats == []
