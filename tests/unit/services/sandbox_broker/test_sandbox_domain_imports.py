"""The domain of sandbox-broker imports only the standard library, ``contracts`` and its
own modules (STYLE 2): no duckdb, no framework, no other service."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[4] / "services" / "sandbox_broker" / "domain"
ALLOWED_PREFIXES = ("contracts", "services.sandbox_broker.domain")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_SBX_1_the_domain_is_pure() -> None:
    files = sorted(DOMAIN.glob("*.py"))
    assert len(files) >= 8
    for path in files:
        for name in _imports(path):
            top = name.split(".")[0]
            assert (
                top in sys.stdlib_module_names
                or name == "__future__"
                or name.startswith(ALLOWED_PREFIXES)
            ), f"{path.name} imports {name}"
