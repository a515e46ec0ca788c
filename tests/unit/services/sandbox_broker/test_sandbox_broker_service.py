"""The broker's service layer over a fake executor: admission, guard, records (SBX-5)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from libs.clock import FixedClock
from libs.secrets.keyring import LocalKeyring
from services.sandbox_broker.adapters.sql_guard import DuckDBSqlGuard
from services.sandbox_broker.commands.broker import PREVIEW_ROWS, SandboxBroker
from services.sandbox_broker.domain.job import JobStatus
from services.sandbox_broker.domain.plan import Environment, plan_sandbox
from services.sandbox_broker.domain.sandbox import Sandbox, SandboxState
from services.sandbox_broker.ports import Execution
from tests.unit.services.sandbox_broker.factories import (
    NOW,
    SIGNED,
    FakeJobExecutor,
    FakeJobLog,
    caller_factory,
    demo_schemas,
    grant_factory,
)


@pytest.fixture(scope="module")
def guard() -> Iterator[DuckDBSqlGuard]:
    judge = DuckDBSqlGuard()
    yield judge
    judge.close()


def broker_factory(
    guard: DuckDBSqlGuard, tmp_path: Path, *executions: Execution, clock: FixedClock | None = None
) -> tuple[SandboxBroker, FakeJobExecutor, FakeJobLog]:
    executor, log = FakeJobExecutor(*executions), FakeJobLog()
    keyring = LocalKeyring(tmp_path / "keyring.bin", "test-only", scrypt_log2_n=10)
    return SandboxBroker(executor, guard, keyring, clock or FixedClock(NOW), log), executor, log


async def ready(broker: SandboxBroker, environment: Environment) -> Sandbox:
    sandbox, _, _ = await broker.provision(
        plan_sandbox(grant_factory(), demo_schemas(), environment)
    )
    assert sandbox.state is SandboxState.READY
    return sandbox


async def test_SBX_5_a_refused_job_is_recorded_and_never_reaches_the_executor(
    guard: DuckDBSqlGuard, tmp_path: Path
) -> None:
    broker, executor, log = broker_factory(guard, tmp_path)
    sandbox = await ready(broker, Environment.PRODUCTION)
    result = await broker.submit_job(
        sandbox, caller_factory(), "INSTALL httpfs", confidentiality=SIGNED
    )
    assert executor.jobs == []
    assert log.records == {result.record.job_id: result.record}
    record = result.record
    assert (record.status, record.rule, record.submitted_at) == (JobStatus.REFUSED, "SBX-2", NOW)
    assert record.finished_at == NOW and record.duration_ms == 0


async def test_SEC_3_every_job_record_names_the_organization_that_submitted_it(
    guard: DuckDBSqlGuard, tmp_path: Path
) -> None:
    broker, _, log = broker_factory(guard, tmp_path, Execution("x", "blocked", "Permission"))
    sandbox = await ready(broker, Environment.PRODUCTION)
    own = caller_factory(user_id="dev:li")
    stranger = caller_factory(org_id="org-370300-other-dev", user_id="org-370300-other-dev:wang")
    ran = (await broker.submit_job(sandbox, own, "SELECT 1", confidentiality=SIGNED)).record
    refused = (
        await broker.submit_job(sandbox, stranger, "SELECT 1", confidentiality=SIGNED)
    ).record
    assert (ran.status, refused.status) == (JobStatus.BLOCKED, JobStatus.REFUSED)
    assert log.records[ran.job_id].caller == own
    assert log.records[refused.job_id].caller.org_id == "org-370300-other-dev"


@pytest.mark.parametrize(
    ("execution", "status", "rule", "says"),
    [
        (Execution("x", "blocked", "Permission Error: …"), JobStatus.BLOCKED, "SBX-2", "lockdown"),
        (Execution("x", "timed_out", "ran longer"), JobStatus.TIMED_OUT, "SBX-2", "ran longer"),
        (Execution("x", "out_of_memory", "memory"), JobStatus.OUT_OF_MEMORY, "SBX-2", "memory"),
        (Execution("x", "stopped", "closed"), JobStatus.STOPPED, "SBX-7", "closed"),
        (Execution("x", "refused", "sandbox is closed"), JobStatus.REFUSED, "SBX-7", "closed"),
        (
            Execution("x", "failed", 'Binder Error: Referenced column "salary" not found'),
            JobStatus.FAILED,
            "REQ-2",
            "only the granted data items",
        ),
    ],
)
async def test_SBX_5_every_outcome_of_a_run_is_recorded_with_its_reason(
    guard: DuckDBSqlGuard,
    tmp_path: Path,
    execution: Execution,
    status: JobStatus,
    rule: str,
    says: str,
) -> None:
    broker, executor, log = broker_factory(guard, tmp_path, execution)
    sandbox = await ready(broker, Environment.PRODUCTION)
    record = (
        await broker.submit_job(sandbox, caller_factory(), "SELECT 1", confidentiality=SIGNED)
    ).record
    assert (record.status, record.rule) == (status, rule) and says in record.reason
    assert record.output_table == "" and log.records[record.job_id] is record
    (sandbox_id, spec) = executor.jobs[0]
    assert sandbox_id == sandbox.sandbox_id and spec.job_id == record.job_id


async def test_SBX_5_a_query_gets_an_output_table_and_only_development_shows_rows(
    guard: DuckDBSqlGuard, tmp_path: Path
) -> None:
    done = Execution("x", "succeeded", rows_out=1, output_table="", preview=(("1",),))
    broker, executor, _ = broker_factory(guard, tmp_path, done, done)
    dev = await broker.submit_job(
        await ready(broker, Environment.DEVELOPMENT),
        caller_factory(),
        "SELECT 1",
        confidentiality=SIGNED,
    )
    prod = await broker.submit_job(
        await ready(broker, Environment.PRODUCTION),
        caller_factory(),
        "SELECT 1",
        confidentiality=SIGNED,
    )
    (_, dev_spec), (_, prod_spec) = executor.jobs
    assert dev_spec.preview_rows == PREVIEW_ROWS and prod_spec.preview_rows == 0
    assert dev_spec.output_table == f"output_job_{dev.record.job_id[:12]}"
    assert dev.record.status is prod.record.status is JobStatus.SUCCEEDED


async def test_SBX_7_close_and_delete_go_through_the_executor_and_leave_a_record(
    guard: DuckDBSqlGuard, tmp_path: Path
) -> None:
    clock = FixedClock(NOW)
    broker, executor, _ = broker_factory(guard, tmp_path, clock=clock)
    sandbox = await ready(broker, Environment.PRODUCTION)
    clock.advance(timedelta(hours=1))
    deleted, record = await broker.close_and_delete(sandbox, "grant revoked")
    assert executor.closed == [sandbox.sandbox_id] and deleted.state is SandboxState.DELETED
    assert record.deleted_at == NOW + timedelta(hours=1) and record.reason == "grant revoked"
    assert record.files[0].path == "data/granted.duckdb" and record.verified_absent
