"""The SQL guard (SBX-1, SEC-5): DuckDB's own parser describes a job, the domain judges it.

``shape_of`` uses ``extract_statements`` for the statement type, the tokenizer for the
leading keywords and the target of ``CREATE TABLE … AS``, and ``json_serialize_sql`` for
the parse tree of the query, from which it collects functions, tables, string constants
and subqueries. Anything it cannot read is described as a problem, which is refused:
the guard fails closed. Parsing runs on a locked-down in-memory connection and never
executes the job.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import duckdb

from services.sandbox_broker.domain.sql_policy import (
    StatementShape,
    TableRef,
    Verdict,
    judge,
    judge_row_filter,
)

_MODIFIERS = frozenset({"OR", "REPLACE", "FORCE", "PERSISTENT"})
_ROW_FILTER_TABLE = "pdo_row_filter_subject"


class DuckDBSqlGuard:
    """Judges jobs and row filters before anything runs. Safe to share between tasks."""

    def __init__(self) -> None:
        self._con = duckdb.connect(
            ":memory:",
            config={
                "enable_external_access": "false",
                "autoinstall_known_extensions": "false",
                "autoload_known_extensions": "false",
                "allow_community_extensions": "false",
                "python_enable_replacements": "false",
                "lock_configuration": "true",
            },
        )
        self._lock = threading.Lock()

    def close(self) -> None:
        self._con.close()

    def check_job(self, sql: str) -> Verdict:
        return judge(self.shape_of(sql))

    def check_row_filter(self, expression: str) -> Verdict:
        return judge_row_filter(self.row_filter_shape(expression))

    # -- parsing --------------------------------------------------------------------------

    def shape_of(self, sql: str) -> StatementShape:
        try:
            with self._lock:
                statements = self._con.extract_statements(sql)
                types = [s.type.name for s in statements]
        except (duckdb.Error, ValueError) as exc:
            return StatementShape(statement_type="INVALID", problem=_first_line(exc))
        if not statements:
            return StatementShape(statement_type="EMPTY", statements=0)
        if len(statements) > 1:
            return StatementShape(statement_type=types[0], statements=len(statements))
        text = statements[0].query
        words = _keywords(text)
        leading = " ".join(words[:2])
        if types[0] == "SELECT":
            return self._query_shape(text, "SELECT", leading)
        if types[0] == "CREATE":
            return self._create_shape(text, leading)
        return StatementShape(statement_type=types[0], leading=leading)

    def row_filter_shape(self, expression: str) -> StatementShape:
        """A row filter is judged as the ``WHERE`` of a query over one placeholder table;
        it must also parse alone as one expression, so it cannot close the parenthesis."""
        try:
            duckdb.SQLExpression(expression)
        except (duckdb.Error, ValueError) as exc:
            return StatementShape(statement_type="INVALID", problem=_first_line(exc))
        return self.shape_of(f"SELECT 1 FROM {_ROW_FILTER_TABLE} WHERE ({expression})")  # noqa: S608 — parsed, never executed

    def _query_shape(self, text: str, statement_type: str, leading: str) -> StatementShape:
        with self._lock:
            row = self._con.execute("SELECT json_serialize_sql(?)", [text]).fetchone()
        tree: dict[str, Any] = (
            json.loads(row[0]) if row else {"error": True, "error_message": "no parse"}
        )
        if tree.get("error"):
            return StatementShape(
                statement_type=statement_type,
                leading=leading,
                problem=str(tree.get("error_message", "not a query")),
            )
        if len(tree.get("statements", [])) != 1:
            return StatementShape(statement_type=statement_type, statements=2)
        functions: set[str] = set()
        table_functions: set[str] = set()
        tables: list[TableRef] = []
        strings: list[str] = []
        subqueries = 0
        for node in _nodes(tree["statements"][0]):
            name = node.get("function_name")
            if isinstance(name, str):
                functions.add(name.lower())
            if node.get("type") == "TABLE_FUNCTION":
                table_functions.add(str(node["function"]["function_name"]).lower())
            elif node.get("table_name"):  # BASE_TABLE, SHOW_REF (DESCRIBE/SHOW/SUMMARIZE) …
                tables.append(
                    TableRef(
                        catalog=str(node.get("catalog_name", "")).lower(),
                        schema=str(node.get("schema_name", "")).lower(),
                        name=str(node.get("table_name", "")),
                    )
                )
            if node.get("class") == "SUBQUERY":
                subqueries += 1
            literal = node.get("literal")
            if isinstance(literal, dict) and literal.get("kind") in ("STRING", "VARCHAR"):
                strings.append(str(literal.get("text", "")))
        return StatementShape(
            statement_type=statement_type,
            leading=leading,
            functions=frozenset(functions),
            table_functions=frozenset(table_functions),
            tables=tuple(tables),
            strings=tuple(strings),
            subqueries=subqueries,
            query=_strip_semicolon(text),
        )

    def _create_shape(self, text: str, leading: str) -> StatementShape:
        """``CREATE [OR REPLACE] TABLE [IF NOT EXISTS] <name> AS <query>``, read token by
        token; any other ``CREATE`` keeps its leading keywords so the refusal can name it."""
        tokens = _tokens(text)
        words = [t.upper() if kind == "keyword" else t for t, kind, _ in tokens]
        at = 1
        replace = words[at : at + 2] == ["OR", "REPLACE"]
        if replace:
            at += 2
        if at >= len(words) or words[at] != "TABLE":
            return StatementShape(statement_type="CREATE", leading=leading)
        at += 1
        if words[at : at + 3] == ["IF", "NOT", "EXISTS"]:
            at += 3
        parts: list[str] = []
        while at < len(tokens) and _is_name(tokens[at]):
            parts.append(_unquote(tokens[at][0]))
            at += 1
            if at < len(tokens) and tokens[at][0] == ".":
                at += 1
                continue
            break
        if not parts or len(parts) > 3 or at >= len(words) or words[at] != "AS":
            return StatementShape(
                statement_type="CREATE",
                leading="CREATE TABLE",
                problem="only CREATE TABLE output_<name> AS <query> creates a table",
            )
        query = text[tokens[at + 1][2] :] if at + 1 < len(tokens) else ""
        target = TableRef(
            catalog=parts[-3].lower() if len(parts) == 3 else "",
            schema=parts[-2].lower() if len(parts) >= 2 else "",
            name=parts[-1].lower(),
        )
        inner = self.shape_of(query)
        if inner.statement_type != "SELECT" or inner.statements != 1 or inner.problem:
            return StatementShape(
                statement_type="CREATE",
                leading="CREATE TABLE",
                problem=inner.problem or "the part after AS must be one query",
            )
        return StatementShape(
            statement_type="CREATE_TABLE_AS",
            leading="CREATE TABLE",
            functions=inner.functions,
            table_functions=inner.table_functions,
            tables=inner.tables,
            strings=inner.strings,
            subqueries=inner.subqueries,
            target=target,
            replace=replace,
            query=inner.query,
        )


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """(text, kind, offset) of every token but comments."""
    raw = duckdb.tokenize(text)
    out: list[tuple[str, str, int]] = []
    for index, (offset, kind) in enumerate(raw):
        end = raw[index + 1][0] if index + 1 < len(raw) else len(text)
        if kind.name != "comment":
            out.append((text[offset:end].strip(), kind.name, offset))
    return out


def _is_name(token: tuple[str, str, int]) -> bool:
    """An identifier, or an unreserved keyword used as one (``granted``, ``outputs``)."""
    text, kind, _ = token
    return kind == "identifier" or (kind == "keyword" and text.upper() != "AS")


def _keywords(text: str) -> list[str]:
    words: list[str] = []
    for token, kind, _ in _tokens(text):
        if kind != "keyword":
            break
        upper = token.upper()
        if upper not in _MODIFIERS:
            words.append(upper)
    return words


def _unquote(identifier: str) -> str:
    if len(identifier) >= 2 and identifier[0] == identifier[-1] == '"':
        return identifier[1:-1].replace('""', '"')
    return identifier


def _strip_semicolon(text: str) -> str:
    return text.rstrip().rstrip(";").rstrip()


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
