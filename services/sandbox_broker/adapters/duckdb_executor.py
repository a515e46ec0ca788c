"""``DuckDBJobExecutor``: the local ``JobExecutor`` — one DuckDB database per sandbox, one
isolated OS process per job (SBX-1, SBX-2, SBX-5, SBX-7).

Theory of operation. Each sandbox is a directory under the executor's root::

    <sandbox_id>/            root, 0711
      manifest.json          root only: plan digest, state, user, tables, evidence
      jobs/<job_id>.json     root only: the execution of each job (idempotency, logs)
      data/granted.duckdb    the granted data, masked; readable, not writable, by the job user
      work/                  the job user's own: outputs.duckdb and one directory per job

``provision`` writes ``data/granted.duckdb`` in a materialization process (network
namespace, lockdown, the source attached read-only, the token key bound as session
variables). ``run`` starts a job process as the sandbox's own user (a uid no other
sandbox has), with ``work/jobs/<job_id>`` as working directory; the process attaches the
granted data read-only and writes its result to ``work/outputs.duckdb``. Jobs of one
sandbox run one at a time (the outputs database has one writer). ``close`` marks the
sandbox closed and kills its running processes at once; ``delete`` hashes and removes
every data and work file and keeps the manifest and job executions as the record.
``suspend`` (AUTH-6, 暂时关闭) kills the running processes and admits nothing until
``reinstate``, keeping every file; ``unmount`` (CAT-2) kills the running processes and
rewrites ``data/granted.duckdb`` without the columns or tables that left the grant.

Imports, exports and verification calls go through the same port: ``parquet_rows``
counts an uploaded Parquet file's rows with an in-memory DuckDB that may open only that
file; ``load_import`` loads an approved import (SBX-4) in a job process under the same
lockdown and user; ``read_output`` reads one output inside the broker, read-only, for
export staging; ``snapshot_output`` freezes a released verification product's key and
answer columns into ``products/<product_id>.duckdb``, which ``open_answers`` serves.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import math
import os
import re
import shutil
import signal
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from contracts.errors import Conflict, DomainError, NotFound
from services.sandbox_broker.adapters import isolation
from services.sandbox_broker.adapters.lockdown import STARTUP, Limits
from services.sandbox_broker.adapters.masking_sql import quote_ident, quote_literal, token_pads
from services.sandbox_broker.adapters.materialize_sql import (
    mount_sql,
    synthetic_seed,
    synthetic_source,
)
from services.sandbox_broker.adapters.per_unit_sql import per_unit_sql
from services.sandbox_broker.domain.per_unit import PerUnitRead
from services.sandbox_broker.domain.plan import TABLE_NAME, Environment, SandboxPlan
from services.sandbox_broker.ports import (
    Execution,
    JobSpec,
    Provisioned,
    ProvisioningFailed,
    Removal,
    RemovedFile,
    SourceTable,
    StagedOutput,
)

JOB_MODULE = "services.sandbox_broker.adapters.job_process"
PLAIN_ERRORS = frozenset(
    {
        "ParserException",
        "BinderException",
        "CatalogException",
        "PermissionException",
        "InterruptException",
        "OutOfMemoryException",
    }
)
"""Errors raised before any row is read, or by the lockdown and limits: their messages
name the job's own text, tables and columns, never a data value."""
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
READY, CLOSED, DELETED, SUSPENDED = "ready", "closed", "deleted", "suspended"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Atomic and root-only: a reader sees the old or the new file, never half of one."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True))
    partial.chmod(0o600)
    os.replace(partial, path)


def _rewrite_without(granted: Path, table: str, columns: frozenset[str] | None) -> None:
    """Copy the granted database without ``table`` (or without its ``columns``) into a
    new file with the same mode and owner, and put it in place atomically."""
    fresh = granted.with_name(granted.name + ".narrowed")
    fresh.unlink(missing_ok=True)
    info = granted.stat()
    con = duckdb.connect(
        ":memory:",
        config={"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"},
    )
    try:
        con.execute(f"ATTACH {quote_literal(str(granted))} AS old (READ_ONLY)")
        con.execute(f"ATTACH {quote_literal(str(fresh))} AS new")
        rows = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'old'"
        ).fetchall()
        for (name,) in rows:
            if name == table and columns is None:
                continue
            keep = [
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM duckdb_columns() "
                    "WHERE database_name = 'old' AND table_name = ? ORDER BY column_index",
                    [name],
                ).fetchall()
                if not (name == table and columns is not None and c in columns)
            ]
            if not keep:
                continue
            listed = ", ".join(quote_ident(c) for c in keep)
            target, source = f"new.{quote_ident(name)}", f"old.{quote_ident(name)}"
            # names are the database's own, quoted; no value of the data is in the text
            con.execute(f"CREATE TABLE {target} AS SELECT {listed} FROM {source}")  # noqa: S608
        con.execute("DETACH new")
    finally:
        con.close()
    os.chmod(fresh, info.st_mode & 0o777)
    with contextlib.suppress(PermissionError):
        os.chown(fresh, info.st_uid, info.st_gid)
    os.replace(fresh, granted)
    granted.with_name(granted.name + ".narrowed.wal").unlink(missing_ok=True)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    return data


