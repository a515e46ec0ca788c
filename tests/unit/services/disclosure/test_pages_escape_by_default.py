"""The public pages escape by default (DIS-1): disclosure's pages, the rule pages and the
front door are templates with autoescape on; no module escapes a value by hand."""

from __future__ import annotations

import ast
from pathlib import Path

from libs.http import rule_pages
from services.disclosure.api import pages

REPO = Path(__file__).resolve().parents[4]
PAGE_MODULES = ("services/disclosure", "libs/http/rule_pages.py", "libs/http/front_door.py")


def hand_escaping(source: str) -> list[str]:
    """Calls of ``_e``/``escape``/``html.escape`` and imports of ``html`` or an ``escape``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = (
                node.func.attr
                if isinstance(node.func, ast.Attribute)
                else getattr(node.func, "id", "")
            )
            if name in {"_e", "escape"}:
                found.append(f"call {name}() at line {node.lineno}")
        elif isinstance(node, ast.Import) and any(a.name == "html" for a in node.names):
            found.append(f"import html at line {node.lineno}")
        elif isinstance(node, ast.ImportFrom) and (
            node.module == "html" or any(a.name == "escape" for a in node.names)
        ):
            found.append(f"from {node.module} import … at line {node.lineno}")
    return found


def page_sources() -> dict[str, str]:
    files: list[Path] = []
    for entry in PAGE_MODULES:
        path = REPO / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return {p.relative_to(REPO).as_posix(): p.read_text(encoding="utf-8") for p in files}


def test_DIS_1_no_page_module_escapes_by_hand() -> None:
    sources = page_sources()
    assert "services/disclosure/api/pages.py" in sources
    offenders = {name: found for name, src in sources.items() if (found := hand_escaping(src))}
    assert offenders == {}


def test_DIS_1_the_check_sees_hand_escaping() -> None:
    assert hand_escaping("from html import escape\nx = escape(v)\n")
    assert hand_escaping("import html\nx = html.escape(v)\n")
    assert hand_escaping("x = f'<td>{_e(v)}</td>'\n")
    assert not hand_escaping("x = render_page('rule.html', v=v)\n")


def test_DIS_1_every_page_template_autoescapes() -> None:
    for environment in (pages.TEMPLATES, rule_pages.TEMPLATES):
        names = environment.list_templates()
        assert names
        for name in names:
            assert environment.autoescape is True or environment.autoescape(name), name
