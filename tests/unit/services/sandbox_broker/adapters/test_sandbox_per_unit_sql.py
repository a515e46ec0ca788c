"""The per-unit export SQL (EXP-2) equals its Python reference: records summed per unit
within each cell, then per cell, with units, exact sums and the hidden summaries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from fractions import Fraction

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.errors import DomainError
from contracts.events import OutputColumn
from contracts.per_unit import per_unit_columns
from services.sandbox_broker.adapters.per_unit_sql import per_unit_sql
from services.sandbox_broker.domain.per_unit import per_unit_read

COLUMNS = [
    OutputColumn(name="industry", role="dimension"),
    OutputColumn(name="firm", role="unit_id"),
    OutputColumn(name="tax", role="sum"),
]
Record = tuple[str, str, int]


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


def staged(
    con: duckdb.DuckDBPyConnection, records: list[tuple[object, ...]], tax_type: str
) -> list[tuple[object, ...]]:
    con.execute(
        f"CREATE OR REPLACE TABLE output_t (industry VARCHAR, firm VARCHAR, tax {tax_type})"
    )
    con.executemany("INSERT INTO output_t VALUES (?, ?, ?)", records)
    read = per_unit_read(COLUMNS)
    assert read is not None
    types = {str(r[0]): str(r[1]) for r in con.execute("DESCRIBE output_t").fetchall()}
    return con.execute(per_unit_sql("output_t", read, types)).fetchall()


def reference(records: list[Record]) -> list[tuple[object, ...]]:
    per_unit: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for industry, firm, tax in records:
        per_unit[industry][firm] += tax
    out = []
    for industry in sorted(per_unit):
        values = list(per_unit[industry].values())
        by_size = sorted(values, key=abs, reverse=True)
        out.append(
            (
                industry,
                len(values),
                sum(values),
                by_size[0],
                by_size[1] if len(by_size) > 1 else None,
                min(values),
                sum(abs(v) for v in values),
            )
        )
    return out


def test_EXP_2_per_unit_columns_are_named_for_the_checks() -> None:
    names = [(c.name, c.role, c.of) for c in per_unit_columns(COLUMNS)]
    assert names == [
        ("industry", "dimension", ""),
        ("units", "units", ""),
        ("tax", "sum", ""),
        ("tax_top1", "top1", "tax"),
        ("tax_top2", "top2", "tax"),
        ("tax_min", "min", "tax"),
        ("tax_abs_total", "abs_total", "tax"),
    ]


@pytest.mark.parametrize(
    "columns",
    [
        [*COLUMNS, OutputColumn(name="avg_tax", role="mean")],
        [*COLUMNS, OutputColumn(name="other", role="unit_id")],
        [*COLUMNS, OutputColumn(name="tax_top1", role="dimension")],
    ],
)
def test_EXP_2_a_per_unit_declaration_the_sandbox_cannot_aggregate_is_refused(
    columns: list[OutputColumn],
) -> None:
    with pytest.raises(DomainError) as refused:
        per_unit_read(columns)
    assert refused.value.rule == "EXP-2"


def test_EXP_2_a_firm_with_three_records_is_one_contributor(
    con: duckdb.DuckDBPyConnection,
) -> None:
    records = [("C", "A", 30)] * 3 + [("C", f"f{n}", 10) for n in range(7)]
    assert staged(con, list(records), "BIGINT") == [("C", 8, 160, 90, 10, 10, 160)]


def test_EXP_2_exact_double_contributions_are_summed_correctly_rounded(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # plain float addition makes 9.999999999999996 of these; fsum gives the decimal sum
    values = [7.2, 1.8] + [0.1] * 10
    rows = staged(con, [("C", f"f{n}", v) for n, v in enumerate(values)], "DOUBLE")
    assert rows == [("C", 12, 10.0, 7.2, 1.8, 0.1, 10.0)]
    assert Fraction(repr(rows[0][2])) == sum(Fraction(repr(v)) for v in values)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["C", "F"]),
            st.sampled_from([f"firm{n}" for n in range(6)]),
            st.integers(-(10**12), 10**12),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_EXP_2_property_per_unit_sql_equals_its_reference(records: list[Record]) -> None:
    connection = duckdb.connect()
    try:
        rows = staged(connection, list(records), "BIGINT")
    finally:
        connection.close()
    expected = reference(records)
    for got, want in zip(rows, expected, strict=True):
        # ties in size may come in either order: compare the sizes of the top two
        assert got[:3] == want[:3] and got[5:] == want[5:]
        assert abs(got[3]) == abs(want[3])  # type: ignore[arg-type]
        if want[4] is None:
            assert got[4] is None
        else:
            assert abs(got[4]) == abs(want[4])  # type: ignore[arg-type]