class DuckDBJobExecutor:
    """See the module docstring. ``require_isolation`` refuses to start on a host that
    cannot give job processes their own network namespace and user (use it in production)."""

    def __init__(
        self,
        root: Path,
        *,
        sources: Mapping[str, SourceTable] | None = None,
        limits: Limits | None = None,
        provision_limits: Limits | None = None,
        synthetic_rows: int = 10_000,
        require_isolation: bool = False,
        uid_base: int = 1_610_000,
        uid_span: int = 100_000,
        kill_grace_s: float = 5.0,
    ) -> None:
        self.root = Path(root).resolve()
        self.sources = dict(sources or {})
        self.limits = limits or Limits()
        self.provision_limits = provision_limits or Limits(
            memory_mb=2048,
            threads=os.cpu_count() or 2,
            temp_mb=16_384,
            timeout_s=1800,
            output_mb=65_536,
        )
        self.synthetic_rows = synthetic_rows
        self.support = isolation.supported()
        if require_isolation and not all(self.support.values()):
            missing = ", ".join(k.replace("_", " ") for k, ok in self.support.items() if not ok)
            raise isolation.IsolationError(
                f"job processes cannot be isolated on this host (no {missing}); production "
                "jobs never run without a network namespace and a user of their own: run "
                "the broker as root in its container with CAP_SYS_ADMIN, CAP_SETUID and "
                "CAP_SETGID (the chart's sandbox_broker pod)"
            )
        self._uid_base, self._uid_span = uid_base, uid_span
        self._grace = kill_grace_s
        self._locks: dict[str, asyncio.Lock] = {}
        self._running: dict[str, set[asyncio.subprocess.Process]] = {}
        self._closing: set[str] = set()
        self._stopping: set[str] = set()
        """Sandboxes whose running jobs are being stopped while the sandbox lives on
        (suspension, unmounting): a job killed meanwhile reports ``stopped``."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o711)
        if self.support["separate_user"]:
            _check_reachable(self.root)

    # -- paths and ownership ----------------------------------------------------------------

    def _dir(self, sandbox_id: str) -> Path:
        if not SAFE_ID.match(sandbox_id):
            raise ValueError(f"not a sandbox id: {sandbox_id!r}")
        return self.root / sandbox_id

    def _lock(self, sandbox_id: str) -> asyncio.Lock:
        return self._locks.setdefault(sandbox_id, asyncio.Lock())

    def manifest(self, sandbox_id: str) -> dict[str, Any] | None:
        return _read_json(self._dir(sandbox_id) / "manifest.json")

    def _own(self, path: Path, mode: int, uid: int | None, gid: int | None) -> None:
        if self.support["separate_user"] and uid is not None and gid is not None:
            os.chown(path, uid, gid)
        path.chmod(mode)

    def _allocate_user(self, sandbox_id: str) -> tuple[int | None, int | None]:
        """A uid and gid of the sandbox's own, used by no other sandbox under this root."""
        if not self.support["separate_user"]:
            return None, None
        taken = set()
        for manifest_path in self.root.glob("*/manifest.json"):
            data = _read_json(manifest_path) or {}
            if data.get("sandbox_id") != sandbox_id and data.get("uid") is not None:
                taken.add(int(data["uid"]))
        offset = int(hashlib.sha256(sandbox_id.encode()).hexdigest(), 16) % self._uid_span
        for step in range(self._uid_span):
            uid = self._uid_base + (offset + step) % self._uid_span
            if uid not in taken:
                return uid, uid
        raise ProvisioningFailed("no free sandbox user id left")

    def isolation_for(
        self, limits: Limits, uid: int | None, gid: int | None
    ) -> isolation.Isolation:
        return isolation.Isolation(
            network_namespace=self.support["network_namespace"],
            uid=uid,
            gid=gid,
            address_space_mb=limits.memory_mb + limits.headroom_mb,
            cpu_seconds=math.ceil(limits.timeout_s * limits.threads) + 5,
            file_size_mb=limits.output_mb,
        )

    def sandbox_isolation(self, sandbox_id: str) -> isolation.Isolation:
        """The isolation the jobs of ``sandbox_id`` run under."""
        manifest = self.manifest(sandbox_id) or {}
        return self.isolation_for(self.limits, manifest.get("uid"), manifest.get("gid"))

    # -- processes ------------------------------------------------------------------------

    async def _spawn(
        self, sandbox_id: str, spec: dict[str, Any], cwd: Path, deadline_s: float
    ) -> tuple[dict[str, Any] | None, int, str, bool]:
        """Run one job process; returns (outcome, exit code, stderr, killed by deadline)."""
        process = await asyncio.create_subprocess_exec(
            *isolation.python_command(JOB_MODULE),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=cwd,
            env=isolation.child_environment(cwd),
            start_new_session=True,
        )
        self._running.setdefault(sandbox_id, set()).add(process)
        timed_out = False
        try:
            out, err = await asyncio.wait_for(
                process.communicate(json.dumps(spec).encode()), timeout=deadline_s
            )
        except TimeoutError:
            timed_out = True
            self._kill(process)
            out, err = await process.communicate()
        finally:
            self._running.get(sandbox_id, set()).discard(process)
        outcome = None
        with contextlib.suppress(ValueError):
            outcome = json.loads(out.decode()) if out.strip() else None
        return outcome, process.returncode or 0, err.decode(errors="replace")[-2000:], timed_out

    @staticmethod
    def _kill(process: asyncio.subprocess.Process) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    # -- JobExecutor ----------------------------------------------------------------------

    async def provision(self, plan: SandboxPlan, token_key: bytes) -> Provisioned:
        sandbox_id = plan.sandbox_id
        async with self._lock(sandbox_id):
            manifest = self.manifest(sandbox_id)
            if manifest is not None:
                return self._provisioned_again(plan, manifest)
            if sandbox_id in self._closing:
                raise Conflict(f"sandbox {sandbox_id} was closed", rule="SBX-7")
            home = self._dir(sandbox_id)
            if home.exists():
                shutil.rmtree(home)
            try:
                return await self._materialize(plan, token_key, home)
            except BaseException:
                shutil.rmtree(home, ignore_errors=True)
                raise

    def _provisioned_again(self, plan: SandboxPlan, manifest: dict[str, Any]) -> Provisioned:
        if manifest["state"] != READY:
            raise Conflict(
                f"sandbox {plan.sandbox_id} is {manifest['state']}; a closed sandbox is "
                "never reopened",
                rule="SBX-7",
            )
        if manifest["plan_digest"] != plan.digest():
            raise Conflict(
                f"sandbox {plan.sandbox_id} already holds a different plan", rule="SBX-2"
            )
        return Provisioned(
            sandbox_id=plan.sandbox_id,
            plan_digest=manifest["plan_digest"],
            tables=dict(manifest["tables"]),
            data_sha256=manifest["data_sha256"],
            seconds=float(manifest["seconds"]),
            isolation=dict(manifest["isolation"]),
        )

    async def _materialize(self, plan: SandboxPlan, token_key: bytes, home: Path) -> Provisioned:
        started = time.perf_counter()
        uid, gid = self._allocate_user(plan.sandbox_id)
        data, work, scratch = _prepare(home)
        aliases: dict[str, str] = {}
        tables: list[tuple[str, str]] = []
        for mount in plan.mounts:
            if plan.environment is Environment.DEVELOPMENT:
                source = synthetic_source(
                    mount,
                    seed=synthetic_seed(plan.grant_id, mount.table),
                    rows=self.synthetic_rows,
                )
            else:
                found = self.sources.get(mount.resource_id)
                if found is None:
                    raise ProvisioningFailed(
                        f"no source is registered for resource {mount.resource_id}"
                    )
                path = str(found.path.resolve())
                alias = aliases.setdefault(path, f"source_{len(aliases)}")
                source = f"{alias}.main.{quote_ident(found.table)}"
            tables.append((mount.table, mount_sql(mount, source)))
        ipad, opad = token_pads(token_key)
        limits = self.provision_limits
        spec = {
            "mode": "materialize",
            "target": str(data / "granted.duckdb"),
            "sources": {alias: path for path, alias in aliases.items()},
            "ipad": ipad.hex(),
            "opad": opad.hex(),
            "tables": tables,
            "limits": limits.to_json(),
            "work": str(scratch),
            "isolation": self.isolation_for(limits, None, None).to_json(),
        }
        outcome, code, err, timed_out = await self._spawn(
            plan.sandbox_id, spec, scratch, limits.timeout_s + self._grace
        )
        if plan.sandbox_id in self._closing:
            raise Conflict(f"sandbox {plan.sandbox_id} was closed while provisioning", rule="SBX-7")
        if outcome is None or outcome.get("status") != "succeeded":
            why = (outcome or {}).get("error") or err.strip() or f"exit code {code}"
            if timed_out:
                why = f"materialization ran longer than {limits.timeout_s:.0f} s"
            raise ProvisioningFailed(f"sandbox {plan.sandbox_id} could not be filled: {why}")
        shutil.rmtree(scratch)
        granted = data / "granted.duckdb"
        self._own(data, 0o750, 0, gid)
        self._own(granted, 0o440, 0, gid)
        self._own(work, 0o700, uid, gid)
        provisioned = Provisioned(
            sandbox_id=plan.sandbox_id,
            plan_digest=plan.digest(),
            tables={str(k): int(v) for k, v in outcome["tables"].items()},
            data_sha256=_sha256(granted),
            seconds=time.perf_counter() - started,
            isolation={**self.support, "lockdown": outcome.get("lockdown", {})},
        )
        _write_json(
            home / "manifest.json",
            {
                "sandbox_id": plan.sandbox_id,
                "grant_id": plan.grant_id,
                "environment": plan.environment.value,
                "state": READY,
                "plan_digest": provisioned.plan_digest,
                "uid": uid,
                "gid": gid,
                "tables": provisioned.tables,
                "data_sha256": provisioned.data_sha256,
                "seconds": provisioned.seconds,
                "isolation": provisioned.isolation,
            },
        )
        return provisioned

    async def run(self, sandbox_id: str, job: JobSpec) -> Execution:
        if not SAFE_ID.match(job.job_id):
            raise ValueError(f"not a job id: {job.job_id!r}")
        home = self._dir(sandbox_id)
        done = _read_json(home / "jobs" / f"{job.job_id}.json")
        if done is not None:
            return _execution(done)
        refusal = self._not_ready(sandbox_id)
        if refusal:
            return Execution(job_id=job.job_id, status="refused", error=refusal)
        async with self._lock(sandbox_id):
            refusal = self._not_ready(sandbox_id)
            if refusal:
                return Execution(job_id=job.job_id, status="refused", error=refusal)
            if (home / "jobs" / f"{job.job_id}.started").exists():
                execution = Execution(
                    job_id=job.job_id,
                    status="failed",
                    error="interrupted: the broker stopped while this job ran; it is not "
                    "run again, submit it under a new job id",
                )
            else:
                (home / "jobs" / f"{job.job_id}.started").touch(mode=0o600)
                execution = await self._run(sandbox_id, job, home)
            _write_json(home / "jobs" / f"{job.job_id}.json", _stored(execution))
            (home / "jobs" / f"{job.job_id}.started").unlink(missing_ok=True)
            return execution

    def _not_ready(self, sandbox_id: str) -> str:
        manifest = self.manifest(sandbox_id)
        if manifest is None:
            return f"there is no sandbox {sandbox_id}"
        if manifest["state"] == SUSPENDED:
            return f"sandbox {sandbox_id} is suspended (暂时关闭); no job runs in it (AUTH-6)"
        if sandbox_id in self._closing or manifest["state"] != READY:
            return f"sandbox {sandbox_id} is closed; no job runs in it (SBX-7)"
        if sandbox_id in self._stopping:
            return f"data is being removed from sandbox {sandbox_id} (CAT-2); submit the job again"
        return ""

    async def _run(self, sandbox_id: str, job: JobSpec, home: Path) -> Execution:
        manifest = self.manifest(sandbox_id) or {}
        uid, gid = manifest.get("uid"), manifest.get("gid")
        job_dir = home / "work" / "jobs" / job.job_id
        job_dir.mkdir(parents=True, exist_ok=True)
        self._own(job_dir.parent, 0o700, uid, gid)
        self._own(job_dir, 0o700, uid, gid)
        limits = self.limits
        spec = {
            "mode": "job",
            "outputs": str(home / "work" / "outputs.duckdb"),
            "granted": str(home / "data" / "granted.duckdb"),
            "query": job.query,
            "output_table": job.output_table,
            "replace": job.replace,
            "preview_rows": job.preview_rows,
            "limits": limits.to_json(),
            "work": str(job_dir),
            "isolation": self.isolation_for(limits, uid, gid).to_json(),
        }
        started = time.perf_counter()
        outcome, code, err, timed_out = await self._spawn(
            sandbox_id, spec, job_dir, limits.timeout_s + self._grace
        )
        duration_ms = round((time.perf_counter() - started) * 1000)
        shutil.rmtree(job_dir, ignore_errors=True)
        if sandbox_id in self._closing or sandbox_id in self._stopping:
            return Execution(
                job_id=job.job_id,
                status="stopped",
                error="the sandbox was closed, suspended or narrowed while the job ran; "
                "the job was killed",
                duration_ms=duration_ms,
                stderr=err,
            )
        if outcome is None or timed_out:
            return Execution(
                job_id=job.job_id,
                status=_status_of_exit(code, timed_out),
                error=_error_of_exit(code, timed_out, limits, err),
                duration_ms=duration_ms,
                stderr=err,
            )
        if manifest.get("environment") == Environment.PRODUCTION.value:
            outcome = _withhold_values(outcome)
        return _execution(
            {**outcome, "job_id": job.job_id, "duration_ms": duration_ms, "stderr": err}
        )

    async def close(self, sandbox_id: str) -> None:
        self._closing.add(sandbox_id)
        home = self._dir(sandbox_id)
        manifest = self.manifest(sandbox_id)
        if manifest is not None and manifest["state"] in (READY, SUSPENDED):
            _write_json(home / "manifest.json", {**manifest, "state": CLOSED})
        await self._kill_running(sandbox_id)

    async def _kill_running(self, sandbox_id: str) -> int:
        """Kill every running job process of the sandbox at once; how many there were."""
        running = list(self._running.get(sandbox_id, ()))
        for process in running:
            self._kill(process)
        for process in running:
            await process.wait()
        return len(running)

    async def suspend(self, sandbox_id: str) -> int:
        """AUTH-6 (暂时关闭): admit nothing and stop the running jobs, keeping every file,
        until ``reinstate``. Returns the number of jobs stopped."""
        home = self._dir(sandbox_id)
        self._stopping.add(sandbox_id)
        manifest = self.manifest(sandbox_id)
        if manifest is not None and manifest["state"] == READY:
            _write_json(home / "manifest.json", {**manifest, "state": SUSPENDED})
        return await self._kill_running(sandbox_id)

    async def reinstate(self, sandbox_id: str) -> None:
        """AUTH-6: a suspended sandbox is ready again, as it was."""
        async with self._lock(sandbox_id):
            manifest = self.manifest(sandbox_id)
            if manifest is not None and manifest["state"] == SUSPENDED:
                _write_json(self._dir(sandbox_id) / "manifest.json", {**manifest, "state": READY})
            self._stopping.discard(sandbox_id)

    async def unmount(self, sandbox_id: str, table: str, columns: frozenset[str] | None) -> int:
        """CAT-2: remove ``columns`` of the mounted ``table`` (the whole table when
        ``None``) from the granted data, after stopping the running jobs. The database file
        is rewritten without them (a dropped column's pages would otherwise stay in the
        file). Returns the number of jobs stopped; idempotent."""
        if not TABLE_NAME.match(table):
            raise ValueError(f"not a mounted table: {table!r}")
        self._stopping.add(sandbox_id)
        try:
            stopped = await self._kill_running(sandbox_id)
            async with self._lock(sandbox_id):
                manifest = self.manifest(sandbox_id)
                granted = self._dir(sandbox_id) / "data" / "granted.duckdb"
                if manifest is None or manifest["state"] == DELETED or not granted.exists():
                    return stopped
                await asyncio.to_thread(_rewrite_without, granted, table, columns)
                tables = dict(manifest.get("tables", {}))
                if columns is None:
                    tables.pop(table, None)
                _write_json(
                    self._dir(sandbox_id) / "manifest.json",
                    {**manifest, "tables": tables, "data_sha256": _sha256(granted)},
                )
            return stopped
        finally:
            if (self.manifest(sandbox_id) or {}).get("state") != SUSPENDED:
                self._stopping.discard(sandbox_id)

    async def purge_record(self, sandbox_id: str) -> bool:
        """AUTH-7: after the retention, remove what ``delete`` kept of a deleted sandbox —
        its manifest (the isolation record) and its job executions (with stderr). Refused
        for a sandbox not deleted; returns whether anything was there."""
        home = self._dir(sandbox_id)
        async with self._lock(sandbox_id):
            manifest = self.manifest(sandbox_id)
            if manifest is not None and manifest["state"] != DELETED:
                raise Conflict(
                    f"sandbox {sandbox_id} is {manifest['state']}; only a deleted sandbox's "
                    "record is purged",
                    rule="AUTH-7",
                )
            existed = home.exists()
            await asyncio.to_thread(shutil.rmtree, home, True)
            return existed

    async def delete(self, sandbox_id: str) -> Removal:
        home = self._dir(sandbox_id)
        async with self._lock(sandbox_id):
            manifest = self.manifest(sandbox_id)
            if manifest is None:
                return Removal(sandbox_id=sandbox_id, files=(), verified_absent=not home.exists())
            if manifest["state"] == DELETED:
                return _removal(manifest["removal"])
            if manifest["state"] != CLOSED:
                raise Conflict(f"close sandbox {sandbox_id} before deleting it", rule="SBX-7")
            parts = [home / "data", home / "work", home / "provision", home / "products"]
            files = tuple(
                RemovedFile(
                    path=str(path.relative_to(home)), size=path.stat().st_size, sha256=_sha256(path)
                )
                for part in parts
                if part.exists()
                for path in sorted(part.rglob("*"))
                if path.is_file()
            )
            for part in parts:
                shutil.rmtree(part, ignore_errors=True)
            removal = Removal(
                sandbox_id=sandbox_id,
                files=files,
                verified_absent=not any(part.exists() for part in parts),
            )
            _write_json(
                home / "manifest.json",
                {**manifest, "state": DELETED, "removal": _stored_removal(removal)},
            )
            return removal

    # -- sources, imports, staged outputs, verification snapshots ----------------------------

    def add_source(self, resource_id: str, source: SourceTable) -> None:
        """Mount ``resource_id`` from ``source`` in production sandboxes provisioned later."""
        self.sources[resource_id] = source

    async def parquet_rows(self, path: Path) -> int:
        """Rows of an uploaded Parquet file, from its footer (SBX-4)."""
        return await asyncio.to_thread(_parquet_rows, path)

    def open_answers(self, path: Path) -> SnapshotAnswers:
        """A verification snapshot, opened read-only with external access off."""
        return SnapshotAnswers(open_snapshot(path))

    async def load_import(
        self, sandbox_id: str, import_id: str, table: str, file_format: str, source: Path
    ) -> Execution:
        """Load an approved import file as ``table`` of the sandbox (SBX-4), in a job process
        under the sandbox's user and lockdown, the file being the one path it may read.
        Idempotent by ``import_id``."""
        home = self._dir(sandbox_id)
        done = _read_json(home / "jobs" / f"import-{import_id}.json")
        if done is not None:
            return _execution(done)
        async with self._lock(sandbox_id):
            refusal = self._not_ready(sandbox_id)
            if refusal:
                return Execution(job_id=import_id, status="refused", error=refusal)
            manifest = self.manifest(sandbox_id) or {}
            uid, gid = manifest.get("uid"), manifest.get("gid")
            job_dir = home / "work" / "jobs" / f"import-{import_id}"
            job_dir.mkdir(parents=True, exist_ok=True)
            self._own(job_dir.parent, 0o700, uid, gid)
            self._own(job_dir, 0o700, uid, gid)
            copy = job_dir / f"import.{file_format}"
            shutil.copyfile(source, copy)
            self._own(copy, 0o400, uid, gid)
            limits = self.limits
            spec = {
                "mode": "import",
                "outputs": str(home / "work" / "outputs.duckdb"),
                "table": table,
                "format": file_format,
                "file": str(copy),
                "limits": limits.to_json(),
                "work": str(job_dir),
                "isolation": self.isolation_for(limits, uid, gid).to_json(),
            }
            started = time.perf_counter()
            outcome, code, err, timed_out = await self._spawn(
                sandbox_id, spec, job_dir, limits.timeout_s + self._grace
            )
            duration_ms = round((time.perf_counter() - started) * 1000)
            shutil.rmtree(job_dir, ignore_errors=True)
            if outcome is None or timed_out:
                execution = Execution(
                    job_id=import_id,
                    status=_status_of_exit(code, timed_out),
                    error=_error_of_exit(code, timed_out, limits, err),
                    duration_ms=duration_ms,
                )
            else:
                execution = _execution({**outcome, "job_id": import_id, "duration_ms": duration_ms})
            _write_json(home / "jobs" / f"import-{import_id}.json", _stored(execution))
            return execution

    async def read_output(
        self,
        sandbox_id: str,
        table: str,
        *,
        answer_column: str = "",
        key_column: str = "",
        max_rows: int = 10_000,
        per_unit: PerUnitRead | None = None,
    ) -> StagedOutput:
        """Read output ``table`` of a ready sandbox, read-only: its rows (at most
        ``max_rows`` + 1, so the caller sees it is too large), or with ``answer_column``
        only the distribution of that column's values (``answer``, ``count``), or with
        ``per_unit`` its records aggregated per contributing unit (EXP-2)."""
        home = self._dir(sandbox_id)
        async with self._lock(sandbox_id):
            refusal = self._not_ready(sandbox_id)
            if refusal:
                raise Conflict(refusal, rule="SBX-7")
            path = home / "work" / "outputs.duckdb"
            return await asyncio.to_thread(
                _read_output, path, table, (key_column, answer_column), max_rows, per_unit
            )

    async def snapshot_output(
        self, sandbox_id: str, table: str, key_column: str, answer_column: str, product_id: str
    ) -> Path:
        """Freeze ``key_column`` and ``answer_column`` of output ``table`` for a released
        verification product (核验), indexed by key; idempotent by ``product_id``."""
        if not SAFE_ID.match(product_id):
            raise ValueError(f"not a product id: {product_id!r}")
        home = self._dir(sandbox_id)
        target = home / "products" / f"{product_id}.duckdb"
        async with self._lock(sandbox_id):
            if target.exists():
                return target
            refusal = self._not_ready(sandbox_id)
            if refusal:
                raise Conflict(refusal, rule="SBX-7")
            target.parent.mkdir(mode=0o700, exist_ok=True)
            source = home / "work" / "outputs.duckdb"
            await asyncio.to_thread(_snapshot, source, table, key_column, answer_column, target)
            return target


