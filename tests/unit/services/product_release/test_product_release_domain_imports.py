"""STYLE 2: product-release's domain imports only the standard library, ``contracts``
and its own modules (no numpy, duckdb, OpenDP or framework)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[4] / "services" / "product_release" / "domain"


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_EXP_2_the_product_release_domain_is_pure() -> None:
    files = sorted(DOMAIN.glob("*.py"))
    assert len(files) > 5
    for path in files:
        for name in imported(path):
            top = name.split(".")[0]
            allowed = (
                top in sys.stdlib_module_names
                or top == "__future__"
                or top == "contracts"
                or name.startswith("services.product_release.domain")
            )
            assert allowed, f"{path.name} imports {name}"
