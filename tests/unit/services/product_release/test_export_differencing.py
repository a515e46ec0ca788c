"""EXP-2: suppression must survive differencing — across a table's margins (secondary
suppression) and across the same developer's earlier exports."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from services.product_release.domain.check_report import CheckReport, run_checks
from services.product_release.domain.differencing import (
    ReleasedCell,
    determined_unknowns,
    released_cells,
)
from services.product_release.domain.outputs import (
    Constraint,
    OutputTable,
    Value,
    population_contains,
)
from services.product_release.domain.table_checks import view_of
from tests.unit.services.product_release.export_factories import (
    among,
    count_table,
    filtered,
    settings_factory,
    suppress,
    with_margins,
)

SAFE = [
    ("a", "C", 12),
    ("a", "F", 25),
    ("a", "I", 40),
    ("b", "C", 18),
    ("b", "F", 11),
    ("b", "I", 30),
]


def margins_result(report: CheckReport) -> tuple[bool, list[dict[str, object]]]:
    result = next(c for c in report.checks if c.name == "differencing_margins")
    return result.passed, list(result.offending)


def earlier_result(report: CheckReport) -> tuple[bool, list[dict[str, object]]]:
    result = next(c for c in report.checks if c.name == "differencing_earlier_exports")
    return result.passed, list(result.offending)


def test_EXP_2_suppressed_cell_recoverable_from_margins_fails() -> None:
    rows = suppress(with_margins([*SAFE[:1], ("a", "F", 3), *SAFE[2:]]), ("a", "F"))
    report = run_checks(count_table(rows), settings=settings_factory())
    passed, offending = margins_result(report)
    assert not passed
    assert offending == [
        {
            "row": {"district": "a", "industry": "F"},
            "column": "firms",
            "detail": "recoverable exactly from the released margins",
        }
    ]
    assert report.failed_checks == ("differencing_margins",)


def rectangle(a_c: int, a_f: int, b_c: int, b_f: int) -> tuple[tuple[Value, ...], ...]:
    cells = [
        ("a", "C", a_c),
        ("a", "F", a_f),
        ("a", "I", 30),
        ("b", "C", b_c),
        ("b", "F", b_f),
        ("b", "I", 25),
        ("c", "C", 12),
        ("c", "F", 14),
        ("c", "I", 40),
    ]
    return suppress(with_margins(cells), ("a", "C"), ("a", "F"), ("b", "C"), ("b", "F"))


def test_EXP_2_secondary_suppression_in_a_rectangle_protects_the_cells() -> None:
    report = run_checks(count_table(rectangle(4, 20, 15, 6)), settings=settings_factory())
    assert margins_result(report)[0]
    assert report.passed


def test_EXP_2_suppressed_cells_that_together_are_small_fail() -> None:
    report = run_checks(count_table(rectangle(4, 3, 15, 20)), settings=settings_factory())
    passed, offending = margins_result(report)
    assert not passed
    assert offending == [
        {
            "rows": [{"district": "a", "industry": "C"}, {"district": "a", "industry": "F"}],
            "column": "firms",
            "detail": "the suppressed cells of this margin hold 7 units together, fewer than 10",
        }
    ]


def test_EXP_2_suppressed_cells_summing_to_zero_fail() -> None:
    report = run_checks(count_table(rectangle(0, 0, 15, 20)), settings=settings_factory())
    passed, offending = margins_result(report)
    assert not passed and "sum to zero" in str(offending[0]["detail"])


def test_EXP_2_a_cell_bridging_two_protected_blocks_is_recovered_by_combining_margins() -> None:
    """Every row and column with a suppressed cell has two or more, so no single total
    gives one away; yet rows 1-2 minus columns 1-2 leave the bridge cell (2, 3) alone."""
    suppressed = {(1, 1), (1, 2), (2, 1), (2, 2), (3, 3), (3, 4), (4, 3), (4, 4), (2, 3)}
    cells = [(f"r{r}", f"c{c}", 20) for r in range(1, 5) for c in range(1, 5)]
    keys = [(f"r{r}", f"c{c}") for r, c in suppressed]
    report = run_checks(
        count_table(suppress(with_margins(cells), *keys)), settings=settings_factory()
    )
    passed, offending = margins_result(report)
    assert not passed
    assert [o["row"] for o in offending] == [{"district": "r2", "industry": "c3"}]


def test_EXP_2_a_table_without_margins_has_nothing_to_difference() -> None:
    rows = suppress([*SAFE[:1], ("a", "F", 3), *SAFE[2:]], ("a", "F"))
    assert margins_result(run_checks(count_table(rows), settings=settings_factory()))[0]


def test_EXP_2_a_suppressed_sum_is_recoverable_like_a_count() -> None:
    from tests.unit.services.product_release.export_factories import magnitude_table

    cells = [
        ("a", 20, 400_000.0, 60_000.0, 50_000.0),
        ("b", 30, 600_000.0, 70_000.0, 60_000.0),
        (None, 50, 1_000_000.0, 70_000.0, 60_000.0),
    ]
    table = magnitude_table(cells)
    hidden = tuple(r if r[0] != "a" else (r[0], r[1], None, r[3], r[4]) for r in table.rows)
    passed, offending = margins_result(
        run_checks(OutputTable(table.name, table.columns, hidden), settings=settings_factory())
    )
    assert not passed and offending[0]["column"] == "tax_paid"


def rank(rows: list[dict[int, int]], width: int) -> int:
    matrix = [[Fraction(r.get(k, 0)) for k in range(width)] for r in rows]
    found = 0
    for column in range(width):
        pivot = next((i for i in range(found, len(matrix)) if matrix[i][column]), None)
        if pivot is None:
            continue
        matrix[found], matrix[pivot] = matrix[pivot], matrix[found]
        for i in range(len(matrix)):
            if i != found and matrix[i][column]:
                factor = matrix[i][column] / matrix[found][column]
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[found], strict=True)]
        found += 1
    return found


equations = st.integers(1, 7).flatmap(
    lambda width: st.tuples(
        st.just(width),
        st.lists(
            st.dictionaries(st.integers(0, width - 1), st.sampled_from([-2, -1, 1, 1, 2, 3])),
            min_size=1,
            max_size=8,
        ),
    )
)


@settings(max_examples=300, deadline=None)
@given(equations)
def test_EXP_2_recoverable_cells_are_exactly_those_in_the_row_space(
    case: tuple[int, list[dict[int, int]]],
) -> None:
    width, system = case
    base = rank(system, width)
    expected = {k for k in range(width) if rank([*system, {k: 1}], width) == base}
    present = {k for row in system for k, v in row.items() if v}
    assert determined_unknowns(system) == expected & present


grid = st.integers(2, 4).flatmap(
    lambda n_rows: st.integers(2, 4).flatmap(
        lambda n_cols: st.lists(
            st.integers(10, 500), min_size=n_rows * n_cols, max_size=n_rows * n_cols
        ).map(
            lambda counts: [
                (f"d{r}", f"i{c}", counts[r * n_cols + c])
                for r in range(n_rows)
                for c in range(n_cols)
            ]
        )
    )
)


@settings(max_examples=60, deadline=None)
@given(grid, st.data())
def test_EXP_2_one_suppressed_cell_in_a_table_with_margins_is_always_recoverable(
    cells: list[tuple[str, str, int]], data: st.DataObject
) -> None:
    full = with_margins(cells)
    assert margins_result(run_checks(count_table(full), settings=settings_factory()))[0]
    district, industry, _ = data.draw(st.sampled_from(cells))
    hidden = suppress(full, (district, industry))
    assert not margins_result(run_checks(count_table(hidden), settings=settings_factory()))[0]


# --- across the developer's earlier exports -----------------------------------------


def history(table: OutputTable, export_id: str = "exp-0") -> list[ReleasedCell]:
    return released_cells(view_of(table), export_id)


BY_DISTRICT = count_table(
    (("a", "C", 120), ("b", "C", 200)),
    name="firms_by_district",
    filters=(among("industry", "C"),),
)
"""Earlier export: manufacturing firms by district (the industry a dimension fixed to C)."""


def by_district(a: int, b: int, *filters: Constraint) -> OutputTable:
    return count_table(
        (("a", "C", a), ("b", "C", b)),
        name="firms_by_district_filtered",
        filters=(among("industry", "C"), *filters),
    )


def test_EXP_2_differencing_against_an_earlier_export_fails() -> None:
    new = by_district(115, 150, filtered("employees", low=10))
    report = run_checks(new, settings=settings_factory(), earlier=history(BY_DISTRICT))
    passed, offending = earlier_result(report)
    assert not passed
    assert len(offending) == 1
    assert offending[0]["detail"] == (
        "the difference of these nested cells holds 5 units, fewer than 10"
    )
    assert offending[0]["larger"] == {
        "export": "exp-0",
        "table": "firms_by_district",
        "measure": "count",
        "population": [
            {"attribute": "district", "in": ["a"]},
            {"attribute": "industry", "in": ["C"]},
        ],
    }


def test_EXP_2_a_new_larger_cell_differenced_with_an_earlier_smaller_one_fails() -> None:
    earlier = history(by_district(115, 150, filtered("employees", low=10)))
    new = count_table((("a", "C", 120), ("b", "C", 200)), filters=(among("industry", "C"),))
    passed, offending = earlier_result(
        run_checks(new, settings=settings_factory(), earlier=earlier)
    )
    assert not passed
    assert offending[0]["larger"]["export"] == "(this export)"  # type: ignore[index]


def test_EXP_2_nested_interval_filters_are_differenced() -> None:
    ten = history(by_district(115, 150, filtered("employees", low=10)))
    eleven = by_district(113, 120, filtered("employees", low=11))
    passed, offending = earlier_result(run_checks(eleven, settings=settings_factory(), earlier=ten))
    assert not passed
    assert "2 units" in str(offending[0]["detail"])


def test_EXP_2_differences_of_at_least_the_minimum_pass() -> None:
    new = by_district(100, 150, filtered("employees", low=10))
    report = run_checks(new, settings=settings_factory(), earlier=history(BY_DISTRICT))
    assert earlier_result(report)[0]


def test_EXP_2_zero_difference_against_an_earlier_export_is_a_zero_cell() -> None:
    new = by_district(120, 150, filtered("employees", low=1))
    report = run_checks(new, settings=settings_factory(), earlier=history(BY_DISTRICT))
    assert not earlier_result(report)[0]
    lenient = settings_factory(zero_cells_disclosive=False)
    assert earlier_result(run_checks(new, settings=lenient, earlier=history(BY_DISTRICT)))[0]


def test_EXP_2_the_same_cell_released_again_is_not_differencing() -> None:
    report = run_checks(BY_DISTRICT, settings=settings_factory(), earlier=history(BY_DISTRICT))
    assert earlier_result(report)[0]


def test_EXP_2_cells_of_another_universe_are_not_compared() -> None:
    new = by_district(115, 150, filtered("employees", low=10))
    other = history(count_table(BY_DISTRICT.rows, universe="grant-9@2025-06"))
    assert earlier_result(run_checks(new, settings=settings_factory(), earlier=other))[0]


def test_EXP_2_unrelated_populations_are_not_compared() -> None:
    new = count_table((("a", "F", 115),), filters=(among("industry", "F"),))
    assert earlier_result(
        run_checks(new, settings=settings_factory(), earlier=history(BY_DISTRICT))
    )[0]


def test_EXP_2_suppressed_cell_equal_to_the_difference_of_two_earlier_cells_fails() -> None:
    both = count_table((("a", "C", 150),), name="c_and_d", filters=(among("industry", "C", "D"),))
    both = OutputTable(
        both.name,
        (both.columns[0], both.columns[2]),
        tuple((r[0], r[2]) for r in both.rows),
        universe=both.universe,
        filters=both.filters,
    )
    only_c = OutputTable(
        "c_only",
        both.columns,
        (("a", 100),),
        universe=both.universe,
        filters=(among("industry", "C"),),
    )
    earlier = history(both, "exp-1") + history(only_c, "exp-2")
    new = count_table((("a", "C", 100), ("a", "D", None), ("b", "C", 40), ("b", "D", 60)))
    passed, offending = earlier_result(
        run_checks(new, settings=settings_factory(), earlier=earlier)
    )
    assert not passed
    found = [o for o in offending if "suppressed" in o]
    assert {o["larger"]["export"] for o in found} == {"exp-1"}  # type: ignore[index]
    # the C cell released now and the one released in exp-2 both complete the difference
    assert {o["smaller"]["export"] for o in found} == {"exp-2", "(this export)"}  # type: ignore[index]
    assert found[0]["suppressed"]["population"] == [  # type: ignore[index]
        {"attribute": "district", "in": ["a"]},
        {"attribute": "industry", "in": ["D"]},
    ]
    both_hidden = count_table((("a", "C", None), ("a", "D", None), ("b", "C", 40), ("b", "D", 60)))
    protected = run_checks(both_hidden, settings=settings_factory(), earlier=history(both, "exp-1"))
    assert earlier_result(protected)[0]


def test_EXP_2_a_suppressed_interval_equal_to_a_difference_of_thresholds_fails() -> None:
    ten = history(by_district(115, 150, filtered("employees", low=10)), "exp-1")
    twenty = history(by_district(60, 90, filtered("employees", low=20)), "exp-2")
    band = by_district(55, 60, filtered("employees", low=10, high=20))
    hidden = OutputTable(
        band.name, band.columns, (("a", "C", None), ("b", "C", 60)), band.universe, band.filters
    )
    passed, offending = earlier_result(
        run_checks(hidden, settings=settings_factory(), earlier=ten + twenty)
    )
    assert not passed and any("suppressed" in o for o in offending)


def test_EXP_2_population_nesting_is_judged_from_declared_constraints() -> None:
    district_a = (Constraint("district", values=frozenset({"a"})),)
    a_big = (*district_a, Constraint("employees", low=10))
    a_bigger = (*district_a, Constraint("employees", low=20, high=50))
    assert population_contains(district_a, a_big)
    assert population_contains(a_big, a_bigger)
    assert not population_contains(a_big, district_a)
    assert not population_contains(a_bigger, a_big)


DISTRICT_TOTALS = OutputTable(
    "firms_by_district",
    (count_table().columns[0], count_table().columns[2]),
    (("a", 120), ("b", 200)),
    universe=count_table().universe,
)
"""Earlier export: all firms by district, no industry."""


def test_EXP_2_an_earlier_total_acts_as_a_margin_of_the_new_table() -> None:
    """Pairwise the differences are 20 and 105, both safe; but 120 − 100 − 15 = 5."""
    new = count_table((("a", "C", 100), ("a", "F", None), ("a", "I", 15), ("b", "C", 150)))
    report = run_checks(new, settings=settings_factory(), earlier=history(DISTRICT_TOTALS))
    assert margins_result(report)[0]  # the table alone keeps the cell hidden
    passed, offending = earlier_result(report)
    assert not passed
    assert offending == [
        {
            "row": {"district": "a", "industry": "F"},
            "column": "firms",
            "detail": "recoverable exactly from the margins with earlier exports' cells",
        }
    ]


def test_EXP_2_suppressed_cells_under_an_earlier_total_are_judged_merged() -> None:
    new = count_table((("a", "C", 112), ("a", "F", None), ("a", "I", None), ("b", "C", 150)))
    passed, offending = earlier_result(
        run_checks(new, settings=settings_factory(), earlier=history(DISTRICT_TOTALS))
    )
    assert not passed
    assert offending[0]["detail"] == (
        "the suppressed cells of this margin hold 8 units together, fewer than 10"
    )
    assert offending[0]["margin"]["table"] == "firms_by_district"  # type: ignore[index]


def test_EXP_2_an_earlier_total_is_no_margin_of_a_table_that_filters_part_of_it_away() -> None:
    new = count_table(
        (("a", "C", 100), ("a", "F", None), ("b", "C", 150)),
        filters=(among("industry", "C", "F"),),
    )
    assert earlier_result(
        run_checks(new, settings=settings_factory(), earlier=history(DISTRICT_TOTALS))
    )[0]
