"""Cell-level disclosure checks of a statistical table (EXP-2, SBX-6), after ACRO/SACRO.

- minimum cell count: every released cell rests on at least ``min_cell_count`` units;
- zero cells: a released cell of zero units is disclosive (it tells that nobody in the
  group has the attribute) unless the jurisdiction allows it;
- dominance (n,k): in a magnitude cell the largest contribution is at most 85% and the
  two largest at most 90% of the cell total;
- p-ratio: what remains after the two largest is at least 10% of the largest, so the
  second largest cannot estimate the largest within 10%;
- direct identifiers: no declared identifier column, no dimension that shows a grade-4
  catalog item, no value that is a resident ID, phone number or credit code;
- row-level data: one row per person or firm is an extract, not a statistic (SBX-6).

Contributions are taken as non-negative, as the sandbox hands them over (top-2 values
of each magnitude cell, by size).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.product_release.domain.check_results import CheckResult, Offence, verdict
from services.product_release.domain.identifiers import identifier_kinds
from services.product_release.domain.outputs import (
    HIDDEN_ROLES,
    MAGNITUDE_ROLES,
    GrantItem,
    OutputTable,
    Role,
    TableShape,
    Value,
    shape_of,
)
from services.product_release.domain.settings import ExportCheckSettings

TOTAL_LABEL = "(total)"
REDACTED = "(redacted)"
EXP_2 = ("EXP-2",)


def number(value: Value) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def whole(value: Value) -> int | None:
    n = number(value)
    if n is None:
        return None
    if isinstance(n, float):
        return int(n) if n.is_integer() else None
    return n


@dataclass(frozen=True, slots=True)
class TableView:
    """A validated table with what every check needs, computed once."""

    table: OutputTable
    shape: TableShape
    keys: tuple[tuple[Value, ...], ...]
    units: tuple[int | None, ...]
    redacted: frozenset[int]
    """Column positions whose values never appear in a report (identifiers found)."""
    memo: dict[object, object] = field(default_factory=dict, compare=False, repr=False)
    """What one check computed and another reuses (margin equations and solutions)."""

    def is_margin(self, key: tuple[Value, ...]) -> bool:
        marker = self.table.total_marker
        return any(value == marker and type(value) is type(marker) for value in key)

    def label(self, row: int) -> dict[str, object]:
        marker = self.table.total_marker
        out: dict[str, object] = {}
        for position, value in zip(self.shape.dimensions, self.keys[row], strict=True):
            name = self.table.columns[position].name
            if position in self.redacted:
                out[name] = REDACTED
            elif value == marker and type(value) is type(marker):
                out[name] = TOTAL_LABEL
            else:
                out[name] = value
        return out

    def released(self, row: int) -> list[str]:
        values = self.table.rows[row]
        return [self.table.columns[p].name for p in self.shape.measures if values[p] is not None]


def view_of(table: OutputTable, redacted: frozenset[int] = frozenset()) -> TableView:
    shape = shape_of(table)
    dims = shape.dimensions
    keys = tuple(tuple(row[p] for p in dims) for row in table.rows)
    source = shape.units if shape.units is not None else shape.count
    units = tuple(whole(row[source]) if source is not None else None for row in table.rows)
    return TableView(table, shape, keys, units, redacted)


def check_cell_counts(view: TableView, settings: ExportCheckSettings) -> list[CheckResult]:
    """EXP-2 minimum cell count and zero cells, over every row with a released measure."""
    small: list[Offence] = []
    zeros: list[Offence] = []
    count_position = view.shape.count
    for row in range(len(view.keys)):
        released = view.released(row)
        if not released:
            continue
        units = view.units[row]
        shown_count = (
            whole(view.table.rows[row][count_position]) if count_position is not None else None
        )
        if units is None:
            small.append(
                {
                    "row": view.label(row),
                    "columns": released,
                    "detail": "units unknown: the sandbox hands over a units or count column",
                }
            )
        elif units == 0 or shown_count == 0:
            zeros.append({"row": view.label(row), "columns": released})
        elif units < settings.min_cell_count:
            small.append(
                {
                    "row": view.label(row),
                    "columns": released,
                    "units": units,
                    "detail": f"{units} units, fewer than {settings.min_cell_count}",
                }
            )
    threshold = verdict(
        "minimum_cell_count",
        EXP_2,
        small,
        passed=f"every released cell rests on at least {settings.min_cell_count} units",
        failed=f"cells below the minimum count of {settings.min_cell_count}: suppress them",
    )
    if not settings.zero_cells_disclosive:
        zero = CheckResult("zero_cells", EXP_2, True, "zero cells allowed by jurisdiction setting")
    else:
        zero = verdict(
            "zero_cells",
            EXP_2,
            zeros,
            passed="no released cell is zero",
            failed="zero cells disclose that nobody in the group has the attribute",
        )
    return [threshold, zero]


def dominance_problems(
    total: float, largest: float, second: float, settings: ExportCheckSettings
) -> tuple[str | None, str | None]:
    """(dominance, p-ratio) findings for one magnitude cell, ``None`` where it is safe."""
    dominance: str | None = None
    if largest * 100 > settings.dominance_largest_percent * total:
        dominance = (
            f"largest contribution exceeds {settings.dominance_largest_percent}% of the cell"
            + (f" ({100 * largest / total:.1f}%)" if total > 0 else "")
        )
    elif (largest + second) * 100 > settings.dominance_top_two_percent * total:
        dominance = (
            f"two largest contributions exceed {settings.dominance_top_two_percent}% of the cell"
            + (f" ({100 * (largest + second) / total:.1f}%)" if total > 0 else "")
        )
    p_ratio: str | None = None
    if (total - largest - second) * 100 < settings.p_ratio_percent * largest:
        p_ratio = (
            f"the rest after the two largest is under {settings.p_ratio_percent}% of the largest"
        )
    return dominance, p_ratio


def check_dominance(view: TableView, settings: ExportCheckSettings) -> list[CheckResult]:
    """EXP-2 (n,k) dominance and p-ratio over every released magnitude cell."""
    dominated: list[Offence] = []
    p_failed: list[Offence] = []
    table = view.table
    for position, column in enumerate(table.columns):
        if column.role not in MAGNITUDE_ROLES:
            continue
        first, second = view.shape.top.get(column.name, (None, None))
        if first is None or second is None:
            if all(values[position] is None for values in table.rows):
                continue
            missing: Offence = {
                "column": column.name,
                "detail": "no top-2 contributor summary handed over: dominance cannot be judged",
            }
            dominated.append(missing)
            p_failed.append(missing)
            continue
        for row, values in enumerate(table.rows):
            shown = number(values[position])
            if shown is None:
                continue
            units = view.units[row]
            if column.role is Role.MEAN:
                if units is None:
                    continue  # the minimum-count check already fails a cell without units
                total = float(shown) * units
            else:
                total = float(shown)
            largest = float(number(values[first]) or 0)
            runner_up = float(number(values[second]) or 0)
            dominance, p_ratio = dominance_problems(total, largest, runner_up, settings)
            if dominance:
                dominated.append(
                    {"row": view.label(row), "column": column.name, "detail": dominance}
                )
            if p_ratio:
                p_failed.append({"row": view.label(row), "column": column.name, "detail": p_ratio})
    return [
        verdict(
            "dominance",
            EXP_2,
            dominated,
            passed="no magnitude cell is dominated by one or two contributors",
            failed="dominated cells reveal their largest contributors: suppress them",
        ),
        verdict(
            "p_ratio",
            EXP_2,
            p_failed,
            passed="in every magnitude cell the others mask the largest contributor",
            failed="the second largest contributor could estimate the largest: suppress them",
        ),
    ]


def check_identifiers(
    table: OutputTable, grant_items: Sequence[GrantItem]
) -> tuple[CheckResult, frozenset[int]]:
    """EXP-2 no direct identifiers; also returns the columns whose values must be redacted."""
    grade_four = {item.name for item in grant_items if item.grade >= 4}
    offences: list[Offence] = []
    flagged: set[int] = set()
    for position, column in enumerate(table.columns):
        if column.role in HIDDEN_ROLES:
            continue
        if column.role is Role.IDENTIFIER:
            offences.append({"column": column.name, "detail": "declared as an identifier"})
            flagged.add(position)
        if column.role is Role.DIMENSION and column.item in grade_four:
            offences.append(
                {"column": column.name, "detail": f"shows grade-4 data item {column.item!r}"}
            )
            flagged.add(position)
        numbers_count = column.role in (Role.DIMENSION, Role.IDENTIFIER)
        found: Counter[str] = Counter()
        for value, times in Counter(values[position] for values in table.rows).items():
            if isinstance(value, str) or (numbers_count and whole(value) is not None):
                for kind in identifier_kinds(str(value)):
                    found[kind] += times
        for kind, times in found.items():
            offences.append({"column": column.name, "kind": kind, "values": times})
            flagged.add(position)
    result = verdict(
        "direct_identifiers",
        EXP_2,
        offences,
        passed="no identifier column, grade-4 dimension or identifier value",
        failed="direct identifiers never leave the sandbox",
    )
    return result, frozenset(flagged)


def check_row_level(view: TableView) -> CheckResult:
    """EXP-2 and SBX-6: an output with one row per person or firm is an extract."""
    offences: list[Offence] = []
    table = view.table
    if table.rows and not view.shape.measures:
        offences.append({"detail": "no aggregate column: every row is a record"})
    repeated = sum(times - 1 for times in Counter(view.keys).values() if times > 1)
    if repeated:
        offences.append(
            {
                "detail": "rows repeat the same dimension values: not a grouped table",
                "rows": repeated,
            }
        )
    data_rows = [row for row, key in enumerate(view.keys) if not view.is_margin(key)]
    if table.distinct_units and data_rows and len(data_rows) >= table.distinct_units:
        offences.append(
            {
                "detail": "as many rows as distinct units: one row per unit",
                "rows": len(data_rows),
                "distinct_units": table.distinct_units,
            }
        )
    data_units = [view.units[row] for row in data_rows]
    if data_units and all(u is not None and u <= 1 for u in data_units):
        offences.append({"detail": "every row rests on a single unit", "rows": len(data_rows)})
    return verdict(
        "row_level_data",
        ("EXP-2", "SBX-6"),
        offences,
        passed="a grouped table, not one row per person or firm",
        failed="row-level personal data could restore the raw data",
    )
