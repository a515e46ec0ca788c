"""STYLE 2: disclosure's domain imports only the standard library, ``contracts`` and its own
modules, and every disclosure module opens with a docstring (STYLE 9)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[4] / "services" / "disclosure"


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_DIS_3_the_disclosure_domain_is_pure() -> None:
    files = sorted((SERVICE / "domain").glob("*.py"))
    assert len(files) >= 4
    offending = [
        f"{path.name} imports {name}"
        for path in files
        for name in imported(path)
        if not (
            name.split(".")[0] in sys.stdlib_module_names
            or name == "__future__"
            or name.split(".")[0] == "contracts"
            or name.startswith("services.disclosure.domain")
        )
    ]
    assert offending == []


def test_every_disclosure_module_opens_with_a_docstring() -> None:
    missing = [
        str(path.relative_to(SERVICE))
        for path in SERVICE.rglob("*.py")
        if ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None
    ]
    assert missing == []
