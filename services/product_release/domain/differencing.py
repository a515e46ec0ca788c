"""Suppression that survives differencing (差分): across a table's margins and across the
same developer's earlier exports (EXP-2).

Theory of operation — the approximation, in four parts.

1. **Margins, exactly.** A margin row (a dimension at the total marker) equals the sum
   of the rows that differ from it only in that dimension. For each additive measure
   (counts and sums) these equations are written over the suppressed cells as unknowns
   and solved exactly (sparse Gauss–Jordan, integers and fractions, no floating point).
   A suppressed cell is *recoverable* when the released values fix it, i.e. when its
   unit vector lies in the row space of the equations; that also catches cells fixed
   only through chains of margins, which the usual "one suppressed cell in a row" rule
   misses. Non-negativity is used in one place: suppressed cells that together make up
   a known margin form a *merged cell* whose total is known, so that merged cell must
   itself pass the minimum count, zero, dominance and p-ratio rules (with the top-2 of
   the merged cell taken from its members' top-2, which is exact). Bounds narrower than
   that (tau-Argus' protection intervals) are not computed.

2. **Earlier cells as margins, exactly.** Every released cell records its universe
   (grant and data version), its measure and its population (the job's filters and the
   row's dimension values, as constraints per attribute). An earlier cell whose
   population is exactly the union of some rows of the new table along one of its
   dimensions (same constraints elsewhere; the new table not filtering that dimension
   narrower) is one more margin with a known value: it joins the equations of part 1.

3. **Earlier exports, pairwise.** When a new cell and an earlier cell of the same
   universe and measure are nested — one's constraints imply the other's — their
   difference is an implicit cell of ``larger − smaller`` units. It must pass the
   minimum count and, where zeros are disclosive, must not be zero. Pairs among earlier
   exports are not judged again: each was judged when the later of the two was released.
   The nested pairs are found through the ``NestingFinder`` port: ``ExactNesting`` here
   (the reference), ``ArrayNesting`` (NumPy joins, the same pairs) where the service
   wires it; every containment is still decided by ``Constraint.contains``.

4. **Suppressed cells rebuilt from two earlier cells.** A cell suppressed now must not
   equal the difference of two released cells whose populations agree on every
   attribute but one, where the larger's constraint minus the smaller's is exactly the
   suppressed cell's (a value set minus a value set, or an interval minus an interval
   sharing an end).

What it does not see: nestings that hold only in the data (every firm of a district is
in its city) unless both constraints are declared; complements against an attribute the
larger population leaves unconstrained, beyond parts 2 and 3; dominance of the implicit
cells of part 3, whose largest contributors the top-2 summaries cannot tell; sums of
three or more earlier cells that are not margins of the new table; differencing across
developers or across data versions.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import chain, product
from operator import attrgetter, itemgetter
from typing import Protocol, TypeVar, cast

from services.product_release.domain.check_results import CheckResult, Offence, verdict
from services.product_release.domain.history import (
    CellColumns,
    EarlierCells,
    LazyCells,
    columns_of,
)
from services.product_release.domain.history import (
    ReleasedCell as ReleasedCell,
)
from services.product_release.domain.outputs import (
    ADDITIVE_ROLES,
    Column,
    Constraint,
    Population,
    Role,
    Value,
)
from services.product_release.domain.settings import ExportCheckSettings
from services.product_release.domain.table_checks import (
    EXP_2,
    Exact,
    Number,
    TableView,
    as_exact,
    dominance_problems,
    number,
    size_of,
)

_UNIVERSE = attrgetter("universe")
_MEASURE = attrgetter("measure")


def measure_of(column: Column) -> str:
    return "count" if column.role is Role.COUNT else f"{column.role.value}:{column.item}"


def _is_total(value: Value, marker: Value) -> bool:
    return value == marker and type(value) is type(marker)


def row_populations(view: TableView) -> list[Population]:
    """Each row's population: the table's filters and the row's own dimension values."""
    if "row_populations" not in view.memo:
        view.memo["row_populations"] = _row_populations(view)
    return cast(list[Population], view.memo["row_populations"])