_READ_ONLY = {**STARTUP, "enable_external_access": "false"}


def _output_exists(con: Any, table: str, database: str = "") -> bool:
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ? "
        "AND (? = '' OR database_name = ?)",
        [table, database, database],
    ).fetchone()
    return bool(found and found[0])


def _read_output(
    path: Path,
    table: str,
    key_and_answer: tuple[str, str],
    max_rows: int,
    per_unit: PerUnitRead | None = None,
) -> StagedOutput:
    import duckdb

    if not path.exists():
        raise NotFound(
            f"there is no output {table}: no job has written an output yet", rule="SBX-1"
        )
    con = duckdb.connect(str(path), read_only=True, config=dict(_READ_ONLY))
    try:
        if not _output_exists(con, table):
            raise NotFound(f"there is no output {table} in this sandbox", rule="SBX-1")
        name = quote_ident(table)
        columns = tuple(
            (str(r[0]), str(r[1])) for r in con.execute(f"DESCRIBE main.{name}").fetchall()
        )
        total = con.execute(f"SELECT count(*) FROM main.{name}").fetchone()  # noqa: S608
        key_column, answer_column = key_and_answer
        if answer_column:
            for wanted in (key_column, answer_column):
                if wanted and wanted not in {c for c, _ in columns}:
                    raise NotFound(f"output {table} has no column {wanted}", rule="SBX-6")
            answer = quote_ident(answer_column)
            rows = con.execute(
                f"SELECT CAST({answer} AS VARCHAR) AS answer, count(*) AS count "  # noqa: S608
                f"FROM main.{name} GROUP BY 1 ORDER BY 1 NULLS LAST LIMIT ?",
                [max_rows + 1],
            ).fetchall()
            return StagedOutput((("answer", "VARCHAR"), ("count", "BIGINT")), rows, len(rows))
        if per_unit is not None:
            return _read_per_unit(con, table, dict(columns), per_unit, max_rows)
        rows = con.execute(f"SELECT * FROM main.{name} LIMIT ?", [max_rows + 1]).fetchall()  # noqa: S608
        return StagedOutput(columns, rows, int(total[0]) if total else 0)
    finally:
        con.close()


