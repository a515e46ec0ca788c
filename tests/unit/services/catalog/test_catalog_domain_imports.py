"""The catalog's domain is pure: it imports only the standard library, ``contracts`` and
its own modules — never a framework, a driver or another layer (STYLE §2)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[4] / "services" / "catalog" / "domain"
ALLOWED_PREFIXES = ("contracts", "services.catalog.domain")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_catalog_domain_imports_only_the_standard_library_contracts_and_itself() -> None:
    modules = sorted(DOMAIN.glob("*.py"))
    assert len(modules) >= 7
    offending = []
    for module in modules:
        for name in imported_modules(module):
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or top == "__future__":
                continue
            if name.startswith(ALLOWED_PREFIXES):
                continue
            offending.append(f"{module.name}: {name}")
    assert offending == []


def test_every_catalog_module_opens_with_a_docstring() -> None:
    root = DOMAIN.parent
    missing = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None
    ]
    assert missing == []
