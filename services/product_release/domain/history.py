"""A developer's differencing history (EXP-2): the released cells of its approved
exports, one ``ReleasedCell`` each to the checks, held as columns.

An approved export of 100,000 rows adds some 200,000 cells to its developer's history;
ten such exports are two million. Held as one object per cell — and stored as one
document per cell — they cost seconds to read and to code for the nesting search before
any check starts. ``CellColumns`` holds one export's cells as flat arrays instead: per
attribute, each row's constraint as a code into the export's few distinct constraints;
per cell, its row, its measure, its units and its value. ``EarlierCells`` chains the
blocks of every approved export (and any cells read one by one, as exports approved
before the blocks were stored them). Both are sequences of ``ReleasedCell``, built only
when one is read, so the exact checks read them as they read a list; the array nesting
finder reads the arrays themselves.

A population lists its constraints in attribute-name order (as ``row_populations``
builds them), one per attribute, so the codes of a row give back the very tuple.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import compress
from typing import overload

from services.product_release.domain.outputs import Constraint, Population

THIS_EXPORT = "(this export)"

ABSENT = -1
"""The code of an attribute a row's population does not constrain."""


@dataclass(frozen=True, slots=True)
class ReleasedCell:
    """One cell of an export, kept after approval for differencing later exports."""

    export_id: str
    table: str
    universe: str
    measure: str
    """``count``, or ``sum:<data item>``."""
    population: Population
    units: int | None
    value: float | None = None
    released: bool = True

    def as_record(self) -> dict[str, object]:
        return {
            "export": self.export_id or THIS_EXPORT,
            "table": self.table,
            "measure": self.measure,
            "population": [c.as_record() for c in self.population],
        }


