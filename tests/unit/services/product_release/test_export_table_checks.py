"""Known-answer tables for the automated cell checks of EXP-2 (count, zero, dominance,
p-ratio, identifiers) and the row-level rule shared with SBX-6."""

from __future__ import annotations

import json

import pytest

from contracts.errors import DomainError
from services.product_release.domain.check_report import CheckReport, run_checks
from services.product_release.domain.identifiers import (
    CREDIT_CODE,
    PHONE,
    RESIDENT_ID,
    credit_code_check,
    identifier_kinds,
    is_credit_code,
    is_resident_id,
    resident_id_check,
)
from services.product_release.domain.outputs import Column, GrantItem, OutputTable, Role
from tests.unit.services.product_release.export_factories import (
    COUNT_COLUMNS,
    count_table,
    magnitude_table,
    settings_factory,
)


def check(report: CheckReport, name: str) -> tuple[bool, list[dict[str, object]]]:
    result = next(c for c in report.checks if c.name == name)
    return result.passed, list(result.offending)


def test_EXP_2_cell_below_minimum_count_fails() -> None:
    rows = (
        ("370302", "C", 12),
        ("370302", "F", 3),
        ("370302", "I", 40),
        ("370303", "C", 18),
        ("370303", "F", 11),
        ("370303", "I", 30),
    )
    report = run_checks(count_table(rows), settings=settings_factory())
    passed, offending = check(report, "minimum_cell_count")
    assert not passed and not report.passed
    assert offending == [
        {
            "row": {"district": "370302", "industry": "F"},
            "columns": ["firms"],
            "units": 3,
            "detail": "3 units, fewer than 10",
        }
    ]
    assert report.failed_checks == ("minimum_cell_count",)


def test_EXP_2_a_safe_two_by_three_table_passes_every_check() -> None:
    report = run_checks(count_table(), settings=settings_factory())
    assert report.passed, [c for c in report.checks if not c.passed]


def test_EXP_2_a_cell_of_exactly_the_minimum_count_passes() -> None:
    rows = (("370302", "C", 10), ("370302", "F", 10), ("370303", "C", 10), ("370303", "F", 10))
    assert run_checks(count_table(rows), settings=settings_factory()).passed


def test_EXP_2_minimum_count_is_a_jurisdiction_setting() -> None:
    table = count_table()  # smallest cell 11
    assert run_checks(table, settings=settings_factory(min_cell_count=11)).passed
    strict = run_checks(table, settings=settings_factory(min_cell_count=12))
    assert check(strict, "minimum_cell_count")[0] is False
    assert strict.settings["min_cell_count"] == 12


def test_EXP_2_zero_cell_fails() -> None:
    rows = (("370302", "C", 0), ("370302", "F", 25), ("370303", "C", 18), ("370303", "F", 11))
    report = run_checks(count_table(rows), settings=settings_factory())
    passed, offending = check(report, "zero_cells")
    assert not passed
    assert offending == [{"row": {"district": "370302", "industry": "C"}, "columns": ["firms"]}]
    assert check(report, "minimum_cell_count")[0] is True


def test_EXP_2_zero_cells_pass_where_the_jurisdiction_allows_them() -> None:
    rows = (("370302", "C", 0), ("370302", "F", 25), ("370303", "C", 18), ("370303", "F", 11))
    report = run_checks(count_table(rows), settings=settings_factory(zero_cells_disclosive=False))
    assert report.passed
    assert "jurisdiction" in check_reason(report, "zero_cells")


def check_reason(report: CheckReport, name: str) -> str:
    return next(c.reason for c in report.checks if c.name == name)


def test_EXP_2_a_suppressed_cell_is_not_judged_as_released() -> None:
    rows = (("370302", "C", None), ("370302", "F", 25), ("370303", "C", 18), ("370303", "F", 11))
    report = run_checks(count_table(rows), settings=settings_factory())
    assert check(report, "minimum_cell_count")[0]
    assert check(report, "zero_cells")[0]


