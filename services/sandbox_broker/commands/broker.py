"""``SandboxBroker``: the steps on a sandbox's data — provision, run a job, close, delete —
over the ``JobExecutor`` port, the SQL guard and the ``JobLog``.

It stores no sandbox: ``SandboxService`` (``commands.sandboxes``) passes a ``Sandbox``
and stores the evolved one it gets back. Every job ends as a ``JobRecord`` handed to
the ``JobLog`` — refused by admission (``domain.admission``: SBX-2, SBX-7, AUTH-6,
REQ-5), refused by the SQL guard (SBX-1, SEC-5), blocked by the lockdown (SBX-2), or run
(SBX-5).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from contracts.confidentiality import Confidentiality
from contracts.errors import DomainError
from libs.clock import Clock
from libs.secrets.port import SecretNotFound, SecretStore
from services.sandbox_broker.domain.admission import Purpose, Refusal, admit
from services.sandbox_broker.domain.deletion import DeletedFile, DeletionRecord, record_deletion
from services.sandbox_broker.domain.job import (
    RULE_OF_STATUS,
    Caller,
    JobRecord,
    JobStatus,
    refused,
    sql_digest,
)
from services.sandbox_broker.domain.masking import grant_token_key
from services.sandbox_broker.domain.plan import Environment, SandboxPlan
from services.sandbox_broker.domain.sandbox import Sandbox, SandboxEvent, SandboxState
from services.sandbox_broker.ports import (
    Execution,
    JobExecutor,
    JobLog,
    JobSpec,
    Provisioned,
    ProvisioningFailed,
    SqlGuard,
)

MASKING_KEY_PATH = "sandbox/masking-key"
PREVIEW_ROWS = 20
"""Rows of a result shown to the developer — in the development sandbox only, whose data
is synthetic; a production result is never shown, it stays inside (可用不可见)."""
_NOT_GRANTED_HINT = " — only the granted data items are mounted in this sandbox (REQ-2)"


@dataclass(frozen=True, slots=True)
class JobResult:
    record: JobRecord
    preview: tuple[tuple[str | None, ...], ...] = ()
    refusal: Refusal | None = None
    """Set when admission refused the job (``domain.admission``); the record says so too."""


def _new_job_id() -> str:
    return uuid.uuid4().hex


class SandboxBroker:
    def __init__(
        self,
        executor: JobExecutor,
        guard: SqlGuard,
        secret_store: SecretStore,
        clock: Clock,
        log: JobLog,
        *,
        new_job_id: Callable[[], str] = _new_job_id,
    ) -> None:
        self.executor = executor
        self.guard = guard
        self.secrets = secret_store
        self.clock = clock
        self.log = log
        self._new_job_id = new_job_id

    async def masking_key(self) -> bytes:
        """The platform's tokenizing key (SBX-3), kept in Secrets and created on first use.
        After writing, the stored key is read back, so concurrent first uses agree."""
        try:
            return bytes.fromhex((await self.secrets.read_secret(MASKING_KEY_PATH))["key"])
        except SecretNotFound:
            await self.secrets.write_secret(MASKING_KEY_PATH, {"key": secrets.token_hex(32)})
            return bytes.fromhex((await self.secrets.read_secret(MASKING_KEY_PATH))["key"])

    async def provision(self, plan: SandboxPlan) -> tuple[Sandbox, Provisioned | None, str]:
        """Mount the plan; returns the sandbox (ready or failed), the mount and why it
        failed. An expired grant, or a row filter the guard refuses, is an error before
        anything is mounted."""
        if self.clock.now() >= plan.valid_until:
            raise DomainError(
                f"the grant of sandbox {plan.sandbox_id} expired at {plan.valid_until.isoformat()}",
                rule="SBX-7",
            )
        for mount in plan.mounts:
            if mount.row_filter:
                verdict = self.guard.check_row_filter(mount.row_filter)
                if not verdict.allowed:
                    raise DomainError(
                        f"{mount.table}: {verdict.reason}", rule=verdict.rule, field="row_filter"
                    )
        sandbox = Sandbox(
            sandbox_id=plan.sandbox_id,
            grant_id=plan.grant_id,
            developer_org_id=plan.developer_org_id,
            environment=plan.environment,
            valid_from=plan.valid_from,
            valid_until=plan.valid_until,
        )
        key = grant_token_key(await self.masking_key(), plan.grant_id)
        try:
            provisioned = await self.executor.provision(plan, key)
        except ProvisioningFailed as exc:
            return sandbox.evolve(SandboxEvent.PROVISIONING_FAILED), None, str(exc)
        return sandbox.evolve(SandboxEvent.PROVISIONED), provisioned, ""

    async def submit_job(
        self, sandbox: Sandbox, caller: Caller, sql: str, *, confidentiality: Confidentiality
    ) -> JobResult:
        """Admit (SEC-4 on the caller's ``confidentiality`` among the rest), guard, run and
        record one job. Never raises for a refused job: the refusal is the record."""
        job_id = self._new_job_id()
        submitted = self.clock.now()
        admission = admit(
            sandbox, caller.org_id, submitted, Purpose.JOB, confidentiality=confidentiality
        )
        verdict = self.guard.check_job(sql)
        refusal = admission
        if refusal is None and not verdict.allowed:
            refusal = Refusal(verdict.reason, verdict.rule)
        if refusal is not None:
            record = refused(
                job_id=job_id,
                sandbox_id=sandbox.sandbox_id,
                grant_id=sandbox.grant_id,
                environment=sandbox.environment.value,
                caller=caller,
                sql=sql,
                at=submitted,
                reason=refusal.reason,
                rule=refusal.rule,
            )
            await self.log.record(record)
            return JobResult(record, refusal=admission)
        spec = JobSpec(
            job_id=job_id,
            query=verdict.query,
            output_table=verdict.output_table or f"output_job_{job_id[:12].lower()}",
            replace=verdict.replace,
            preview_rows=PREVIEW_ROWS if sandbox.environment is Environment.DEVELOPMENT else 0,
        )
        execution = await self.executor.run(sandbox.sandbox_id, spec)
        record = self._record(sandbox, caller, sql, job_id, submitted, execution)
        await self.log.record(record)
        return JobResult(record, execution.preview)

    def _record(
        self,
        sandbox: Sandbox,
        caller: Caller,
        sql: str,
        job_id: str,
        submitted_at: datetime,
        execution: Execution,
    ) -> JobRecord:
        status = JobStatus(execution.status)
        reason = execution.error
        rule = RULE_OF_STATUS.get(status, "")
        if status is JobStatus.REFUSED:
            rule = "SBX-7"
        elif status is JobStatus.BLOCKED:
            reason = f"refused by the sandbox lockdown: {reason}"
        elif status is JobStatus.FAILED and "not found" in reason and "column" in reason.lower():
            reason += _NOT_GRANTED_HINT
            rule = "REQ-2"
        finished = self.clock.now()
        return JobRecord(
            job_id=job_id,
            sandbox_id=sandbox.sandbox_id,
            grant_id=sandbox.grant_id,
            environment=sandbox.environment.value,
            caller=caller,
            sql=sql,
            sql_sha256=sql_digest(sql),
            submitted_at=submitted_at,
            finished_at=finished,
            status=status,
            duration_ms=execution.duration_ms,
            rows_touched=execution.rows_touched,
            rows_out=execution.rows_out,
            output_table=execution.output_table if status is JobStatus.SUCCEEDED else "",
            columns=execution.columns,
            reason=reason,
            rule=rule,
            stderr=execution.stderr,
        )

    async def close(self, sandbox: Sandbox, reason: str) -> Sandbox:
        """Close at once (SBX-7, AUTH-7): no new job is admitted, running ones are killed."""
        await self.executor.close(sandbox.sandbox_id)
        return sandbox.evolve(SandboxEvent.CLOSED, reason=reason)

    async def delete(self, sandbox: Sandbox, reason: str) -> tuple[Sandbox, DeletionRecord]:
        """Delete a closed sandbox's data and record the deletion with its evidence hash."""
        deleted = sandbox.evolve(SandboxEvent.DELETED)
        removal = await self.executor.delete(sandbox.sandbox_id)
        record = record_deletion(
            sandbox_id=sandbox.sandbox_id,
            grant_id=sandbox.grant_id,
            environment=sandbox.environment.value,
            reason=reason,
            deleted_at=self.clock.now(),
            files=tuple(DeletedFile(f.path, f.size, f.sha256) for f in removal.files),
            verified_absent=removal.verified_absent,
        )
        return deleted, record

    async def close_and_delete(
        self, sandbox: Sandbox, reason: str
    ) -> tuple[Sandbox, DeletionRecord]:
        """Exit (AUTH-7): close at once, then delete the data and record the deletion."""
        closed = sandbox
        if sandbox.state not in (SandboxState.CLOSED, SandboxState.DELETED):
            closed = await self.close(sandbox, reason)
        return await self.delete(closed, reason)
