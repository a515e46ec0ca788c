"""EXP-2 history as columns: an approved export's released cells stored as column blocks
read back as exactly the cells ``released_cells`` lists, exports stored one document per
cell (before the blocks) still read, and every check judges a history read as columns
exactly as it judges the same cells in a list."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pytest

from services.product_release.adapters.array_checks import ArrayNesting
from services.product_release.domain.check_report import CheckReport, run_checks
from services.product_release.domain.differencing import (
    ExactNesting,
    NestingFinder,
    ReleasedCell,
    released_cells,
    released_columns,
)
from services.product_release.domain.history import CellColumns, EarlierCells, columns_of
from services.product_release.domain.outputs import Constraint, OutputTable
from services.product_release.domain.table_checks import view_of
from services.product_release.repository import (
    CELL_COLUMNS,
    cell_to_doc,
    columns_from_doc,
    columns_to_doc,
    history_from_docs,
    released_to_doc,
)
from tests.unit.services.product_release.export_factories import (
    among,
    count_table,
    filtered,
    magnitude_table,
    settings_factory,
    suppress,
    with_margins,
)

SAFE = [("a", "C", 12), ("a", "F", 25), ("a", "I", 40), ("b", "C", 18), ("b", "F", 11)]


def by_district(a: int | None, b: int | None, *filters: Constraint) -> OutputTable:
    return count_table(
        (("a", "C", a), ("b", "C", b)),
        name="firms_by_district_filtered",
        filters=(among("industry", "C"), *filters),
    )


BY_DISTRICT = count_table(
    (("a", "C", 120), ("b", "C", 200)), name="firms_by_district", filters=(among("industry", "C"),)
)
DISTRICT_TOTALS = OutputTable(
    "firms_by_district",
    (count_table().columns[0], count_table().columns[2]),
    (("a", 120), ("b", 200)),
    universe=count_table().universe,
)
BOTH = OutputTable(
    "c_and_d",
    (count_table().columns[0], count_table().columns[2]),
    (("a", 150),),
    universe=count_table().universe,
    filters=(among("industry", "C", "D"),),
)
ONLY_C = replace(BOTH, name="c_only", rows=(("a", 100),), filters=(among("industry", "C"),))

TABLES = {
    "margins and suppressed cells": count_table(suppress(with_margins(SAFE), ("a", "F"))),
    "sums, floats and hidden top-2": magnitude_table(
        [("a", 12, 1500.25, 300.5, 200.0), ("b", 15, 2_000_000, 40_000, 30_000)]
    ),
    "interval and value-set filters": by_district(115, None, filtered("employees", low=10.5)),
    "a bool and an int that compare equal": count_table(
        (("a", True, 12), ("a", 1, 14), (None, None, 26))
    ),
    "no rows": count_table(()),
    "a zero, a text and a total": count_table((("a", "C", "n/a"), ("b", "C", 0), (None, "C", 0))),
}


def stored(table: OutputTable, export_id: str) -> dict[str, Any]:
    return released_to_doc(view_of(table), export_id)


def per_cell(table: OutputTable, export_id: str) -> dict[str, Any]:
    """An export document as stored before the column blocks: one document per cell."""
    return {"cells": [cell_to_doc(c) for c in released_cells(view_of(table), export_id)]}


def test_EXP_2_released_cells_as_columns_round_trip_through_their_document() -> None:
    for name, table in TABLES.items():
        view = view_of(table)
        expected = released_cells(view, "exp-1")
        block = released_columns(view, "exp-1")
        assert block is not None, name
        assert list(block) == expected, name
        read = columns_from_doc(columns_to_doc(block))
        assert list(read) == expected, name
        assert [read[k] for k in range(-len(expected), 0)] == expected, name
        assert read[1:3] == expected[1:3], name
        doc = stored(table, "exp-1")
        assert doc["cells"] == [], name  # no per-cell documents any more
        assert list(history_from_docs([doc])) == expected, name


def test_EXP_2_values_keep_their_types_and_cells_of_a_row_share_one_population() -> None:
    cells = released_cells(view_of(BY_DISTRICT), "exp-1")
    typed = [
        replace(cells[0], population=(among("flag", True),)),
        replace(cells[1], population=(among("flag", 1),)),
    ]
    read = columns_from_doc(columns_to_doc(_columns(typed) or _no()))
    assert list(read) == typed
    assert [c.population[0].as_record()["in"] for c in read] == [[True], [1]]
    assert [type(v) for c in read for v in c.population[0].values or ()] == [bool, int]
    block = columns_from_doc(columns_to_doc(released_columns(view_of(BY_DISTRICT), "e") or _no()))
    magnitude = released_columns(view_of(TABLES["sums, floats and hidden top-2"]), "e") or _no()
    assert magnitude[0].population is magnitude[1].population  # count and sum of one row
    assert block[0].population == (among("district", "a"), among("industry", "C"))


def _no() -> CellColumns:
    raise AssertionError("the cells should fit in columns")


def test_EXP_2_cells_columns_cannot_hold_exactly_are_stored_one_by_one() -> None:
    cells = released_cells(view_of(BY_DISTRICT), "exp-1")
    unordered = [replace(c, population=tuple(reversed(c.population))) for c in cells]
    assert _columns(unordered) is None
    twice = [replace(c, population=(among("d", "a"), among("d", "b"))) for c in cells]
    assert _columns(twice) is None
    huge = [replace(c, units=2**70) for c in cells]
    assert _columns(huge) is None
    wide = count_table((("a", "C", 2**70),))
    doc = stored(wide, "exp-9")
    assert doc[CELL_COLUMNS] == [] and len(doc["cells"]) == 1
    assert list(history_from_docs([doc])) == released_cells(view_of(wide), "exp-9")


def _columns(cells: list[ReleasedCell]) -> CellColumns | None:
    populations = [c.population for c in cells]
    return columns_of(
        "exp-1",
        cells[0].table,
        cells[0].universe,
        ("count",),
        populations,
        (
            list(range(len(cells))),
            [0] * len(cells),
            [c.units for c in cells],
            [c.value for c in cells],
        ),
    )


def test_EXP_2_a_history_mixes_column_blocks_and_cells_stored_one_by_one() -> None:
    docs = [
        stored(BY_DISTRICT, "exp-1"),
        per_cell(DISTRICT_TOTALS, "exp-2"),
        stored(TABLES["margins and suppressed cells"], "exp-3"),
        {"cells": []},  # an export approved without cells (a model, a failed staging)
    ]
    history = history_from_docs(docs)
    blocks = [
        *released_cells(view_of(BY_DISTRICT), "exp-1"),
        *released_cells(view_of(TABLES["margins and suppressed cells"]), "exp-3"),
    ]
    old = released_cells(view_of(DISTRICT_TOTALS), "exp-2")
    assert list(history) == [*blocks, *old]
    assert len(history.blocks) == 2 and history.loose == old
    assert [history[k] for k in range(len(history))] == [*blocks, *old]
    assert history[-1] == old[-1]
    with pytest.raises(IndexError):
        history[len(history)]
    assert history.universes() == {count_table().universe}
    assert history.measures() == {"count"}
    assert history.measures("grant-9@2025-06") == frozenset()
    usable = [c for c in history if c.released and c.units is not None]
    assert list(history.usable()) == usable
    assert list(history.of(count_table().universe, "count")) == list(history)
    assert list(history.of(count_table().universe, "sum:tax")) == []


def test_EXP_2_filters_of_a_block_keep_exactly_the_cells_asked_for() -> None:
    table = TABLES["sums, floats and hidden top-2"]
    cells = released_cells(view_of(table), "exp-1")
    unknown = replace(table, rows=((*table.rows[0][:1], None, *table.rows[0][2:]), table.rows[1]))
    partly = released_columns(view_of(unknown), "exp-1") or _no()
    assert partly.known is not None
    expected = [c for c in released_cells(view_of(unknown), "exp-1") if c.units is not None]
    assert list(partly.with_units()) == expected
    block = released_columns(view_of(table), "exp-1") or _no()
    assert block.with_units() is block
    assert list(block.of_measure("count")) == [c for c in cells if c.measure == "count"]
    sums = [c for c in cells if c.measure.startswith("sum")]
    assert sums and list(block.of_measure(sums[0].measure)) == sums
    assert list(block.of_measure("sum:other")) == []
    # cells with a value set or an interval: the larger cells of a rebuilt difference
    points = released_columns(view_of(BY_DISTRICT), "exp-2") or _no()
    ranged = released_columns(view_of(TABLES["interval and value-set filters"]), "e") or _no()
    old = released_cells(view_of(BOTH), "exp-3")
    mixed = EarlierCells([points, ranged], [*released_cells(view_of(BY_DISTRICT), "x"), *old])
    assert list(points.with_wider()) == []
    assert list(ranged.with_wider()) == list(ranged)
    assert list(mixed.with_wider()) == [*ranged, *old]
    # the measures of a history are those of its cells, not all its blocks could hold
    assert EarlierCells([block.of_measure("count")]).measures() == {"count"}


SCENARIOS: dict[str, tuple[OutputTable, list[tuple[OutputTable, str]]]] = {
    "nested in an earlier total": (
        by_district(115, 150, filtered("employees", low=10)),
        [(BY_DISTRICT, "exp-0")],
    ),
    "a new larger cell": (
        count_table((("a", "C", 120), ("b", "C", 200)), filters=(among("industry", "C"),)),
        [(by_district(115, 150, filtered("employees", low=10)), "exp-0")],
    ),
    "zero difference": (
        by_district(120, 150, filtered("employees", low=1)),
        [(BY_DISTRICT, "exp-0")],
    ),
    "safe differences": (
        by_district(100, 150, filtered("employees", low=10)),
        [(BY_DISTRICT, "exp-0")],
    ),
    "another universe": (
        by_district(115, 150, filtered("employees", low=10)),
        [(count_table(BY_DISTRICT.rows, universe="grant-9@2025-06"), "exp-0")],
    ),
    "suppressed cell rebuilt from two earlier cells": (
        count_table((("a", "C", 100), ("a", "D", None), ("b", "C", 40), ("b", "D", 60))),
        [(BOTH, "exp-1"), (ONLY_C, "exp-2")],
    ),
    "suppressed band from two thresholds": (
        OutputTable(
            "firms_by_district_filtered",
            by_district(1, 1).columns,
            (("a", "C", None), ("b", "C", 60)),
            count_table().universe,
            (among("industry", "C"), filtered("employees", low=10, high=20)),
        ),
        [
            (by_district(115, 150, filtered("employees", low=10)), "exp-1"),
            (by_district(60, 90, filtered("employees", low=20)), "exp-2"),
        ],
    ),
    "an earlier total as a margin": (
        count_table((("a", "C", 100), ("a", "F", None), ("a", "I", 15), ("b", "C", 150))),
        [(DISTRICT_TOTALS, "exp-0")],
    ),
    "suppressed cells merged under an earlier total": (
        count_table((("a", "C", 112), ("a", "F", None), ("a", "I", None), ("b", "C", 150))),
        [(DISTRICT_TOTALS, "exp-0")],
    ),
    "sums and counts": (
        magnitude_table([("a", 15, 1500.25, 300.5, 200.0), ("b", 15, 2_000_000, 40_000, 30_000)]),
        [(TABLES["sums, floats and hidden top-2"], "exp-0")],
    ),
}


def _earlier_check(report: CheckReport) -> bool:
    return next(c for c in report.checks if c.name == "differencing_earlier_exports").passed


@pytest.mark.parametrize("nesting", [ExactNesting(), ArrayNesting()], ids=["exact", "array"])
def test_EXP_2_a_history_read_as_columns_is_judged_as_the_same_cells_in_a_list(
    nesting: NestingFinder,
) -> None:
    settings = settings_factory()
    verdicts = []
    for name, (new, tables) in SCENARIOS.items():
        as_list = [c for table, e in tables for c in released_cells(view_of(table), e)]
        for docs in (
            [stored(table, e) for table, e in tables],  # columns
            [per_cell(table, e) for table, e in tables],  # as stored before the columns
        ):
            history = history_from_docs(docs)
            assert isinstance(history, EarlierCells)
            assert list(history) == as_list, name
            expected = run_checks(new, settings=settings, earlier=as_list, nesting=nesting)
            read = run_checks(new, settings=settings, earlier=history, nesting=nesting)
            assert read.as_record() == expected.as_record(), name
            assert read.content_hash == expected.content_hash, name
        verdicts.append(_earlier_check(expected))
    assert verdicts.count(False) >= 6  # the attacks are caught, not just passed alike


def test_EXP_2_array_nesting_on_column_blocks_finds_the_exact_pairs_on_random_histories() -> None:
    draw = random.Random(20261207)
    for round_ in range(30):
        blocks = []
        for b in range(3):
            cells = _random_block(draw, f"old-{round_}-{b}", draw.choice(("u1", "u2")))
            block = _columns_of_cells(cells)
            assert list(block) == cells
            blocks.append(block)
        loose = _random_block(draw, f"loose-{round_}", "u1")
        history = EarlierCells(blocks, loose)
        as_list = list(history)
        new = _random_block(draw, f"new-{round_}", "u1")
        exact = ExactNesting().both_ways(as_list, new)
        assert ArrayNesting().both_ways(history, new) == exact
        assert ArrayNesting().pairs(history, new) == exact[0]
        assert ArrayNesting().pairs(new, blocks[0]) == ExactNesting().pairs(new, list(blocks[0]))


def _random_block(draw: random.Random, export_id: str, universe: str) -> list[ReleasedCell]:
    """Cells of one export over three attributes: points, value sets, intervals, gaps."""
    rows = []
    for _ in range(draw.randint(1, 25)):
        population = []
        if draw.random() < 0.8:
            values = draw.sample("abcd", draw.choice((1, 1, 1, 2, 3)))
            population.append(Constraint("district", values=frozenset(values)))
        if draw.random() < 0.5:
            low, high = draw.choice((None, 0, 10, 20)), draw.choice((None, 50, 100))
            population.append(Constraint("employees", low=low, high=high))
        if draw.random() < 0.7:
            population.append(Constraint("industry", values=frozenset({draw.choice("CDF")})))
        rows.append(tuple(population))
    return [
        ReleasedCell(export_id, "t", universe, measure, population, draw.randint(0, 40), 1.5)
        for population in rows
        for measure in ("count", "sum:tax")
        if draw.random() < 0.8
    ]


def _columns_of_cells(cells: list[ReleasedCell]) -> CellColumns:
    populations = list(dict.fromkeys(c.population for c in cells))
    row_of = {p: r for r, p in enumerate(populations)}
    measures = ("count", "sum:tax")
    block = columns_of(
        cells[0].export_id if cells else "e",
        "t",
        cells[0].universe if cells else "u1",
        measures,
        populations,
        (
            [row_of[c.population] for c in cells],
            [measures.index(c.measure) for c in cells],
            [c.units for c in cells],
            [c.value for c in cells],
        ),
    )
    return block or _no()
