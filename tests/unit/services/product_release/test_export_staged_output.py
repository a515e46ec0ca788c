"""A staged output under the developer's declaration (EXP-2): the declared columns must be
the staged ones, a verification export is checked as its answers' distribution, and an
output that cannot be read under its declaration fails with the reason."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from contracts.canonical import sha256_hex
from contracts.errors import DomainError, IllegalTransition
from contracts.events import (
    Cell,
    ExportStaged,
    ExportUnavailable,
    OutputColumn,
    StagedColumn,
    StagedItem,
)
from contracts.identifiers.registration_code import (
    check_character,
    is_valid_code,
    registration_code,
)
from services.product_release.domain.export_request import (
    TERMINAL,
    ExportState,
    RecordChecks,
    RecordUnavailable,
    RequestExport,
    decide,
    evolve,
)
from services.product_release.domain.outputs import Role
from services.product_release.domain.staged_output import (
    DECLARATION_CHECK,
    check_staged,
    output_table,
    staged_digest,
)
from tests.unit.services.product_release.export_factories import (
    DECLARED,
    DEVELOPER,
    REQUESTER,
    requested_export,
    settings_factory,
)

OUTPUT = "firms_by_district_industry"
COLUMNS = [("district", "VARCHAR"), ("industry", "VARCHAR"), ("firms", "BIGINT")]
ROWS: list[list[Cell]] = [
    ["张店区", "制造业", 42],
    ["张店区", "批发零售", 37],
    ["淄川区", "制造业", 25],
    ["淄川区", "批发零售", 19],
]


def staged_factory(
    columns: list[tuple[str, str]] | None = None,
    rows: list[list[Cell]] | None = None,
    **overrides: Any,
) -> ExportStaged:
    cols = COLUMNS if columns is None else columns
    data = ROWS if rows is None else rows
    fields: dict[str, Any] = {
        "export_id": "exp-1",
        "sandbox_id": "sbx-1",
        "output_name": OUTPUT,
        "columns": [StagedColumn(name=n, type=t) for n, t in cols],
        "rows": data,
        "row_count": len(data),
        "content_sha256": sha256_hex({"columns": [list(c) for c in cols], "rows": data}),
        "grant_items": [StagedItem(name="district", grade=1)],
    }
    fields.update(overrides)
    return ExportStaged(**fields)


def test_EXP_2_the_staged_digest_is_the_brokers() -> None:
    staged = staged_factory()
    assert staged_digest(staged) == staged.content_sha256


def test_EXP_2_declared_roles_apply_to_the_staged_columns_in_their_order() -> None:
    reordered = [COLUMNS[2], COLUMNS[0], COLUMNS[1]]
    rows: list[list[Cell]] = [[r[2], r[0], r[1]] for r in ROWS]
    table = output_table(requested_export(), staged_factory(reordered, rows))
    assert [(c.name, c.role) for c in table.columns] == [
        ("firms", Role.COUNT),
        ("district", Role.DIMENSION),
        ("industry", Role.DIMENSION),
    ]
    assert table.universe == "grant-1"


def test_EXP_2_a_passing_table_passes_and_is_returned_for_the_history() -> None:
    report, table = check_staged(requested_export(), staged_factory(), settings=settings_factory())
    assert report.passed and table is not None
    assert report.output_name == OUTPUT and len(report.content_hash) == 64


@pytest.mark.parametrize(
    ("staged", "reason"),
    [
        (staged_factory([*COLUMNS, ("phone", "VARCHAR")], [[*r, "x"] for r in ROWS]), "phone"),
        (staged_factory(COLUMNS[:2], [r[:2] for r in ROWS]), "firms"),
        (staged_factory(content_sha256="0" * 64), "digest"),
        (staged_factory(output_name="other"), "other"),
        (staged_factory(sandbox_id="sbx-dev-1"), "sbx-dev-1"),
    ],
)
def test_EXP_2_an_output_not_as_declared_fails_with_the_reason(
    staged: ExportStaged, reason: str
) -> None:
    report, table = check_staged(requested_export(), staged, settings=settings_factory())
    assert table is None and not report.passed
    assert report.failed_checks == (DECLARATION_CHECK,)
    assert reason in report.checks[0].reason


def test_EXP_2_an_unknown_declared_role_fails_the_declaration() -> None:
    declared = (OutputColumn(name="district", role="secret"), *DECLARED[1:])
    report, _ = check_staged(
        requested_export(columns=declared), staged_factory(), settings=settings_factory()
    )
    assert report.failed_checks == (DECLARATION_CHECK,)


def verification_request() -> Any:
    return requested_export(
        kind="verification", columns=(), key_column="credit_code", answer_column="status"
    )


def test_EXP_2_a_verification_export_is_checked_as_its_answer_distribution() -> None:
    answers = [("answer", "VARCHAR"), ("count", "BIGINT")]
    common = staged_factory(answers, [["一致", 812], ["不一致", 95]])
    report, table = check_staged(verification_request(), common, settings=settings_factory())
    assert report.passed and table is not None
    assert [(c.name, c.role, c.source) for c in table.columns] == [
        ("answer", Role.DIMENSION, "status"),
        ("count", Role.COUNT, ""),
    ]
    rare = staged_factory(answers, [["一致", 812], ["不一致", 2]])
    report, _ = check_staged(verification_request(), rare, settings=settings_factory())
    assert "minimum_cell_count" in report.failed_checks
    rows = staged_factory(COLUMNS)
    report, _ = check_staged(verification_request(), rows, settings=settings_factory())
    assert report.failed_checks == (DECLARATION_CHECK,)


def test_EXP_2_a_request_declares_its_kind_columns_and_verification_keys() -> None:
    base = RequestExport(
        "exp-1", "sbx-1", "grant-1", OUTPUT, DEVELOPER, REQUESTER, columns=tuple(DECLARED)
    )
    with pytest.raises(DomainError) as caught:
        decide(None, replace(base, kind="csv"))
    assert caught.value.field == "kind"
    with pytest.raises(DomainError) as caught:
        decide(None, replace(base, columns=()))
    assert caught.value.field == "columns"
    with pytest.raises(DomainError) as caught:
        decide(None, replace(base, columns=(DECLARED[0], DECLARED[0])))
    assert caught.value.field == "columns"
    with pytest.raises(DomainError) as caught:
        decide(None, replace(base, kind="verification", columns=(), key_column="k"))
    assert caught.value.field == "answer_column"


def test_SBX_1_an_output_that_cannot_be_staged_ends_the_request() -> None:
    notice = ExportUnavailable(export_id="exp-1", sandbox_id="sbx-1", reason="no output")
    [event] = decide(requested_export(), RecordUnavailable(notice))
    after = evolve(requested_export(), event)
    assert after.state is ExportState.UNAVAILABLE and after.state in TERMINAL
    assert after.unavailable_reason == "no output"
    report, _ = check_staged(requested_export(), staged_factory(), settings=settings_factory())
    with pytest.raises(IllegalTransition):
        decide(after, RecordChecks(report))
    with pytest.raises(DomainError):
        other = ExportUnavailable(export_id="exp-2", sandbox_id="sbx-1", reason="no output")
        decide(requested_export(), RecordUnavailable(other))


@pytest.mark.parametrize("sequence", [1, 2, 42, 9_999_999_999])
def test_CAT_4_product_codes_carry_region_type_sequence_and_a_mod_37_36_check(
    sequence: int,
) -> None:
    code = registration_code("370300", "product", sequence)
    assert code[:6] == "370300" and code[6] == "P" and int(code[7:17]) == sequence
    assert is_valid_code(code) and check_character(code[:-1]) == code[-1]
    assert not is_valid_code(code[:-1] + ("0" if code[-1] != "0" else "1"))


def test_CAT_4_mod_37_36_check_character_known_answers() -> None:
    # ISO/IEC 7064 MOD 37,36 worked by hand: body "0" → product 36+0 → 36 → 72 mod 37 = 35
    # → check (37 - 35) mod 36 = 2.
    assert check_character("0") == "2"
    # "00": second step s = (35 + 0) mod 36 = 35 → p = 70 mod 37 = 33 → (37 - 33) mod 36 = 4.
    assert check_character("00") == "4"


PER_UNIT = (
    OutputColumn(name="district", role="dimension"),
    OutputColumn(name="firm", role="unit_id"),
    OutputColumn(name="tax", role="sum"),
)


def test_EXP_2_a_per_unit_export_is_checked_under_the_columns_the_sandbox_computes() -> None:
    columns = [
        ("district", "VARCHAR"),
        ("units", "BIGINT"),
        ("tax", "HUGEINT"),
        ("tax_top1", "HUGEINT"),
        ("tax_top2", "HUGEINT"),
        ("tax_min", "HUGEINT"),
        ("tax_abs_total", "HUGEINT"),
    ]
    rows: list[list[Cell]] = [
        ["张店区", 8, 100, 90, 2, 1, 100],
        ["淄川区", 13, 1020, 900, 10, 10, 1020],
    ]
    request = requested_export(columns=PER_UNIT)
    report, table = check_staged(
        request, staged_factory(columns, rows), settings=settings_factory()
    )
    assert table is not None
    assert [c.role for c in table.columns] == [
        Role.DIMENSION,
        Role.UNITS,
        Role.SUM,
        Role.TOP1,
        Role.TOP2,
        Role.MIN,
        Role.ABS_TOTAL,
    ]
    assert {"minimum_cell_count", "dominance"} <= set(report.failed_checks)
    # staged as the developer's own rows instead, the declaration does not match
    refused, none = check_staged(request, staged_factory(), settings=settings_factory())
    assert none is None and refused.failed_checks == (DECLARATION_CHECK,)


def test_EXP_2_a_per_unit_export_the_sandbox_cannot_aggregate_is_refused_when_requested() -> None:
    base = RequestExport(
        "exp-1", "sbx-1", "grant-1", OUTPUT, DEVELOPER, REQUESTER, columns=PER_UNIT
    )
    assert decide(None, base)
    with pytest.raises(DomainError) as caught:
        decide(None, replace(base, columns=(*PER_UNIT, OutputColumn(name="m", role="mean"))))
    assert caught.value.field == "columns" and caught.value.rule == "EXP-2"


def test_EXP_2_the_report_tells_the_reviewer_who_computed_the_units_and_contributions() -> None:
    report, _ = check_staged(requested_export(), staged_factory(), settings=settings_factory())
    [own] = [c for c in report.checks if c.name == "contributions_per_unit"]
    assert own.passed and [o["column"] for o in own.offending] == ["firms"]
    assert "not records" in str(own.offending[0]["detail"])
    columns = [("district", "VARCHAR"), ("units", "BIGINT"), ("tax", "HUGEINT")]
    columns += [(f"tax_{s}", "HUGEINT") for s in ("top1", "top2", "min", "abs_total")]
    rows: list[list[Cell]] = [["张店区", 12, 1200, 110, 109, 90, 1200]]
    per_unit = requested_export(columns=PER_UNIT)
    report, _ = check_staged(per_unit, staged_factory(columns, rows), settings=settings_factory())
    [sandbox] = [c for c in report.checks if c.name == "contributions_per_unit"]
    assert sandbox.passed and sandbox.offending == ()
    assert sandbox.reason == "units and contributions computed by the sandbox, per unit"
