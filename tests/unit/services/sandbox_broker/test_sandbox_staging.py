"""Export staging (SBX-1, SBX-6): plain cells, bounded size, a digest anyone recomputes."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal

import pytest

from contracts.canonical import sha256_hex
from contracts.errors import DomainError
from services.sandbox_broker.domain.staging import (
    MAX_STAGED_ROWS,
    check_bounds,
    content_sha256,
    plain,
    plain_rows,
)


def test_SBX_1_cells_are_plain_json_values() -> None:
    assert plain_rows([(1, "a", None, True)]) == [[1, "a", None, True]]
    assert plain(Decimal("1.50")) == 1.5
    assert plain(date(2024, 12, 1)) == "2024-12-01"
    assert plain(datetime(2024, 12, 1, 8, 30)) == "2024-12-01T08:30:00"
    assert plain(math.nan) is None and plain(math.inf) is None
    assert plain(b"x") == "b'x'"


def test_SBX_6_an_output_with_too_many_rows_is_refused() -> None:
    with pytest.raises(DomainError, match="aggregate") as refused:
        check_bounds(MAX_STAGED_ROWS + 1, [["n", "BIGINT"]], [])
    assert refused.value.rule == "SBX-6"


def test_SBX_6_an_output_too_large_when_encoded_is_refused() -> None:
    rows: list[list[str | int | float | bool | None]] = [["x" * 1000] for _ in range(600)]
    with pytest.raises(DomainError, match="bytes"):
        check_bounds(600, [["t", "VARCHAR"]], rows)
    check_bounds(10, [["t", "VARCHAR"]], rows[:10])


def test_SBX_1_the_digest_is_the_canonical_json_of_columns_and_rows() -> None:
    columns = [["region_code", "VARCHAR"], ["n", "BIGINT"]]
    rows: list[list[str | int | float | bool | None]] = [["370302", 12]]
    assert content_sha256(columns, rows) == sha256_hex({"columns": columns, "rows": rows})