def test_EXP_2_units_rule_over_a_count_of_something_else() -> None:
    columns = (*COUNT_COLUMNS[:2], Column("invoices", Role.COUNT), Column("firms", Role.UNITS))
    rows = (("370302", "C", 400, 4), ("370302", "F", 250, 25), ("370303", "C", 180, 18))
    report = run_checks(OutputTable("t", columns, rows), settings=settings_factory())
    passed, offending = check(report, "minimum_cell_count")
    assert not passed
    assert [o["units"] for o in offending] == [4]


def test_EXP_2_a_released_measure_without_units_fails() -> None:
    columns = (Column("district", Role.DIMENSION), Column("median_wage", Role.STATISTIC))
    report = run_checks(OutputTable("t", columns, (("a", 5200.0),)), settings=settings_factory())
    passed, offending = check(report, "minimum_cell_count")
    assert not passed and "units unknown" in str(offending[0]["detail"])


def test_EXP_2_cell_where_one_firm_pays_90_percent_fails_dominance() -> None:
    table = magnitude_table(
        [
            ("370302", 40, 1_000_000.0, 900_000.0, 20_000.0),
            ("370303", 30, 1_000_000.0, 200_000.0, 150_000.0),
        ]
    )
    report = run_checks(table, settings=settings_factory())
    passed, offending = check(report, "dominance")
    assert not passed
    assert offending == [
        {
            "row": {"district": "370302"},
            "column": "tax_paid",
            "detail": "largest contribution exceeds 85% of the cell (90.0%)",
        }
    ]


def test_EXP_2_two_firms_with_over_90_percent_together_fail_dominance() -> None:
    table = magnitude_table([("370302", 40, 1_000_000.0, 600_000.0, 350_000.0)])
    passed, offending = check(run_checks(table, settings=settings_factory()), "dominance")
    assert not passed
    assert offending[0]["detail"] == "two largest contributions exceed 90% of the cell (95.0%)"


def test_EXP_2_dominance_limits_are_exclusive() -> None:
    exactly = magnitude_table(
        [
            ("370302", 40, 1_000_000.0, 850_000.0, 50_000.0),
            ("370303", 40, 1_000_000.0, 500_000.0, 400_000.0),
        ]
    )
    assert check(run_checks(exactly, settings=settings_factory()), "dominance")[0]


def test_EXP_2_dominance_thresholds_are_jurisdiction_settings() -> None:
    table = magnitude_table([("370302", 40, 1_000_000.0, 800_000.0, 50_000.0)])
    assert check(run_checks(table, settings=settings_factory()), "dominance")[0]
    stricter = settings_factory(dominance_largest_percent=75)
    assert not check(run_checks(table, settings=stricter), "dominance")[0]


def test_EXP_2_p_ratio_fails_when_the_rest_is_under_ten_percent_of_the_largest() -> None:
    # rest = 1,000,000 - 500,000 - 460,000 = 40,000 < 10% of 500,000
    table = magnitude_table([("370302", 40, 1_000_000.0, 500_000.0, 460_000.0)])
    relaxed = settings_factory(dominance_largest_percent=100, dominance_top_two_percent=100)
    report = run_checks(table, settings=relaxed)
    assert check(report, "dominance")[0]
    passed, offending = check(report, "p_ratio")
    assert not passed
    assert offending[0]["row"] == {"district": "370302"}


def test_EXP_2_p_ratio_passes_when_the_rest_masks_the_largest() -> None:
    # rest = 1,000,000 - 500,000 - 440,000 = 60,000 >= 50,000
    table = magnitude_table([("370302", 40, 1_000_000.0, 500_000.0, 440_000.0)])
    relaxed = settings_factory(dominance_largest_percent=100, dominance_top_two_percent=100)
    assert check(run_checks(table, settings=relaxed), "p_ratio")[0]


def test_EXP_2_a_single_contributor_fails_dominance_and_p_ratio() -> None:
    table = magnitude_table([("370302", 1, 70_000.0, 70_000.0, 0.0)])
    report = run_checks(table, settings=settings_factory(min_cell_count=3))
    assert not check(report, "dominance")[0]
    assert not check(report, "p_ratio")[0]


