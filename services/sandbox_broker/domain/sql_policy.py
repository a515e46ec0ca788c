"""What SQL may run in a sandbox (SBX-1, SBX-2, SEC-5): the judgement, without a parser.

Theory of operation: the adapter ``adapters/sql_guard.py`` parses a job with DuckDB's own
parser and describes it as a ``StatementShape`` — its statement type, the functions,
table functions and tables it names, its string constants and, for ``CREATE TABLE … AS``,
the target. ``judge`` then allows exactly two things: one query (``SELECT``/``WITH``/
``FROM``/``VALUES``/``DESCRIBE``), whose result is kept inside as an output table, and
``CREATE [OR REPLACE] TABLE output_<name> AS <query>`` into the sandbox's own outputs.
Everything that would leave the sandbox, change it, or bring data in is refused with a
reason an official can read and the rule it breaks. This is the first of two layers: the
DuckDB lockdown (SBX-2) refuses the same things again if a statement slips through here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OUTPUT_TABLE = re.compile(r"^output_[a-z0-9_]{1,60}$")
"""Names of output tables (成果表) a job may create."""
GRANTED_CATALOG = "granted"
OUTPUTS_CATALOG = "outputs"
_CATALOGS = frozenset({"", GRANTED_CATALOG, OUTPUTS_CATALOG, "system", "temp"})
_SCHEMAS = frozenset({"", "main", "information_schema", "pg_catalog"})

TABLE_FUNCTIONS = frozenset(
    {"range", "generate_series", "unnest", "duckdb_tables", "duckdb_columns"}
)
"""Table functions a job may call: they make rows or describe the sandbox, never read."""
_FORBIDDEN_FUNCTION_PREFIXES = (
    "read_",
    "parquet_",
    "sniff_",
    "iceberg_",
    "delta_",
    "sqlite_",
    "postgres_",
    "mysql_",
    "http",
    "s3",
)
_FORBIDDEN_FUNCTIONS = frozenset(
    {"glob", "query", "query_table", "getenv", "load_aws_credentials", "which_secret"}
)
HOST_DESCRIBING = frozenset(
    {
        "current_setting",
        "duckdb_settings",
        "pg_settings",
        "duckdb_databases",
        "pg_database",
        "duckdb_extensions",
        "duckdb_secrets",
        "duckdb_temporary_files",
        "duckdb_memory",
        "duckdb_external_file_cache",
        "duckdb_log",
        "duckdb_logs",
        "duckdb_variables",
        "getvariable",
    }
)
"""Functions, table functions and views that tell a job about the host: directories and
paths (``temp_directory``, ``extension_directory``, ``secret_directory``,
``allowed_directories``, ``home_directory``, database files), memory and thread figures,
extensions and secrets. ``version()`` is not among them: the engine's version is no
secret. ``pragma_*`` table functions are refused by the same rule; ``getenv`` and
``which_secret`` already are, as reads from outside (SBX-1)."""
URL = re.compile(r"\b(?:https?|s3a?|s3n|gcs?|gs|r2|az|azure|abfss?|hf|ftp|file)://", re.I)
"""A URL in a job: the network is not reachable from a sandbox (SBX-2)."""
_FILE_LIKE = re.compile(r"[/\\:~]|\.[A-Za-z0-9]{1,12}$")


@dataclass(frozen=True, slots=True)
class TableRef:
    catalog: str
    schema: str
    name: str

    def __str__(self) -> str:
        return ".".join(p for p in (self.catalog, self.schema, self.name) if p)


@dataclass(frozen=True, slots=True)
class StatementShape:
    """One job as the parser saw it. ``statement_type`` is DuckDB's (``SELECT``, ``COPY``,
    ``LOAD`` …) or ``CREATE_TABLE_AS``; ``leading`` is the job's first keywords, upper case
    (``INSTALL``, ``CREATE SECRET``), used to name what was refused."""

    statement_type: str
    leading: str = ""
    statements: int = 1
    functions: frozenset[str] = frozenset()
    table_functions: frozenset[str] = frozenset()
    tables: tuple[TableRef, ...] = ()
    strings: tuple[str, ...] = ()
    subqueries: int = 0
    target: TableRef | None = None
    replace: bool = False
    query: str = ""
    """The query the sandbox runs: the job itself, or what follows ``AS``."""
    problem: str = ""
    """Set when the parser could not read the job (a syntax error, an unknown form)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """An allowed job carries the query to run and where its result goes (``output_table``
    empty: a name the broker chooses); a refused one carries the reason and the rule."""

    allowed: bool
    reason: str = ""
    rule: str = ""
    query: str = ""
    output_table: str = ""
    replace: bool = False


