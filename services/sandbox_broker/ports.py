"""Ports of sandbox-broker: the job executor (作业执行器) and where job records go.

The executor is the one place untrusted SQL runs and the only way to the data of a
sandbox: mounting, jobs, own-data imports, reading an output for export, and answering
verification calls all go through ``JobExecutor``; the service layer (``commands/``) never
opens a database itself. Its one adapter is ``adapters.duckdb_executor.DuckDBJobExecutor``
(a DuckDB file per sandbox, one locked-down OS process per job, in its own network
namespace and as its own user); in Kubernetes it runs inside the broker's pod, whose
privileges and egress policy the chart sets. Only ``adapters/`` imports DuckDB
(``tests/unit/services/sandbox_broker/test_sandbox_layout.py`` holds it so).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from services.sandbox_broker.domain.job import JobRecord
from services.sandbox_broker.domain.per_unit import PerUnitRead
from services.sandbox_broker.domain.plan import SandboxPlan
from services.sandbox_broker.domain.sql_policy import Verdict


@dataclass(frozen=True, slots=True)
class SourceTable:
    """Where a resource's real data lives (源数据): a DuckDB file and a table in it."""

    path: Path
    table: str


class ProvisioningFailed(RuntimeError):
    """A sandbox could not be materialized; the executor left nothing of it behind."""


@dataclass(frozen=True, slots=True)
class Provisioned:
    """A mounted sandbox: its tables with their row counts, and evidence of the mount."""

    sandbox_id: str
    plan_digest: str
    tables: dict[str, int]
    data_sha256: str
    seconds: float
    isolation: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class JobSpec:
    """One guarded job: the query to run and the output table its result stays in."""

    job_id: str
    query: str
    output_table: str
    replace: bool = False
    preview_rows: int = 0
    """Rows of the result handed back; the broker asks for some only in development."""


@dataclass(frozen=True, slots=True)
class Execution:
    job_id: str
    status: str
    """A ``JobStatus`` value: succeeded, failed, blocked, timed_out, out_of_memory,
    stopped, or refused (the executor's own refusal, e.g. a closed sandbox)."""
    error: str = ""
    duration_ms: int = 0
    rows_touched: int = 0
    rows_out: int = 0
    output_table: str = ""
    columns: tuple[tuple[str, str], ...] = ()
    preview: tuple[tuple[str | None, ...], ...] = ()
    lockdown: dict[str, str] = field(default_factory=dict)
    """The DuckDB settings in force while the job ran, read back from the connection."""
    isolation: dict[str, Any] = field(default_factory=dict)
    stderr: str = ""
    """The tail of the job process's stderr, kept with the record as a log (AUTH-7)."""


@dataclass(frozen=True, slots=True)
class RemovedFile:
    path: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Removal:
    """What ``delete`` removed, and whether the data is verifiably gone."""

    sandbox_id: str
    files: tuple[RemovedFile, ...]
    verified_absent: bool


@dataclass(frozen=True, slots=True)
class StagedOutput:
    """An output as read inside the sandbox: typed columns and plain rows."""

    columns: tuple[tuple[str, str], ...]
    rows: list[tuple[Any, ...]]
    total_rows: int


class AnswerIndex(Protocol):
    """A released verification product's frozen answers (核验), opened read-only."""

    def answer(self, key: str) -> str | None:
        """The answer recorded for ``key``; ``None`` when the key is not there."""
        ...

    def close(self) -> None: ...


class JobExecutor(Protocol):
    """Runs a sandbox's life and its jobs in isolation.

    Transitions (per sandbox): absent —provision→ ready —close→ closed —delete→ deleted.

    - ``provision(plan, token_key)``: materializes exactly the plan's mounts (granted items,
      rows passing the row filter, masked) into a new sandbox. Idempotent: the same plan
      again returns the first result without touching the data; a different plan for the
      same sandbox, or a closed or deleted sandbox, raises ``Conflict``.
    - ``run(sandbox_id, job)``: runs one already-guarded job in a fresh isolated process
      and keeps its result inside as ``job.output_table``. Idempotent by ``job.job_id``:
      a job id seen before returns the recorded execution and never runs twice. In a
      sandbox that is not ready it runs nothing and returns status ``refused``.
    - ``close(sandbox_id)``: refuses new jobs and kills running ones at once; data stays.
      Idempotent; closing an unknown or deleted sandbox does nothing.
    - ``delete(sandbox_id)``: removes every data and output file of a closed sandbox and
      says what was removed. Idempotent: deleting again returns the first removal.
    - ``suspend`` / ``reinstate`` (暂时关闭, AUTH-6): admit nothing and stop running jobs,
      data kept; then ready again as it was. ``suspend`` returns the jobs stopped.
    - ``unmount(sandbox_id, table, columns)`` (CAT-2): remove columns (or the whole table
      when ``None``) from the granted data, after stopping running jobs; returns how many.
    - ``purge_record(sandbox_id)`` (AUTH-7): remove what ``delete`` kept (the isolation
      record and executions) after the retention; says whether anything was there.
    - ``add_source(resource_id, source)``: where a granted resource's real data is read
      from when a production sandbox is mounted.
    - ``parquet_rows(path)``: rows of an uploaded Parquet file, read from its footer by a
      reader that can open only that file; ``DomainError`` (SBX-4) when unreadable.
    - ``load_import(...)`` (SBX-4): load an approved file as a table, in a job process
      under the sandbox's lockdown; idempotent by import id.
    - ``read_output(...)``: read an output of a ready sandbox for export staging (rows,
      the distribution of an answer column, or per unit, EXP-2).
    - ``snapshot_output(...)`` / ``open_answers(path)``: freeze an output's key and answer
      columns for a verification product, and open that snapshot read-only.
    """

    async def provision(self, plan: SandboxPlan, token_key: bytes) -> Provisioned: ...

    async def run(self, sandbox_id: str, job: JobSpec) -> Execution: ...

    async def close(self, sandbox_id: str) -> None: ...

    async def delete(self, sandbox_id: str) -> Removal: ...

    async def suspend(self, sandbox_id: str) -> int: ...

    async def reinstate(self, sandbox_id: str) -> None: ...

    async def unmount(self, sandbox_id: str, table: str, columns: frozenset[str] | None) -> int: ...

    async def purge_record(self, sandbox_id: str) -> bool: ...

    def add_source(self, resource_id: str, source: SourceTable) -> None: ...

    async def parquet_rows(self, path: Path) -> int: ...

    async def load_import(
        self, sandbox_id: str, import_id: str, table: str, file_format: str, source: Path
    ) -> Execution: ...

    async def read_output(
        self,
        sandbox_id: str,
        table: str,
        *,
        answer_column: str = "",
        key_column: str = "",
        max_rows: int = 10_000,
        per_unit: PerUnitRead | None = None,
    ) -> StagedOutput: ...

    async def snapshot_output(
        self, sandbox_id: str, table: str, key_column: str, answer_column: str, product_id: str
    ) -> Path: ...

    def open_answers(self, path: Path) -> AnswerIndex: ...


class JobLog(Protocol):
    """Where every job record goes (SBX-5). Idempotent by ``record.job_id``."""

    async def record(self, record: JobRecord) -> None: ...


class SqlGuard(Protocol):
    """Judges SQL before it runs (``adapters.sql_guard.DuckDBSqlGuard``). Pure: the same
    text always gets the same verdict."""

    def check_job(self, sql: str) -> Verdict: ...

    def check_row_filter(self, expression: str) -> Verdict: ...

    def close(self) -> None: ...
