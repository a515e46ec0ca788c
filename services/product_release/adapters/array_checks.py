"""``ArrayNesting``: the ``NestingFinder`` port of the differencing check (差分检查, EXP-2)
with NumPy array joins instead of a Python loop over candidate cells.

Theory of operation. Two released cells nest when they share universe and measure, the
larger constrains a subset of the smaller's attributes, and on each of those attributes
the larger's constraint contains the smaller's. Every distinct constraint gets an integer
code per attribute, and every distinct population object a row of codes over all
attributes (``-1`` where it constrains nothing): objects are told apart by identity with
one NumPy sort of their ids (``_factorize``), and a value look-up happens once per
distinct constraint object. A ``TableCells`` block (the new export's cells) is read by
its row and column positions, so no cell object is built for it.

Cells are then grouped into *nodes*, one per distinct (universe and measure, population
value): ten earlier exports of the same table, and the new one, are as many nodes as the
table has cells. Which code contains which other is decided once per pair of distinct
constraints by ``Constraint.contains`` itself (so exactly as the domain decides it,
never by floating point): a point contains only itself, so only pairs with a value set
or an interval are tried. For each set of attributes the larger nodes constrain (a
*mask*), the smaller nodes constraining at least those attributes are expanded into one
row per combination of containing codes (one row in the usual case of points), the rows
folded into one integer key, and joined with the larger nodes' keys by a sort and
``searchsorted``. Pairs of equal populations are dropped; each node pair stands for
every pair of their cells, and the cell pairs are returned sorted, as ``ExactNesting``
returns them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from services.product_release.domain.differencing import ReleasedCell, TableCells
from services.product_release.domain.history import ABSENT, CellColumns, EarlierCells
from services.product_release.domain.outputs import Constraint, Population

IntArray = npt.NDArray[np.int64]
_ABSENT = ABSENT
_Sparse = tuple[int, IntArray, IntArray, IntArray]
"""distinct populations: their count, and (population, attribute, constraint code) triples"""


@dataclass
class _Layout:
    """One call's distinct populations, for ``_Coder.dense``: ``count`` of them, coded
    as (population, attribute, code) triples and as whole columns of codes (a block's
    attribute: ``(first population, attribute, codes)``, ``_ABSENT`` where none)."""

    count: int = 0
    triples: list[tuple[IntArray, IntArray, IntArray]] = field(default_factory=list)
    columns: list[tuple[int, int, IntArray]] = field(default_factory=list)

    def add(self, sparse: _Sparse) -> None:
        count, at, attributes, codes = sparse
        self.triples.append((at + self.count, attributes, codes))
        self.count += count


def _joined(parts: list[IntArray]) -> IntArray:
    return np.concatenate(parts).astype(np.int64, copy=False) if parts else np.zeros(0, np.int64)


class _Coder:
    """Codes for kinds (universe, measure), attributes and constraints."""

    def __init__(self) -> None:
        self.kinds: dict[int, int] = {}
        """universe code × 2³¹ + measure code → kind code"""
        self.universes: dict[str, int] = {}
        self.measures: dict[str, int] = {}
        self.attributes: dict[str, int] = {}
        self.constraints: list[dict[Constraint, int]] = []
        self._pending: list[_Layout] = []
        self._wider: list[tuple[IntArray, IntArray]] | None = None
        self._by_identity: dict[int, tuple[int, int]] = {}
        self._kept: list[Constraint] = []
        """the constraints coded by identity, kept alive so no ``id`` is reused"""

    def cells(self, cells: Sequence[ReleasedCell]) -> tuple[IntArray, IntArray]:
        """Each cell's kind code and the position of its population among the distinct
        population objects of this call (coded through ``populations``).

        Cells of one table row share their population object, and rows share their
        constraint objects, so both are looked up by identity first: a value look-up,
        with its hashing and comparing, happens once per distinct object, not once per
        cell. A ``TableCells`` block is read by its positions, without building cells."""
        if isinstance(cells, TableCells):
            return self._block(cells)
        if isinstance(cells, CellColumns):
            cells = EarlierCells([cells])
        if isinstance(cells, EarlierCells):
            return self._history(cells)
        kinds, which, sparse = self._loose(cells)
        layout = _Layout()
        layout.add(sparse)
        self._pending.append(layout)
        return kinds, which

    def _loose(self, cells: Sequence[ReleasedCell]) -> tuple[IntArray, IntArray, _Sparse]:
        count = len(cells)
        universe = _codes(self.universes, list(map(_UNIVERSE, cells)))
        measure = _codes(self.measures, list(map(_MEASURE, cells)))
        shapes, which = _by_object(list(map(_POPULATION, cells)))
        kinds = self._kinds(universe, measure) if count else np.zeros(0, dtype=np.int64)
        return kinds, which, self._populations(shapes)

    def _history(self, history: EarlierCells) -> tuple[IntArray, IntArray]:
        """Blocks read by their arrays: each block's few distinct constraints coded by
        value, then every row's codes mapped at once; loose cells as any list."""
        layout = _Layout()
        kinds: list[IntArray] = []
        which: list[IntArray] = []
        for block in history.blocks:
            kinds.append(self._columns(block, layout))
            which.append(np.frombuffer(block.row, dtype=np.intc).astype(np.int64) + layout.count)
            layout.count += block.rows
        if history.loose:
            kind, rows, sparse = self._loose(history.loose)
            kinds.append(kind)
            which.append(rows + layout.count)
            layout.add(sparse)
        self._pending.append(layout)
        return _joined(kinds), _joined(which)

    def _columns(self, block: CellColumns, layout: _Layout) -> IntArray:
        """A block's cells' kinds; its rows' codes laid out from ``layout.count`` on."""
        universe = self.universes.setdefault(block.universe, len(self.universes))
        measures = _codes(self.measures, list(block.measures))
        per_slot = self._kinds(np.full(len(measures), universe, dtype=np.int64), measures)
        for options, column in zip(block.options, block.codes, strict=True):
            if not options:
                continue
            coded = np.asarray([self._coded(c) for c in options], dtype=np.int64).reshape(-1, 2)
            lookup = np.append(coded[:, 1], _ABSENT)  # a local _ABSENT (-1) reads the last
            local = np.frombuffer(column, dtype=np.intc)
            layout.columns.append((layout.count, int(coded[0, 0]), lookup[local]))
        kinds: IntArray = per_slot[np.frombuffer(block.measure, dtype=np.intc)]
        return kinds

    def _block(self, block: TableCells) -> tuple[IntArray, IntArray]:
        universe = self.universes.setdefault(block.view.table.universe, len(self.universes))
        measures = _codes(self.measures, [measure for _, measure in block.columns])
        per_slot = self._kinds(np.full(len(measures), universe, dtype=np.int64), measures)
        slots = np.asarray(block.slots, dtype=np.int64)
        kinds = per_slot[slots] if len(slots) else np.zeros(0, dtype=np.int64)
        layout = _Layout()
        layout.add(self._populations(list(block.populations)))
        self._pending.append(layout)
        return kinds, np.asarray(block.rows, dtype=np.int64)

    def _kinds(self, universe: IntArray, measure: IntArray) -> IntArray:
        combined, inverse = np.unique(universe * 2**31 + measure, return_inverse=True)
        kind_codes = np.asarray(
            [self.kinds.setdefault(int(k), len(self.kinds)) for k in combined.tolist()],
            dtype=np.int64,
        )
        codes: IntArray = kind_codes[inverse.reshape(-1)]
        return codes

    def _populations(self, shapes: list[Population]) -> _Sparse:
        """Code the constraints of each distinct population; ``dense`` lays them out."""
        flat = list(chain.from_iterable(shapes))
        lengths = np.fromiter(map(len, shapes), dtype=np.int64, count=len(shapes))
        distinct, inverse_flat = _by_object(flat)
        coded = np.asarray([self._coded(c) for c in distinct], dtype=np.int64).reshape(-1, 2)
        at = np.repeat(np.arange(len(shapes), dtype=np.int64), lengths)
        attributes = coded[inverse_flat, 0] if len(flat) else np.zeros(0, dtype=np.int64)
        codes = coded[inverse_flat, 1] if len(flat) else np.zeros(0, dtype=np.int64)
        return len(shapes), at, attributes, codes

    def _coded(self, constraint: Constraint) -> tuple[int, int]:
        """(attribute, constraint) codes; by identity first, by value once per object."""
        found = self._by_identity.get(id(constraint))
        if found is None:
            found = self._by_identity[id(constraint)] = self._code(constraint)
            self._kept.append(constraint)
        return found

    def _code(self, constraint: Constraint) -> tuple[int, int]:
        a = self.attributes.get(constraint.attribute)
        if a is None:
            a = self.attributes[constraint.attribute] = len(self.attributes)
            self.constraints.append({})
        known = self.constraints[a]
        c = known.get(constraint)
        if c is None:
            c = known[constraint] = len(known)
        return a, c

    def dense(self) -> list[IntArray]:
        """Every call's distinct populations as a matrix over all attributes coded so
        far (``_ABSENT`` where a population constrains nothing)."""
        width = len(self.attributes)
        matrices = []
        for layout in self._pending:
            matrix = np.full((layout.count, width), _ABSENT, dtype=np.int64)
            for at, attributes, codes in layout.triples:
                matrix[at, attributes] = codes
            for first, attribute, codes in layout.columns:
                matrix[first : first + len(codes), attribute] = codes
            matrices.append(matrix)
        return matrices

    def all_wider(self) -> list[tuple[IntArray, IntArray]]:
        if self._wider is None:
            self._wider = [self.wider(a) for a in range(len(self.attributes))]
        return self._wider

    def wider(self, a: int) -> tuple[IntArray, IntArray]:
        """(narrow, wide) code pairs on attribute ``a`` with ``wide`` ≠ ``narrow`` and
        ``wide.contains(narrow)``; a point contains only itself, so every pair has a
        value set or an interval on one side."""
        codes = self.constraints[a]
        broad = [(c, k) for c, k in codes.items() if not c.is_point]
        narrow_codes: list[int] = []
        wide_codes: list[int] = []
        for wide, w in broad:
            for narrow, k in codes.items():
                if k != w and wide.contains(narrow):
                    narrow_codes.append(k)
                    wide_codes.append(w)
        for narrow, k in broad:  # a value set or interval inside a point (an empty set)
            for wide, w in codes.items():
                if wide.is_point and k != w and wide.contains(narrow):
                    narrow_codes.append(k)
                    wide_codes.append(w)
        return np.asarray(narrow_codes, dtype=np.int64), np.asarray(wide_codes, dtype=np.int64)


