"""Job records (作业记录, SBX-5): every job, run or refused, leaves one.

A record names the job's text and its digest, the caller, the sandbox and grant, when it
was submitted and finished, how long it ran, the rows it read and wrote, the output
table its result stays in, and — when it did not succeed — the reason and the rule. The
service stores the record and appends it to the audit log; it never holds data values.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from contracts.events import JobFinished


class JobStatus(StrEnum):
    REFUSED = "refused"  # refused before running: guard, admission (SBX-1, SBX-2, SBX-7)
    BLOCKED = "blocked"  # refused while running by the DuckDB lockdown (SBX-2)
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # the SQL itself failed (e.g. a column that is not granted)
    TIMED_OUT = "timed_out"
    OUT_OF_MEMORY = "out_of_memory"
    STOPPED = "stopped"  # the sandbox was closed while the job ran (SBX-7)


RULE_OF_STATUS: dict[JobStatus, str] = {
    JobStatus.BLOCKED: "SBX-2",
    JobStatus.TIMED_OUT: "SBX-2",
    JobStatus.OUT_OF_MEMORY: "SBX-2",
    JobStatus.STOPPED: "SBX-7",
}


@dataclass(frozen=True, slots=True)
class Caller:
    """Who submitted a job (SEC-3: every record names the responsible organization)."""

    org_id: str
    user_id: str
    role: str


@dataclass(frozen=True, slots=True)
class JobRecord:
    job_id: str
    sandbox_id: str
    grant_id: str
    environment: str
    caller: Caller
    sql: str
    sql_sha256: str
    submitted_at: datetime
    finished_at: datetime
    status: JobStatus
    duration_ms: int = 0
    rows_touched: int = 0
    """Rows read from the sandbox's tables (DuckDB's count of rows scanned)."""
    rows_out: int = 0
    output_table: str = ""
    columns: tuple[tuple[str, str], ...] = ()
    reason: str = ""
    rule: str = ""
    stderr: str = ""
    """The tail of the job process's stderr, kept as a log (AUTH-7), never shown."""

    def audit_detail(self) -> dict[str, Any]:
        """What the audit log keeps of the job (no data values)."""
        return {
            "job_id": self.job_id,
            "sandbox_id": self.sandbox_id,
            "grant_id": self.grant_id,
            "environment": self.environment,
            "sql": self.sql,
            "sql_sha256": self.sql_sha256,
            "status": self.status.value,
            "duration_ms": self.duration_ms,
            "rows_touched": self.rows_touched,
            "rows_out": self.rows_out,
            "output_table": self.output_table,
            "reason": self.reason,
            "rule": self.rule,
        }

    def finished_event(self) -> JobFinished:
        return JobFinished(
            job_id=self.job_id,
            sandbox_id=self.sandbox_id,
            status=self.status.value,
            rows_touched=self.rows_touched,
            duration_ms=self.duration_ms,
            output_name=self.output_table,
        )


def sql_digest(sql: str) -> str:
    return hashlib.sha256(sql.encode()).hexdigest()


def refused(
    *,
    job_id: str,
    sandbox_id: str,
    grant_id: str,
    environment: str,
    caller: Caller,
    sql: str,
    at: datetime,
    reason: str,
    rule: str,
) -> JobRecord:
    """A job refused before it ran."""
    return JobRecord(
        job_id=job_id,
        sandbox_id=sandbox_id,
        grant_id=grant_id,
        environment=environment,
        caller=caller,
        sql=sql,
        sql_sha256=sql_digest(sql),
        submitted_at=at,
        finished_at=at,
        status=JobStatus.REFUSED,
        reason=reason,
        rule=rule,
    )