def _row_populations(view: TableView) -> list[Population]:
    """The attributes of a row are the filters' and the dimensions' (not at the total
    marker), in name order: that order is fixed once, and each row walks it."""
    table = view.table
    marker = table.total_marker
    base = {f.attribute: f for f in table.filters}
    dimension_items = [table.columns[p].item for p in view.shape.dimensions]
    position_of = {item: d for d, item in enumerate(dimension_items)}
    if len(position_of) != len(dimension_items):
        return _row_populations_by_dict(view)  # one item in two dimensions: the general way
    if marker is None:
        return _row_populations_by_column(view, base, position_of)
    order = [
        (name, position_of.get(name), base.get(name)) for name in sorted({*base, *position_of})
    ]
    points: dict[tuple[str, Value], Constraint] = {}
    populations: list[Population] = []
    for key in view.keys:
        population: list[Constraint] = []
        for name, d, fixed in order:
            if d is None:
                population.append(fixed)  # type: ignore[arg-type]  # a filter only
                continue
            value = key[d]
            if value == marker and type(value) is type(marker):
                if fixed is not None:
                    population.append(fixed)
                continue
            point = points.get((name, value))
            if point is None:
                point = points[(name, value)] = Constraint(name, values=frozenset({value}))
            population.append(point if fixed is None else fixed.intersect(point))
        populations.append(tuple(population))
    return populations


def _row_populations_by_column(
    view: TableView, base: dict[str, Constraint], position_of: dict[str, int]
) -> list[Population]:
    """The same populations, built one attribute at a time for a table whose total
    marker is ``None`` (ROLLUP and CUBE's, the default): one constraint per distinct
    value, every row's looked up by value, rows zipped together at the end."""
    keys = view.keys
    columns: list[list[Constraint | None]] = []
    gaps = False
    """some row leaves an attribute unconstrained (a margin without a filter)"""
    for name in sorted({*base, *position_of}):
        d, fixed = position_of.get(name), base.get(name)
        if d is None:
            columns.append([fixed] * len(keys))
            continue
        values = view.columns.values[view.shape.dimensions[d]]  # the key's d-th value
        by_value: dict[Value, Constraint | None] = {}
        for value in dict.fromkeys(values):  # the first of equal values, as a dict keeps
            if value is None:
                by_value[value] = fixed  # a margin: the filter alone, if any
                gaps = gaps or fixed is None
                continue
            point = Constraint(name, values=frozenset({value}))
            by_value[value] = point if fixed is None else fixed.intersect(point)
        columns.append(list(map(by_value.__getitem__, values)))
    if not columns:
        return [()] * len(keys)
    if gaps:
        return [tuple(c for c in row if c is not None) for row in zip(*columns, strict=True)]
    return cast(list[Population], list(zip(*columns, strict=True)))


def _row_populations_by_dict(view: TableView) -> list[Population]:
    table = view.table
    marker = table.total_marker
    base = {f.attribute: f for f in table.filters}
    dimension_items = [table.columns[p].item for p in view.shape.dimensions]
    points: dict[tuple[str, Value], Constraint] = {}
    populations: list[Population] = []
    for key in view.keys:
        attributes = dict(base)
        for item, value in zip(dimension_items, key, strict=True):
            if _is_total(value, marker):
                continue
            point = points.get((item, value))
            if point is None:
                point = points[(item, value)] = Constraint(item, values=frozenset({value}))
            attributes[item] = attributes[item].intersect(point) if item in attributes else point
        populations.append(tuple(attributes[name] for name in sorted(attributes)))
    return populations


def _additive(view: TableView, measures: frozenset[str] | None) -> tuple[tuple[int, str], ...]:
    """(position, measure) of the table's additive columns (of ``measures``, default all)."""
    return tuple(
        (p, measure_of(c))
        for p, c in enumerate(view.table.columns)
        if c.role in ADDITIVE_ROLES and (measures is None or measure_of(c) in measures)
    )


class TableCells(LazyCells):
    """Some additive cells of one table, in row order then column order, held as
    positions — a row and a column slot per cell — and built into a ``ReleasedCell``
    only when one is read. A table of 100,000 rows need not become 200,000 objects
    for the differencing check (EXP-2): the array adapter reads ``rows``, ``slots``,
    ``columns`` and the rows' ``populations`` instead; the exact path reads cells."""

    __slots__ = ("columns", "export_id", "populations", "rows", "slots", "view")

    def __init__(
        self,
        view: TableView,
        export_id: str,
        columns: tuple[tuple[int, str], ...],
        rows: list[int],
        slots: list[int],
    ) -> None:
        self.view = view
        self.export_id = export_id
        self.columns = columns
        """(position in the table, measure) per column slot"""
        self.rows = rows
        self.slots = slots
        self.populations = row_populations(view)
        """every row's population (one object per row, shared by the row's cells)"""

    def __len__(self) -> int:
        return len(self.rows)

    def _cell(self, index: int) -> ReleasedCell:
        row = self.rows[index]
        position, measure = self.columns[self.slots[index]]
        table = self.view.table
        value = table.rows[row][position]
        shown = number(value)
        return ReleasedCell(
            self.export_id,
            table.name,
            table.universe,
            measure,
            self.populations[row],
            self.view.units[row],
            None if shown is None else float(shown),
            value is not None,
        )