def refuse(reason: str, rule: str) -> Verdict:
    return Verdict(allowed=False, reason=reason, rule=rule)


_WRITES = ("granted data and outputs are written only by CREATE TABLE output_… AS", "SBX-1")
_STATEMENT_REFUSALS: dict[str, tuple[str, str]] = {
    "COPY": ("COPY reads or writes files outside the sandbox", "SEC-5"),
    "EXPORT": ("EXPORT DATABASE writes the sandbox out to files", "SEC-5"),
    "COPY_DATABASE": ("COPY DATABASE copies data out of the sandbox", "SEC-5"),
    "ATTACH": ("ATTACH opens another database; a sandbox holds exactly its grant", "SBX-2"),
    "DETACH": ("DETACH changes the databases mounted in the sandbox", "SBX-2"),
    "LOAD": ("extensions cannot be installed or loaded (they reach files and network)", "SBX-2"),
    "EXTENSION": ("extensions cannot be installed or loaded", "SBX-2"),
    "SET": ("the sandbox configuration cannot be changed", "SBX-2"),
    "VARIABLE_SET": ("the sandbox configuration cannot be changed", "SBX-2"),
    "PRAGMA": ("PRAGMA changes the sandbox configuration or describes the host", "SBX-2"),
    "CALL": ("CALL runs procedures outside the permitted queries", "SBX-2"),
    "EXPLAIN": ("EXPLAIN is not a job; run the query itself", "SBX-1"),
    "INSERT": _WRITES,
    "UPDATE": _WRITES,
    "DELETE": _WRITES,
    "MERGE_INTO": _WRITES,
    "DROP": ("dropping objects is not a job", "SBX-1"),
    "ALTER": ("altering objects is not a job", "SBX-1"),
    "TRANSACTION": ("each job is its own transaction", "SBX-1"),
    "PREPARE": ("prepared statements would hide the statement that runs", "SBX-1"),
    "EXECUTE": ("prepared statements would hide the statement that runs", "SBX-1"),
    "VACUUM": ("maintenance statements are not jobs", "SBX-1"),
    "ANALYZE": ("maintenance statements are not jobs", "SBX-1"),
    "CREATE_FUNC": ("functions and macros cannot be defined in a sandbox", "SBX-1"),
}
_LEADING_REFUSALS: dict[str, tuple[str, str]] = {
    "INSTALL": ("INSTALL downloads an extension; extensions are not available", "SBX-2"),
    "LOAD": ("LOAD loads an extension; extensions are not available", "SBX-2"),
    "RESET": ("the sandbox configuration cannot be reset", "SBX-2"),
    "USE": ("USE changes the default database of the sandbox", "SBX-2"),
    "CHECKPOINT": ("CHECKPOINT is not a job", "SBX-2"),
    "IMPORT": ("IMPORT DATABASE reads files from outside the sandbox", "SBX-4"),
    "CREATE SECRET": ("secrets are credentials for outside storage; none exist here", "SBX-2"),
}
ALLOWED_FORMS = "a query (SELECT/WITH/FROM) or CREATE TABLE output_<name> AS <query>"


def judge(shape: StatementShape) -> Verdict:
    """May this job run? Allowed jobs name the output table their result goes to."""
    if shape.problem:
        return refuse(f"the job could not be read: {shape.problem}", "SBX-1")
    if shape.statements == 0:
        return refuse(f"the job is empty; write {ALLOWED_FORMS}", "SBX-1")
    if shape.statements != 1:
        return refuse(
            f"a job is exactly one statement, got {shape.statements}; "
            "every statement is guarded and recorded on its own",
            "SBX-1",
        )
    for words, (reason, rule) in _LEADING_REFUSALS.items():
        if shape.leading == words or shape.leading.startswith(words + " "):
            return refuse(reason, rule)
    if shape.statement_type in _STATEMENT_REFUSALS:
        reason, rule = _STATEMENT_REFUSALS[shape.statement_type]
        return refuse(reason, rule)
    if shape.statement_type == "CREATE":
        return refuse(f"{shape.leading or 'CREATE'} is not allowed; only {ALLOWED_FORMS}", "SBX-1")
    if shape.statement_type not in ("SELECT", "CREATE_TABLE_AS"):
        return refuse(f"{shape.statement_type} is not allowed; only {ALLOWED_FORMS}", "SBX-1")
    found = _describes_host(shape) or _reads_outside(shape)
    if found is not None:
        return found
    if shape.statement_type == "SELECT":
        return Verdict(allowed=True, query=shape.query)
    return _judge_target(shape)


