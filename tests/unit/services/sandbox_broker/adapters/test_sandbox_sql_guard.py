"""The SQL guard with DuckDB's own parser: what it lets through and what it refuses, with
the reason and rule (SBX-1, SBX-2, SEC-5, REQ-5)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.sandbox_broker.adapters.sql_guard import DuckDBSqlGuard


@pytest.fixture(scope="module")
def guard() -> Iterator[DuckDBSqlGuard]:
    judge = DuckDBSqlGuard()
    yield judge
    judge.close()


@pytest.mark.parametrize(
    ("sql", "query", "output"),
    [
        ("SELECT region_code, count(*) FROM market_registration GROUP BY 1", None, ""),
        (
            "WITH t AS (SELECT 1 AS x) SELECT x FROM t;",
            "WITH t AS (SELECT 1 AS x) SELECT x FROM t",
            "",
        ),
        ("FROM tax_payments LIMIT 3", None, ""),
        (
            "SELECT * FROM granted.tax_payments t JOIN outputs.output_x o USING (credit_code)",
            None,
            "",
        ),
        ("SELECT * FROM range(10)", None, ""),
        ("DESCRIBE tax_payments", None, ""),
        ("CREATE TABLE output_by_county AS SELECT 1 AS n", "SELECT 1 AS n", "output_by_county"),
        ('create or replace table outputs.main."Output_Y" as (select 2)', "(select 2)", "output_y"),
        (
            "CREATE TABLE /* c */ output_z -- note\n AS FROM tax_payments;",
            "FROM tax_payments",
            "output_z",
        ),
    ],
)
def test_SBX_1_queries_and_create_table_output_as_are_allowed(
    guard: DuckDBSqlGuard, sql: str, query: str | None, output: str
) -> None:
    verdict = guard.check_job(sql)
    assert verdict.allowed, verdict.reason
    assert verdict.query == (query if query is not None else sql)
    assert verdict.output_table == output


ESCAPES = [
    ("COPY (SELECT * FROM market_registration) TO '/tmp/x.csv'", "SEC-5", "COPY"),
    ("COPY market_registration FROM '/tmp/mine.csv'", "SEC-5", "COPY"),
    ("EXPORT DATABASE '/tmp/dump'", "SEC-5", "EXPORT DATABASE"),
    ("SELECT * FROM read_csv('/etc/passwd')", "SBX-1", "read_csv()"),
    ("SELECT * FROM read_csv_auto('/etc/passwd')", "SBX-1", "read_csv_auto()"),
    ("SELECT * FROM read_parquet('/data/x.parquet')", "SBX-1", "read_parquet()"),
    ("SELECT * FROM parquet_scan('/data/x.parquet')", "SBX-1", "parquet_scan()"),
    ("SELECT * FROM read_json_auto('/data/x.json')", "SBX-1", "read_json_auto()"),
    ("SELECT * FROM read_text('/etc/passwd')", "SBX-1", "read_text()"),
    ("SELECT * FROM read_blob('/etc/passwd')", "SBX-1", "read_blob()"),
    ("SELECT * FROM glob('/srv/*')", "SBX-1", "glob()"),
    ("SELECT * FROM query('SELECT 42')", "SBX-1", "query()"),
    ("SELECT x FROM (SELECT * FROM sniff_csv('/etc/passwd')) t(x)", "SBX-1", "sniff_csv()"),
    ("SELECT * FROM '/etc/passwd'", "SBX-1", "looks like a file"),
    ("SELECT * FROM 'data.csv'", "SBX-1", "looks like a file"),
    ("SHOW '/etc/passwd'", "SBX-1", "looks like a file"),
    ("SUMMARIZE '/etc/passwd'", "SBX-1", "looks like a file"),
    ("DESCRIBE SELECT * FROM read_csv('/etc/passwd')", "SBX-1", "read_csv()"),
    ("SELECT (SELECT count(*) FROM read_csv('/etc/passwd'))", "SBX-1", "read_csv()"),
    ("SELECT * FROM range(3) r, LATERAL read_csv('/etc/passwd')", "SBX-1", "read_csv()"),
    ("FROM read_csv('/etc/passwd') SELECT *", "SBX-1", "read_csv()"),
    ("FROM (PIVOT t ON g USING count(*))", "SBX-1", "not allowed"),
    ("SELECT * FROM '/srv/sandboxes/sbx-pro-g2/data/granted.duckdb'", "SBX-1", "looks like a file"),
    ("SELECT * FROM 'https://example.com/x.parquet'", "SBX-2", "URL"),
    ("SELECT * FROM read_parquet('s3://bucket/x.parquet')", "SBX-2", "URL"),
    ("SELECT 'http://example.com' AS link", "SBX-2", "URL"),
    ("ATTACH '/tmp/other.db'", "SBX-2", "ATTACH"),
    ("ATTACH '/srv/sandboxes/sbx-pro-g2/data/granted.duckdb' AS theirs", "SBX-2", "ATTACH"),
    ("DETACH granted", "SBX-2", "DETACH"),
    ("INSTALL httpfs", "SBX-2", "INSTALL"),
    ("FORCE INSTALL httpfs", "SBX-2", "INSTALL"),
    ("LOAD httpfs", "SBX-2", "LOAD"),
    ("SET enable_external_access = true", "SBX-2", "configuration"),
    ("SET lock_configuration = false", "SBX-2", "configuration"),
    ("RESET memory_limit", "SBX-2", "reset"),
    ("PRAGMA threads = 8", "SBX-2", "configuration"),
    ("PRAGMA database_list", "SBX-2", "PRAGMA"),
    ("SET VARIABLE v = 1", "SBX-2", "configuration"),
    ("USE granted", "SBX-2", "USE"),
    ("CALL duckdb_settings()", "SBX-2", "CALL"),
    ("CHECKPOINT", "SBX-2", "CHECKPOINT"),
    ("CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')", "SBX-2", "secrets"),
    ("CREATE PERSISTENT SECRET s (TYPE s3)", "SBX-2", "secrets"),
    ("IMPORT DATABASE '/tmp/dump'", "SBX-4", "IMPORT DATABASE"),
    ("SELECT * FROM duckdb_settings()", "SBX-2", "describes the host"),
    ("SELECT 1; SELECT 2", "SBX-1", "exactly one statement"),
    ("SELECT 1; COPY market_registration TO '/tmp/x'", "SBX-1", "exactly one statement"),
    ("", "SBX-1", "empty"),
    ("SELEC 1", "SBX-1", "could not be read"),
    ("UPDATE EXTENSIONS", "SBX-1", "could not be read"),
    ("CREATE TABLE results AS SELECT 1", "SBX-1", "output_<name>"),
    ("CREATE TABLE granted.output_x AS SELECT 1", "SBX-1", "own outputs"),
    ("CREATE TEMP TABLE output_x AS SELECT 1", "SBX-1", "CREATE TEMP"),
    ("CREATE TABLE output_x (a INTEGER)", "SBX-1", "could not be read"),
    ("CREATE TABLE output_x AS SELECT * FROM read_csv('/etc/passwd')", "SBX-1", "read_csv()"),
    ("CREATE VIEW v AS SELECT 1", "SBX-1", "CREATE VIEW"),
    ("CREATE MACRO m(a) AS a", "SBX-1", "CREATE MACRO"),
    ("INSERT INTO output_x VALUES (1)", "SBX-1", "written only by"),
    ("DROP TABLE market_registration", "SBX-1", "dropping"),
    ("EXPLAIN SELECT 1", "SBX-1", "EXPLAIN"),
    ("SELECT * FROM other_db.main.t", "SBX-1", "not in this sandbox"),
]


@pytest.mark.parametrize(("sql", "rule", "says"), ESCAPES)
def test_SBX_1_every_escape_is_refused_with_a_clear_reason(
    guard: DuckDBSqlGuard, sql: str, rule: str, says: str
) -> None:
    verdict = guard.check_job(sql)
    assert not verdict.allowed
    assert (verdict.rule, says in verdict.reason) == (rule, True), verdict.reason


@pytest.mark.parametrize(
    "sql",
    [
        "COPY (SELECT * FROM market_registration) TO '/tmp/leak.parquet' (FORMAT parquet)",
        "COPY market_registration TO '/tmp/leak.csv'",
        "COPY (SELECT legal_rep_id FROM market_registration) TO 's3://bucket/leak.csv'",
        "EXPORT DATABASE '/tmp/dump' (FORMAT parquet)",
    ],
)
def test_SEC_5_exporting_raw_data_is_forbidden(guard: DuckDBSqlGuard, sql: str) -> None:
    verdict = guard.check_job(sql)
    assert not verdict.allowed and verdict.rule == "SEC-5"
    assert "export" in verdict.reason.lower() or "COPY" in verdict.reason


@pytest.mark.parametrize(
    ("expression", "allowed", "says"),
    [
        ("region_code = '370303'", True, ""),
        ("established_on >= DATE '2010-01-01' AND entity_status IN ('存续', '在业')", True, ""),
        ("x > 1 AND y IN (SELECT 1)", False, "subquery"),
        ("true) UNION (SELECT 1 FROM t WHERE (true", False, "could not be read"),
        ("x > 1; DROP TABLE t", False, "could not be read"),
        ("read_text('/etc/passwd') IS NOT NULL", False, "read_text"),
        ("note = 'https://x.org'", False, "URL"),
    ],
)
def test_REQ_5_a_row_filter_is_one_boolean_expression(
    guard: DuckDBSqlGuard, expression: str, allowed: bool, says: str
) -> None:
    verdict = guard.check_row_filter(expression)
    assert verdict.allowed is allowed
    assert says in verdict.reason
    assert allowed or verdict.rule == "REQ-5"