def table_cells(
    view: TableView, export_id: str = "", measures: frozenset[str] | None = None
) -> list[ReleasedCell]:
    """Every additive cell of the table (of ``measures``, default all) with its
    population; suppressed ones flagged."""
    columns = _additive(view, measures)
    if not columns:
        return []
    rows = len(view.keys)
    width = len(columns)
    block = TableCells(
        view,
        export_id,
        columns,
        _each_repeated(range(rows), width),
        list(range(width)) * rows,
    )
    return list(block)


_Item = TypeVar("_Item")


def _each_repeated(items: Sequence[_Item], times: int) -> list[_Item]:
    """Every item ``times`` times over, in order (``[a, a, b, b]``), without a Python
    loop per item."""
    return list(chain.from_iterable(zip(*([items] * times), strict=True)))


def shown_and_hidden(
    view: TableView, measures: frozenset[str] | None = None
) -> tuple[TableCells, TableCells]:
    """The table's additive cells (of ``measures``) split into those released with
    known units — what differencing can use — and those suppressed (EXP-2), in the
    order ``table_cells`` lists them."""
    columns = _additive(view, measures)
    shown_rows: list[int] = []
    shown_slots: list[int] = []
    hidden_rows: list[int] = []
    hidden_slots: list[int] = []
    positions = [p for p, _ in columns]
    units = view.units
    rows = view.table.rows
    kinds = view.columns.kinds
    if None not in units and not any(type(None) in kinds[p] for p in positions):
        width = len(columns)  # the usual case: every cell released, every unit known
        shown_rows = _each_repeated(range(len(rows)), width)
        return (
            TableCells(view, "", columns, shown_rows, list(range(width)) * len(rows)),
            TableCells(view, "", columns, [], []),
        )
    for row, values in enumerate(rows):
        known = units[row] is not None
        for slot, position in enumerate(positions):
            if values[position] is None:
                hidden_rows.append(row)
                hidden_slots.append(slot)
            elif known:
                shown_rows.append(row)
                shown_slots.append(slot)
    return (
        TableCells(view, "", columns, shown_rows, shown_slots),
        TableCells(view, "", columns, hidden_rows, hidden_slots),
    )


def released_cells(view: TableView, export_id: str) -> list[ReleasedCell]:
    """What an approved export adds to its developer's history."""
    return [cell for cell in table_cells(view, export_id) if cell.released]


def released_columns(view: TableView, export_id: str) -> CellColumns | None:
    """``released_cells`` as columns, read from the table column by column without a
    cell object; ``None`` when columns cannot hold them exactly (``columns_of``)."""
    columns = _additive(view, None)
    table = view.table
    width = len(columns)
    count = len(table.rows)
    units = view.units
    shown = [list(map(itemgetter(p), table.rows)) for p, _ in columns]
    rows: list[int]
    slots: list[int]
    cell_units: list[int | None]
    values: list[float | None]
    if all(set(map(type, column)) <= {int, float} for column in shown):
        # the usual table: every cell released and a plain number, row by row
        rows = _each_repeated(range(count), width)
        slots = list(range(width)) * count
        cell_units = _each_repeated(units, width)
        values = list(map(float, chain.from_iterable(zip(*shown, strict=True))))
    else:
        rows, slots, cell_units, values = [], [], [], []
        for row in range(count):
            for slot, column in enumerate(shown):
                value = column[row]
                if value is not None:
                    known = number(value)
                    rows.append(row)
                    slots.append(slot)
                    cell_units.append(units[row])
                    values.append(None if known is None else float(known))
    return columns_of(
        export_id,
        table.name,
        table.universe,
        tuple(measure for _, measure in columns),
        row_populations(view),
        (rows, slots, cell_units, values),
    )


