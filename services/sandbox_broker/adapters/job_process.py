"""The job process: one run of untrusted SQL, or one materialization, in isolation.

The executor starts ``python -I -m services.sandbox_broker.adapters.job_process`` with an
empty environment, the job directory as working directory, and a JSON spec on stdin. The
process imports everything it will need first (results cross back as JSON of strings and
integers only, so nothing is imported later), enters its isolation (``isolation.enter``: no
network, its own user, resource limits — after which the interpreter's own library may be
unreadable), opens DuckDB under the lockdown (``lockdown.statements``), checks the
lockdown took, runs, and writes one JSON outcome on stdout. A timer interrupts the
connection when the job's time is up; the executor kills the process if it does not end.

``job`` mode: the sandbox's outputs database is the main database, its granted data is
attached read-only as ``granted``; the query's result becomes the output table.
``materialize`` mode: the new granted database is the main database, each source is
attached read-only (``source_0``, ``source_1`` …), the token key pads are bound as session
variables, and the given ``CREATE TABLE`` statements run.
``import`` mode (SBX-4): the outputs database is the main database; the approved file is
the one path the lockdown allows (``allowed_paths``), read as CSV or Parquet into a new
table of the sandbox.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

import duckdb

from services.sandbox_broker.adapters import isolation, lockdown
from services.sandbox_broker.adapters.masking_sql import IPAD_VARIABLE, OPAD_VARIABLE

OUTPUT_TABLE = re.compile(r"^output_[a-z0-9_]{1,60}$")
PREVIEW_CELL = 200


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _classify(exc: BaseException) -> str:
    message = str(exc)
    if isinstance(exc, duckdb.InterruptException):
        return "timed_out"
    if isinstance(exc, duckdb.OutOfMemoryException | MemoryError):
        return "out_of_memory"
    if isinstance(exc, duckdb.PermissionException):
        return "blocked"
    if "configuration has been locked" in message or "read-only mode" in message:
        return "blocked"
    return "failed"


def _error(exc: BaseException) -> str:
    return str(exc).strip()[:2000] or type(exc).__name__


def _lock_down(
    con: duckdb.DuckDBPyConnection, limits: lockdown.Limits, work: Path, search_path: str
) -> dict[str, str]:
    for statement in lockdown.statements(limits, work, search_path=search_path):
        con.execute(statement)
    settings = {str(k): str(v) for k, v in con.execute(lockdown.read_back_query()).fetchall()}
    missing = lockdown.problems(settings)
    if missing:
        raise RuntimeError("the sandbox lockdown did not take: " + "; ".join(missing))
    return settings


def _timer(con: duckdb.DuckDBPyConnection, seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, con.interrupt)
    timer.daemon = True
    timer.start()
    return timer


def run_job(spec: dict[str, Any]) -> dict[str, Any]:
    limits = lockdown.Limits.from_json(spec["limits"])
    work = Path(spec["work"])
    name = spec["output_table"]
    outcome: dict[str, Any] = {"status": "failed", "output_table": name}
    if not OUTPUT_TABLE.match(name):
        return {**outcome, "error": f"output table {name!r} is not an output_ name"}
    con = duckdb.connect(spec["outputs"], config=dict(lockdown.STARTUP))
    try:
        con.execute(f"ATTACH {_quote(spec['granted'])} AS granted (READ_ONLY)")
        outcome["lockdown"] = _lock_down(con, limits, work, "outputs.main,granted.main")
        timer = _timer(con, limits.timeout_s)
        try:
            if spec.get("replace"):
                con.execute(f'DROP TABLE IF EXISTS outputs.main."{name}"')
            relation = con.sql(spec["query"])
            if relation is None:
                return {**outcome, "status": "succeeded", "output_table": ""}
            relation.create(name)
            profile = json.loads(con.get_profiling_information(format="json"))
        finally:
            timer.cancel()
        outcome["rows_touched"] = int(profile.get("query", {}).get("total_rows_scanned", 0))
        count = con.execute(f'SELECT count(*) FROM outputs.main."{name}"').fetchone()  # noqa: S608 — name checked above
        outcome["rows_out"] = int(count[0]) if count else 0
        outcome["columns"] = [
            [str(row[0]), str(row[1])]
            for row in con.execute(f'DESCRIBE outputs.main."{name}"').fetchall()
        ]
        if spec.get("preview_rows"):
            rows = con.execute(
                f'SELECT COLUMNS(*)::VARCHAR FROM outputs.main."{name}" LIMIT ?',  # noqa: S608
                [int(spec["preview_rows"])],
            ).fetchall()
            outcome["preview"] = [
                [None if v is None else str(v)[:PREVIEW_CELL] for v in row] for row in rows
            ]
        outcome["status"] = "succeeded"
    except (duckdb.Error, MemoryError, RuntimeError) as exc:
        outcome.update(status=_classify(exc), error=_error(exc), error_type=type(exc).__name__)
    finally:
        con.close()
    return outcome


def materialize(spec: dict[str, Any]) -> dict[str, Any]:
    limits = lockdown.Limits.from_json(spec["limits"])
    work = Path(spec["work"])
    con = duckdb.connect(spec["target"], config=dict(lockdown.STARTUP))
    outcome: dict[str, Any] = {"status": "failed", "tables": {}}
    try:
        for alias, path in spec["sources"].items():
            con.execute(f"ATTACH {_quote(path)} AS {alias} (READ_ONLY)")
        ipad, opad = bytes.fromhex(spec["ipad"]), bytes.fromhex(spec["opad"])
        con.execute(f"SET VARIABLE {IPAD_VARIABLE} = ?", [ipad])
        con.execute(f"SET VARIABLE {OPAD_VARIABLE} = ?", [opad])
        outcome["lockdown"] = _lock_down(con, limits, work, "")
        timer = _timer(con, limits.timeout_s)
        try:
            for table, statement in spec["tables"]:
                con.execute(statement)
                count = con.execute(f'SELECT count(*) FROM main."{table}"').fetchone()  # noqa: S608
                outcome["tables"][table] = int(count[0]) if count else 0
            con.execute("RESET VARIABLE " + IPAD_VARIABLE)
            con.execute("RESET VARIABLE " + OPAD_VARIABLE)
            con.execute("CHECKPOINT")
        finally:
            timer.cancel()
        outcome["status"] = "succeeded"
    except (duckdb.Error, MemoryError, RuntimeError) as exc:
        outcome.update(status=_classify(exc), error=_error(exc))
    finally:
        con.close()
    return outcome


IMPORT_READERS = {
    "csv": "read_csv(?, header = true, auto_detect = true, sample_size = -1)",
    "parquet": "read_parquet(?)",
}


def import_file(spec: dict[str, Any]) -> dict[str, Any]:
    limits = lockdown.Limits.from_json(spec["limits"])
    work = Path(spec["work"])
    name, path = spec["table"], spec["file"]
    outcome: dict[str, Any] = {"status": "failed", "output_table": name}
    reader = IMPORT_READERS.get(spec["format"])
    if reader is None or not re.match(r"^[a-z][a-z0-9_]{0,62}$", name):
        return {**outcome, "error": "not an importable table name or format"}
    con = duckdb.connect(spec["outputs"], config=dict(lockdown.STARTUP))
    try:
        con.execute(f"SET allowed_paths = [{_quote(path)}]")
        outcome["lockdown"] = _lock_down(con, limits, work, "")
        timer = _timer(con, limits.timeout_s)
        try:
            con.execute(f'CREATE TABLE main."{name}" AS SELECT * FROM {reader}', [path])  # noqa: S608 — name checked above
        finally:
            timer.cancel()
        count = con.execute(f'SELECT count(*) FROM main."{name}"').fetchone()  # noqa: S608
        outcome["rows_out"] = int(count[0]) if count else 0
        outcome["columns"] = [
            [str(row[0]), str(row[1])] for row in con.execute(f'DESCRIBE main."{name}"').fetchall()
        ]
        outcome["status"] = "succeeded"
    except (duckdb.Error, MemoryError, RuntimeError) as exc:
        outcome.update(status=_classify(exc), error=_error(exc), error_type=type(exc).__name__)
    finally:
        con.close()
    return outcome


MODES = {"materialize": materialize, "job": run_job, "import": import_file}


def main() -> int:
    started = time.perf_counter()
    spec = json.loads(sys.stdin.buffer.read())
    try:
        report = isolation.enter(isolation.Isolation.from_json(spec["isolation"]))
    except isolation.IsolationError as exc:
        sys.stdout.write(json.dumps({"status": "failed", "error": str(exc)}))
        return 3
    outcome = MODES[spec["mode"]](spec)
    outcome["isolation"] = report
    outcome["seconds"] = time.perf_counter() - started
    sys.stdout.write(json.dumps(outcome))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
