"""Trading-bridge's domain is pure: only the standard library, ``contracts`` and its own
modules (STYLE §2); every module of the service opens with a docstring (STYLE §9)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[4] / "services" / "trading_bridge"
ALLOWED_PREFIXES = ("contracts", "services.trading_bridge.domain")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_trading_bridge_domain_imports_only_the_standard_library_contracts_and_itself() -> None:
    modules = sorted((SERVICE / "domain").glob("*.py"))
    assert len(modules) >= 4
    offending = [
        f"{module.name}: {name}"
        for module in modules
        for name in imported_modules(module)
        if name.split(".")[0] not in sys.stdlib_module_names
        and name != "__future__"
        and not name.startswith(ALLOWED_PREFIXES)
    ]
    assert offending == []


def test_every_trading_bridge_module_opens_with_a_docstring() -> None:
    missing = [
        str(path.relative_to(SERVICE))
        for path in SERVICE.rglob("*.py")
        if ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None
    ]
    assert missing == []


def test_TRD_1_no_route_but_the_exchange_door_creates_a_trade() -> None:
    """Only ``commands.execute_trade`` writes a trade, and only the exchange's route calls it."""
    writers = [
        str(path.relative_to(SERVICE))
        for path in SERVICE.rglob("*.py")
        if "execute_trade(" in path.read_text(encoding="utf-8")
    ]
    assert sorted(writers) == ["api/exchange.py", "commands.py"]
