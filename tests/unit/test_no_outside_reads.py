"""No test reads outside the repository, so a clone with nothing beside it passes.

The session-wide audit hook (``tests/infra/outside_reads.py``) fails the session when any
test opened a path beside the repository; these tests prove the hook catches such a read
and let nothing through, and a static scan finds path building towards ``../shared``.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from tests.infra import outside_reads
from tests.infra.outside_reads import REPO, SESSION, OutsideReads

SIBLING = "sha" + "red"  # spelled apart so the scan below does not find this file


def test_the_session_hook_is_installed_and_has_seen_no_outside_read_so_far() -> None:
    assert outside_reads.installed()
    assert SESSION.repo == str(REPO.resolve())
    assert SESSION.seen == []


def test_a_read_beside_the_repository_is_recorded_and_reads_inside_or_elsewhere_are_not(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "checkout" / "pdo"
    (repo / "tests").mkdir(parents=True)
    (repo / "tests" / "data.txt").write_text("inside", encoding="utf-8")
    beside = tmp_path / "checkout" / SIBLING / "domain"
    beside.mkdir(parents=True)
    (beside / "RULES.md").write_text("outside", encoding="utf-8")
    (tmp_path / "elsewhere.txt").write_text("elsewhere", encoding="utf-8")
    recorder = OutsideReads(repo)
    sys.addaudithook(recorder.observe)  # stays installed; ``active`` switches it off
    try:
        assert (repo / "tests" / "data.txt").read_text(encoding="utf-8") == "inside"
        assert (tmp_path / "elsewhere.txt").read_text(encoding="utf-8") == "elsewhere"
        assert recorder.seen == []
        via_dotdot = repo / ".." / SIBLING / "domain" / "RULES.md"
        assert via_dotdot.read_text(encoding="utf-8") == "outside"
        assert [p.name for p in (repo.parent / SIBLING).iterdir()] == ["domain"]
    finally:
        recorder.active = False
    assert recorder.seen == [str(via_dotdot), str(repo.parent / SIBLING)]


def test_a_symlink_inside_the_repository_pointing_beside_it_is_caught(tmp_path: Path) -> None:
    repo = tmp_path / "checkout" / "pdo"
    repo.mkdir(parents=True)
    beside = tmp_path / "checkout" / SIBLING / "RULES.md"
    beside.parent.mkdir()
    beside.write_text("outside", encoding="utf-8")
    (repo / "rules.md").symlink_to(beside)
    recorder = OutsideReads(repo)
    assert recorder.is_outside(str(repo / "rules.md"))
    assert not recorder.is_outside(str(repo / "README.md"))
    assert not recorder.is_outside(str(repo))
    assert not recorder.is_outside("/usr/lib/python3/os.py")


def path_parts_naming_the_sibling(source: str, label: str) -> list[str]:
    """String constants (docstrings aside) that name the sibling folder as a path part."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            continue
        if id(node) not in docstrings and SIBLING in node.value.replace("\\", "/").split("/"):
            found.append(f"{label}:{node.lineno}: {node.value!r}")
    return found


def test_no_test_builds_a_path_to_the_folder_beside_the_repository() -> None:
    found = [
        hit
        for path in sorted((REPO / "tests").rglob("*.py"))
        for hit in path_parts_naming_the_sibling(
            path.read_text(encoding="utf-8"), str(path.relative_to(REPO))
        )
    ]
    assert found == [], found


def test_the_scan_finds_the_ways_a_test_would_build_that_path() -> None:
    examples = (
        f'ROOT.parent / "{SIBLING}" / "domain"\n'
        f'open("../{SIBLING}/domain/RULES.md")\n'
        f'os.path.join(root, "..", "{SIBLING}", "seeds")\n'
        '"the shared helpers"\n'
        "def f() -> None:\n"
        f'    """Once read ../{SIBLING}/domain/RULES.md."""\n'
    )
    hits = path_parts_naming_the_sibling(examples, "examples.py")
    assert sorted(int(hit.split(":")[1]) for hit in hits) == [1, 2, 3]
