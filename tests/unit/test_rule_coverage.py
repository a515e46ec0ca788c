"""The rule catalogue (``contracts/rules/catalogue.toml``) and the code agree.

- every ``enforced`` rule has a test naming its id (``test_REQ_3_…`` proves REQ-3);
- production code (contracts, libs, services: ``rule="X-N"`` arguments, docstrings,
  comments) names only rules the catalogue knows;
- every ``enforced`` rule is named somewhere in production code, and each module the
  catalogue says enforces it names it;
- a ``planned`` rule is named nowhere in production code yet: when its issue lands, the
  catalogue is updated in the same change.

Nothing here reads outside the repository (``tests/infra/outside_reads.py``).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

from contracts.rules import Rule, catalogue

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ("contracts", "libs", "services")
CATALOGUE = catalogue()
ENFORCED = [r for r in CATALOGUE.rules if r.status == "enforced"]
PLANNED = [r for r in CATALOGUE.rules if r.status == "planned"]
MENTION = CATALOGUE.mention()


def collect_test_names() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            is_function = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            if is_function and node.name.startswith("test_"):
                names.add(node.name)
    return names


def production_mentions() -> dict[str, list[str]]:
    """Rule id → ``path:line`` of every place production code names it."""
    found: dict[str, list[str]] = defaultdict(list)
    for top in PRODUCTION:
        for path in sorted((ROOT / top).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            for number, line in enumerate(text.splitlines(), start=1):
                for rule_id in MENTION.findall(line):
                    found[rule_id].append(f"{path.relative_to(ROOT)}:{number}")
    return found


NAMES = collect_test_names()
MENTIONS = production_mentions()


def _named_by_a_test(rule_id: str) -> bool:
    marker = re.compile(rf"(^|_){rule_id.replace('-', '_')}(_|$)")
    return any(marker.search(name) for name in NAMES)


def test_the_catalogue_covers_every_family_with_numbered_rules() -> None:
    families = {r.family for r in CATALOGUE.rules}
    assert families == set(CATALOGUE.families)
    assert families >= {"AUTH", "CAT", "REQ", "DEV", "SBX", "EXP", "TRD", "BIL", "EVA", "DIS"}
    assert families >= {"SEC", "FED"}
    for family in families:
        numbers = sorted(int(r.id.split("-")[1]) for r in CATALOGUE.rules if r.family == family)
        assert numbers == list(range(1, len(numbers) + 1)), f"{family} numbering has a gap"


@pytest.mark.parametrize("rule", ENFORCED, ids=lambda r: r.id)
def test_every_enforced_rule_has_a_test_naming_it(rule: Rule) -> None:
    assert _named_by_a_test(rule.id), f"no test names {rule.id} ({rule.title_zh})"


def test_production_code_names_only_rules_the_catalogue_knows() -> None:
    known = set(CATALOGUE.ids())
    unknown = {rule_id: where for rule_id, where in MENTIONS.items() if rule_id not in known}
    assert not unknown, f"rule ids missing from contracts/rules/catalogue.toml: {unknown}"


@pytest.mark.parametrize("rule", ENFORCED, ids=lambda r: r.id)
def test_every_enforced_rule_is_named_in_production_code(rule: Rule) -> None:
    assert MENTIONS.get(rule.id), f"{rule.id} is 'enforced' but no production code names it"


@pytest.mark.parametrize("rule", ENFORCED, ids=lambda r: r.id)
def test_the_modules_said_to_enforce_a_rule_exist_and_name_it(rule: Rule) -> None:
    for module in rule.modules:
        path = ROOT / module
        assert path.is_file(), f"{rule.id}: {module} does not exist"
        assert rule.id in MENTION.findall(path.read_text(encoding="utf-8")), (
            f"{rule.id}: {module} does not name it"
        )
    services = {m.split("/")[1] for m in rule.modules if m.startswith("services/")}
    assert services <= set(rule.services), f"{rule.id}: modules outside its services"


def test_a_planned_rule_is_not_yet_named_in_production_code() -> None:
    # A loop, not a parametrization: with no rule planned (issue 11 built the last ones)
    # the check still runs, and fails as soon as a planned rule is named in code.
    named = {r.id: MENTIONS[r.id] for r in PLANNED if MENTIONS.get(r.id)}
    assert not named, (
        f"planned rules named in code: {named}; mark them enforced in "
        "contracts/rules/catalogue.toml with their modules"
    )


def test_the_scan_sees_rule_ids_in_arguments_docstrings_and_comments() -> None:
    source = (
        'raise DomainError("x", rule="AUTH-13")\n'
        '"""Enforces SEC-7 and FED-1."""\n'
        "# see EXP-2; not SHA-256, UTF-8 or GB-32100\n"
    )
    assert MENTION.findall(source) == ["AUTH-13", "SEC-7", "FED-1", "EXP-2"]
    assert {"AUTH-13", "SEC-7"}.isdisjoint(CATALOGUE.ids())
