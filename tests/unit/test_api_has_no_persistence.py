"""No persistence in ``api/``: a controller calls the service layer (``commands/``) and
turns what it returns into a view; it never reaches the document store itself (no
``.store`` of the service context, no store adapter or port but the ``Document`` type,
no ``find``/``count``/``insert``/``replace`` call on a store)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVICES = sorted(
    p.name for p in (REPO / "services").iterdir() if (p / "api").is_dir() and p.name != "console"
)

NOT_YET_CONVERTED: frozenset[str] = frozenset({"services/identity/api/authorizations.py"})
"""``api/`` modules that still reach the store (the exact set, so a converted module
leaves it at once): identity's authorization views read the emergency plan's version
through ``ctx.store``."""


def reaches_the_store(source: str) -> list[str]:
    """What in ``source`` touches the store: ``<x>.store``, importing ``libs.store`` (but
    the ``Document`` type) or a store adapter."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr == "store":
            found.append(f"line {node.lineno}: .store")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("libs.store"):
            names = {a.name for a in node.names} - {"Document"}
            if names:
                found.append(f"line {node.lineno}: from {node.module} import {sorted(names)}")
        elif isinstance(node, ast.Import) and any(
            a.name.startswith("libs.store") for a in node.names
        ):
            found.append(f"line {node.lineno}: import libs.store")
    return found


def offenders() -> set[str]:
    return {
        path.relative_to(REPO).as_posix()
        for service in SERVICES
        for path in sorted((REPO / "services" / service / "api").rglob("*.py"))
        if reaches_the_store(path.read_text(encoding="utf-8"))
    }


def test_no_api_module_reaches_the_store() -> None:
    assert offenders() - NOT_YET_CONVERTED == set()


def test_the_exceptions_are_exactly_what_still_reaches_the_store() -> None:
    assert NOT_YET_CONVERTED - offenders() == set()


@pytest.mark.parametrize(
    "source",
    [
        "async def f(ctx):\n    return await ctx.store.find('jobs')\n",
        "from libs.store.port import DocumentStore\n",
        "import libs.store.sqlite\n",
    ],
)
def test_the_check_sees_persistence_in_a_controller(source: str) -> None:
    assert reaches_the_store(source)


def test_the_check_allows_the_document_type_and_the_service_layer() -> None:
    assert not reaches_the_store(
        "from libs.store.port import Document\n"
        "async def f(ctx):\n    return await commands.listing(ctx)\n"
    )
