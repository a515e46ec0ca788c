"""The judgement of the SQL guard on parsed shapes, without a parser (SBX-1, SBX-2, SEC-5)."""

from __future__ import annotations

import pytest

from services.sandbox_broker.domain.sql_policy import (
    StatementShape,
    TableRef,
    judge,
    judge_row_filter,
)


def shape(**fields: object) -> StatementShape:
    fields.setdefault("statement_type", "SELECT")
    fields.setdefault("query", "SELECT 1")
    return StatementShape(**fields)  # type: ignore[arg-type]


def test_SBX_1_a_query_over_the_sandboxs_own_tables_is_allowed() -> None:
    verdict = judge(
        shape(
            functions=frozenset({"count_star", "sum"}),
            table_functions=frozenset({"range"}),
            tables=(TableRef("", "", "tax_payments"), TableRef("granted", "main", "x")),
        )
    )
    assert verdict.allowed and verdict.query == "SELECT 1" and verdict.output_table == ""


def test_SBX_1_create_table_output_as_names_its_output() -> None:
    verdict = judge(
        shape(
            statement_type="CREATE_TABLE_AS",
            target=TableRef("", "", "output_by_county"),
            replace=True,
        )
    )
    assert verdict.allowed and verdict.output_table == "output_by_county" and verdict.replace


@pytest.mark.parametrize(
    ("fields", "rule", "says"),
    [
        ({"statement_type": "COPY"}, "SEC-5", "COPY"),
        ({"statement_type": "EXPORT"}, "SEC-5", "EXPORT DATABASE"),
        ({"statement_type": "ATTACH"}, "SBX-2", "ATTACH"),
        ({"statement_type": "DETACH"}, "SBX-2", "DETACH"),
        ({"statement_type": "LOAD", "leading": "INSTALL"}, "SBX-2", "INSTALL"),
        ({"statement_type": "LOAD", "leading": "LOAD"}, "SBX-2", "LOAD"),
        ({"statement_type": "SET", "leading": "SET"}, "SBX-2", "configuration"),
        ({"statement_type": "SET", "leading": "RESET"}, "SBX-2", "reset"),
        ({"statement_type": "PRAGMA"}, "SBX-2", "PRAGMA"),
        ({"statement_type": "CALL"}, "SBX-2", "CALL"),
        ({"statement_type": "CREATE", "leading": "CREATE SECRET"}, "SBX-2", "secrets"),
        ({"statement_type": "CREATE", "leading": "CREATE VIEW"}, "SBX-1", "CREATE VIEW"),
        ({"statement_type": "INSERT"}, "SBX-1", "written only by"),
        ({"statements": 2}, "SBX-1", "exactly one statement"),
        ({"statements": 0}, "SBX-1", "empty"),
        ({"problem": "syntax error"}, "SBX-1", "could not be read"),
        ({"table_functions": frozenset({"read_csv"})}, "SBX-1", "read_csv()"),
        ({"table_functions": frozenset({"query"})}, "SBX-1", "query()"),
        ({"functions": frozenset({"read_text"})}, "SBX-1", "read_text()"),
        ({"functions": frozenset({"getenv"})}, "SBX-1", "getenv()"),
        ({"strings": ("s3://bucket/x",)}, "SBX-2", "URL"),
        ({"tables": (TableRef("", "", "https://x.org/a.parquet"),)}, "SBX-2", "URL"),
        (
            {"tables": (TableRef("", "", "/srv/sandboxes/other/data/granted.duckdb"),)},
            "SBX-1",
            "file",
        ),
        ({"tables": (TableRef("other", "main", "t"),)}, "SBX-1", "not in this sandbox"),
        (
            {"statement_type": "CREATE_TABLE_AS", "target": TableRef("", "", "results")},
            "SBX-1",
            "output_<name>",
        ),
        (
            {
                "statement_type": "CREATE_TABLE_AS",
                "target": TableRef("granted", "main", "output_x"),
            },
            "SBX-1",
            "own outputs",
        ),
    ],
)
def test_SBX_1_anything_that_leaves_or_changes_the_sandbox_is_refused_with_a_reason(
    fields: dict[str, object], rule: str, says: str
) -> None:
    verdict = judge(shape(**fields))
    assert not verdict.allowed
    assert verdict.rule == rule
    assert says in verdict.reason


def test_REQ_5_a_row_filter_is_one_expression_over_its_own_table() -> None:
    subject = (TableRef("", "", "pdo_row_filter_subject"),)
    assert judge_row_filter(shape(tables=subject)).allowed
    for bad, says in [
        (shape(tables=subject, subqueries=1), "subquery"),
        (shape(tables=(*subject, TableRef("", "", "other"))), "another table"),
        (shape(tables=subject, table_functions=frozenset({"range"})), "another table"),
        (shape(tables=subject, functions=frozenset({"read_text"})), "read_text"),
        (shape(statement_type="COPY"), "one boolean expression"),
        (shape(problem="syntax"), "could not be read"),
    ]:
        verdict = judge_row_filter(bad)
        assert not verdict.allowed and verdict.rule == "REQ-5" and says in verdict.reason
