"""Sandbox outputs as the export review sees them: plain Python tables and model artefacts.

Theory of operation. The sandbox hands over each output it wants to take out as plain
data, never as a DataFrame: a **statistical table** is a tuple of columns, each with a
role, and rows of plain values; a **model artefact** is a description of a fitted model.
Besides the released columns a table carries *hidden* columns the checks need and that
never leave: the number of distinct units (persons or firms) behind each row, and for
each magnitude column its two largest contributions (top-2 values; with the cell total
that is all the dominance and p-ratio rules need, so contributor lists stay inside) and,
where contributions can be negative or all alike, the smallest contribution and the sum
of absolute contributions.

A released cell is a value in a released measure column; ``None`` there means the
developer suppressed the cell (primary or secondary suppression). A dimension value
equal to the table's ``total_marker`` (``None`` by default: DuckDB's ROLLUP and CUBE
write NULL there) marks a margin over that dimension.

For differencing across exports every row also describes its **population**: the
table's filters (the job's WHERE clause, as the sandbox reports it) together with the
row's own dimension values, each as a ``Constraint`` on one attribute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeGuard

from contracts.errors import DomainError

Value = str | int | float | bool | None
"""A cell value of a plain output table."""


class Role(StrEnum):
    DIMENSION = "dimension"
    """A grouping key (分组维度), released."""
    COUNT = "count"
    """A released frequency: the number of units in the cell."""
    SUM = "sum"
    """A released total of a magnitude (e.g. tax paid)."""
    MEAN = "mean"
    """A released mean of a magnitude; its cell total is mean × units."""
    STATISTIC = "statistic"
    """Another released summary (median, rate): the cell count rules apply."""
    IDENTIFIER = "identifier"
    """A column the job itself declares as an identifier: it never leaves (EXP-2)."""
    UNITS = "units"
    """Hidden: distinct units behind the row."""
    TOP1 = "top1"
    """Hidden: the largest single contribution to the magnitude column ``of``, by size
    (absolute value) where contributions can be negative."""
    TOP2 = "top2"
    """Hidden: the second largest contribution to the magnitude column ``of``, by size."""
    MIN = "min"
    """Hidden: the smallest single contribution (signed) to the magnitude column ``of``:
    shows negative contributions and cells whose contributors all hold one value."""
    ABS_TOTAL = "abs_total"
    """Hidden: the sum of the absolute values of the contributions to ``of`` (what
    dominance is judged against when a contribution is negative)."""


HIDDEN_ROLES = frozenset({Role.UNITS, Role.TOP1, Role.TOP2, Role.MIN, Role.ABS_TOTAL})
CONTRIBUTION_ROLES = frozenset({Role.TOP1, Role.TOP2, Role.MIN, Role.ABS_TOTAL})
"""Hidden summaries of one magnitude column's contributions (``of`` names the column)."""
MEASURE_ROLES = frozenset({Role.COUNT, Role.SUM, Role.MEAN, Role.STATISTIC})
MAGNITUDE_ROLES = frozenset({Role.SUM, Role.MEAN})
ADDITIVE_ROLES = frozenset({Role.COUNT, Role.SUM})
"""Measures whose margins are the sums of their cells, so margins can be differenced."""


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    role: Role
    of: str = ""
    """For TOP1/TOP2/MIN/ABS_TOTAL: the SUM or MEAN column the contributions belong to."""
    source: str = ""
    """The data item the column shows or summarizes (e.g. ``tax_paid``); default: name."""

    @property
    def item(self) -> str:
        return self.source or self.name


