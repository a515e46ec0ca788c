"""The local executor on its own, with the SQL guard bypassed: the DuckDB lockdown and the
operating-system isolation each refuse escapes by themselves (SBX-1, SBX-2, SBX-5, SBX-7).

Sandboxes are provisioned from a small demo source; jobs are handed to the executor as
raw SQL, exactly as if the guard had let them through.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import duckdb
import pytest

from contracts.errors import Conflict
from services.sandbox_broker.adapters import isolation
from services.sandbox_broker.adapters.demo_data import DEMO_TABLES, DemoScale, generate
from services.sandbox_broker.adapters.duckdb_executor import DuckDBJobExecutor
from services.sandbox_broker.adapters.lockdown import Limits
from services.sandbox_broker.domain.plan import Environment, SandboxPlan, plan_sandbox
from services.sandbox_broker.ports import JobSpec, SourceTable
from tests.unit.services.sandbox_broker.factories import (
    OTHER_DEVELOPER,
    demo_schemas,
    grant_factory,
    granted_factory,
    resource_id,
    sandbox_root,
)

KEY = b"k" * 32
LIMITS = Limits(memory_mb=256, threads=2, temp_mb=256, timeout_s=4, headroom_mb=1024)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The providers' data, in a directory only root can enter (as in production)."""
    path = tmp_path_factory.mktemp("source") / "demo.duckdb"
    generate(path, DemoScale(enterprises=4000, tax_months=2, persons=4000))
    return path


@pytest.fixture(scope="module")
def root() -> Iterator[Path]:
    path = sandbox_root()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def executor(root: Path, source: Path) -> DuckDBJobExecutor:
    sources = {resource_id(t): SourceTable(source, t) for t in DEMO_TABLES}
    return DuckDBJobExecutor(root, sources=sources, limits=LIMITS)


def plan(grant_id: str, **overrides: object) -> SandboxPlan:
    grant = grant_factory(grant_id=grant_id, **overrides)
    return plan_sandbox(grant, demo_schemas(), Environment.PRODUCTION)


@pytest.fixture(scope="module")
async def ours(executor: DuckDBJobExecutor) -> SandboxPlan:
    mine = plan("g-exec-a")
    await executor.provision(mine, KEY)
    return mine


@pytest.fixture(scope="module")
async def theirs(executor: DuckDBJobExecutor) -> SandboxPlan:
    other = plan("g-exec-b", developer_org_id=OTHER_DEVELOPER)
    await executor.provision(other, KEY)
    return other


def test_SBX_2_the_host_gives_jobs_a_network_namespace_and_their_own_user(
    executor: DuckDBJobExecutor,
) -> None:
    """This machine runs the tests as root with util-linux namespaces available; a host
    without them runs the executor with network blocked at the DuckDB level only."""
    assert executor.support == {"network_namespace": True, "separate_user": True}


def test_SBX_2_a_root_the_sandbox_users_cannot_reach_is_refused_at_start(tmp_path: Path) -> None:
    closed = tmp_path / "root-only"
    closed.mkdir(mode=0o700)
    with pytest.raises(isolation.IsolationError, match="cannot be reached by sandbox users"):
        DuckDBJobExecutor(closed / "sandboxes")


async def test_SBX_2_every_job_runs_under_the_lockdown_as_the_sandboxs_own_user(
    executor: DuckDBJobExecutor, ours: SandboxPlan, theirs: SandboxPlan
) -> None:
    run = await executor.run(ours.sandbox_id, JobSpec("lock-1", "SELECT 42 AS n", "output_lock"))
    assert run.status == "succeeded", run.error
    assert run.lockdown["enable_external_access"] == "false"
    assert run.lockdown["lock_configuration"] == "true"
    assert run.lockdown["autoinstall_known_extensions"] == "false"
    assert run.lockdown["autoload_known_extensions"] == "false"
    assert run.lockdown["allow_community_extensions"] == "false"
    assert run.lockdown["python_enable_replacements"] == "false"
    assert run.lockdown["threads"] == "2" and "MiB" in run.lockdown["memory_limit"]
    assert run.lockdown["temp_directory"].startswith(str(executor.root / ours.sandbox_id))
    manifest = executor.manifest(ours.sandbox_id) or {}
    assert run.isolation["network_namespace"] is True
    assert run.isolation["uid"] == manifest["uid"] != 0 and run.isolation["groups"] == []
    assert manifest["uid"] != (executor.manifest(theirs.sandbox_id) or {})["uid"]