@dataclass(frozen=True, slots=True)
class MarginEquation:
    """A margin equals the sum of ``children`` (row positions). The margin is a row of the
    table (``parent``) or an earlier export's cell of known ``value`` (``source``)."""

    children: tuple[int, ...]
    parent: int | None = None
    value: float | None = None
    source: ReleasedCell | None = None


def margin_equations(view: TableView) -> list[MarginEquation]:
    """Part 1: the table's own margins (computed once per view)."""
    if "margin_equations" not in view.memo:
        view.memo["margin_equations"] = _margin_equations(view)
    return cast(list[MarginEquation], view.memo["margin_equations"])


def _solve_own(view: TableView, unknown: set[int]) -> set[int]:
    """Cells fixed by the table's own margins alone, per suppression pattern (memoized:
    a sum suppressed like its count, and the earlier-exports check, reuse it)."""
    key = ("own", frozenset(unknown))
    if key not in view.memo:
        equations = margin_equations(view)
        view.memo[key] = determined_unknowns(_system(equations, unknown)) if equations else set()
    return cast(set[int], view.memo[key])


def _margin_equations(view: TableView) -> list[MarginEquation]:
    marker = view.table.total_marker
    if not view.has_margins():
        return []  # every equation's parent is a margin row: none, no equations
    rows_by_key: dict[tuple[Value, ...], int] = {}
    for row, key in enumerate(view.keys):
        if key in rows_by_key:
            return []  # repeated keys: not a grouped table (the row-level check fails it)
        rows_by_key[key] = row
    groups: dict[tuple[tuple[Value, ...], int], list[int]] = defaultdict(list)
    for row, key in enumerate(view.keys):
        for d, value in enumerate(key):
            if not _is_total(value, marker):
                groups[((*key[:d], marker, *key[d + 1 :]), d)].append(row)
    equations = []
    for (parent_key, _), children in groups.items():
        parent = rows_by_key.get(parent_key)
        if parent is not None:
            equations.append(MarginEquation(tuple(children), parent=parent))
    return equations


RowsByRest = dict[tuple[str, Population], list[tuple[Value, int]]]
"""(dimension item, population without it) → the rows there, with their value of it"""


def _rows_by_rest(view: TableView, items: list[tuple[int, str]]) -> RowsByRest:
    """Rows grouped by their population without one dimension (computed once per view)."""
    if "rows_by_rest" in view.memo:
        return cast(RowsByRest, view.memo["rows_by_rest"])
    marker = view.table.total_marker
    groups: RowsByRest = defaultdict(list)
    for row, people in enumerate(row_populations(view)):
        key = view.keys[row]
        for d, item in items:
            if not _is_total(key[d], marker):
                rest = tuple(c for c in people if c.attribute != item)
                groups[(item, rest)].append((key[d], row))
    view.memo["rows_by_rest"] = groups
    return groups


def earlier_margin_equations(
    view: TableView, column: Column, earlier: Sequence[ReleasedCell]
) -> list[MarginEquation]:
    """Part 2: earlier cells that are unions of this table's rows along one dimension."""
    table = view.table
    measure = measure_of(column)
    if isinstance(earlier, EarlierCells):  # as columns: only this measure's cells built
        earlier = earlier.of(table.universe, measure)
    candidates = [
        cell
        for cell in earlier
        if cell.released
        and cell.value is not None
        and cell.universe == table.universe
        and cell.measure == measure
    ]
    if not candidates or len(set(view.keys)) != len(view.keys):
        return []
    coverage = {f.attribute: f for f in table.filters}
    items = [(d, table.columns[p].item) for d, p in enumerate(view.shape.dimensions)]
    groups = _rows_by_rest(view, items)
    equations: list[MarginEquation] = []
    for cell in candidates:
        for _, item in items:
            own = next((c for c in cell.population if c.attribute == item), None)
            cover = coverage.get(item)
            if cover is not None and (own is None or not cover.contains(own)):
                continue  # the table leaves out part of the earlier cell
            rest = tuple(c for c in cell.population if c.attribute != item)
            members = groups.get((item, rest), ())
            children = tuple(row for value, row in members if own is None or own.holds(value))
            if children:
                equations.append(MarginEquation(children, value=cell.value, source=cell))
    return equations


