"""EXP-2: the check report — every check with its verdict, reason and offending cells —
its deterministic content hash, and the jurisdiction settings it applies."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.canonical import sha256_hex
from contracts.errors import DomainError, Forbidden
from services.product_release.domain.check_report import run_checks
from services.product_release.domain.check_results import MAX_LISTED
from services.product_release.domain.outputs import OutputTable
from services.product_release.domain.settings import change, defaults_for
from tests.unit.services.product_release.export_factories import (
    MAGNITUDE_COLUMNS,
    count_table,
    settings_factory,
    with_margins,
)

TABLE_CHECKS = [
    "minimum_cell_count",
    "zero_cells",
    "dominance",
    "p_ratio",
    "negative_contributions",
    "group_disclosure",
    "direct_identifiers",
    "row_level_data",
    "differencing_margins",
    "differencing_earlier_exports",
]


def test_EXP_2_the_report_hash_is_the_sha256_of_its_canonical_record() -> None:
    report = run_checks(count_table(), settings=settings_factory())
    assert report.content_hash == sha256_hex(report.as_record())
    assert len(report.content_hash) == 64
    assert [c.name for c in report.checks] == TABLE_CHECKS
    assert all(c.reason for c in report.checks)


def test_EXP_2_the_report_names_the_rules_each_check_enforces() -> None:
    report = run_checks(count_table(), settings=settings_factory())
    rules = {c.name: c.rules for c in report.checks}
    assert rules["row_level_data"] == ("EXP-2", "SBX-6")
    assert rules["minimum_cell_count"] == ("EXP-2",)


def test_EXP_2_the_report_hash_covers_the_settings_and_the_output() -> None:
    table = count_table()
    base = run_checks(table, settings=settings_factory())
    assert run_checks(table, settings=settings_factory()).content_hash == base.content_hash
    assert run_checks(table, settings=settings_factory(p_ratio_percent=5)).content_hash != (
        base.content_hash
    )
    other = count_table((("370302", "C", 13), *count_table().rows[1:]))
    assert run_checks(other, settings=settings_factory()).output_digest != base.output_digest


def test_EXP_2_offending_cells_are_capped_and_counted() -> None:
    rows = tuple((f"d{i:03d}", "C", 3) for i in range(MAX_LISTED + 20))
    report = run_checks(count_table(rows), settings=settings_factory())
    result = next(c for c in report.checks if c.name == "minimum_cell_count")
    assert result.offending_count == MAX_LISTED + 20
    assert len(result.offending) == MAX_LISTED


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 60), st.integers(0, 60)), min_size=1, max_size=12, unique=True
    ),
    st.randoms(use_true_random=False),
)
def test_EXP_2_the_report_hash_is_stable_under_row_order(
    keys: list[tuple[int, int]], rng: random.Random
) -> None:
    rows = [(f"d{d}", f"i{i}", (d * 7 + i * 3) % 30) for d, i in keys]
    shuffled = list(rows)
    rng.shuffle(shuffled)
    first = run_checks(count_table(rows), settings=settings_factory())
    second = run_checks(count_table(shuffled), settings=settings_factory())
    assert first.content_hash == second.content_hash
    assert first.output_digest == second.output_digest


magnitude_cell = st.integers(10, 10_000).flatmap(
    lambda units: st.tuples(
        st.just(units),
        st.floats(1_000.0, 1e9, allow_nan=False, allow_infinity=False),
        st.floats(0.01, 0.849),
        st.floats(0.0, 0.99),  # strictly inside 90%: float rounding at the limit fails safe
    )
)


@settings(max_examples=150, deadline=None)
@given(st.lists(magnitude_cell, min_size=1, max_size=15))
def test_EXP_2_cells_at_or_above_the_threshold_without_dominance_pass_the_cell_checks(
    cells: list[tuple[int, float, float, float]],
) -> None:
    rows = []
    for number, (units, total, share, split) in enumerate(cells):
        largest = total * share
        # the second largest is no larger than the largest and keeps the top two ≤ 90%
        second = min(largest, total * 0.9 - largest) * split
        rows.append((f"d{number}", units, total, largest, max(0.0, second)))
    table = OutputTable("t", MAGNITUDE_COLUMNS, tuple(rows), universe="u")
    report = run_checks(table, settings=settings_factory(p_ratio_percent=0))
    verdicts = {c.name: c.passed for c in report.checks}
    assert verdicts["minimum_cell_count"] and verdicts["zero_cells"] and verdicts["dominance"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 300), min_size=4, max_size=4), st.integers(3, 100))
def test_EXP_2_a_count_table_passes_the_count_check_exactly_when_every_cell_reaches_the_minimum(
    counts: list[int], minimum: int
) -> None:
    cells = [
        ("a", "C", counts[0]),
        ("a", "F", counts[1]),
        ("b", "C", counts[2]),
        ("b", "F", counts[3]),
    ]
    report = run_checks(
        count_table(with_margins(cells)), settings=settings_factory(min_cell_count=minimum)
    )
    count_check = next(c for c in report.checks if c.name == "minimum_cell_count")
    released = [int(str(row[2])) for row in with_margins(cells)]
    assert count_check.passed == all(v == 0 or v >= minimum for v in released)


def test_EXP_2_defaults_are_those_of_the_rules() -> None:
    defaults = defaults_for("370300")
    assert (
        defaults.min_cell_count,
        defaults.zero_cells_disclosive,
        defaults.dominance_largest_percent,
        defaults.dominance_top_two_percent,
        defaults.p_ratio_percent,
        defaults.min_residual_dof,
    ) == (10, True, 85, 90, 10, 10)


def test_EXP_2_the_regions_bureau_changes_its_settings() -> None:
    changed = change(
        defaults_for("370300"), actor_role="bureau", actor_region="370300", min_cell_count=20
    )
    assert changed.min_cell_count == 20
    with pytest.raises(Forbidden):
        change(
            defaults_for("370300"), actor_role="operator", actor_region="370300", min_cell_count=5
        )
    with pytest.raises(Forbidden):
        change(defaults_for("370300"), actor_role="bureau", actor_region="370700", min_cell_count=5)


@pytest.mark.parametrize(
    "changes",
    [
        {"min_cell_count": 2},
        {"dominance_largest_percent": 101},
        {"p_ratio_percent": -1},
        {"dominance_largest_percent": 95},  # above the two-largest limit of 90
        {"zero_cells_disclosive": 1},
        {"unknown": 3},
    ],
)
def test_EXP_2_settings_out_of_bounds_are_refused(changes: dict[str, int]) -> None:
    with pytest.raises(DomainError) as caught:
        change(defaults_for("370300"), actor_role="bureau", actor_region="370300", **changes)
    assert caught.value.rule == "EXP-2"


def test_EXP_2_report_of_a_table_states_the_settings_it_applied() -> None:
    settings_used = replace(settings_factory(), min_cell_count=15)
    report = run_checks(count_table(), settings=settings_used)
    assert report.settings == settings_used.as_record()
    assert report.as_record()["settings"] == settings_used.as_record()
