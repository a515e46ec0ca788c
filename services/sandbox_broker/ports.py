"""Ports of sandbox-broker: the job executor (作业执行器) and where job records go.

The executor is the one place untrusted SQL runs. Its one adapter is
``adapters.duckdb_executor.DuckDBJobExecutor`` (a DuckDB file per sandbox, one locked-down
OS process per job, in its own network namespace and as its own user); in Kubernetes it
runs inside the broker's pod, whose privileges and egress policy the chart sets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from services.sandbox_broker.domain.job import JobRecord
from services.sandbox_broker.domain.plan import SandboxPlan


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
    """

    async def provision(self, plan: SandboxPlan, token_key: bytes) -> Provisioned: ...

    async def run(self, sandbox_id: str, job: JobSpec) -> Execution: ...

    async def close(self, sandbox_id: str) -> None: ...

    async def delete(self, sandbox_id: str) -> Removal: ...


class JobLog(Protocol):
    """Where every job record goes (SBX-5). Idempotent by ``record.job_id``."""

    async def record(self, record: JobRecord) -> None: ...