def _read_per_unit(
    con: Any, table: str, types: dict[str, str], read: PerUnitRead, max_rows: int
) -> StagedOutput:
    """The output's records aggregated per contributing unit, then per cell (EXP-2)."""
    for wanted in read.record_columns:
        if wanted not in types:
            raise NotFound(f"output {table} has no column {wanted}", rule="EXP-2")
    unit = quote_ident(read.unit)
    orphans = con.execute(
        f"SELECT count(*) FROM main.{quote_ident(table)} WHERE {unit} IS NULL"  # noqa: S608
    ).fetchone()
    if orphans and orphans[0]:
        raise DomainError(
            f"{orphans[0]} records of {table} name no unit in {read.unit}: every record of a "
            "per-unit export names the firm or person it belongs to",
            rule="EXP-2",
        )
    sql = per_unit_sql(table, read, types)
    described = tuple((str(r[0]), str(r[1])) for r in con.execute(f"DESCRIBE {sql}").fetchall())
    rows = con.execute(f"{sql} LIMIT ?", [max_rows + 1]).fetchall()
    total = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()  # noqa: S608
    return StagedOutput(described, rows, int(total[0]) if total else 0)


def _snapshot(source: Path, table: str, key: str, answer: str, target: Path) -> None:
    import duckdb

    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    con = duckdb.connect(str(partial), config=dict(STARTUP))
    try:
        con.execute(f"ATTACH {quote_literal(str(source))} AS src (READ_ONLY)")
        if not _output_exists(con, table, "src"):
            raise NotFound(f"there is no output {table} in this sandbox")
        con.execute(
            f"CREATE TABLE answers AS SELECT CAST({quote_ident(key)} AS VARCHAR) AS k, "  # noqa: S608
            f"CAST({quote_ident(answer)} AS VARCHAR) AS a FROM src.main.{quote_ident(table)}"
        )
        con.execute("CREATE INDEX answers_k ON answers (k)")
        con.execute("DETACH src")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    partial.chmod(0o600)
    os.replace(partial, target)