def _judge_target(shape: StatementShape) -> Verdict:
    target = shape.target
    if target is None:
        return refuse(f"the output table is missing; only {ALLOWED_FORMS}", "SBX-1")
    if target.catalog not in ("", OUTPUTS_CATALOG) or target.schema not in ("", "main"):
        return refuse(
            f"outputs are written only to the sandbox's own outputs, not to {target}", "SBX-1"
        )
    if not OUTPUT_TABLE.match(target.name):
        return refuse(
            f"output table {target.name!r} must be named output_<name> "
            "(lower-case letters, digits, underscores)",
            "SBX-1",
        )
    return Verdict(allowed=True, query=shape.query, output_table=target.name, replace=shape.replace)


def _describes_host(shape: StatementShape) -> Verdict | None:
    """Settings and catalog views that name host paths or resources (SBX-2), in either
    kind of sandbox: the development sandbox runs on the same host as the production one."""
    named = sorted(
        {*shape.functions, *shape.table_functions, *(t.name.lower() for t in shape.tables)}
    )
    for name in named:
        if name in HOST_DESCRIBING or name.startswith("pragma_"):
            return refuse(
                f"{name} describes the host (its directories, paths, memory or threads); "
                "a job sees only its own sandbox",
                "SBX-2",
            )
    return None


def _reads_outside(shape: StatementShape) -> Verdict | None:
    """Files, URLs, other databases and dynamic SQL — anything a query could reach beyond
    the tables mounted in its own sandbox (SBX-1)."""
    for text in shape.strings:
        if URL.search(text):
            return refuse(f"the job names a URL ({text[:80]!r}); a sandbox has no network", "SBX-2")
    for name in sorted(shape.table_functions):
        if name not in TABLE_FUNCTIONS:
            return refuse(
                f"table function {name}() is not allowed: it reads from outside the sandbox "
                f"or runs other SQL; allowed are {', '.join(sorted(TABLE_FUNCTIONS))}",
                "SBX-1",
            )
    for name in sorted(shape.functions):
        if name in _FORBIDDEN_FUNCTIONS or name.startswith(_FORBIDDEN_FUNCTION_PREFIXES):
            return refuse(
                f"function {name}() is not allowed: it reads from outside the sandbox", "SBX-1"
            )
    for table in shape.tables:
        if URL.search(table.name):
            return refuse(
                f"the job reads a URL ({table.name[:80]!r}); a sandbox has no network", "SBX-2"
            )
        schema_ok = table.schema in _SCHEMAS or (not table.catalog and table.schema in _CATALOGS)
        if table.catalog not in _CATALOGS or not schema_ok:
            return refuse(
                f"{table} is not in this sandbox; only its granted tables and its outputs are",
                "SBX-1",
            )
        if _FILE_LIKE.search(table.name):
            return refuse(
                f"{table.name!r} looks like a file or a URL; a job reads only the tables "
                "of its own sandbox",
                "SBX-1",
            )
    return None


def judge_row_filter(shape: StatementShape) -> Verdict:
    """A grant's row filter (REQ-5) is one boolean expression over the resource's own
    columns: no subquery, no other table, nothing ``judge`` would refuse in a query."""
    if shape.problem:
        return refuse(f"the row filter could not be read: {shape.problem}", "REQ-5")
    if shape.statement_type != "SELECT" or shape.statements != 1:
        return refuse("a row filter is one boolean expression", "REQ-5")
    if shape.subqueries:
        return refuse("a row filter may not contain a subquery", "REQ-5")
    if shape.table_functions or len(shape.tables) != 1:
        return refuse("a row filter may not name another table", "REQ-5")
    found = _reads_outside(shape)
    if found is not None:
        return refuse(f"row filter: {found.reason}", "REQ-5")
    return Verdict(allowed=True)
