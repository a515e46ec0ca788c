"""The shape of sandbox-broker: only ``adapters/`` imports DuckDB; the service layer
(``commands/``) and the API reach the data only through the ``JobExecutor`` port, never
an adapter; one ``handlers/on_<topic>`` module per subscribed topic; no ``assert`` in
production code."""

from __future__ import annotations

import ast
from pathlib import Path

from contracts.topics import topic_for

PACKAGE = Path(__file__).resolve().parents[4] / "services" / "sandbox_broker"


def _modules() -> dict[Path, ast.Module]:
    return {
        path.relative_to(PACKAGE): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def _imports(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_only_adapters_import_duckdb() -> None:
    modules = _modules()
    assert any(p.parts[0] == "adapters" for p in modules), "the walk found the package"
    offenders = [
        str(path)
        for path, tree in modules.items()
        if path.parts[0] != "adapters"
        and any(name == "duckdb" or name.startswith("duckdb.") for name in _imports(tree))
    ]
    assert offenders == []


def test_the_service_layer_and_the_api_reach_no_adapter() -> None:
    offenders = [
        f"{path}: {name}"
        for path, tree in _modules().items()
        if path.parts[0] in ("commands", "api", "domain", "handlers")
        for name in _imports(tree)
        if name.startswith("services.sandbox_broker.adapters")
    ]
    assert offenders == []


def _event_types(path: Path) -> list[str]:
    """The event types a handler module subscribes to: the string keys of its table."""
    return [
        t.value
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Dict | ast.Tuple)
        for t in (node.keys if isinstance(node, ast.Dict) else node.elts)
        if isinstance(t, ast.Constant) and isinstance(t.value, str) and "." in t.value
    ]


def test_one_handler_module_per_subscribed_topic() -> None:
    files = sorted((PACKAGE / "handlers").glob("on_*.py"))
    assert [f.stem for f in files] == [
        "on_catalog_resources",
        "on_identity_agreements",
        "on_product_exports",
        "on_product_products",
        "on_request_grants",
    ]
    for path in files:
        types = _event_types(path)
        assert types, path.stem
        for event_type in types:
            spec = topic_for(event_type)
            assert path.stem == f"on_{spec.segment}_{spec.stream}", (path.stem, event_type)


def test_no_assert_in_production_code() -> None:
    offenders = [
        f"{path}:{node.lineno}"
        for path, tree in _modules().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Assert)
    ]
    assert offenders == []
