"""Every rule of the finished areas has at least one test that names its id (RULES.md:
"the test that proves it names the id in its test name"). A rule id in a test name is
written with an underscore: ``test_REQ_3_…`` proves REQ-3."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT.parent / "shared" / "domain" / "RULES.md"
FINISHED = ("AUTH", "CAT", "DEV", "REQ", "SBX", "EXP", "TRD", "BIL", "EVA", "DIS")
"""Rule families whose issues are done; a family is added here when its issue is."""


def rule_ids() -> list[str]:
    text = RULES.read_text(encoding="utf-8")
    families = "|".join(FINISHED)
    return re.findall(rf"^- ((?:{families})-\d+) ", text, flags=re.MULTILINE)


def collect_test_names() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if node.name.startswith("test_"):
                names.add(node.name)
    return names


NAMES = collect_test_names()


def test_rules_file_lists_the_finished_families() -> None:
    found = {rule.split("-")[0] for rule in rule_ids()}
    assert found == set(FINISHED)


@pytest.mark.parametrize("rule", rule_ids())
def test_every_rule_of_a_finished_area_has_a_test_naming_it(rule: str) -> None:
    marker = re.compile(rf"(^|_){rule.replace('-', '_')}(_|$)")
    assert any(marker.search(name) for name in NAMES), f"no test names {rule}"