ANSWERS_IN_MEMORY = 500_000
"""Snapshots of at most this many keys are answered from memory (~80 MiB at the most):
a DuckDB point query costs ~1-9 ms of planning and executing per call, a dictionary
look-up well under a microsecond. Larger snapshots keep the indexed DuckDB look-up."""


class SnapshotAnswers:
    """``AnswerIndex`` over one read-only connection to a verification snapshot; a
    snapshot of at most ``in_memory`` keys is read once into a dictionary (the first
    answer per key, as the indexed query's ``LIMIT 1`` gives one) and the connection is
    closed."""

    def __init__(self, connection: Any, *, in_memory: int = ANSWERS_IN_MEMORY) -> None:
        self._connection: Any = connection
        self._answers: dict[str, str] | None = None
        counted = connection.execute("SELECT count(*) FROM answers").fetchone()
        if counted is not None and int(counted[0]) <= in_memory:
            answers: dict[str, str] = {}
            for key, answer in connection.execute("SELECT k, a FROM answers").fetchall():
                if key is not None:
                    answers.setdefault(str(key), str(answer))
            self._answers = answers
            connection.close()
            self._connection = None

    def answer(self, key: str) -> str | None:
        if self._answers is not None:
            return self._answers.get(key)
        row = self._connection.execute(
            "SELECT a FROM answers WHERE k = ? LIMIT 1", [key]
        ).fetchone()
        return None if row is None else str(row[0])

    def close(self) -> None:
        self._answers = None
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _parquet_rows(path: Path) -> int:
    """Rows of a Parquet file, read from its footer by an in-memory DuckDB that can open
    only this one file."""
    con = duckdb.connect(
        ":memory:",
        config={"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"},
    )
    try:
        con.execute(f"SET allowed_paths = [{quote_literal(str(path))}]")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        row = con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()
        return int(row[0]) if row else 0
    except duckdb.Error as exc:
        raise DomainError(
            f"the file is not a readable Parquet file: {str(exc).splitlines()[0][:200]}",
            rule="SBX-4",
            field="body",
        ) from None
    finally:
        con.close()


