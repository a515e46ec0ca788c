"""Arrows point one way and each mechanism is written once, over the whole tree.

``contracts`` ← ``libs`` ← ``services``: contracts imports neither, libs imports no
service, no service imports another, a ``domain/`` module imports only the standard
library, ``contracts`` and its own package. The aggregate write loop and ``_outbox`` live
only in ``libs.aggregate`` (and the relay and stores beneath it), state machines go
through the one ``contracts.machine.transition``, listings answer the one ``Page[T]``
and take the one ``paging`` dependency (``libs.http.paging``), and production code raises typed
errors instead of ``assert`` (asserts vanish under ``python -O``). Controllers of
``services/*/api`` are module-level: none is built inside a function. Every module of
every service opens with a docstring saying what it is for, and none of contracts, libs
or services refers to an issue number (a docstring says what the code is, not its
history).
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.topics import SERVICES

REPO = Path(__file__).resolve().parents[2]
SERVICES_ROOT = REPO / "services"

WRITER_MODULES = frozenset({"libs/aggregate.py", "libs/outbox.py"})
"""The shared writer and the relay beneath it: the only readers and writers of
``_outbox`` above the stores (``libs/store``)."""

PAGING_MODULE = "libs/http/paging.py"
"""The one page type (``Page[T]``) and the one paging dependency (``offset``/``limit``)."""

INFRASTRUCTURE = frozenset({"libs/audit.py", "libs/sequences.py"})
"""Counters of their own (the audit chain's head, registration sequences) whose insert
races are part of the mechanism itself, not an aggregate write."""

NOT_YET_CONVERTED: dict[str, frozenset[str]] = {
    "write loop": frozenset(),
    "_outbox": frozenset(),
    "transition": frozenset(),
    "page struct": frozenset(),
    "paging parameters": frozenset(),
    "assert": frozenset(),
    "nested controller": frozenset(),
}
"""Files not yet moved onto the shared pieces, per check (a write loop: a loop around a
write that catches ``VersionConflict`` or ``DuplicateDocument``). Each entry is removed when its
service is converted; a new file can never be added here silently because the list is
the exact set still offending (``test_the_exceptions_are_exactly_what_still_offends``)."""


def rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def production_files(*tops: str) -> Iterator[Path]:
    for top in tops:
        yield from sorted((REPO / top).rglob("*.py"))


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _catches_store_conflicts(node: ast.ExceptHandler) -> bool:
    if node.type is None:
        return False
    names = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)}
    names |= {n.attr for n in ast.walk(node.type) if isinstance(n, ast.Attribute)}
    return bool(names & {"VersionConflict", "DuplicateDocument"})


def _annotated_fields(cls: ast.ClassDef) -> set[str]:
    return {
        n.target.id
        for n in cls.body
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
    }


def _is_parameter(node: ast.AST | None) -> bool:
    """An annotation that declares an HTTP parameter (``QueryParameter``, ``Parameter``)."""
    return node is not None and any(
        isinstance(c, ast.Call)
        and isinstance(c.func, ast.Name)
        and c.func.id in {"QueryParameter", "Parameter"}
        for c in ast.walk(node)
    )


def _declares_paging_parameter(node: ast.AST) -> bool:
    """A handler argument ``offset``/``limit`` declared as an HTTP parameter, or a module
    alias ``Offset``/``Limit`` for one."""
    if isinstance(node, ast.arg):
        return node.arg in {"offset", "limit"} and _is_parameter(node.annotation)
    if isinstance(node, ast.Assign):
        names = {t.id for t in node.targets if isinstance(t, ast.Name)}
        return bool(names & {"Offset", "Limit"}) and _is_parameter(node.value)
    return False


ROUTE_DECORATORS = frozenset({"get", "post", "put", "patch", "delete", "route", "head"})


def _is_route_handler(node: ast.AST) -> bool:
    """A function decorated ``@get(...)``/``@post(...)``/… (a Litestar route handler)."""
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
        isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id in ROUTE_DECORATORS
        for d in node.decorator_list
    )


def _nested_controllers(module: ast.Module) -> list[str]:
    """Classes and route handlers defined inside a function body: controllers built per
    app in a closure, which neither tools nor readers can see into."""
    found: list[str] = []
    for outer in ast.walk(module):
        if not isinstance(outer, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(outer):
            if inner is outer:
                continue
            if isinstance(inner, ast.ClassDef) or _is_route_handler(inner):
                found.append(f"{outer.name}.{inner.name}")
    return found


def breaks(check: str, name: str, module: ast.Module) -> bool:
    """Whether the module at ``name`` (repository-relative) breaks ``check``."""
    nodes = list(ast.walk(module))
    if check == "write loop":
        if name in WRITER_MODULES | INFRASTRUCTURE or name.startswith("libs/store/"):
            return False
        return any(
            isinstance(h, ast.ExceptHandler) and _catches_store_conflicts(h)
            for loop in nodes
            if isinstance(loop, ast.For | ast.AsyncFor | ast.While)
            for h in ast.walk(loop)
        )
    if check == "_outbox":
        if name in WRITER_MODULES or name.startswith("libs/store/"):
            return False
        return any(isinstance(n, ast.Constant) and n.value == "_outbox" for n in nodes)
    if check == "transition":
        if name == "contracts/machine.py":
            return False
        return any(
            isinstance(n, ast.FunctionDef) and n.name in {"transition", "step"} for n in nodes
        )
    if check == "page struct":
        return name != PAGING_MODULE and any(
            isinstance(n, ast.ClassDef) and {"items", "total"} <= _annotated_fields(n)
            for n in nodes
        )
    if check == "paging parameters":
        return name != PAGING_MODULE and any(_declares_paging_parameter(n) for n in nodes)
    if check == "assert":
        return any(isinstance(n, ast.Assert) for n in nodes)
    if check == "nested controller":
        in_api = name.startswith("services/") and "/api/" in name
        return in_api and bool(_nested_controllers(module))
    raise ValueError(check)


def offenders(check: str) -> set[str]:
    """Files of contracts, libs and services that break ``check``."""
    return {
        rel(path)
        for path in production_files("contracts", "libs", "services")
        if breaks(check, rel(path), tree(path))
    }


def test_contracts_import_neither_libs_nor_services() -> None:
    offending = [
        f"{rel(path)}: {name}"
        for path in production_files("contracts")
        for name in imported_modules(path)
        if name.split(".")[0] in {"libs", "services"}
    ]
    assert offending == []


def test_libs_import_no_service() -> None:
    offending = [
        f"{rel(path)}: {name}"
        for path in production_files("libs")
        for name in imported_modules(path)
        if name.split(".")[0] == "services"
    ]
    assert offending == []


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_imports_another_service(service: str) -> None:
    own = f"services.{service}"
    offending = [
        f"{rel(path)}: {name}"
        for path in sorted((SERVICES_ROOT / service).rglob("*.py"))
        for name in imported_modules(path)
        if name.split(".")[0] == "services"
        and name != "services"
        and not (name == own or name.startswith(own + "."))
    ]
    assert offending == []


@pytest.mark.parametrize("service", SERVICES)
def test_a_services_domain_imports_only_the_standard_library_contracts_and_itself(
    service: str,
) -> None:
    allowed = ("contracts", f"services.{service}.domain")
    offending = [
        f"{rel(module)}: {name}"
        for module in sorted((SERVICES_ROOT / service / "domain").rglob("*.py"))
        for name in imported_modules(module)
        if name.split(".")[0] not in sys.stdlib_module_names
        and name != "__future__"
        and not name.startswith(allowed)
    ]
    assert offending == []


def domain_cycles(service: str) -> list[list[str]]:
    """Import cycles among one service's domain modules (``TYPE_CHECKING`` imports count)."""
    package = f"services.{service}.domain"
    graph: dict[str, set[str]] = {}
    for path in sorted((SERVICES_ROOT / service / "domain").glob("*.py")):
        graph[path.stem] = {
            name.removeprefix(package + ".").split(".")[0]
            for name in imported_modules(path)
            if name.startswith(package + ".")
        }
    cycles: list[list[str]] = []
    done: set[str] = set()

    def visit(node: str, trail: list[str]) -> None:
        if node in trail:
            cycles.append([*trail[trail.index(node) :], node])
            return
        if node in done:
            return
        for child in sorted(graph.get(node, ())):
            visit(child, [*trail, node])
        done.add(node)

    for start in graph:
        visit(start, [])
    return cycles


@pytest.mark.parametrize("service", SERVICES)
def test_a_services_domain_has_no_import_cycle(service: str) -> None:
    assert domain_cycles(service) == []


@pytest.mark.parametrize("check", sorted(NOT_YET_CONVERTED))
def test_each_mechanism_is_written_once(check: str) -> None:
    """No write loop but ``libs.aggregate``'s, no ``_outbox`` outside the writer, no
    ``transition()`` but ``contracts.machine``'s, no ``assert`` in production code."""
    assert offenders(check) - NOT_YET_CONVERTED[check] == set()


@pytest.mark.parametrize("check", sorted(NOT_YET_CONVERTED))
def test_the_exceptions_are_exactly_what_still_offends(check: str) -> None:
    """A converted file leaves the exception list at once, so it cannot regress."""
    assert NOT_YET_CONVERTED[check] - offenders(check) == set()


@pytest.mark.parametrize("check", sorted(NOT_YET_CONVERTED))
def test_the_checks_see_a_copy(check: str) -> None:
    """Each check catches a second write loop, ``_outbox``, ``transition`` or assert in a
    service, and none of them flags the shared writer's own module."""
    copy = ast.parse(
        "def transition(s, e):\n    assert s\n"
        "async def f(store, d):\n    for _ in range(5):\n        try:\n            pass\n"
        "        except (DuplicateDocument, VersionConflict):\n            continue\n"
        "    d['_outbox'] = []\n"
    )
    if check == "nested controller":
        copy = ast.parse(
            "def controller(ctx):\n    class C(Controller):\n        path = '/'\n    return C\n"
            "def route(ctx):\n    @post('/x')\n    async def x() -> None: ...\n    return x\n"
        )
        flat = ast.parse("class C(Controller):\n    path = '/'\n@post('/x')\nasync def x(): ...\n")
        assert _nested_controllers(copy) == ["controller.C", "route.x"]
        assert breaks(check, "services/identity/api/accounts.py", copy)
        assert not breaks(check, "services/identity/api/accounts.py", flat)
        assert not breaks(check, "libs/http/app.py", copy)
        return
    if check in {"page struct", "paging parameters"}:
        copy = ast.parse(
            "class ThingPage(msgspec.Struct):\n    items: list[int]\n    total: int\n"
            "async def browse(self, offset: Annotated[int, QueryParameter(ge=0)] = 0): ...\n"
        )
        assert breaks(check, "services/catalog/api/schemas.py", copy)
        assert not breaks(check, PAGING_MODULE, copy)
        return
    assert breaks(check, "services/catalog/commands/resources.py", copy)
    assert breaks(check, "libs/aggregate.py", copy) is (check in {"transition", "assert"})


@pytest.mark.parametrize("service", SERVICES)
def test_every_module_of_a_service_opens_with_a_docstring(service: str) -> None:
    missing = [
        rel(path)
        for path in (SERVICES_ROOT / service).rglob("*.py")
        if ast.get_docstring(tree(path)) is None
    ]
    assert missing == []


def test_the_demo_city_imports_no_service() -> None:
    """Issue 15: the demo year drives the public HTTP APIs only (``demo/``)."""
    offending = [
        f"{rel(path)}: {name}"
        for path in production_files("demo")
        for name in imported_modules(path)
        if name.split(".")[0] == "services"
    ]
    assert offending == []


ISSUE_REFERENCE = re.compile(r"\bissue [0-9]")


def test_no_module_refers_to_an_issue_number() -> None:
    offending = [
        f"{rel(path)}:{number}"
        for path in production_files("contracts", "libs", "services")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ISSUE_REFERENCE.search(line)
    ]
    assert offending == []
    assert ISSUE_REFERENCE.search("(issue 11: causal order per trade)")
    assert not ISSUE_REFERENCE.search("FerretDB issue #3040")
