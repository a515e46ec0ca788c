"""The masking SQL equals its Python reference, value for value (SBX-3)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.identifiers import resident_id
from services.sandbox_broker.adapters.masking_sql import (
    IPAD_VARIABLE,
    OPAD_VARIABLE,
    column_sql,
    token_pads,
)
from services.sandbox_broker.domain import masking
from services.sandbox_broker.domain.items import ValueKind
from services.sandbox_broker.domain.masking import Method
from services.sandbox_broker.domain.plan import MountedColumn

KEY = bytes(range(32))
BIRTHS = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=24
)
ADDRESSES = st.one_of(
    st.text(
        alphabet="山东省淄博市张店区桓台县广西壮族自治区南宁青秀柳泉路号楼院0123 ", max_size=30
    ),
    st.sampled_from(
        ["山东省淄博市张店区柳泉路123号", "淄博市桓台县索镇8号2号楼", "北京市海淀区中关村大街27号"]
    ),
)


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(":memory:")
    ipad, opad = token_pads(KEY)
    connection.execute(f"SET VARIABLE {IPAD_VARIABLE} = ?", [ipad])
    connection.execute(f"SET VARIABLE {OPAD_VARIABLE} = ?", [opad])
    yield connection
    connection.close()


def in_sql(
    con: duckdb.DuckDBPyConnection, kind: ValueKind, method: Method, source_type: str, value: Any
) -> Any:
    column = MountedColumn("v", source_type, kind, method, source_type, 3)
    sql = column_sql(column, "$v")
    row = con.execute(f"SELECT {sql}", {"v": value} if "$v" in sql else {}).fetchone()
    assert row is not None
    return row[0]


def in_python(kind: ValueKind, method: Method, value: Any) -> Any:
    return masking.apply(method, kind, value, KEY)


@settings(max_examples=60)
@given(st.one_of(TEXT, st.builds(resident_id.make, st.just("370303"), BIRTHS, st.integers(0, 999))))
def test_SBX_3_tokens_in_sql_equal_the_reference(
    con: duckdb.DuckDBPyConnection, value: str
) -> None:
    for kind in (ValueKind.RESIDENT_ID, ValueKind.TEXT):
        assert in_sql(con, kind, Method.TOKENIZE, "VARCHAR", value) == in_python(
            kind, Method.TOKENIZE, value
        )


@settings(max_examples=60)
@given(TEXT)
def test_SBX_3_masked_text_in_sql_equals_the_reference(
    con: duckdb.DuckDBPyConnection, value: str
) -> None:
    assert in_sql(con, ValueKind.PERSON_NAME, Method.MASK, "VARCHAR", value) == masking.mask_text(
        value
    )


@settings(max_examples=100)
@given(ADDRESSES)
def test_SBX_3_coarsened_addresses_in_sql_equal_the_reference(
    con: duckdb.DuckDBPyConnection, value: str
) -> None:
    assert in_sql(
        con, ValueKind.ADDRESS, Method.COARSEN, "VARCHAR", value
    ) == masking.district_level(value)
    assert in_sql(con, ValueKind.ADDRESS, Method.MASK, "VARCHAR", value) == masking.city_level(
        value
    )


@settings(max_examples=60)
@given(
    st.one_of(st.dates(min_value=date(1000, 1, 1)), st.datetimes(min_value=datetime(1000, 1, 1)))
)
def test_SBX_3_generalized_dates_in_sql_equal_the_reference(
    con: duckdb.DuckDBPyConnection, value: date
) -> None:
    source = "TIMESTAMP" if isinstance(value, datetime) else "DATE"
    for method in (Method.COARSEN, Method.MASK):
        assert in_sql(con, ValueKind.DATE, method, source, value) == in_python(
            ValueKind.DATE, method, value
        )


@settings(max_examples=100)
@given(st.integers(min_value=-(10**17), max_value=10**17))
def test_SBX_3_banded_integers_in_sql_equal_the_reference(
    con: duckdb.DuckDBPyConnection, value: int
) -> None:
    for method in (Method.COARSEN, Method.MASK):
        assert in_sql(con, ValueKind.NUMBER, method, "BIGINT", value) == in_python(
            ValueKind.NUMBER, method, value
        )


@settings(max_examples=100)
@given(st.decimals(min_value=-(10**12), max_value=10**12, places=4, allow_nan=False))
def test_SBX_3_banded_decimals_in_sql_equal_the_reference(
    con: duckdb.DuckDBPyConnection, value: Decimal
) -> None:
    for method in (Method.COARSEN, Method.MASK):
        column = MountedColumn("v", "DECIMAL(18,4)", ValueKind.NUMBER, method, "DOUBLE", 3)
        row = con.execute(f"SELECT {column_sql(column, '$v')}", {"v": value}).fetchone()
        assert row is not None
        assert row[0] == in_python(ValueKind.NUMBER, method, value)


def test_SBX_3_as_is_and_suppress_in_sql(con: duckdb.DuckDBPyConnection) -> None:
    assert in_sql(con, ValueKind.TEXT, Method.AS_IS, "VARCHAR", "x") == "x"
    assert in_sql(con, ValueKind.RESIDENT_ID, Method.SUPPRESS, "VARCHAR", "370303") is None
    assert in_sql(con, ValueKind.FLAG, Method.SUPPRESS, "BOOLEAN", True) is None
    assert in_sql(con, ValueKind.RESIDENT_ID, Method.TOKENIZE, "VARCHAR", None) is None