def open_snapshot(path: Path) -> Any:
    """A read-only connection on a verification snapshot, external access off."""
    import duckdb

    return duckdb.connect(str(path), read_only=True, config=dict(_READ_ONLY))


def _check_reachable(root: Path) -> None:
    """Sandbox users must be able to pass through every directory above the root."""
    for parent in root.parents:
        if not parent.stat().st_mode & 0o001:
            raise isolation.IsolationError(
                f"sandbox root {root} cannot be reached by sandbox users: {parent} is not "
                "searchable by others (chmod o+x, or choose another data directory)"
            )


def _prepare(home: Path) -> tuple[Path, Path, Path]:
    """The directories of a new sandbox: (data, work, provisioning scratch)."""
    data, work, scratch = home / "data", home / "work", home / "provision"
    for path in (home, home / "jobs", data, work, scratch):
        path.mkdir(parents=True, exist_ok=True)
    home.chmod(0o711)
    (home / "jobs").chmod(0o700)
    scratch.chmod(0o700)
    return data, work, scratch


def _withhold_values(outcome: dict[str, Any]) -> dict[str, Any]:
    """A production error raised while rows were being read may quote them (a failed
    cast, ``error(name)``): its message is withheld, so errors cannot carry data out
    (SBX-1). The job can be reproduced on the development sandbox's synthetic data."""
    kind = str(outcome.get("error_type", ""))
    if not outcome.get("error") or kind in PLAIN_ERRORS or outcome.get("status") == "blocked":
        return outcome
    return {
        **outcome,
        "error": f"{kind or 'Error'} while the job ran; the message is withheld in production "
        "because it may contain data values — run the job on the development sandbox to see it",
    }


