"""A per-unit export (按单位汇总出域, ``contracts.per_unit``): what the sandbox aggregates
per contributing unit (firm, person) before the disclosure checks see the output (EXP-2).
The SQL that does it is ``adapters.per_unit_sql``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from contracts.events import OutputColumn
from contracts.per_unit import UNITS_COLUMN, per_unit_columns, unit_column


@dataclass(frozen=True, slots=True)
class PerUnitRead:
    """What to aggregate: dimension columns, the unit column, the count's name, sums."""

    dimensions: tuple[str, ...]
    unit: str
    count: str
    sums: tuple[str, ...]

    @property
    def record_columns(self) -> tuple[str, ...]:
        """The columns the output's records must hold."""
        return (*self.dimensions, self.unit, *self.sums)


def per_unit_read(columns: Sequence[OutputColumn]) -> PerUnitRead | None:
    """The aggregation a table export's declaration asks for, ``None`` when not per unit;
    raises ``DomainError`` (EXP-2) on a declaration the sandbox cannot aggregate."""
    if not unit_column(columns):
        return None
    staged = per_unit_columns(columns)
    counts = [c.name for c in columns if c.role == "count"]
    return PerUnitRead(
        dimensions=tuple(c.name for c in columns if c.role == "dimension"),
        unit=unit_column(columns),
        count=counts[0] if counts else UNITS_COLUMN,
        sums=tuple(c.name for c in staged if c.role == "sum"),
    )
