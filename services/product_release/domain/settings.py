"""Jurisdiction settings (辖区设置) of the automated export checks (出域自动检查, EXP-2).

The defaults are those of EXP-2 (``contracts/rules/catalogue.toml``), after the ACRO/SACRO
rule set of trusted research environments: a cell needs at least 10 units and a zero cell
is disclosive; a magnitude cell is dominated when its largest contributor holds more than
85% of it or its two largest more than 90% (the (n,k) rule); it fails the p-ratio when what is left
after the two largest is less than 10% of the largest; a model keeps at least 10
residual degrees of freedom. A magnitude cell whose contributors all hold the same
value tells each of them what the others hold (group disclosure) and fails; where a
jurisdiction decides that a shared zero (every contributor zero) is not sensitive, it
sets ``shared_zero_disclosive`` to false. The bureau of a region may move each numeric
setting within ``BOUNDS``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from contracts.errors import DomainError, Forbidden


@dataclass(frozen=True, slots=True)
class ExportCheckSettings:
    region: str
    min_cell_count: int = 10
    zero_cells_disclosive: bool = True
    dominance_largest_percent: int = 85
    dominance_top_two_percent: int = 90
    p_ratio_percent: int = 10
    min_residual_dof: int = 10
    shared_zero_disclosive: bool = True
    """A magnitude cell whose contributors all hold zero discloses each of them (EXP-2)."""

    def as_record(self) -> dict[str, object]:
        """The settings a check report states it applied (part of its content hash)."""
        return asdict(self)


BOUNDS: dict[str, tuple[int, int]] = {
    "min_cell_count": (3, 100),
    "dominance_largest_percent": (50, 100),
    "dominance_top_two_percent": (50, 100),
    "p_ratio_percent": (0, 50),
    "min_residual_dof": (1, 1000),
}
"""Allowed range of each numeric setting. A cell threshold below 3 would release
near-singletons, which no trusted research environment allows."""


SWITCHES = ("zero_cells_disclosive", "shared_zero_disclosive")
"""Settings that are true or false."""


def defaults_for(region: str) -> ExportCheckSettings:
    return ExportCheckSettings(region=region)


def change(
    current: ExportCheckSettings,
    *,
    actor_role: str,
    actor_region: str,
    **changes: int | bool,
) -> ExportCheckSettings:
    """The bureau of the region itself changes its export-check settings (EXP-2)."""
    if actor_role != "bureau" or actor_region != current.region:
        raise Forbidden(
            f"only the bureau of region {current.region} changes its export-check settings",
            rule="EXP-2",
        )
    for name, value in changes.items():
        if name in SWITCHES:
            if not isinstance(value, bool):
                raise DomainError(f"{name} is true or false", rule="EXP-2", field=name)
            continue
        if name not in BOUNDS:
            raise DomainError(f"unknown export-check setting {name!r}", rule="EXP-2", field=name)
        low, high = BOUNDS[name]
        if isinstance(value, bool) or not low <= value <= high:
            raise DomainError(
                f"{name} must be between {low} and {high}, got {value}", rule="EXP-2", field=name
            )
    updated = replace(current, **changes)  # type: ignore[arg-type]
    if updated.dominance_top_two_percent < updated.dominance_largest_percent:
        raise DomainError(
            "the two largest contributors' limit cannot be below the largest one's",
            rule="EXP-2",
            field="dominance_top_two_percent",
        )
    return updated
