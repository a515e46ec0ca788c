"""billing's domain is pure: it imports only the standard library, ``contracts`` and its
own modules (STYLE §2); every billing module opens with a docstring."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[4] / "services" / "billing"
ALLOWED_PREFIXES = ("contracts", "services.billing.domain")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_billing_domain_imports_only_the_standard_library_contracts_and_itself() -> None:
    modules = sorted((SERVICE / "domain").glob("*.py"))
    assert len(modules) >= 6
    offending = [
        f"{module.name}: {name}"
        for module in modules
        for name in imported_modules(module)
        if name.split(".")[0] not in sys.stdlib_module_names
        and name != "__future__"
        and not name.startswith(ALLOWED_PREFIXES)
    ]
    assert offending == []


def test_every_billing_module_opens_with_a_docstring() -> None:
    missing = [
        str(path.relative_to(SERVICE))
        for path in SERVICE.rglob("*.py")
        if ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None
    ]
    assert missing == []


MONEY_MODULES = (
    *sorted((SERVICE / "domain").glob("*.py")),
    *sorted((SERVICE / "api").glob("*.py")),
    SERVICE / "commands.py",
    SERVICE / "projections.py",
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