_UNIVERSE = attrgetter("universe")
_MEASURE = attrgetter("measure")
_POPULATION = attrgetter("population")


def _codes(known: dict[str, int], values: list[str]) -> IntArray:
    """Codes by value of strings: distinct values found and hashed in C, then mapped."""
    for value in dict.fromkeys(values):
        known.setdefault(value, len(known))
    return np.fromiter(map(known.__getitem__, values), dtype=np.int64, count=len(values))


_T = TypeVar("_T")


def _by_object(items: list[_T]) -> tuple[list[_T], IntArray]:
    """The distinct objects of ``items`` by identity and each item's position among
    them (``id`` is stable while ``items`` holds them)."""
    ids = np.fromiter(map(id, items), dtype=np.uint64, count=len(items))
    first, inverse = _factorize(ids)
    return [items[i] for i in first.tolist()], inverse


def _factorize(keys: npt.NDArray[np.integer]) -> tuple[IntArray, IntArray]:
    """(a position of each distinct key, in key order; each key's distinct code): one
    unstable sort, which is all a dense coding needs — or no sort at all when the keys
    are small non-negative integers (node and class keys), marked in a table instead."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if keys.dtype.kind == "i" and int(keys.min()) >= 0 and int(keys.max()) < 2 * len(keys) + 1024:
        present = np.zeros(int(keys.max()) + 1, dtype=bool)
        present[keys] = True
        codes = np.cumsum(present, dtype=np.int64) - 1
        dense: IntArray = codes[keys]
        first = np.empty(int(codes[-1]) + 1, dtype=np.int64)
        first[dense] = np.arange(len(keys), dtype=np.int64)  # some position of each key
        return first, dense
    order = np.argsort(keys)
    ordered = keys[order]
    new = np.empty(len(keys), dtype=bool)
    new[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return order[new].astype(np.int64), inverse


def _expand(
    owners: IntArray, rows: IntArray, column: int, pairs: tuple[IntArray, IntArray]
) -> tuple[IntArray, IntArray]:
    """Add, for every row, a copy with ``column`` replaced by each code containing it."""
    narrow, wide = pairs
    if not len(narrow):
        return owners, rows
    order = np.argsort(narrow, kind="stable")
    narrow, wide = narrow[order], wide[order]
    left = np.searchsorted(narrow, rows[:, column], side="left")
    right = np.searchsorted(narrow, rows[:, column], side="right")
    counts = right - left
    if not counts.any():
        return owners, rows
    source = np.repeat(np.arange(len(rows)), counts)
    starts = np.repeat(left - np.cumsum(counts) + counts, counts)
    picks = np.arange(int(counts.sum()), dtype=np.int64) + starts
    extra = rows[source].copy()
    extra[:, column] = wide[picks]
    return np.concatenate([owners, owners[source]]), np.vstack([rows, extra])


def _fold(rows: IntArray, sizes: Sequence[int]) -> IntArray:
    """One int64 key per row of non-negative codes (mixed radix), or dense ids when the
    radix would overflow."""
    total = 1
    for size in sizes:
        total *= max(size, 1)
    if total < 2**62:
        key = np.zeros(len(rows), dtype=np.int64)
        for column, size in enumerate(sizes):
            key = key * max(size, 1) + rows[:, column]
        return key
    _, ids = np.unique(rows, axis=0, return_inverse=True)
    return np.asarray(ids, dtype=np.int64).reshape(-1)


def _ranges(starts: IntArray, counts: IntArray) -> IntArray:
    """``starts[k], starts[k] + 1, …`` (``counts[k]`` of them) for every k, concatenated."""
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.cumsum(counts) + counts, counts)
    return np.arange(total, dtype=np.int64) + offsets


class _Nodes:
    """Cells grouped into *nodes*: one per distinct (kind, population value). Nesting is
    a property of populations, so it is found once per pair of nodes, then each node
    pair stands for every pair of their cells (equal populations are never a pair)."""

    def __init__(self, coder: _Coder, parts: list[tuple[IntArray, IntArray]]) -> None:
        matrices = coder.dense()
        width = len(coder.attributes)
        sizes = [len(codes) + 1 for codes in coder.constraints]  # + 1: absent
        # every distinct population object of every call, one class per value
        stacked = np.vstack(matrices) if matrices else np.zeros((0, width), dtype=np.int64)
        classes, first = _classes(stacked, sizes)
        offsets = np.cumsum([0, *(len(m) for m in matrices)])[:-1]
        n_classes = len(first)
        keys = [
            kinds * n_classes + classes[offset + which]
            for (kinds, which), offset in zip(parts, offsets, strict=True)
        ]
        every = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
        where, inverse = _factorize(every)
        distinct = every[where]
        self.kind = distinct // max(n_classes, 1)
        self.rows = stacked[first[distinct % max(n_classes, 1)]]
        bounds = np.cumsum([0, *(len(k) for k in keys)])
        self.of_cell = [inverse[bounds[n] : bounds[n + 1]] for n in range(len(keys))]
        self.count = len(distinct)

    def present(self, part: int) -> IntArray:
        """The node ids of the part's cells."""
        return np.flatnonzero(np.bincount(self.of_cell[part], minlength=self.count))

    def members(self, part: int, wanted: IntArray) -> tuple[IntArray, IntArray]:
        """(the part's cells of the ``wanted`` nodes sorted by node, then by position;
        where each node's cells start and how many, by node id). Only the cells of
        nodes in some nested pair are sorted: usually few, or none."""
        nodes = self.of_cell[part]
        needed = np.zeros(self.count, dtype=bool)
        needed[wanted] = True
        cells = np.flatnonzero(needed[nodes])
        mine = nodes[cells]
        order = cells[np.argsort(mine, kind="stable")]
        counts = np.bincount(mine, minlength=self.count)
        starts = np.cumsum(counts) - counts
        return order, np.stack([starts, counts])


