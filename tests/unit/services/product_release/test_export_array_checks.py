"""EXP-2 on arrays: the NumPy nesting finder finds exactly the nested pairs the exact
method finds, so a disclosive differencing attack the exact method catches is still
caught with the fast path wired in."""

from __future__ import annotations

import random
from typing import Any, cast

from services.product_release.adapters.array_checks import ArrayNesting
from services.product_release.domain.check_report import CheckReport, run_checks
from services.product_release.domain.differencing import (
    ExactNesting,
    ReleasedCell,
    released_cells,
)
from services.product_release.domain.outputs import Constraint, OutputTable
from services.product_release.domain.table_checks import view_of
from tests.unit.services.product_release.export_factories import (
    among,
    count_table,
    filtered,
    settings_factory,
)


def history(table: OutputTable, export_id: str = "exp-0") -> list[ReleasedCell]:
    return released_cells(view_of(table), export_id)


def by_district(a: int, b: int, *filters: Constraint) -> OutputTable:
    return count_table(
        (("a", "C", a), ("b", "C", b)),
        name="firms_by_district_filtered",
        filters=(among("industry", "C"), *filters),
    )


BY_DISTRICT = count_table((("a", "C", 120), ("b", "C", 200)), name="firms_by_district")


def earlier_failed(report: CheckReport) -> list[dict[str, object]]:
    result = next(c for c in report.checks if c.name == "differencing_earlier_exports")
    return [] if result.passed else list(result.offending)


def both(table: OutputTable, earlier: list[ReleasedCell]) -> tuple[CheckReport, CheckReport]:
    settings = settings_factory()
    exact = run_checks(table, settings=settings, earlier=earlier, nesting=ExactNesting())
    fast = run_checks(table, settings=settings, earlier=earlier, nesting=ArrayNesting())
    return exact, fast


ATTACKS = {
    "interval filter nested in the earlier total": (
        lambda: by_district(115, 150, filtered("employees", low=10)),
        lambda: history(BY_DISTRICT),
    ),
    "new larger cell over an earlier smaller one": (
        lambda: count_table((("a", "C", 120), ("b", "C", 200)), filters=(among("industry", "C"),)),
        lambda: history(by_district(115, 150, filtered("employees", low=10))),
    ),
    "nested thresholds": (
        lambda: by_district(113, 120, filtered("employees", low=11)),
        lambda: history(by_district(115, 150, filtered("employees", low=10))),
    ),
    "zero difference": (
        lambda: by_district(120, 150, filtered("employees", low=1)),
        lambda: history(BY_DISTRICT),
    ),
}


def test_EXP_2_array_nesting_still_finds_every_differencing_attack_the_exact_method_finds() -> None:
    for name, (new, earlier) in ATTACKS.items():
        exact, fast = both(new(), earlier())
        assert earlier_failed(exact), f"{name}: the exact method should find the attack"
        assert earlier_failed(fast) == earlier_failed(exact), name
        assert fast.content_hash == exact.content_hash, name


def test_EXP_2_array_nesting_passes_what_the_exact_method_passes() -> None:
    safe = by_district(100, 150, filtered("employees", low=10))
    exact, fast = both(safe, history(BY_DISTRICT))
    assert not earlier_failed(exact) and not earlier_failed(fast)
    assert fast.content_hash == exact.content_hash


def _random_cells(draw: random.Random, count: int, export_id: str) -> list[ReleasedCell]:
    """Cells over three attributes mixing points, value sets, intervals and absences."""
    cells = []
    for _ in range(count):
        population = []
        if draw.random() < 0.8:
            values = draw.sample("abcd", draw.choice((1, 1, 1, 2, 3)))
            population.append(Constraint("district", values=frozenset(values)))
        if draw.random() < 0.7:
            population.append(Constraint("industry", values=frozenset({draw.choice("CDF")})))
        if draw.random() < 0.5:
            low = draw.choice((None, 0, 10, 20))
            high = draw.choice((None, 50, 100))
            population.append(Constraint("employees", low=low, high=high))
        cells.append(
            ReleasedCell(
                export_id,
                "t",
                draw.choice(("u1", "u1", "u2")),
                draw.choice(("count", "sum:tax")),
                tuple(sorted(population, key=lambda c: c.attribute)),
                draw.randint(0, 40),
            )
        )
    return cells


def test_EXP_2_array_nesting_agrees_with_the_exact_method_on_random_populations() -> None:
    draw = random.Random(20261207)
    found = 0
    for round_ in range(40):
        larger = _random_cells(draw, 60, f"old-{round_}")
        smaller = _random_cells(draw, 60, "")
        expected = ExactNesting().pairs(larger, smaller)
        assert ArrayNesting().pairs(larger, smaller) == expected
        assert ArrayNesting().both_ways(smaller, larger) == ExactNesting().both_ways(
            smaller, larger
        )
        found += len(expected)
    assert found > 100  # the cases nest often enough to mean something


def test_EXP_2_every_nesting_query_of_the_export_check_tests_is_cross_checked(
    both_nesting_finders_agree: list[int],
) -> None:
    run_checks(
        by_district(113, 120, filtered("employees", low=11)),
        settings=settings_factory(),
        earlier=history(by_district(115, 150, filtered("employees", low=10))),
    )
    # the autouse fixture compared both finders on both queries (two nested pairs found)
    assert both_nesting_finders_agree == [2, 0]


def _large_count_table(counts: dict[tuple[str, str], int], *filters: Constraint) -> OutputTable:
    """Firms by district × industry: 100 × 100 = 10,000 cells."""
    rows = tuple((d, i, n) for (d, i), n in counts.items())
    return count_table(rows, name="firms_large", filters=filters)


def test_EXP_2_array_path_finds_the_exact_methods_differencing_attack_on_10000_cells() -> None:
    districts = [f"3703{n:02d}" for n in range(100)]
    industries = [f"I{n:02d}" for n in range(100)]
    everyone = {
        (d, i): 200 + (7 * a + 3 * b) % 50
        for a, d in enumerate(districts)
        for b, i in enumerate(industries)
    }
    # the new export: the firms with 10 or more employees — 10 fewer in every cell but
    # one, where only 3 firms are small: that cell minus its earlier one names them
    attacked = (districts[57], industries[31])
    filtered_counts = {key: n - (3 if key == attacked else 10) for key, n in everyone.items()}
    earlier = history(_large_count_table(everyone))
    new = _large_count_table(filtered_counts, filtered("employees", low=10))
    assert len(new.rows) == 10_000 and len(earlier) == 10_000

    exact, fast = both(new, earlier)

    found = earlier_failed(exact)
    assert len(found) == 1, "the exact method finds the one disclosive difference"
    assert "3 units" in str(found[0]["detail"])
    larger = cast(dict[str, Any], found[0]["larger"])
    assert {"attribute": "district", "in": [attacked[0]]} in larger["population"]
    assert earlier_failed(fast) == found
    assert fast.content_hash == exact.content_hash
