"""Demo source data of the finance credit scenario: valid, linked, deterministic."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from contracts.identifiers import credit_code, resident_id
from demo.city import RESOURCES
from services.sandbox_broker.adapters.demo_data import DEMO_TABLES, DemoScale, generate
from services.sandbox_broker.domain.items import sql_type

SCALE = DemoScale(enterprises=3000, tax_months=2, persons=4000)
CATALOG_TABLE = {
    "企业纳税信息": "tax_payments",
    "市场主体登记信息": "market_registration",
    "企业社会保险参保人数": "social_insurance",
    "住房公积金缴存信息": "housing_provident_fund",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path = tmp_path_factory.mktemp("demo") / "source.duckdb"
    report = generate(path, SCALE)
    assert {t: rows for t, (rows, _) in report.items()} == {
        "market_registration": 3000,
        "tax_payments": 6000,
        "social_insurance": 3000,
        "housing_provident_fund": 4000,
    }
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def test_SBX_3_every_identifier_in_the_demo_data_is_valid_and_unique(
    demo: duckdb.DuckDBPyConnection,
) -> None:
    codes = [r[0] for r in demo.execute("SELECT credit_code FROM market_registration").fetchall()]
    assert len(set(codes)) == len(codes) and all(credit_code.is_valid(c) for c in codes)
    people = [r[0] for r in demo.execute("SELECT person_id FROM housing_provident_fund").fetchall()]
    assert len(set(people)) == len(people) and all(resident_id.is_valid(p) for p in people)
    reps = demo.execute("SELECT legal_rep_id FROM market_registration").fetchall()
    assert all(resident_id.is_valid(r[0]) for r in reps)


def test_SBX_3_the_demo_tables_link_so_joins_still_work_after_tokenizing(
    demo: duckdb.DuckDBPyConnection,
) -> None:
    def count(sql: str) -> int:
        row = demo.execute(sql).fetchone()
        return int(row[0]) if row else -1

    assert (
        count(
            "SELECT count(*) FROM market_registration m JOIN housing_provident_fund h "
            "ON m.legal_rep_id = h.person_id AND m.legal_rep_name = h.person_name"
        )
        == 3000
    )
    assert (
        count("SELECT count(*) FROM tax_payments JOIN market_registration USING (credit_code)")
        == 6000
    )
    assert (
        count("SELECT count(*) FROM social_insurance JOIN market_registration USING (credit_code)")
        == 3000
    )
    assert (
        count(
            "SELECT count(*) FROM housing_provident_fund h "
            "JOIN market_registration m ON h.employer_credit_code = m.credit_code"
        )
        == 4000
    )
    assert (
        count(
            "SELECT count(*) FROM market_registration "
            "WHERE substr(credit_code, 3, 6) <> region_code"
        )
        == 0
    )


def test_SBX_3_the_demo_data_is_deterministic(
    tmp_path: Path, demo: duckdb.DuckDBPyConnection
) -> None:
    again = tmp_path / "again.duckdb"
    generate(again, SCALE, tables=("market_registration",))
    with duckdb.connect(str(again), read_only=True) as con:
        first = con.execute("SELECT * FROM market_registration").fetchall()
    assert first == demo.execute("SELECT * FROM market_registration").fetchall()


def test_SBX_2_the_demo_tables_serve_every_item_of_the_demo_catalog(
    demo: duckdb.DuckDBPyConnection,
) -> None:
    for _, declaration in RESOURCES:
        table = CATALOG_TABLE.get(declaration.name)
        if table is None:
            continue
        ours = {item.name: item for item in DEMO_TABLES[table]}
        for item in declaration.items:
            assert item.name in ours, (table, item.name)
            assert ours[item.name].type == item.type and ours[item.name].grade == item.grade
    for table, items in DEMO_TABLES.items():
        described = demo.execute(f"DESCRIBE {table}").fetchall()
        assert [(r[0], r[1]) for r in described] == [(i.name, sql_type(i)) for i in items]
