"""Synthetic values in SQL: valid, unique identifiers; seeded and deterministic (DESIGN §8)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import duckdb
import pytest

from contracts.identifiers import credit_code, resident_id
from services.sandbox_broker.adapters.demo_data import DEMO_TABLES
from services.sandbox_broker.adapters.materialize_sql import synthetic_seed, synthetic_source
from services.sandbox_broker.adapters.synthetic_sql import (
    county_index,
    credit_code_column,
    resident_id_column,
    staged_select,
)
from services.sandbox_broker.domain.items import sql_type
from services.sandbox_broker.domain.plan import Environment, plan_sandbox
from tests.unit.services.sandbox_broker.factories import (
    demo_schemas,
    grant_factory,
    granted_factory,
)

ROWS = 50_000


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(":memory:")
    yield connection
    connection.close()


def test_SBX_3_synthetic_resident_ids_are_valid_and_unique(con: duckdb.DuckDBPyConnection) -> None:
    column = resident_id_column(
        "id", "i", born_from=date(1950, 1, 1), born_until=date(2005, 12, 31), helper="_r"
    )
    rows = con.execute(staged_select([column], f"SELECT i FROM range({ROWS}) t(i)")).fetchall()
    ids = [r[0] for r in rows]
    assert len(set(ids)) == ROWS
    assert all(resident_id.is_valid(n) for n in ids)
    assert {n[:6] for n in ids} <= {
        "370302",
        "370303",
        "370304",
        "370305",
        "370306",
        "370321",
        "370322",
        "370323",
    }
    assert any(n.endswith("X") for n in ids)


def test_SBX_3_synthetic_credit_codes_pass_the_identity_services_check(
    con: duckdb.DuckDBPyConnection,
) -> None:
    column = credit_code_column("code", "i", county_index("i", 7, 1), helper="_c")
    rows = con.execute(staged_select([column], f"SELECT i FROM range({ROWS}) t(i)")).fetchall()
    codes = [r[0] for r in rows]
    assert len(set(codes)) == ROWS
    for code in codes:
        assert credit_code.check(code) == code
        assert code[17] == credit_code.check_character(code[:17])
    assert {c[16] for c in codes} >= {"X", "0"}  # both special GB 11714 check digits occur


@pytest.mark.parametrize("table", sorted(DEMO_TABLES))
def test_SBX_2_a_development_table_has_the_catalog_types_and_is_deterministic(
    con: duckdb.DuckDBPyConnection, table: str
) -> None:
    grant = grant_factory(resources=[granted_factory(table)])
    (mount,) = plan_sandbox(grant, demo_schemas(), Environment.DEVELOPMENT).mounts
    seed = synthetic_seed("g-credit-1", table)
    query = f"SELECT * FROM {synthetic_source(mount, seed=seed, rows=2000)} AS s"
    relation = con.sql(query)
    expected = [sql_type(item) for item in DEMO_TABLES[table]]
    assert [str(t) for t in relation.types] == expected
    assert relation.columns == [item.name for item in DEMO_TABLES[table]]
    first = relation.fetchall()
    assert len(first) == 2000 and first == con.sql(query).fetchall()
    other = synthetic_source(mount, seed=seed + 1, rows=2000)
    assert con.sql(f"SELECT * FROM {other} AS s").fetchall() != first


def test_SBX_2_synthetic_distributions_are_plausible(con: duckdb.DuckDBPyConnection) -> None:
    grant = grant_factory(
        resources=[granted_factory("tax_payments"), granted_factory("social_insurance")]
    )
    tax, social = plan_sandbox(grant, demo_schemas(), Environment.DEVELOPMENT).mounts
    source = synthetic_source(tax, seed=1, rows=20_000)
    grades = dict(
        con.execute(f"SELECT tax_grade, count(*) FROM {source} s GROUP BY ALL").fetchall()
    )
    assert set(grades) == {"A", "B", "M", "C", "D"} and grades["B"] > grades["D"] * 4
    median, low = con.execute(
        f"SELECT median(tax_paid_fen), min(tax_paid_fen) FROM {source} s"
    ).fetchone() or (0, 0)
    assert 300_000 < median < 3_000_000 and low >= 100
    share = con.execute(
        f"SELECT avg(arrears_flag::INT) FROM {synthetic_source(social, seed=1, rows=20_000)} s"
    ).fetchone()
    assert share is not None and 0.05 < share[0] < 0.11
