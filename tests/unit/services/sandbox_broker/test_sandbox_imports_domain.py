"""Own-data imports (SBX-4): what may be imported, checked before anything is stored."""

from __future__ import annotations

import pytest

from contracts.errors import DomainError, IllegalTransition
from contracts.machine import transition
from services.sandbox_broker.domain.imports import (
    MAX_IMPORT_BYTES,
    TRANSITIONS,
    ImportOutcome,
    ImportState,
    check_table_name,
    inspect_file,
)


def test_SBX_4_a_csv_with_a_header_and_even_rows_is_read() -> None:
    facts = inspect_file("名称,金额\n甲,1\n乙,2\n".encode(), "csv")
    assert (facts.rows, facts.columns) == (2, ("名称", "金额"))


@pytest.mark.parametrize(
    ("content", "fmt", "says"),
    [
        (b"\x7fELF\x00\x01", "csv", "NUL"),
        ("a,b\n".encode("utf-16"), "csv", "not a CSV"),
        (b"a,b\n1,2,3\n", "csv", "line 2"),
        (b"a,a\n1,2\n", "csv", "distinct"),
        (b"", "csv", "empty"),
        (b"a,b\n1,2\n", "parquet", "PAR1"),
        (b"PAR1....", "parquet", "PAR1"),
        (b"a,b\n", "xlsx", "cannot be imported"),
    ],
)
def test_SBX_4_anything_but_a_real_csv_or_parquet_file_is_refused(
    content: bytes, fmt: str, says: str
) -> None:
    with pytest.raises(DomainError) as refused:
        inspect_file(content, fmt)
    assert says in refused.value.detail and refused.value.rule == "SBX-4"


def test_SBX_4_a_file_over_the_limit_is_refused() -> None:
    with pytest.raises(DomainError, match="MiB"):
        inspect_file(b"a\n" + b"1\n" * (MAX_IMPORT_BYTES // 2), "csv")


def test_SBX_4_a_parquet_file_is_recognised_by_its_magic() -> None:
    assert inspect_file(b"PAR1" + bytes(16) + b"PAR1", "parquet").rows == -1


@pytest.mark.parametrize("table", ["Bad", "1x", "output_x", "market_registration", "a;b", ""])
def test_SBX_4_an_import_never_shadows_a_sandbox_table_or_an_output(table: str) -> None:
    with pytest.raises(DomainError):
        check_table_name(table, frozenset({"market_registration"}))


def test_SBX_4_only_a_pending_import_is_decided() -> None:
    def decide(state: ImportState, outcome: ImportOutcome) -> ImportState:
        return transition("import", TRANSITIONS, state, outcome, rule="SBX-4")

    assert decide(ImportState.PENDING, ImportOutcome.LOADED) is ImportState.LOADED
    assert decide(ImportState.PENDING, ImportOutcome.REJECTED) is ImportState.REJECTED
    for state in (ImportState.LOADED, ImportState.REJECTED, ImportState.FAILED):
        with pytest.raises(IllegalTransition) as caught:
            decide(state, ImportOutcome.LOADED)
        assert caught.value.rule == "SBX-4"


def test_SBX_4_only_the_operator_holding_the_grants_authorization_decides_an_import() -> None:
    """001 art.26(三): "运营单位 … 不得在未经审查通过的情况下,导入其他数据"; RULES SBX-4: the
    approval is the operator's that holds that grant's authorization, no other operator's;
    an operator the broker does not know for the grant is a refusal, not a pass."""
    from contracts.errors import Conflict, Forbidden
    from services.sandbox_broker.domain.imports import check_decider

    check_decider("imp-1", "org-op-a", grant_operator_org_id="org-op-a")
    with pytest.raises(Forbidden) as other:
        check_decider("imp-1", "org-op-b", grant_operator_org_id="org-op-a")
    assert other.value.rule == "SBX-4" and "org-op-a" in other.value.detail
    with pytest.raises(Conflict) as unknown:
        check_decider("imp-1", "org-op-a", grant_operator_org_id="")
    assert unknown.value.rule == "SBX-4" and "not known" in unknown.value.detail