def determined_unknowns(equations: Sequence[Mapping[int, int]]) -> set[int]:
    """Unknowns whose value the equations fix, found exactly.

    x_k is fixed exactly when e_k lies in the row space of the coefficients; in reduced
    row echelon form that is a row whose only entry is its pivot k. The elimination is
    Gauss–Jordan with Markowitz ordering (sparsest equation first, rarest unknown in it
    as pivot), which on margin equations starts as plain peeling — a total with one
    suppressed cell gives that cell away — and keeps fill-in small. Coefficients stay
    integers while pivots are ±1 (always, on margins) and become fractions otherwise.
    """
    rows: list[dict[int, int | Fraction]] = [{k: v for k, v in eq.items() if v} for eq in equations]
    holders: dict[int, set[int]] = defaultdict(set)
    """unknown → equations that hold it"""
    for index, row in enumerate(rows):
        for unknown in row:
            holders[unknown].add(index)
    queue = [(len(row), index) for index, row in enumerate(rows)]
    heapq.heapify(queue)
    pending = set(range(len(rows)))
    pivots: dict[int, int] = {}
    while queue:
        size, chosen = heapq.heappop(queue)
        row = rows[chosen]
        if chosen not in pending or size != len(row):
            continue
        pending.discard(chosen)
        if not row:
            continue
        pivot = min(row, key=lambda k: (len(holders[k]), k))
        lead = row[pivot]
        if lead == -1:
            for k in row:
                row[k] = -row[k]
        elif lead != 1:
            for k in row:
                row[k] = Fraction(row[k]) / lead
        for other in list(holders[pivot]):
            if other == chosen:
                continue
            target = rows[other]
            factor = target[pivot]
            for k, value in row.items():
                updated = target.get(k, 0) - factor * value
                if updated:
                    if k not in target:
                        holders[k].add(other)
                    target[k] = updated
                elif k in target:
                    del target[k]
                    holders[k].discard(other)
            if other in pending:
                heapq.heappush(queue, (len(target), other))
        pivots[pivot] = chosen
    return {pivot for pivot, chosen in pivots.items() if len(rows[chosen]) == 1}


def _exact_rest(margin: Number, shown: Sequence[Number]) -> Exact:
    """The margin less the released cells, exactly (decimals as written, EXP-2)."""
    if isinstance(margin, int) and all(isinstance(v, int) for v in shown):
        return margin - sum(cast(Sequence[int], shown))
    return as_exact(margin) - sum((as_exact(v) for v in shown), start=0)


def _clearly_undominated(
    known: tuple[Number, Sequence[Number]],
    largest: Number,
    second: Number,
    settings: ExportCheckSettings,
) -> bool:
    """The merged cell passes dominance and p-ratio whatever the rounding of its float
    total: judged against the least the exact total can be."""
    margin, shown = known
    if isinstance(margin, int) and all(isinstance(v, int) for v in shown):
        return False  # integers are exact and cheap: decide exactly
    spread = 1e-12 * (abs(float(margin)) + math.fsum(abs(float(v)) for v in shown))
    approx = float(margin) - math.fsum(float(v) for v in shown)
    low, top, runner_up = approx - spread, float(largest), float(second)
    slack = 1 + 1e-9
    return (
        top * 100 * slack < settings.dominance_largest_percent * low
        and (top + runner_up) * 100 * slack < settings.dominance_top_two_percent * low
        and (low - top * slack - runner_up * slack) * 100 > settings.p_ratio_percent * top * slack
    )


def _merged_finding(
    view: TableView,
    column: Column,
    hidden: list[int],
    known: tuple[Number, Sequence[Number]],
    settings: ExportCheckSettings,
) -> str | None:
    """Judge suppressed cells that together equal a known amount — the margin less the
    released cells, ``known`` — as one merged cell."""
    margin, shown = known
    if column.role is Role.COUNT:
        units: int | None = round(_exact_rest(margin, shown))
    else:
        members = [view.units[c] for c in hidden]
        units = None if any(u is None for u in members) else sum(u or 0 for u in members)
    if units is not None:
        if units == 0 and settings.zero_cells_disclosive:
            return "the suppressed cells of this margin sum to zero: each is zero"
        if 0 < units < settings.min_cell_count:
            return (
                f"the suppressed cells of this margin hold {units} units together, "
                f"fewer than {settings.min_cell_count}"
            )
    if column.role is Role.SUM:
        first, second = view.shape.top.get(column.name, (None, None))
        if first is not None and second is not None:
            candidates = [
                number(view.table.rows[c][p]) or 0 for c in hidden for p in (first, second)
            ]
            # floats keep the order of the decimals they stand for: only the two largest
            # by size are read exactly, and the merged total only near a limit
            largest, runner_up = heapq.nlargest(2, candidates, key=abs)
            if _clearly_undominated(known, abs(largest), abs(runner_up), settings):
                return None
            tops = [size_of(as_exact(largest)), size_of(as_exact(runner_up))]
            together = _exact_rest(margin, shown)
            dominance, p_ratio = dominance_problems(together, tops[0], tops[1], settings)
            if dominance or p_ratio:
                return f"the suppressed cells of this margin, merged: {dominance or p_ratio}"
    return None


