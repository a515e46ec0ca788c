"""Evaluation's domain is pure: it imports only the standard library, ``contracts`` and
its own modules (STYLE §2), and every module of the service opens with a docstring."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[4] / "services" / "evaluation" / "domain"
ALLOWED_PREFIXES = ("contracts", "services.evaluation.domain")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_evaluation_domain_imports_only_the_standard_library_contracts_and_itself() -> None:
    modules = sorted(DOMAIN.glob("*.py"))
    assert len(modules) >= 8
    offending = [
        f"{module.name}: {name}"
        for module in modules
        for name in imported_modules(module)
        if name.split(".")[0] not in sys.stdlib_module_names
        and name.split(".")[0] != "__future__"
        and not name.startswith(ALLOWED_PREFIXES)
    ]
    assert offending == []


def test_every_evaluation_module_opens_with_a_docstring() -> None:
    root = DOMAIN.parent
    missing = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None
    ]
    assert missing == []
