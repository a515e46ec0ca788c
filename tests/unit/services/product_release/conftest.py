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

    monkeypatch.setattr(ExactNesting, "pairs", checked)
    yield checked_queries
