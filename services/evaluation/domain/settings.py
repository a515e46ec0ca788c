"""Jurisdiction settings of evaluation (辖区设置): indicator weights and business targets.

EVA-5: targets are settings, not constants; the defaults are Zibo's (≥3 scenarios and ≥50
products by the end of 2025, ≥6 and ≥200 by the end of 2026). A region without its own
settings uses the nearest enclosing region's, else the defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from contracts.errors import DomainError

INDICATORS: tuple[str, ...] = (
    "agreement_execution",
    "scenarios",
    "products",
    "usage",
    "revenue",
    "security",
    "rectification",
)
"""The weighted indicators of the annual evaluation (EVA-2), in report order."""

DEFAULT_WEIGHTS: Mapping[str, int] = MappingProxyType(
    {
        "agreement_execution": 25,
        "scenarios": 15,
        "products": 15,
        "usage": 10,
        "revenue": 10,
        "security": 15,
        "rectification": 10,
    }
)


@dataclass(frozen=True, slots=True)
class Target:
    """What must stand by the end of ``year`` (cumulative counts, EVA-5)."""

    year: int
    scenarios: int
    products: int


DEFAULT_TARGETS: tuple[Target, ...] = (
    Target(year=2025, scenarios=3, products=50),
    Target(year=2026, scenarios=6, products=200),
)


@dataclass(frozen=True, slots=True)
class EvaluationSettings:
    region: str
    weights: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    targets: tuple[Target, ...] = DEFAULT_TARGETS
    usage_target: int = 10_000
    """Metered units in the year that earn the full usage indicator."""
    revenue_target_fen: int = 1_000_000
    """Invoiced revenue in the year (fen) that earns the full revenue indicator."""
    defined_by: str = ""
    """The region whose own document these are; empty for the defaults."""

    def target_for(self, year: int) -> Target:
        """The target of ``year``: its own, else the latest earlier one, else the first."""
        ordered = sorted(self.targets, key=lambda t: t.year)
        earlier = [t for t in ordered if t.year <= year]
        return earlier[-1] if earlier else ordered[0]


def check(settings: EvaluationSettings) -> EvaluationSettings:
    """Weights name every indicator, are non-negative and not all zero; targets are
    non-negative with one per year (EVA-2, EVA-5)."""
    if set(settings.weights) != set(INDICATORS):
        raise DomainError(
            "weights must name exactly the indicators: " + ", ".join(INDICATORS),
            rule="EVA-2",
            field="weights",
        )
    if any(w < 0 for w in settings.weights.values()) or sum(settings.weights.values()) == 0:
        raise DomainError(
            "weights are non-negative and not all zero", rule="EVA-2", field="weights"
        )
    if not settings.targets:
        raise DomainError("at least one yearly target is needed", rule="EVA-5", field="targets")
    years = [t.year for t in settings.targets]
    if len(set(years)) != len(years):
        raise DomainError("one target per year", rule="EVA-5", field="targets")
    if any(t.scenarios < 0 or t.products < 0 for t in settings.targets):
        raise DomainError("targets are non-negative", rule="EVA-5", field="targets")
    return settings


def lineage(region: str) -> tuple[str, ...]:
    """The region and those enclosing it, innermost first (GB/T 2260)."""
    chain = [region]
    if not region.endswith("00"):
        chain.append(region[:4] + "00")
    if not region.endswith("0000"):
        chain.append(region[:2] + "0000")
    return tuple(dict.fromkeys(chain))


def effective(region: str, own: Mapping[str, EvaluationSettings]) -> EvaluationSettings:
    """The settings in force in ``region`` given the regions' own documents."""
    for candidate in lineage(region):
        if candidate in own:
            found = own[candidate]
            return EvaluationSettings(
                region=region,
                weights=found.weights,
                targets=found.targets,
                usage_target=found.usage_target,
                revenue_target_fen=found.revenue_target_fen,
                defined_by=candidate,
            )
    return EvaluationSettings(region=region)
