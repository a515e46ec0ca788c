"""Every nesting query the export-check tests make is answered by both finders of the
differencing check (EXP-2): the exact reference and the NumPy adapter. The tests keep
the exact answer; a disagreement fails the test that made the query."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from services.product_release.adapters.array_checks import ArrayNesting
from services.product_release.domain.differencing import ExactNesting, ReleasedCell


@pytest.fixture(autouse=True)
def both_nesting_finders_agree(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Yields the number of pairs of each query compared."""
    checked_queries: list[int] = []
    exact = ExactNesting.pairs
    array = ArrayNesting()

    def checked(
        self: ExactNesting, larger: Sequence[ReleasedCell], smaller: Sequence[ReleasedCell]
    ) -> list[tuple[int, int]]:
        expected = exact(self, larger, smaller)
        assert array.pairs(larger, smaller) == expected, "ArrayNesting disagrees with exact"
        checked_queries.append(len(expected))
        return expected

    exact_both = ExactNesting.both_ways

    def checked_both(
        self: ExactNesting, first: Sequence[ReleasedCell], second: Sequence[ReleasedCell]
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        expected = exact_both(self, first, second)  # each direction checked by ``checked``
        assert array.both_ways(first, second) == expected, "ArrayNesting.both_ways disagrees"
        return expected

    monkeypatch.setattr(ExactNesting, "pairs", checked)
    monkeypatch.setattr(ExactNesting, "both_ways", checked_both)
    yield checked_queries