class LazyCells(Sequence[ReleasedCell]):
    """Released cells held some other way than one object each, built when read: a
    subclass gives ``__len__`` and ``_cell`` (an index already in range)."""

    @abstractmethod
    def _cell(self, index: int) -> ReleasedCell: ...

    @overload
    def __getitem__(self, index: int) -> ReleasedCell: ...

    @overload
    def __getitem__(self, index: slice) -> list[ReleasedCell]: ...

    def __getitem__(self, index: int | slice) -> ReleasedCell | list[ReleasedCell]:
        if isinstance(index, slice):
            return [self._cell(k) for k in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("cell index out of range")
        return self._cell(index)

    def __iter__(self) -> Iterator[ReleasedCell]:
        return map(self._cell, range(len(self)))


class CellColumns(LazyCells):
    """The released cells of one table of one export, as columns (every cell released).

    ``codes[a][r]`` is row r's constraint on ``attributes[a]`` as a position in
    ``options[a]`` (``ABSENT``: none); cell k is row ``row[k]`` in measure
    ``measures[measure[k]]`` with ``units[k]`` units (unknown where ``known[k]`` is 0)
    and the value ``values[k]`` (none where ``valued[k]`` is 0). ``known`` and
    ``valued`` are ``None`` when every cell has units, or a value."""

    __slots__ = (
        "_populations",
        "attributes",
        "codes",
        "export_id",
        "known",
        "measure",
        "measures",
        "options",
        "row",
        "rows",
        "table",
        "units",
        "universe",
        "valued",
        "values",
    )

    def __init__(
        self,
        *,
        export_id: str,
        table: str,
        universe: str,
        measures: tuple[str, ...],
        attributes: tuple[str, ...],
        options: tuple[tuple[Constraint, ...], ...],
        rows: int,
        codes: tuple[array[int], ...],
        row: array[int],
        measure: array[int],
        units: array[int],
        values: array[float],
        known: array[int] | None = None,
        valued: array[int] | None = None,
    ) -> None:
        count = len(row)
        if list(attributes) != sorted(set(attributes)):
            raise ValueError("attributes are listed once each, in name order")
        if len(options) != len(attributes) or len(codes) != len(attributes):
            raise ValueError("one list of options and one column of codes per attribute")
        if any(len(column) != rows for column in codes):
            raise ValueError("one code per row on every attribute")
        if any(len(c) != count for c in (measure, units, values, known, valued) if c is not None):
            raise ValueError("one row, measure, units and value per cell")
        self.export_id = export_id
        self.table = table
        self.universe = universe
        self.measures = measures
        self.attributes = attributes
        self.options = options
        self.rows = rows
        self.codes = codes
        self.row = row
        self.measure = measure
        self.units = units
        self.values = values
        self.known = known
        self.valued = valued
        self._populations: list[Population | None] = [None] * rows

    def __len__(self) -> int:
        return len(self.row)

    def population(self, row: int) -> Population:
        """Row ``row``'s population: one tuple per row, shared by the row's cells."""
        found = self._populations[row]
        if found is None:
            found = self._populations[row] = tuple(
                options[column[row]]
                for options, column in zip(self.options, self.codes, strict=True)
                if column[row] != ABSENT
            )
        return found

    def _cell(self, k: int) -> ReleasedCell:
        known = self.known is None or self.known[k]
        valued = self.valued is None or self.valued[k]
        return ReleasedCell(
            self.export_id,
            self.table,
            self.universe,
            self.measures[self.measure[k]],
            self.population(self.row[k]),
            self.units[k] if known else None,
            self.values[k] if valued else None,
        )

    def with_units(self) -> CellColumns:
        """The cells whose units are known (this block when all are)."""
        if self.known is None or all(self.known):
            return self
        return self._where(self.known)

    def with_wider(self) -> CellColumns:
        """The cells whose population has a constraint wider than one value (a value
        set or an interval), found from the block's few distinct constraints."""
        wide = [{k for k, c in enumerate(options) if not c.is_point} for options in self.options]
        if not any(wide):
            return self._where([0] * len(self.row))
        flags = bytearray(self.rows)
        for column, codes in zip(self.codes, wide, strict=True):
            if codes:
                for r, code in enumerate(column):
                    if code in codes:
                        flags[r] = 1
        return self._where([flags[r] for r in self.row])

    def of_measure(self, measure: str) -> CellColumns:
        """The cells of ``measure``."""
        if measure not in self.measures:
            return self._where([0] * len(self.row))
        if len(self.measures) == 1:
            return self
        code = self.measures.index(measure)
        return self._where([m == code for m in self.measure])

    def _where(self, keep: Iterable[int]) -> CellColumns:
        mask = list(keep)

        def picked(column: array[int] | None) -> array[int] | None:
            return None if column is None else array(column.typecode, compress(column, mask))

        return CellColumns(
            export_id=self.export_id,
            table=self.table,
            universe=self.universe,
            measures=self.measures,
            attributes=self.attributes,
            options=self.options,
            rows=self.rows,
            codes=self.codes,
            row=array(self.row.typecode, compress(self.row, mask)),
            measure=array(self.measure.typecode, compress(self.measure, mask)),
            units=array(self.units.typecode, compress(self.units, mask)),
            values=array(self.values.typecode, compress(self.values, mask)),
            known=picked(self.known),
            valued=picked(self.valued),
        )


def columns_of(
    export_id: str,
    table: str,
    universe: str,
    measures: tuple[str, ...],
    populations: Sequence[Population],
    cells: tuple[list[int], list[int], list[int | None], list[float | None]],
) -> CellColumns | None:
    """One table's released cells as columns: ``cells`` lists each cell's row (a position
    in ``populations``), measure position, units and value. ``None`` when the columns
    cannot hold them exactly: a population not in attribute-name order with one
    constraint per attribute, or units beyond 64 bits — such cells are kept one by one.

    Equal constraint objects are coded once, by identity (rows share them), so a
    constraint's value is never confused with an equal-comparing one of another type."""
    names = sorted({c.attribute for population in populations for c in population})
    position = {name: a for a, name in enumerate(names)}
    options: list[list[Constraint]] = [[] for _ in names]
    known_options: list[dict[int, int]] = [{} for _ in names]
    codes = [array("i", [ABSENT]) * len(populations) for _ in names]
    for r, population in enumerate(populations):
        previous = -1
        for constraint in population:
            a = position[constraint.attribute]
            if a <= previous:
                return None  # out of order, or an attribute twice
            previous = a
            seen = known_options[a]
            code = seen.get(id(constraint))
            if code is None:
                code = seen[id(constraint)] = len(options[a])
                options[a].append(constraint)
            codes[a][r] = code
    rows, slots, units, values = cells
    known = None if None not in units else array("b", [u is not None for u in units])
    valued = None if None not in values else array("b", [v is not None for v in values])
    try:
        unit_column = array("q", [0 if u is None else u for u in units])
    except OverflowError:
        return None
    return CellColumns(
        export_id=export_id,
        table=table,
        universe=universe,
        measures=measures,
        attributes=tuple(names),
        options=tuple(map(tuple, options)),
        rows=len(populations),
        codes=tuple(codes),
        row=array("i", rows),
        measure=array("i", slots),
        units=unit_column,
        values=array("d", map(_or_nan, values)),
        known=known,
        valued=valued,
    )


def _or_nan(value: float | None) -> float:
    return math.nan if value is None else value


class EarlierCells(LazyCells):
    """A developer's history: the cells of ``blocks`` in order, then ``loose`` cells
    (read one by one). Filters keep the blocks as columns."""

    __slots__ = ("_starts", "blocks", "loose")

    def __init__(
        self, blocks: Sequence[CellColumns] = (), loose: Sequence[ReleasedCell] = ()
    ) -> None:
        self.blocks = tuple(b for b in blocks if len(b))
        self.loose = list(loose)
        starts = [0]
        for block in self.blocks:
            starts.append(starts[-1] + len(block))
        self._starts = starts

    def __len__(self) -> int:
        return self._starts[-1] + len(self.loose)

    def _cell(self, index: int) -> ReleasedCell:
        if index >= self._starts[-1]:
            return self.loose[index - self._starts[-1]]
        b = bisect_right(self._starts, index) - 1
        return self.blocks[b][index - self._starts[b]]

    def __iter__(self) -> Iterator[ReleasedCell]:
        for block in self.blocks:
            yield from block
        yield from self.loose

    def usable(self) -> EarlierCells:
        """The released cells with known units: what differencing can use."""
        return EarlierCells(
            [b.with_units() for b in self.blocks],
            [c for c in self.loose if c.released and c.units is not None],
        )

    def with_wider(self) -> EarlierCells:
        """The cells whose population has a constraint wider than one value."""
        return EarlierCells(
            [b.with_wider() for b in self.blocks],
            [c for c in self.loose if not all(x.is_point for x in c.population)],
        )

    def universes(self) -> set[str]:
        return {b.universe for b in self.blocks} | {c.universe for c in self.loose}

    def measures(self, universe: str | None = None) -> frozenset[str]:
        """The measures of the cells (of ``universe``, default every one)."""
        found = {
            name
            for b in self.blocks
            if universe in (None, b.universe)
            for code, name in enumerate(b.measures)
            if code in b.measure  # a scan in C that stops at the first
        }
        found.update(c.measure for c in self.loose if universe in (None, c.universe))
        return frozenset(found)

    def of(self, universe: str, measure: str) -> EarlierCells:
        """The cells of ``universe`` and ``measure``."""
        return EarlierCells(
            [b.of_measure(measure) for b in self.blocks if b.universe == universe],
            [c for c in self.loose if c.universe == universe and c.measure == measure],
        )