def _classes(rows: IntArray, sizes: Sequence[int]) -> tuple[IntArray, IntArray]:
    """Each row's class (equal code rows, equal class) and a first row of each class."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    first, inverse = _factorize(_fold(rows + 1, sizes))
    return inverse, first


class ArrayNesting:
    """``NestingFinder`` by array joins; finds exactly the pairs ``ExactNesting`` finds."""

    def pairs(
        self, larger: Sequence[ReleasedCell], smaller: Sequence[ReleasedCell]
    ) -> list[tuple[int, int]]:
        if not larger or not smaller:
            return []
        coder = _Coder()
        nodes = _Nodes(coder, [coder.cells(larger), coder.cells(smaller)])
        return _cell_pairs(coder, nodes, 0, 1)

    def both_ways(
        self, first: Sequence[ReleasedCell], second: Sequence[ReleasedCell]
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        if not first or not second:
            return [], []
        coder = _Coder()
        nodes = _Nodes(coder, [coder.cells(first), coder.cells(second)])
        return _cell_pairs(coder, nodes, 0, 1), _cell_pairs(coder, nodes, 1, 0)


def _cell_pairs(coder: _Coder, nodes: _Nodes, larger: int, smaller: int) -> list[tuple[int, int]]:
    """``(j, i)``, sorted: cell j of part ``smaller`` nests in cell i of ``larger``."""
    big_nodes = nodes.present(larger)
    small_nodes = nodes.present(smaller)
    found_small, found_big = _join(
        coder,
        nodes.kind[big_nodes],
        nodes.rows[big_nodes],
        nodes.kind[small_nodes],
        nodes.rows[small_nodes],
    )
    if not len(found_small):
        return []
    pair_small = small_nodes[found_small]
    pair_big = big_nodes[found_big]
    small_order, small_at = nodes.members(smaller, pair_small)
    big_order, big_at = nodes.members(larger, pair_big)
    # every smaller cell of each node pair, then every larger cell with it
    small_counts = small_at[1][pair_small]
    js = small_order[_ranges(small_at[0][pair_small], small_counts)]
    big_of = np.repeat(pair_big, small_counts)
    big_counts = big_at[1][big_of]
    is_ = big_order[_ranges(big_at[0][big_of], big_counts)]
    js = np.repeat(js, big_counts)
    order = np.lexsort((is_, js))
    return list(zip(js[order].tolist(), is_[order].tolist(), strict=True))


def _join(
    coder: _Coder, larger_kind: IntArray, big: IntArray, smaller_kind: IntArray, small: IntArray
) -> tuple[IntArray, IntArray]:
    """The nested pairs ``(j, i)`` as two arrays: ``big[i]`` contains ``small[j]``, their
    populations differ."""
    width = big.shape[1]
    wider = coder.all_wider()
    sizes = [len(codes) for codes in coder.constraints]
    kinds = len(coder.kinds)
    weights = np.left_shift(np.int64(1), np.arange(width, dtype=np.int64))
    big_masks = (
        (big != _ABSENT).astype(np.int64) @ weights if width else np.zeros(len(big), dtype=np.int64)
    )
    small_masks = (
        (small != _ABSENT).astype(np.int64) @ weights
        if width
        else np.zeros(len(small), dtype=np.int64)
    )
    found_j: list[IntArray] = []
    found_i: list[IntArray] = []
    for mask in np.unique(big_masks).tolist():
        columns = [a for a in range(width) if mask >> a & 1]
        picked = np.asarray(columns, dtype=np.int64)
        chosen = np.flatnonzero(big_masks == mask)
        candidates = np.flatnonzero((small_masks & mask) == mask)
        if not len(candidates):
            continue
        owners = candidates.astype(np.int64)
        rows = np.column_stack([smaller_kind[candidates], small[np.ix_(candidates, picked)]])
        for position, a in enumerate(columns, start=1):
            owners, rows = _expand(owners, rows, position, wider[a])
        mine = np.column_stack([larger_kind[chosen], big[np.ix_(chosen, picked)]])
        keys = _fold(np.vstack([mine, rows]), [kinds, *(sizes[a] for a in columns)])
        big_keys, small_keys = keys[: len(mine)], keys[len(mine) :]
        order = np.argsort(big_keys, kind="stable")
        sorted_keys = big_keys[order]
        left = np.searchsorted(sorted_keys, small_keys, side="left")
        right = np.searchsorted(sorted_keys, small_keys, side="right")
        counts = right - left
        if not counts.any():
            continue
        starts = np.repeat(left - np.cumsum(counts) + counts, counts)
        picks = np.arange(int(counts.sum()), dtype=np.int64) + starts
        found_j.append(np.repeat(owners, counts))
        found_i.append(chosen[order[picks]])
    if not found_j:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    js = np.concatenate(found_j)
    is_ = np.concatenate(found_i)
    different = (big[is_] != small[js]).any(axis=1) if width else np.zeros(len(js), bool)
    return js[different], is_[different]