def test_EXP_2_mean_cells_are_judged_on_their_totals() -> None:
    columns = (
        Column("district", Role.DIMENSION),
        Column("firms", Role.UNITS),
        Column("mean_tax", Role.MEAN),
        Column("top1", Role.TOP1, of="mean_tax"),
        Column("top2", Role.TOP2, of="mean_tax"),
    )
    # 20 firms × mean 50,000 = 1,000,000; one firm pays 900,000
    table = OutputTable("t", columns, (("370302", 20, 50_000.0, 900_000.0, 5_000.0),))
    assert not check(run_checks(table, settings=settings_factory()), "dominance")[0]


def test_EXP_2_a_magnitude_without_its_top_two_summary_fails() -> None:
    columns = (
        Column("district", Role.DIMENSION),
        Column("firms", Role.COUNT),
        Column("tax", Role.SUM),
    )
    table = OutputTable("t", columns, (("370302", 40, 1_000_000.0),))
    passed, offending = check(run_checks(table, settings=settings_factory()), "dominance")
    assert not passed and offending[0]["column"] == "tax"


def test_EXP_2_declared_identifier_column_fails() -> None:
    columns = (Column("person", Role.IDENTIFIER), Column("n", Role.COUNT))
    report = run_checks(OutputTable("t", columns, (("p-1", 12),)), settings=settings_factory())
    passed, offending = check(report, "direct_identifiers")
    assert not passed and offending == [{"column": "person", "detail": "declared as an identifier"}]


def test_EXP_2_a_grade_4_catalog_item_as_a_dimension_fails() -> None:
    columns = (Column("holder", Role.DIMENSION, source="id_number"), Column("n", Role.COUNT))
    table = OutputTable("t", columns, (("tok-8f2a", 12), ("tok-19cc", 15)))
    items = [GrantItem("id_number", 4, "res-hpf-1"), GrantItem("district", 1)]
    report = run_checks(table, settings=settings_factory(), grant_items=items)
    passed, offending = check(report, "direct_identifiers")
    assert not passed
    assert offending == [{"column": "holder", "detail": "shows grade-4 data item 'id_number'"}]


def test_EXP_2_summing_a_grade_4_item_is_not_an_identifier() -> None:
    columns = (
        Column("district", Role.DIMENSION),
        Column("n", Role.COUNT),
        Column("income", Role.SUM, source="income"),
        Column("t1", Role.TOP1, of="income"),
        Column("t2", Role.TOP2, of="income"),
    )
    table = OutputTable("t", columns, (("370302", 40, 4_000_000.0, 300_000.0, 200_000.0),))
    report = run_checks(table, settings=settings_factory(), grant_items=[GrantItem("income", 4)])
    assert report.passed


RESIDENT = "11010519491231002X"  # the example number of GB 11643-1999
CREDIT = "91350100M000100Y43"  # a check-valid unified social credit code


def test_EXP_2_resident_id_check_character_is_iso_7064_mod_11_2() -> None:
    assert resident_id_check(RESIDENT[:17]) == "X"
    assert is_resident_id(RESIDENT)
    assert is_resident_id(RESIDENT.lower())
    assert not is_resident_id(RESIDENT[:17] + "1")
    assert not is_resident_id("110105194913310021")  # month 13: no such birth date


def test_EXP_2_credit_code_check_character_is_gb_32100() -> None:
    assert credit_code_check(CREDIT[:17]) == CREDIT[17]
    assert is_credit_code(CREDIT)
    assert not is_credit_code(CREDIT[:17] + "0")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (RESIDENT, RESIDENT_ID),
        (f"申请人 {RESIDENT} 已核验", RESIDENT_ID),
        ("13912345678", PHONE),
        ("+86 13912345678", PHONE),
        ("0533-2186655", PHONE),
        (CREDIT, CREDIT_CODE),
    ],
)
def test_EXP_2_identifier_patterns_are_found(text: str, kind: str) -> None:
    assert kind in identifier_kinds(text)