def _status_of_exit(code: int, timed_out: bool) -> str:
    if timed_out or code == -signal.SIGXCPU:
        return "timed_out"
    if code in (-signal.SIGKILL, -signal.SIGABRT, -signal.SIGSEGV):
        return "out_of_memory"
    return "failed"


def _error_of_exit(code: int, timed_out: bool, limits: Limits, err: str) -> str:
    if timed_out:
        return f"the job ran longer than {limits.timeout_s:g} s and was killed"
    if code == -signal.SIGXCPU:
        return "the job used up its CPU time and was killed"
    if code < 0:
        return (
            f"the job process ended by signal {signal.Signals(-code).name}, most often "
            f"because it exceeded its {limits.memory_mb} MB memory limit"
        )
    return f"the job process failed (exit code {code}): {err.strip()[-500:]}"


def _execution(data: dict[str, Any]) -> Execution:
    return Execution(
        job_id=str(data["job_id"]),
        status=str(data["status"]),
        error=str(data.get("error", "")),
        duration_ms=int(data.get("duration_ms", 0)),
        rows_touched=int(data.get("rows_touched", 0)),
        rows_out=int(data.get("rows_out", 0)),
        output_table=str(data.get("output_table", "")),
        columns=tuple((str(c[0]), str(c[1])) for c in data.get("columns", ())),
        preview=tuple(tuple(row) for row in data.get("preview", ())),
        lockdown={str(k): str(v) for k, v in data.get("lockdown", {}).items()},
        isolation=dict(data.get("isolation", {})),
        stderr=str(data.get("stderr", "")),
    )


def _stored(execution: Execution) -> dict[str, Any]:
    """An execution as kept on disk: everything but the preview rows (no data values)."""
    return {
        "job_id": execution.job_id,
        "status": execution.status,
        "error": execution.error,
        "duration_ms": execution.duration_ms,
        "rows_touched": execution.rows_touched,
        "rows_out": execution.rows_out,
        "output_table": execution.output_table,
        "columns": [list(c) for c in execution.columns],
        "lockdown": execution.lockdown,
        "isolation": execution.isolation,
        "stderr": execution.stderr,
    }


def _stored_removal(removal: Removal) -> dict[str, Any]:
    return {
        "sandbox_id": removal.sandbox_id,
        "files": [[f.path, f.size, f.sha256] for f in removal.files],
        "verified_absent": removal.verified_absent,
    }


def _removal(data: dict[str, Any]) -> Removal:
    return Removal(
        sandbox_id=str(data["sandbox_id"]),
        files=tuple(RemovedFile(str(p), int(s), str(h)) for p, s, h in data["files"]),
        verified_absent=bool(data["verified_absent"]),
    )