@dataclass(frozen=True, slots=True)
class Constraint:
    """One attribute of a population: a set of values, or a half-open interval [low, high).

    ``None`` bounds are open. A constraint with neither values nor bounds allows all.
    """

    attribute: str
    values: frozenset[Value] | None = None
    low: float | None = None
    high: float | None = None
    _hash: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        # populations are dictionary keys many thousand times over: hash once
        object.__setattr__(self, "_hash", hash((self.attribute, self.values, self.low, self.high)))

    def __hash__(self) -> int:
        return self._hash

    @property
    def is_point(self) -> bool:
        """Exactly one value: nothing strictly inside it is left to difference."""
        return self.values is not None and len(self.values) == 1

    def contains(self, other: Constraint) -> bool:
        """Every unit allowed by ``other`` is allowed by this (same attribute assumed)."""
        if self.values is not None:
            return other.values is not None and other.values <= self.values
        if other.values is not None:
            return all(_numeric(v) and self.holds(v) for v in other.values)
        low_ok = self.low is None or (other.low is not None and other.low >= self.low)
        high_ok = self.high is None or (other.high is not None and other.high <= self.high)
        return low_ok and high_ok

    def intersect(self, other: Constraint) -> Constraint:
        if self.values is not None and other.values is not None:
            return Constraint(self.attribute, values=self.values & other.values)
        if self.values is not None:
            return Constraint(
                self.attribute, values=frozenset(v for v in self.values if other.holds(v))
            )
        if other.values is not None:
            return other.intersect(self)
        lows = [b for b in (self.low, other.low) if b is not None]
        highs = [b for b in (self.high, other.high) if b is not None]
        return Constraint(
            self.attribute, low=max(lows) if lows else None, high=min(highs) if highs else None
        )

    def minus(self, other: Constraint) -> Constraint | None:
        """This constraint without ``other`` when that is again one constraint, else None."""
        if self.values is not None and other.values is not None:
            if not other.values < self.values:
                return None
            return Constraint(self.attribute, values=self.values - other.values)
        if self.values is not None or other.values is not None or not self.contains(other):
            return None
        if other.low == self.low and other.high is not None and other.high != self.high:
            return Constraint(self.attribute, low=other.high, high=self.high)
        if other.high == self.high and other.low is not None and other.low != self.low:
            return Constraint(self.attribute, low=self.low, high=other.low)
        return None

    def holds(self, value: Value) -> bool:
        if self.values is not None:
            return value in self.values
        if not _numeric(value):
            return False
        number = float(value)
        return (self.low is None or number >= self.low) and (
            self.high is None or number < self.high
        )

    def as_record(self) -> dict[str, object]:
        if self.values is not None:
            return {"attribute": self.attribute, "in": sorted(self.values, key=_sort_key)}
        return {"attribute": self.attribute, "low": self.low, "high": self.high}


def _numeric(value: Value) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _sort_key(value: Value) -> tuple[str, str]:
    return (type(value).__name__, repr(value))


Population = tuple[Constraint, ...]
"""Constraints on distinct attributes, sorted by attribute: the units a cell counts."""


def population(constraints: Mapping[str, Constraint]) -> Population:
    return tuple(constraints[name] for name in sorted(constraints))


def population_contains(larger: Population, smaller: Population) -> bool:
    """``larger`` ⊇ ``smaller``, judged from the declared constraints alone.

    Sound, not complete: a containment that holds only because of the data (every firm
    of a district lies in its city) is not seen unless both constraints are declared.
    """
    by_attribute = {c.attribute: c for c in smaller}
    for constraint in larger:
        mine = by_attribute.get(constraint.attribute)
        if mine is None or not constraint.contains(mine):
            return False
    return True


@dataclass(frozen=True, slots=True)
class OutputTable:
    """A grouped statistical output (统计表) of one sandbox job."""

    name: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...]
    universe: str = ""
    """What the statistics are computed over: the grant and the data version."""
    filters: tuple[Constraint, ...] = ()
    """The job's row filter (WHERE), one constraint per attribute."""
    total_marker: Value = None
    distinct_units: int | None = None
    """Distinct units in the whole output's population, as counted by the sandbox."""

    def index(self, name: str) -> int:
        for position, column in enumerate(self.columns):
            if column.name == name:
                return position
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class TableColumns:
    """A validated table's rows turned into columns once per check, for the checks
    that read one column over every row: each column's values in row order, and the
    set of their exact types (which says, in one look, whether a column is all plain
    integers or holds no text)."""

    values: tuple[tuple[Value, ...], ...]
    kinds: tuple[frozenset[type], ...]