@pytest.mark.parametrize(
    "text", ["370302", "I05", "2025-06", "12345678901", "110105194912310021", "91350100M000100Y40"]
)
def test_EXP_2_ordinary_values_are_not_identifiers(text: str) -> None:
    assert identifier_kinds(text) == frozenset()


@pytest.mark.parametrize("value", [RESIDENT, "13912345678", CREDIT])
def test_EXP_2_identifier_values_in_a_released_column_fail(value: str) -> None:
    rows = ((value, "C", 12), ("370302", "C", 25))
    report = run_checks(count_table(rows), settings=settings_factory())
    passed, offending = check(report, "direct_identifiers")
    assert not passed
    assert offending[0]["column"] == "district" and offending[0]["values"] == 1


def test_EXP_2_the_report_never_repeats_an_identifier_value() -> None:
    rows = ((RESIDENT, "C", 3), ("370302", "C", 25))
    report = run_checks(count_table(rows), settings=settings_factory())
    assert not check(report, "minimum_cell_count")[0]
    assert RESIDENT not in json.dumps(report.as_record(), ensure_ascii=False)


def test_EXP_2_large_amounts_are_not_taken_for_phone_numbers() -> None:
    table = magnitude_table([("370302", 40, 13_912_345_678.0, 900_000_000.0, 800_000_000.0)])
    assert check(run_checks(table, settings=settings_factory()), "direct_identifiers")[0]


def test_EXP_2_SBX_6_a_select_star_extract_is_row_level_data() -> None:
    columns = (
        Column("name", Role.DIMENSION),
        Column("district", Role.DIMENSION),
        Column("wage", Role.DIMENSION),
    )
    rows = (("张*", "370302", 5200), ("李*", "370303", 6100))
    report = run_checks(OutputTable("select_star", columns, rows), settings=settings_factory())
    passed, offending = check(report, "row_level_data")
    assert not passed
    assert {"detail": "no aggregate column: every row is a record"} in offending


def test_EXP_2_SBX_6_one_row_per_person_fails_as_row_level_data() -> None:
    rows = tuple((f"37030{d}", "C", 12) for d in range(6))
    table = count_table(rows, distinct_units=6)
    passed, offending = check(run_checks(table, settings=settings_factory()), "row_level_data")
    assert not passed
    assert any(o.get("distinct_units") == 6 for o in offending)


def test_EXP_2_SBX_6_rows_of_single_units_fail_as_row_level_data() -> None:
    columns = (
        Column("person_token", Role.DIMENSION),
        Column("n", Role.UNITS),
        Column("wage", Role.STATISTIC),
    )
    rows = (("t1", 1, 5200.0), ("t2", 1, 6100.0))
    report = run_checks(OutputTable("t", columns, rows), settings=settings_factory())
    assert not check(report, "row_level_data")[0]


def test_EXP_2_SBX_6_repeated_dimension_values_are_not_a_grouped_table() -> None:
    rows = (("370302", "C", 12), ("370302", "C", 25))
    passed, offending = check(
        run_checks(count_table(rows), settings=settings_factory()), "row_level_data"
    )
    assert not passed and offending[0]["rows"] == 1


def test_EXP_2_a_grouped_table_is_not_row_level_data() -> None:
    table = count_table(distinct_units=136)
    assert check(run_checks(table, settings=settings_factory()), "row_level_data")[0]


def test_EXP_2_a_malformed_output_is_refused_before_any_check() -> None:
    with pytest.raises(DomainError) as caught:
        run_checks(count_table((("370302", "C"),)), settings=settings_factory())
    assert caught.value.rule == "EXP-2"
    bad_top = (Column("d", Role.DIMENSION), Column("n", Role.COUNT), Column("t", Role.TOP1, of="n"))
    with pytest.raises(DomainError, match="not a sum or mean"):
        run_checks(OutputTable("t", bad_top, (("a", 12, 3),)), settings=settings_factory())
