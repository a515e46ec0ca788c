"""Every service's domain is pure: it imports only the standard library, ``contracts``
and its own domain modules (STYLE: ports and adapters), and every module of every
service opens with a docstring saying what it is for."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from contracts.topics import SERVICES

ROOT = Path(__file__).resolve().parents[2] / "services"


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("service", SERVICES)
def test_a_services_domain_imports_only_the_standard_library_contracts_and_itself(
    service: str,
) -> None:
    allowed = ("contracts", f"services.{service}.domain")
    offending = [
        f"{module.name}: {name}"
        for module in sorted((ROOT / service / "domain").glob("*.py"))
        for name in imported_modules(module)
        if name.split(".")[0] not in sys.stdlib_module_names
        and name != "__future__"
        and not name.startswith(allowed)
    ]
    assert offending == []


@pytest.mark.parametrize("service", SERVICES)
def test_every_module_of_a_service_opens_with_a_docstring(service: str) -> None:
    missing = [
        str(path.relative_to(ROOT))
        for path in (ROOT / service).rglob("*.py")
        if ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None
    ]
    assert missing == []