def _unknowns(view: TableView, position: int) -> set[int]:
    """The rows whose cell in column ``position`` is suppressed (computed once a column)."""
    key = ("unknowns", position)
    if key not in view.memo:
        column = list(map(itemgetter(position), view.table.rows))
        view.memo[key] = (
            {row for row, value in enumerate(column) if value is None} if None in column else set()
        )
    return set(cast(set[int], view.memo[key]))


def _system(equations: Sequence[MarginEquation], unknown: set[int]) -> list[dict[int, int]]:
    system = []
    for equation in equations:
        coefficients = {equation.parent: 1} if equation.parent in unknown else {}
        for child in equation.children:
            if child in unknown:
                coefficients[child] = -1
        if coefficients:
            system.append(coefficients)
    return system


def _merged_offences(
    view: TableView,
    column: Column,
    position: int,
    equations: Sequence[MarginEquation],
    unknown: set[int],
    fixed: set[int],
    settings: ExportCheckSettings,
) -> list[Offence]:
    """Suppressed children of a known margin, judged together as one merged cell."""
    offences: list[Offence] = []
    rows = view.table.rows
    for equation in equations:
        hidden = [c for c in equation.children if c in unknown]
        if equation.parent in unknown or len(hidden) < 2 or any(c in fixed for c in hidden):
            continue
        margin = number(
            equation.value if equation.parent is None else rows[equation.parent][position]
        )
        shown = [number(rows[c][position]) for c in equation.children if c not in unknown]
        if margin is None or any(s is None for s in shown):
            continue
        known = (margin, [s for s in shown if s is not None])
        finding = _merged_finding(view, column, hidden, known, settings)
        if finding:
            offence: Offence = {
                "rows": sorted((view.label(c) for c in hidden), key=repr),
                "column": column.name,
                "detail": finding,
            }
            if equation.source is not None:
                offence["margin"] = equation.source.as_record()
            offences.append(offence)
    return offences


def check_margins(view: TableView, settings: ExportCheckSettings) -> CheckResult:
    """EXP-2: no suppressed cell is recoverable from the table's own margins."""
    equations = margin_equations(view)
    offences: list[Offence] = []
    for position, column in enumerate(view.table.columns):
        if column.role not in ADDITIVE_ROLES or not equations:
            continue
        unknown = _unknowns(view, position)
        if not unknown:
            continue
        fixed = _solve_own(view, unknown)
        offences += [
            {
                "row": view.label(row),
                "column": column.name,
                "detail": "recoverable exactly from the released margins",
            }
            for row in fixed
        ]
        offences += _merged_offences(view, column, position, equations, unknown, fixed, settings)
    return verdict(
        "differencing_margins",
        EXP_2,
        offences,
        passed="no suppressed cell can be recovered from the table's margins",
        failed="suppressed cells recoverable from the margins: suppress more (secondary)",
    )


def _earlier_as_margins(
    view: TableView, earlier: Sequence[ReleasedCell], settings: ExportCheckSettings
) -> list[Offence]:
    """Part 2: what the table's margins alone keep hidden but earlier cells give away."""
    offences: list[Offence] = []
    own = margin_equations(view)
    for position, column in enumerate(view.table.columns):
        if column.role not in ADDITIVE_ROLES:
            continue
        unknown = _unknowns(view, position)
        if not unknown:
            continue
        known_margins = {
            frozenset(e.children) for e in own if e.parent is not None and e.parent not in unknown
        }
        extra = [
            e
            for e in earlier_margin_equations(view, column, earlier)
            if unknown.intersection(e.children) and frozenset(e.children) not in known_margins
        ]
        if not extra:
            continue
        before = _solve_own(view, unknown)
        fixed = determined_unknowns(_system([*own, *extra], unknown))
        offences += [
            {
                "row": view.label(row),
                "column": column.name,
                "detail": "recoverable exactly from the margins with earlier exports' cells",
            }
            for row in fixed - before
        ]
        offences += _merged_offences(view, column, position, extra, unknown, fixed, settings)
    return offences


