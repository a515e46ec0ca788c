"""Identity's domain imports only the standard library, ``contracts`` and itself (STYLE 2):
no framework, driver or I/O library may creep into the rules."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[4] / "services" / "identity" / "domain"
ALLOWED_PREFIXES = ("contracts", "services.identity.domain")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_identity_domain_imports_only_stdlib_contracts_and_itself() -> None:
    files = sorted(DOMAIN.glob("*.py"))
    assert len(files) > 5
    offending = {
        f"{path.name}: {name}"
        for path in files
        for name in imported_modules(path)
        if name.split(".")[0] not in sys.stdlib_module_names
        and not name.startswith(ALLOWED_PREFIXES)
    }
    assert offending == set()
