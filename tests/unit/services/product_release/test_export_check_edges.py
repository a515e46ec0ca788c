"""EXP-2 at its edges: negative contributions judged on absolute values and listed for the
reviewer, boundaries decided exactly (integers and decimals, never binary floats), and
group disclosure of cells whose contributors all hold one value — examples and
properties."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.errors import DomainError
from services.product_release.domain.check_report import run_checks
from services.product_release.domain.check_results import CheckResult
from services.product_release.domain.outputs import Column, OutputTable, Role
from services.product_release.domain.settings import change, defaults_for
from tests.unit.services.product_release.export_factories import (
    EDGE_COLUMNS,
    edge_table,
    magnitude_table,
    settings_factory,
)

WITH_MIN = tuple(c for c in EDGE_COLUMNS if c.role is not Role.ABS_TOTAL)


def checks(table: OutputTable, **overrides: object) -> dict[str, CheckResult]:
    report = run_checks(table, settings=settings_factory(**overrides))
    return {c.name: c for c in report.checks}


def details(result: CheckResult) -> list[str]:
    return [str(o["detail"]) for o in result.offending]


def without(table: OutputTable, role: Role) -> OutputTable:
    """The table without its hidden column of ``role``."""
    keep = [p for p, c in enumerate(table.columns) if c.role is not role]
    return OutputTable(
        table.name,
        tuple(table.columns[p] for p in keep),
        tuple(tuple(row[p] for p in keep) for row in table.rows),
        universe=table.universe,
    )


# --- negative contributions ------------------------------------------------------------


def test_EXP_2_negative_contribution_a_large_refund_fails_dominance_on_absolute_values() -> None:
    # a refund of 1000 decides the cell total (-880): on signed values nothing dominates
    found = checks(edge_table([-1000] + [10] * 12))
    assert not found["dominance"].passed
    assert details(found["dominance"]) == [
        "largest contribution exceeds 85% of the cell (89.3%) (absolute values)"
    ]
    negative = found["negative_contributions"]
    assert negative.passed and negative.offending_count == 1
    assert negative.offending[0]["row"] == {"district": "d0"}
    assert "the smallest contribution is negative (-1000)" in details(negative)[0]
    assert "the reviewer judges" in details(negative)[0]


def test_EXP_2_negative_contribution_in_a_safe_cell_is_still_listed_for_the_reviewer() -> None:
    report = run_checks(
        edge_table([-5, *range(100, 112)], list(range(100, 112))), settings=settings_factory()
    )
    found = {c.name: c for c in report.checks}
    assert found["dominance"].passed and found["p_ratio"].passed
    negative = found["negative_contributions"]
    assert negative.passed and negative.offending_count == 1
    assert negative.reason.startswith("1 cells with negative contributions")
    assert "judged on absolute values" in details(negative)[0]
    assert report.passed


def test_EXP_2_negative_contribution_without_the_smallest_value_cannot_be_judged() -> None:
    # top two by size with their sign, but no hidden minimum: the refunds' size is unknown
    table = magnitude_table([("d0", 13, -880.0, -1000.0, 10.0)])
    found = checks(table)
    assert not found["dominance"].passed and not found["p_ratio"].passed
    assert "no smallest contribution (min) handed over" in details(found["dominance"])[0]
    assert found["negative_contributions"].offending_count == 1


def test_EXP_2_negative_contribution_with_top_two_not_by_size_cannot_be_judged() -> None:
    # the two largest handed over by signed value (10, 10) while refunds of 1000 and 999
    # are larger in size: the second largest by size is unknown
    row = ("d0", 14, -1879, 10, 10, -1000)
    table = OutputTable("tax_by_district", WITH_MIN, (row,), universe="u")
    found = checks(table)
    assert not found["dominance"].passed
    assert "not the largest by absolute value" in details(found["dominance"])[0]


def test_EXP_2_negative_contribution_against_the_least_absolute_total_possible() -> None:
    # no sum of absolute values handed over: the least it can be is exact here (1120)
    dominated = without(edge_table([-1000] + [10] * 12), Role.ABS_TOTAL)
    found = checks(dominated)
    assert details(found["dominance"]) == [
        "largest contribution exceeds 85% of the cell (89.3%) (absolute values)"
    ]
    assert "least absolute total possible" in details(found["negative_contributions"])[0]
    safe = checks(without(edge_table([-5] + [100] * 12), Role.ABS_TOTAL))
    assert safe["dominance"].passed and safe["p_ratio"].passed


# --- exact boundaries ------------------------------------------------------------------


def test_EXP_2_exact_decimal_top_two_at_exactly_90_percent_pass() -> None:
    # in binary floats 7.2 + 1.8 + ten 0.1 is 9.999999999999996, and 3.2 + 3.1 is
    # 6.300000000000001: both would fail the "more than 90%" rule they meet exactly
    found = checks(edge_table([7.2, 1.8] + [0.1] * 10, [3.2, 3.1] + [0.1] * 7))
    assert found["dominance"].passed, found["dominance"].offending
    over = checks(edge_table([7.21, 1.8] + [0.1] * 10))
    assert not over["dominance"].passed


def test_EXP_2_exact_decimal_p_ratio_boundary_passes() -> None:
    # the rest (0.3) is exactly 10% of the largest (3.0): "less than 10%" is not met
    found = checks(edge_table([3.0, 1.0, 0.1, 0.1, 0.1]))
    assert found["p_ratio"].passed, found["p_ratio"].offending
    assert not checks(edge_table([3.0, 1.0, 0.1, 0.1, 0.09]))["p_ratio"].passed


def test_EXP_2_exact_integers_beyond_float_precision_stay_integers() -> None:
    k = 2**53 + 1  # 17k and 20k are not floats: as floats 17k comes out above 85% of 20k
    at_limit = magnitude_table([("d0", 12, 20 * k, 17 * k, 0)])  # type: ignore[list-item]
    assert checks(at_limit)["dominance"].passed
    over = magnitude_table([("d0", 12, 20 * k, 17 * k + 1, 0)])  # type: ignore[list-item]
    assert not checks(over)["dominance"].passed


# --- group disclosure ------------------------------------------------------------------


def test_EXP_2_group_disclosure_twelve_zeros_fail_unless_a_shared_zero_is_allowed() -> None:
    found = checks(edge_table([0] * 12))
    assert not found["group_disclosure"].passed
    assert found["group_disclosure"].offending[0]["units"] == 12
    allowed = checks(edge_table([0] * 12), shared_zero_disclosive=False)
    assert allowed["group_disclosure"].passed
    assert "shared zero allowed" in allowed["group_disclosure"].reason


def test_EXP_2_group_disclosure_is_seen_from_the_top_two_alone() -> None:
    # without a hidden minimum: a zero sum of 12 units, or a total of units × the largest
    table = magnitude_table([("d0", 12, 0, 0, 0), ("d1", 12, 6000, 500, 500)])  # type: ignore[list-item]
    found = checks(table)
    assert found["group_disclosure"].offending_count == 2
    # a total of units × the largest with a smaller second largest is not a shared value
    inconsistent = magnitude_table([("d2", 10, 5000, 500, 250)])  # type: ignore[list-item]
    assert checks(inconsistent)["group_disclosure"].passed


def test_EXP_2_group_disclosure_of_an_equal_non_zero_value_fails_even_where_zero_is_allowed() -> (
    None
):
    for cell in ([500] * 12, [-3] * 12, [2.5] * 10):
        found = checks(edge_table(cell), shared_zero_disclosive=False)
        assert not found["group_disclosure"].passed, cell
    assert checks(edge_table([500] * 11 + [501]))["group_disclosure"].passed


def test_EXP_2_group_disclosure_setting_is_a_switch_of_the_regions_bureau() -> None:
    assert defaults_for("370300").shared_zero_disclosive is True
    changed = change(
        defaults_for("370300"),
        actor_role="bureau",
        actor_region="370300",
        shared_zero_disclosive=False,
    )
    assert changed.shared_zero_disclosive is False
    assert changed.as_record()["shared_zero_disclosive"] is False
    with pytest.raises(DomainError) as refused:
        change(
            defaults_for("370300"),
            actor_role="bureau",
            actor_region="370300",
            shared_zero_disclosive=0,
        )
    assert refused.value.field == "shared_zero_disclosive"


# --- properties ------------------------------------------------------------------------


def reference(values: list[Fraction]) -> tuple[bool, bool]:
    """(dominated, p-ratio failed) on absolute values, from the definitions."""
    sizes = sorted((abs(v) for v in values), reverse=True) + [Fraction(0)] * 2
    total = sum(sizes, Fraction(0))
    largest, second = sizes[0], sizes[1]
    dominated = largest * 100 > 85 * total or (largest + second) * 100 > 90 * total
    return dominated, (total - largest - second) * 100 < 10 * largest


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(-(10**6), 10**6), min_size=10, max_size=30).filter(lambda v: min(v) < 0),
    st.booleans(),
)
def test_EXP_2_property_negative_contributions_are_judged_on_absolute_values(
    values: list[int], absolute_handed_over: bool
) -> None:
    table = edge_table(values)
    if not absolute_handed_over:
        table = without(table, Role.ABS_TOTAL)
    found = checks(table)
    assert found["negative_contributions"].offending_count == 1
    dominated, p_failed = reference([Fraction(v) for v in values])
    if absolute_handed_over:
        assert (not found["dominance"].passed, not found["p_ratio"].passed) == (
            dominated,
            p_failed,
        )
    else:  # against the least absolute total: never passes what the definition fails
        assert not (dominated and found["dominance"].passed)
        assert not (p_failed and found["p_ratio"].passed)


rest_in_cents = st.lists(st.integers(1, 9), min_size=18, max_size=30)


@settings(max_examples=150, deadline=None)
@given(rest_in_cents, st.data())
def test_EXP_2_property_decimal_cells_exactly_at_the_dominance_limit_pass_and_a_cent_more_fails(
    rest: list[int], data: st.DataObject
) -> None:
    r = sum(rest)
    # the top two are exactly 90% of the cell (a + b = 9r), the largest at most 85%
    a = data.draw(st.integers(-(-9 * r // 2), 17 * r // 2))
    b = 9 * r - a
    cents = [a, b, *rest]
    at_limit = checks(edge_table([c / 100 for c in cents]))
    assert at_limit["dominance"].passed, (cents, at_limit["dominance"].offending)
    over = checks(edge_table([c / 100 for c in [a + 1, *cents[1:]]]))
    assert not over["dominance"].passed


@settings(max_examples=150, deadline=None)
@given(rest_in_cents, st.data())
def test_EXP_2_property_decimal_cells_exactly_at_the_p_ratio_limit_pass_and_a_cent_less_fails(
    rest: list[int], data: st.DataObject
) -> None:
    r = sum(rest)
    a = 10 * r  # the rest is exactly 10% of the largest
    b = data.draw(st.integers(max(rest), a))
    cents = [a, b, *rest]
    assert checks(edge_table([c / 100 for c in cents]))["p_ratio"].passed, cents
    less = sorted(rest)
    less[-1] -= 1
    assert not checks(edge_table([c / 100 for c in [a, b, *less]]))["p_ratio"].passed


values = st.one_of(
    st.integers(-(10**9), 10**9),
    st.integers(-(10**6), 10**6).map(lambda cents: cents / 100),
)


@settings(max_examples=150, deadline=None)
@given(values, st.integers(2, 40), st.booleans())
def test_EXP_2_property_cells_whose_contributors_all_hold_one_value_fail_group_disclosure(
    value: int | float, units: int, shared_zero_allowed: bool
) -> None:
    setting = {"shared_zero_disclosive": not shared_zero_allowed}
    found = checks(edge_table([value] * units), **setting)["group_disclosure"]
    assert found.passed == (value == 0 and shared_zero_allowed)
    step = 1 if isinstance(value, int) else 0.01
    differing = [value] * (units - 1) + [value + step]
    assert checks(edge_table(differing), **setting)["group_disclosure"].passed


def test_EXP_2_edge_columns_are_hidden_and_summarise_their_magnitude() -> None:
    table = edge_table([1, 2, 3])
    hidden = [c.name for c in table.columns if c.role in (Role.MIN, Role.ABS_TOTAL)]
    assert hidden == ["tax_min", "tax_abs_total"]
    bad = (Column("d", Role.DIMENSION), Column("n", Role.COUNT), Column("m", Role.MIN, of="n"))
    with pytest.raises(DomainError):
        run_checks(OutputTable("t", bad, (("a", 12, 1),)), settings=settings_factory())


def merged(b_top1: float) -> OutputTable:
    """Districts b and c suppressed under a released total: merged, 7.0 with top two
    ``b_top1`` + 3.1."""
    rows = [
        ("a", 12, 100.0, 10.0, 9.0),
        ("b", 12, None, b_top1, 0.3),
        ("c", 12, None, 3.1, 0.2),
        (None, 36, 107.0, 10.0, 9.0),
    ]
    return magnitude_table(rows)  # type: ignore[arg-type]


def test_EXP_2_exact_merged_suppressed_cells_at_exactly_90_percent_pass() -> None:
    # as floats 107.0 - 100.0 = 7.0 but 3.2 + 3.1 = 6.300000000000001 > 90% of it
    assert checks(merged(3.2))["differencing_margins"].passed
    over = checks(merged(3.21))["differencing_margins"]
    assert not over.passed
    assert "merged: two largest contributions exceed 90%" in details(over)[0]