class _Signature:
    """Cells of one universe and measure constraining the same attributes (by position
    in the list indexed)."""

    def __init__(self, attributes: tuple[str, ...]) -> None:
        self.attributes = attributes
        self.cells: dict[Population, list[int]] = defaultdict(list)
        self.options: dict[str, set[Constraint]] = defaultdict(set)
        self.wider: dict[Constraint, list[Constraint]] = {}

    def add(self, index: int, cell: ReleasedCell) -> None:
        self.cells[cell.population].append(index)
        for constraint in cell.population:
            self.options[constraint.attribute].add(constraint)

    def containing(self, mine: dict[str, Constraint]) -> list[int]:
        choices: list[list[Constraint]] = []
        for attribute in self.attributes:
            target = mine[attribute]
            wider = self.wider.get(target)
            if wider is None:
                wider = [c for c in self.options[attribute] if c.contains(target)]
                self.wider[target] = wider
            if not wider:
                return []
            choices.append(wider)
        found: list[int] = []
        for combination in product(*choices):
            found += self.cells.get(combination, ())
        return found


class _NestingIndex:
    """Finds released cells whose population contains a given cell's."""

    def __init__(self, cells: Sequence[ReleasedCell]) -> None:
        self.cells = cells
        self.groups: dict[tuple[str, str], dict[frozenset[str], _Signature]] = defaultdict(dict)
        for index, cell in enumerate(cells):
            attributes = tuple(c.attribute for c in cell.population)
            signatures = self.groups[(cell.universe, cell.measure)]
            signature = signatures.get(frozenset(attributes))
            if signature is None:
                signature = signatures[frozenset(attributes)] = _Signature(attributes)
            signature.add(index, cell)

    def containing(self, cell: ReleasedCell) -> list[int]:
        """Positions of the indexed cells containing ``cell`` (and not equal to it)."""
        signatures = self.groups.get((cell.universe, cell.measure))
        if not signatures:
            return []
        mine = {c.attribute: c for c in cell.population}
        found: list[int] = []
        for attributes, signature in signatures.items():
            if attributes <= mine.keys():
                found += signature.containing(mine)
        return sorted(i for i in found if self.cells[i].population != cell.population)