def columns_of(table: OutputTable) -> TableColumns:
    """The columns of a table whose rows all have one value per column (``shape_of``
    refuses any other)."""
    if table.rows:
        values = tuple(zip(*table.rows, strict=True))
    else:
        values = tuple(() for _ in table.columns)
    return TableColumns(values, tuple(frozenset(map(type, column)) for column in values))


@dataclass(frozen=True, slots=True)
class ModelArtefact:
    """A fitted model the developer wants to take out (模型出域)."""

    name: str
    family: str
    """e.g. ``linear_regression``, ``logistic_regression``, ``decision_tree``, ``knn``."""
    n_parameters: int
    training_rows: int
    residual_dof: int | None = None
    """As the fitting library reports it; otherwise training rows − parameters."""
    features: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    """Names of the arrays saved in the artefact (``coef_``, ``_fit_X`` …)."""
    min_leaf_size: int | None = None
    """Tree models: training rows in the smallest leaf."""
    contains_training_data: bool = False


Output = OutputTable | ModelArtefact


@dataclass(frozen=True, slots=True)
class GrantItem:
    """A data item of the grant's catalog resources, with its grade 1–4 (CAT-1)."""

    name: str
    grade: int
    resource_id: str = ""


@dataclass(frozen=True, slots=True)
class TableShape:
    """Positions of a validated table's columns by role, computed once for all checks."""

    dimensions: tuple[int, ...]
    measures: tuple[int, ...]
    units: int | None
    count: int | None
    top: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    identifiers: tuple[int, ...] = ()
    summaries: dict[str, dict[Role, int]] = field(default_factory=dict)
    """For each magnitude column, the positions of its hidden contribution summaries."""


def shape_of(table: OutputTable) -> TableShape:
    """Validate the table's structure and locate its columns (a malformed output is refused)."""
    names = [c.name for c in table.columns]
    if len(set(names)) != len(names):
        raise DomainError(f"output {table.name!r} repeats a column name", rule="EXP-2")
    width = len(table.columns)
    lengths = set(map(len, table.rows))
    for number, row in enumerate(table.rows if lengths - {width} else ()):
        if len(row) != width:
            raise DomainError(
                f"output {table.name!r}: row {number} has {len(row)} values, expected {width}",
                rule="EXP-2",
            )
    roles = {c.name: c.role for c in table.columns}
    top: dict[str, list[int | None]] = {}
    summaries: dict[str, dict[Role, int]] = {}
    for position, column in enumerate(table.columns):
        if column.role in CONTRIBUTION_ROLES:
            if roles.get(column.of) not in MAGNITUDE_ROLES:
                raise DomainError(
                    f"column {column.name!r} summarizes {column.of!r}, which is not a sum or mean",
                    rule="EXP-2",
                    field=column.name,
                )
            if column.role in summaries.setdefault(column.of, {}):
                raise DomainError(
                    f"column {column.of!r} has two {column.role.value} summaries",
                    rule="EXP-2",
                    field=column.name,
                )
            summaries[column.of][column.role] = position
        if column.role in (Role.TOP1, Role.TOP2):
            slot = top.setdefault(column.of, [None, None])
            slot[0 if column.role is Role.TOP1 else 1] = position
    by_role: dict[Role, list[int]] = {}
    for position, column in enumerate(table.columns):
        by_role.setdefault(column.role, []).append(position)
    return TableShape(
        dimensions=tuple(by_role.get(Role.DIMENSION, ())),
        measures=tuple(p for p, c in enumerate(table.columns) if c.role in MEASURE_ROLES),
        units=by_role[Role.UNITS][0] if Role.UNITS in by_role else None,
        count=by_role[Role.COUNT][0] if Role.COUNT in by_role else None,
        top={name: (slot[0], slot[1]) for name, slot in top.items()},
        identifiers=tuple(by_role.get(Role.IDENTIFIER, ())),
        summaries=summaries,
    )
