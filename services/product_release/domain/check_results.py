"""One automated check's verdict (检查结果): passed or failed, why, and the offending cells.

Offences are plain JSON-ready records that name cells by their dimension values, never
by row position, so a report does not change when the sandbox returns rows in another
order. At most ``MAX_LISTED`` are kept (the first in canonical order); the count says
how many there were. A *notice* passes but lists cells the human reviewer must look at.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from contracts.canonical import canonical_json

MAX_LISTED = 100

Offence = dict[str, object]


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    rules: tuple[str, ...]
    passed: bool
    reason: str
    offending: tuple[Offence, ...] = ()
    offending_count: int = 0

    def as_record(self) -> dict[str, object]:
        return {
            "name": self.name,
            "rules": list(self.rules),
            "passed": self.passed,
            "reason": self.reason,
            "offending": list(self.offending),
            "offending_count": self.offending_count,
        }


def verdict(
    name: str,
    rules: tuple[str, ...],
    offences: Iterable[Offence],
    *,
    passed: str,
    failed: str,
) -> CheckResult:
    """Failed when there is any offence; offences sorted canonically and capped."""
    ordered = sorted(offences, key=canonical_json)
    if not ordered:
        return CheckResult(name, rules, True, passed)
    return CheckResult(
        name,
        rules,
        False,
        failed,
        offending=tuple(ordered[:MAX_LISTED]),
        offending_count=len(ordered),
    )


def notice(
    name: str,
    rules: tuple[str, ...],
    findings: Iterable[Offence],
    *,
    none: str,
    found: str,
) -> CheckResult:
    """A finding for the human reviewer that does not fail the report by itself: it
    passes, and lists the cells it found with the reason (sorted and capped as above)."""
    ordered = sorted(findings, key=canonical_json)
    if not ordered:
        return CheckResult(name, rules, True, none)
    return CheckResult(
        name,
        rules,
        True,
        f"{len(ordered)} {found}",
        offending=tuple(ordered[:MAX_LISTED]),
        offending_count=len(ordered),
    )


def not_applicable(name: str, rules: tuple[str, ...], why: str) -> CheckResult:
    return CheckResult(name, rules, True, f"not applicable: {why}")