ESCAPES = [
    ("copy-to", "COPY (SELECT * FROM market_registration) TO '{tmp}/leak.csv'"),
    ("read-csv", "SELECT * FROM read_csv('/etc/passwd')"),
    ("read-text", "SELECT * FROM read_text('/etc/passwd')"),
    ("glob", "SELECT * FROM glob('/etc/*')"),
    ("attach", "ATTACH '{tmp}/other.db'"),
    ("install", "INSTALL httpfs"),
    ("load", "LOAD httpfs"),
    ("set", "SET enable_external_access = true"),
    ("unlock", "SET lock_configuration = false"),
    ("pragma", "PRAGMA threads = 16"),
    ("reset", "RESET memory_limit"),
    ("https", "SELECT * FROM 'https://example.com/data.parquet'"),
    ("s3", "SELECT * FROM read_parquet('s3://bucket/data.parquet')"),
    ("export", "EXPORT DATABASE '{tmp}/dump'"),
    ("secret", "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')"),
    ("write-granted", "INSERT INTO granted.market_registration SELECT * FROM market_registration"),
    ("drop-granted", "DROP TABLE granted.market_registration"),
    ("other-file", "SELECT * FROM '{theirs}'"),
    ("other-attach", "ATTACH '{theirs}' AS theirs (READ_ONLY)"),
]


@pytest.mark.parametrize(("name", "sql"), ESCAPES, ids=[n for n, _ in ESCAPES])
async def test_SBX_2_the_lockdown_alone_refuses_every_escape(
    executor: DuckDBJobExecutor,
    ours: SandboxPlan,
    theirs: SandboxPlan,
    tmp_path: Path,
    name: str,
    sql: str,
) -> None:
    os.chmod(tmp_path, 0o777)  # even a world-writable target stays untouched
    their_file = executor.root / theirs.sandbox_id / "data" / "granted.duckdb"
    job = sql.format(tmp=tmp_path, theirs=their_file)
    run = await executor.run(
        ours.sandbox_id, JobSpec(f"esc-{name}", job, "output_" + name.replace("-", "_"))
    )
    assert run.status == "blocked", (run.status, run.error)
    assert run.error
    assert os.listdir(tmp_path) == []


async def test_SBX_2_a_job_process_has_no_network_and_no_file_but_its_own(
    executor: DuckDBJobExecutor, ours: SandboxPlan, theirs: SandboxPlan, source: Path
) -> None:
    """A probe enters exactly the isolation the sandbox's jobs get and tries what SQL
    cannot: sockets, other files, the broker's environment."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    home = executor.root / ours.sandbox_id
    their_home = executor.root / theirs.sandbox_id
    probe = f"""
import encodings.idna, json, os, socket, sys
from services.sandbox_broker.adapters import isolation
isolation.enter(isolation.Isolation.from_json(json.loads(sys.stdin.read())))
def tries(action):
    try:
        action()
        return "allowed"
    except OSError as exc:
        return type(exc).__name__
def connect(host, port):
    s = socket.socket()
    s.settimeout(2)
    s.connect((host, port))
def read(path):
    open(path, "rb").read(16)
def write(path):
    open(path, "ab").write(b"x")
