"""``ArrayNesting``: the ``NestingFinder`` port of the differencing check (差分检查, EXP-2)
with NumPy array joins instead of a Python loop over candidate cells.

Theory of operation. Two released cells nest when they share universe and measure, the
larger constrains a subset of the smaller's attributes, and on each of those attributes
the larger's constraint contains the smaller's. Every distinct constraint gets an integer
code per attribute, and every cell becomes a row of codes over all attributes (``-1``
where it constrains nothing) plus a code for its universe and measure — the only Python
loop, one dictionary look-up per constraint. Which code contains which other is decided
once per pair of distinct constraints by ``Constraint.contains`` itself (so exactly as
the domain decides it, never by floating point): a point contains only itself, so only
pairs with a value set or an interval are tried. For each set of attributes the larger
cells constrain (a *mask*), the smaller cells constraining at least those attributes are
expanded into one row per combination of containing codes (one row in the usual case of
points), the rows folded into one integer key, and joined with the larger cells' keys by
a sort and ``searchsorted``. Pairs of equal populations are dropped and the pairs are
returned sorted, as ``ExactNesting`` returns them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from services.product_release.domain.differencing import ReleasedCell
from services.product_release.domain.outputs import Constraint, Population

IntArray = npt.NDArray[np.int64]
_ABSENT = -1


class _Coder:
    """Codes for kinds (universe, measure), attributes and constraints."""

    def __init__(self) -> None:
        self.kinds: dict[int, int] = {}
        """universe code × 2³¹ + measure code → kind code"""
        self.universes: dict[str, int] = {}
        self.measures: dict[str, int] = {}
        self.attributes: dict[str, int] = {}
        self.constraints: list[dict[Constraint, int]] = []
        self._pending: list[tuple[IntArray, int, IntArray, IntArray, IntArray]] = []
        self._wider: list[tuple[IntArray, IntArray]] | None = None
        self._by_identity: dict[int, tuple[int, int]] = {}
        self._kept: list[Constraint] = []
        """the constraints coded by identity, kept alive so no ``id`` is reused"""

    def rows(self, cells: Sequence[ReleasedCell]) -> tuple[IntArray, IntArray]:
        """Each cell's kind code, and (through ``dense``) its codes over every attribute.

        Cells of one table row share their population object, and rows share their
        constraint objects, so both are looked up by identity first (``id`` is stable
        while ``cells`` holds them): a value look-up, with its hashing and comparing,
        happens once per distinct object, not once per cell."""
        count = len(cells)
        populations = [cell.population for cell in cells]
        universes = [cell.universe for cell in cells]
        measures = [cell.measure for cell in cells]
        _, first, which = _by_object(populations, count)
        shapes: list[Population] = [populations[i] for i in first.tolist()]
        universe_code = self._values(self.universes, universes, count)
        measure_code = self._values(self.measures, measures, count)
        combined, inverse = np.unique(universe_code * 2**31 + measure_code, return_inverse=True)
        kind_codes = np.asarray(
            [self.kinds.setdefault(int(k), len(self.kinds)) for k in combined.tolist()],
            dtype=np.int64,
        )
        kinds = kind_codes[inverse.reshape(-1)] if count else np.zeros(0, dtype=np.int64)
        flat = [constraint for population in shapes for constraint in population]
        lengths = np.fromiter(map(len, shapes), dtype=np.int64, count=len(shapes))
        _, distinct, inverse_flat = _by_object(flat, len(flat))
        coded = np.asarray(
            [self._coded(flat[i]) for i in distinct.tolist()], dtype=np.int64
        ).reshape(-1, 2)
        at = np.repeat(np.arange(len(shapes), dtype=np.int64), lengths)
        attributes = coded[inverse_flat, 0] if len(flat) else np.zeros(0, dtype=np.int64)
        codes = coded[inverse_flat, 1] if len(flat) else np.zeros(0, dtype=np.int64)
        self._pending.append((which.reshape(-1), len(shapes), at, attributes, codes))
        return kinds, which.reshape(-1)

    @staticmethod
    def _values(known: dict[str, int], values: list[str], count: int) -> IntArray:
        """Codes by value of strings, looked up once per distinct object."""
        _, first, inverse = _by_object(values, count)
        codes = np.asarray(
            [known.setdefault(values[i], len(known)) for i in first.tolist()], dtype=np.int64
        )
        return codes[inverse.reshape(-1)] if count else np.zeros(0, dtype=np.int64)

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
        """Every ``rows`` call's cells as a matrix over all attributes coded so far."""
        width = len(self.attributes)
        matrices = []
        for which, shapes, at, attributes, codes in self._pending:
            matrix = np.full((shapes, width), _ABSENT, dtype=np.int64)
            matrix[at, attributes] = codes
            matrices.append(matrix[which])
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


def _by_object(items: Sequence[object], count: int) -> tuple[IntArray, IntArray, IntArray]:
    """``np.unique`` over the items' identities: (ids, first position, inverse)."""
    ids = np.fromiter(map(id, items), dtype=np.uint64, count=count)
    unique, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    return unique.astype(np.int64), first.astype(np.int64), inverse.astype(np.int64)


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


class ArrayNesting:
    """``NestingFinder`` by array joins; finds exactly the pairs ``ExactNesting`` finds."""

    def pairs(
        self, larger: Sequence[ReleasedCell], smaller: Sequence[ReleasedCell]
    ) -> list[tuple[int, int]]:
        if not larger or not smaller:
            return []
        coder = _Coder()
        larger_kind, _ = coder.rows(larger)
        smaller_kind, _ = coder.rows(smaller)
        big, small = coder.dense()
        return _join(coder, larger_kind, big, smaller_kind, small)

    def both_ways(
        self, first: Sequence[ReleasedCell], second: Sequence[ReleasedCell]
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        if not first or not second:
            return [], []
        coder = _Coder()
        first_kind, _ = coder.rows(first)
        second_kind, _ = coder.rows(second)
        one, two = coder.dense()
        return (
            _join(coder, first_kind, one, second_kind, two),
            _join(coder, second_kind, two, first_kind, one),
        )


def _join(
    coder: _Coder, larger_kind: IntArray, big: IntArray, smaller_kind: IntArray, small: IntArray
) -> list[tuple[int, int]]:
    """The nested pairs ``(j, i)``, sorted: ``big[i]`` contains ``small[j]``."""
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
        return []
    js = np.concatenate(found_j)
    is_ = np.concatenate(found_i)
    different = (big[is_] != small[js]).any(axis=1) if width else np.zeros(len(js), bool)
    js, is_ = js[different], is_[different]
    order = np.lexsort((is_, js))
    return list(zip(js[order].tolist(), is_[order].tolist(), strict=True))
