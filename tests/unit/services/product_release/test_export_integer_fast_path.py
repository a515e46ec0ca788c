"""The integer shortcut of the dominance check passes exactly the cells the exact path
passes (EXP-2): integer cells on and around every limit, with negative, alike and
missing contributions, judged both ways."""

from __future__ import annotations

import random

from services.product_release.domain.table_checks import (
    check_dominance,
    integers_safe,
    view_of,
)
from tests.unit.services.product_release.export_factories import edge_table, settings_factory


def _cells() -> list[list[int]]:
    """Contributions per cell: the limits exactly (85%, 90%, 10%), one off each side,
    alike values, negatives, zeros, and random cells."""
    draw = random.Random(85)
    cells = [
        [85, 5, 5, 5],  # largest exactly 85%: passes
        [86, 5, 5, 4],  # just over
        [60, 30, 5, 5],  # two largest exactly 90%
        [60, 31, 5, 4],
        [50, 40, 5, 5],  # rest exactly 10% of the largest: passes p-ratio
        [50, 41, 5, 4],
        [7, 7, 7, 7],  # all alike
        [0, 0, 0],  # a shared zero
        [40, -3, 30, 33],  # a negative contribution
        [10, 10, 30, 50],  # two largest not distinct... the top two differ (50, 30)
        [20, 20, 20, 19],  # top two equal, not all alike
    ]
    for _ in range(400):
        size = draw.randint(1, 6)
        cells.append(
            [
                draw.choice([0, 1, 2, 5, 10, 50, 100, 10**12]) + draw.randint(0, 3)
                for _ in range(size)
            ]
        )
    return cells


def test_EXP_2_the_integer_shortcut_passes_only_cells_the_exact_path_passes() -> None:
    settings = settings_factory()
    for contributions in _cells():
        table = edge_table(contributions)
        view = view_of(table)
        results = {r.name: r for r in check_dominance(view, settings)}
        exact_clean = (
            all(results[name].passed for name in ("dominance", "p_ratio", "group_disclosure"))
            and not results["negative_contributions"].offending
        )
        summaries = view.shape.summaries["tax_paid"]
        column = table.columns[table.index("tax_paid")]
        fast = integers_safe(
            table.rows[0], table.index("tax_paid"), column, view.units[0], summaries, settings
        )
        if fast:
            assert exact_clean, contributions  # never passes a cell the exact path fails
        first, second = sorted([*contributions, 0, 0], reverse=True)[:2]
        distinct_top = first != second  # the two largest handed over differ
        if exact_clean and distinct_top and min(contributions) >= 0:
            assert fast, contributions  # and takes every plain clean cell it can