print(json.dumps({{
    "loopback": tries(lambda: connect("127.0.0.1", {port})),
    "internet": tries(lambda: connect("1.1.1.1", 53)),
    "own_data": tries(lambda: read({str(home / "data" / "granted.duckdb")!r})),
    "write_own_data": tries(lambda: write({str(home / "data" / "granted.duckdb")!r})),
    "their_data": tries(lambda: read({str(their_home / "data" / "granted.duckdb")!r})),
    "their_work": tries(lambda: os.listdir({str(their_home / "work")!r})),
    "manifest": tries(lambda: read({str(home / "manifest.json")!r})),
    "source": tries(lambda: read({str(source)!r})),
    "env": sorted(os.environ),
    "uid": os.getuid(),
}}))
"""
    work = home / "work"
    os.environ["PDO_PROBE_SECRET"] = "must-not-leak"
    try:
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-I", "-c", probe],
            input=json.dumps(executor.sandbox_isolation(ours.sandbox_id).to_json()),
            env=isolation.child_environment(work),
            cwd=work,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        del os.environ["PDO_PROBE_SECRET"]
        listener.close()
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["loopback"] != "allowed" and seen["internet"] != "allowed"
    assert seen["own_data"] == "allowed" and seen["write_own_data"] == "PermissionError"
    assert seen["their_data"] == "PermissionError" and seen["their_work"] == "PermissionError"
    assert seen["manifest"] == "PermissionError" and seen["source"] == "PermissionError"
    assert seen["env"] == ["HOME", "LANG", "LC_ALL", "PATH", "TMPDIR"]
    assert seen["uid"] == (executor.manifest(ours.sandbox_id) or {})["uid"]


async def test_SBX_1_a_result_stays_inside_as_a_named_output_table(
    executor: DuckDBJobExecutor, ours: SandboxPlan
) -> None:
    run = await executor.run(
        ours.sandbox_id,
        JobSpec(
            "out-1",
            "SELECT region_code, count(*) AS n FROM market_registration GROUP BY ALL",
            "output_by_region",
        ),
    )
    assert run.status == "succeeded", run.error
    assert run.output_table == "output_by_region" and run.rows_out == 8
    assert run.rows_touched == 4000 and run.preview == ()
    assert run.columns == (("region_code", "VARCHAR"), ("n", "BIGINT"))
    outputs = executor.root / ours.sandbox_id / "work" / "outputs.duckdb"
    assert outputs.stat().st_uid == (executor.manifest(ours.sandbox_id) or {})["uid"]
    assert outputs.stat().st_mode & 0o077 == 0
    with duckdb.connect(str(outputs), read_only=True) as con:
        assert con.execute("SELECT sum(n) FROM output_by_region").fetchone() == (4000,)


async def test_SBX_5_a_job_id_runs_once_and_a_plan_is_provisioned_once(
    executor: DuckDBJobExecutor, ours: SandboxPlan
) -> None:
    spec = JobSpec("once-1", "SELECT count(*) AS n FROM market_registration", "output_once")
    first = await executor.run(ours.sandbox_id, spec)
    again = await executor.run(ours.sandbox_id, spec)
    assert first.status == again.status == "succeeded"
    assert (again.rows_out, again.output_table, again.duration_ms) == (
        first.rows_out,
        first.output_table,
        first.duration_ms,
    )
    repeated = await executor.provision(ours, KEY)
    assert repeated.tables == {"market_registration": 4000}
    with pytest.raises(Conflict, match="different plan"):
        await executor.provision(
            plan("g-exec-a", resources=[granted_factory(items=["credit_code"])]), KEY
        )


async def test_SBX_2_a_runaway_query_is_interrupted_at_its_time_limit(
    executor: DuckDBJobExecutor, ours: SandboxPlan
) -> None:
    run = await executor.run(
        ours.sandbox_id,
        JobSpec(
            "runaway-1",
            "SELECT count(*) FROM range(1000000000000) t(i) WHERE i % 7 = 3",
            "output_runaway",
        ),
    )
    assert run.status == "timed_out", run.error
    assert run.duration_ms < (LIMITS.timeout_s + 4) * 1000


async def test_SBX_2_a_memory_bomb_hits_the_memory_limit(
    executor: DuckDBJobExecutor, ours: SandboxPlan
) -> None:
    run = await executor.run(
        ours.sandbox_id,
        JobSpec("bomb-1", "SELECT list(i) AS l FROM range(400000000) t(i)", "output_bomb"),
    )
    assert run.status == "out_of_memory", (run.status, run.error)
    assert "memory" in run.error.lower()


async def test_SBX_7_closing_kills_a_running_job_and_no_job_runs_after(
    root: Path, source: Path
) -> None:
    sources = {resource_id(t): SourceTable(source, t) for t in DEMO_TABLES}
    patient = DuckDBJobExecutor(root, sources=sources, limits=Limits(timeout_s=120))
    closing = plan("g-exec-close")
    await patient.provision(closing, KEY)
    endless = JobSpec("endless-1", "SELECT count(*) FROM range(1000000000000) t(i)", "output_e")
    running = asyncio.create_task(patient.run(closing.sandbox_id, endless))
    await asyncio.sleep(1.5)
    started = asyncio.get_running_loop().time()
    await patient.close(closing.sandbox_id)
    stopped = await asyncio.wait_for(running, timeout=10)
    assert stopped.status == "stopped"
    assert asyncio.get_running_loop().time() - started < 5
    after = await patient.run(closing.sandbox_id, JobSpec("after-1", "SELECT 1", "output_a"))
    assert after.status == "refused" and "closed" in after.error
    with pytest.raises(Conflict, match="never reopened"):
        await patient.provision(closing, KEY)
    fresh = DuckDBJobExecutor(root, sources=sources)  # a restarted broker remembers
    later = await fresh.run(closing.sandbox_id, JobSpec("after-2", "SELECT 1", "output_b"))
    assert later.status == "refused"


async def test_SBX_7_delete_removes_every_data_file_and_says_what_it_removed(
    executor: DuckDBJobExecutor,
) -> None:
    doomed = plan("g-exec-delete")
    await executor.provision(doomed, KEY)
    run = await executor.run(doomed.sandbox_id, JobSpec("d-1", "SELECT 1 AS x", "output_d"))
    assert run.status == "succeeded"
    with pytest.raises(Conflict, match="close"):
        await executor.delete(doomed.sandbox_id)
    await executor.close(doomed.sandbox_id)
    home = executor.root / doomed.sandbox_id
    granted = home / "data" / "granted.duckdb"
    size = granted.stat().st_size
    removal = await executor.delete(doomed.sandbox_id)
    paths = {f.path: f for f in removal.files}
    assert {"data/granted.duckdb", "work/outputs.duckdb"} <= set(paths)
    assert paths["data/granted.duckdb"].size == size
    assert (
        paths["data/granted.duckdb"].sha256
        == (executor.manifest(doomed.sandbox_id) or {})["data_sha256"]
    )
    assert removal.verified_absent
    assert not (home / "data").exists() and not (home / "work").exists()
    assert (home / "jobs" / "d-1.json").exists()  # the job log is kept (AUTH-7: ≥ 6 months)
    assert await executor.delete(doomed.sandbox_id) == removal


@pytest.fixture
async def filtered(executor: DuckDBJobExecutor) -> AsyncIterator[SandboxPlan]:
    narrowed = plan(
        "g-exec-filter",
        resources=[
            granted_factory(
                items=["credit_code", "region_code", "registered_capital_fen"],
                row_filter="region_code = '370303' AND entity_status IN ('存续', '在业')",
            )
        ],
    )
    await executor.provision(narrowed, KEY)
    yield narrowed
    await executor.close(narrowed.sandbox_id)
    await executor.delete(narrowed.sandbox_id)


async def test_REQ_5_only_the_rows_the_row_filter_passes_are_materialized(
    executor: DuckDBJobExecutor, filtered: SandboxPlan, source: Path
) -> None:
    with duckdb.connect(str(source), read_only=True) as con:
        expected = con.execute(
            "SELECT count(*) FROM market_registration "
            "WHERE region_code = '370303' AND entity_status IN ('存续', '在业')"
        ).fetchone()
    manifest = executor.manifest(filtered.sandbox_id) or {}
    assert expected is not None and manifest["tables"] == {"market_registration": expected[0]}
    run = await executor.run(
        filtered.sandbox_id,
        JobSpec(
            "filter-1",
            "SELECT count(*) FILTER (WHERE region_code <> '370303') AS outside "
            "FROM market_registration",
            "output_outside",
            preview_rows=1,
        ),
    )
    assert run.status == "succeeded" and run.preview == (("0",),)