class NestingFinder(Protocol):
    """Port: which released cells nest in which (part 3). An adapter may find them with
    array code; it must find exactly the pairs ``ExactNesting`` finds."""

    def pairs(
        self, larger: Sequence[ReleasedCell], smaller: Sequence[ReleasedCell]
    ) -> list[tuple[int, int]]:
        """``(j, i)`` for every ``smaller[j]`` whose population ``larger[i]``'s contains
        (same universe and measure, populations not equal), sorted."""
        ...

    def both_ways(
        self, first: Sequence[ReleasedCell], second: Sequence[ReleasedCell]
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """``(pairs(first, second), pairs(second, first))``: one coding of both lists."""
        ...


class ExactNesting:
    """The reference ``NestingFinder``: an index of constraints per attribute, each
    containment decided by ``Constraint.contains``."""

    def pairs(
        self, larger: Sequence[ReleasedCell], smaller: Sequence[ReleasedCell]
    ) -> list[tuple[int, int]]:
        index = _NestingIndex(larger)
        return [(j, i) for j, cell in enumerate(smaller) for i in index.containing(cell)]

    def both_ways(
        self, first: Sequence[ReleasedCell], second: Sequence[ReleasedCell]
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        return self.pairs(first, second), self.pairs(second, first)


EXACT_NESTING = ExactNesting()


def _pair_finding(
    larger: ReleasedCell, smaller: ReleasedCell, settings: ExportCheckSettings
) -> Offence | None:
    if larger.units is None or smaller.units is None:
        return None
    difference = larger.units - smaller.units
    if difference < 0:
        return None  # inconsistent counts: not the same data, no implicit cell
    if difference == 0 and settings.zero_cells_disclosive:
        detail = "the difference of these nested cells is zero: a zero cell"
    elif 0 < difference < settings.min_cell_count:
        detail = (
            f"the difference of these nested cells holds {difference} units, "
            f"fewer than {settings.min_cell_count}"
        )
    else:
        return None
    return {"larger": larger.as_record(), "smaller": smaller.as_record(), "detail": detail}


def check_earlier_exports(
    view: TableView,
    earlier: Sequence[ReleasedCell],
    settings: ExportCheckSettings,
    nesting: NestingFinder = EXACT_NESTING,
) -> CheckResult:
    """EXP-2: suppression survives differencing against the developer's earlier exports.
    ``nesting`` finds the nested pairs of part 3 (an array adapter where it is wired)."""
    if not earlier:
        return verdict(
            "differencing_earlier_exports",
            EXP_2,
            (),
            passed="no earlier export of this developer to difference against",
            failed="",
        )
    offences = _earlier_as_margins(view, earlier, settings)
    universe = view.table.universe
    before: Sequence[ReleasedCell]
    if isinstance(earlier, EarlierCells):  # as columns: filtered without cell objects
        before = earlier.usable()
        measures = before.measures(universe)
    else:
        before = [c for c in earlier if c.released and c.units is not None]
        if set(map(_UNIVERSE, before)) == {universe}:  # the usual history: one universe
            measures = frozenset(map(_MEASURE, before))
        else:
            measures = frozenset(c.measure for c in before if c.universe == universe)
    shown, hidden = shown_and_hidden(view, measures)
    if before and shown:
        old_over_new, new_over_old = nesting.both_ways(before, shown)
        for j, i in old_over_new:
            finding = _pair_finding(before[i], shown[j], settings)
            if finding:
                offences.append(finding)
        for j, i in new_over_old:
            finding = _pair_finding(shown[i], before[j], settings)
            if finding:
                offences.append(finding)
    if before and hidden:
        offences += _rebuilt_suppressed(hidden, before, shown)
    return verdict(
        "differencing_earlier_exports",
        EXP_2,
        offences,
        passed="no cell is disclosed by differencing with the developer's earlier exports",
        failed="cells disclosed by differencing with earlier exports of this developer",
    )


def _rebuilt_suppressed(
    hidden: Sequence[ReleasedCell], before: Sequence[ReleasedCell], shown: Sequence[ReleasedCell]
) -> list[Offence]:
    """Part 3: suppressed cells equal to ``larger − smaller`` of two released cells
    (earlier ones, ``before``, then this export's ``shown``).

    Only a released cell with a wider-than-one-value constraint can be the larger one,
    so only those are indexed by the rest of their population (a history held as
    columns finds them from its constraints, without building its other cells).
    """
    released = chain(before, shown)
    broad = before.with_wider() if isinstance(before, EarlierCells) else before
    wider_by_rest: dict[tuple[str, str, str, Population], list[ReleasedCell]] = defaultdict(list)
    for cell in chain(broad, shown):
        for constraint in cell.population:
            if not constraint.is_point:
                rest = tuple(c for c in cell.population if c is not constraint)
                key = (cell.universe, cell.measure, constraint.attribute, rest)
                wider_by_rest[key].append(cell)
    if not wider_by_rest:
        return []
    by_population: dict[tuple[str, str, Population], list[ReleasedCell]] = defaultdict(list)
    for cell in released:
        by_population[(cell.universe, cell.measure, cell.population)].append(cell)
    offences: list[Offence] = []
    for cell in hidden:
        for constraint in cell.population:
            rest = tuple(c for c in cell.population if c is not constraint)
            key = (cell.universe, cell.measure, constraint.attribute, rest)
            for larger in wider_by_rest.get(key, ()):
                wider = next(c for c in larger.population if c.attribute == constraint.attribute)
                complement = wider.minus(constraint)
                if complement is None or wider.minus(complement) != constraint:
                    continue
                smaller_population = tuple(sorted((*rest, complement), key=lambda c: c.attribute))
                for smaller in by_population.get(
                    (cell.universe, cell.measure, smaller_population), ()
                ):
                    offences.append(
                        {
                            "suppressed": cell.as_record(),
                            "larger": larger.as_record(),
                            "smaller": smaller.as_record(),
                            "detail": "the suppressed cell is the difference of two released cells",
                        }
                    )
    return offences
