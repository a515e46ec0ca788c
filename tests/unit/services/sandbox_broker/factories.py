"""Factories and fakes for sandbox-broker tests: ``*_factory(**overrides)`` builders, the
demo schemas as the broker knows them, ``FakeJobLog`` and ``FakeJobExecutor``."""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from contracts.confidentiality import Confidentiality
from contracts.events import DataItem, GrantedResource, GrantIssued
from services.sandbox_broker.adapters.demo_data import DEMO_TABLES
from services.sandbox_broker.domain.job import Caller, JobRecord
from services.sandbox_broker.domain.plan import Environment, ResourceSchema, SandboxPlan
from services.sandbox_broker.domain.sandbox import Sandbox, SandboxState
from services.sandbox_broker.ports import Execution, JobSpec, Provisioned, Removal, RemovedFile

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
DEVELOPER = "org-370300-dev-finance"
OTHER_DEVELOPER = "org-370300-dev-other"
SIGNED = Confidentiality(
    user_id=f"{DEVELOPER}:alice", person=True, until=(NOW + timedelta(days=365)).date()
)
"""A person whose confidentiality agreement (保密协议) runs well past ``NOW`` (SEC-4)."""


def sandbox_factory(**overrides: Any) -> Sandbox:
    """A ready production sandbox of ``DEVELOPER``, its grant valid around ``NOW``."""
    base = Sandbox(
        sandbox_id="sbx-pro-g1",
        grant_id="g1",
        developer_org_id=DEVELOPER,
        environment=Environment.PRODUCTION,
        valid_from=NOW - timedelta(days=1),
        valid_until=NOW + timedelta(days=30),
        state=SandboxState.READY,
    )
    return replace(base, **overrides)


def resource_id(table: str) -> str:
    return f"res-{table.replace('_', '-')}"


def demo_schemas() -> dict[str, ResourceSchema]:
    return {
        resource_id(table): ResourceSchema(resource_id(table), table, items)
        for table, items in DEMO_TABLES.items()
    }


def granted_factory(table: str = "market_registration", **overrides: Any) -> GrantedResource:
    fields: dict[str, Any] = {
        "resource_id": resource_id(table),
        "items": [item.name for item in DEMO_TABLES[table]],
    }
    fields.update(overrides)
    return GrantedResource(**fields)


def grant_factory(**overrides: Any) -> GrantIssued:
    fields: dict[str, Any] = {
        "grant_id": "g-credit-1",
        "application_id": "app-1",
        "scenario_id": "scn-credit",
        "developer_org_id": DEVELOPER,
        "purpose": "普惠金融信用评估",
        "resources": [granted_factory()],
        "valid_from": NOW,
        "valid_until": NOW + timedelta(days=365),
    }
    fields.update(overrides)
    return GrantIssued(**fields)


def item_factory(**overrides: Any) -> DataItem:
    fields: dict[str, Any] = {"name": "value", "type": "string", "grade": 1, "description": ""}
    fields.update(overrides)
    return DataItem(**fields)


def caller_factory(**overrides: Any) -> Caller:
    fields: dict[str, Any] = {
        "org_id": DEVELOPER,
        "user_id": f"{DEVELOPER}:alice",
        "role": "developer",
    }
    fields.update(overrides)
    return Caller(**fields)


class FakeJobLog:
    """Keeps every job record in memory, once per job id."""

    def __init__(self) -> None:
        self.records: dict[str, JobRecord] = {}

    async def record(self, record: JobRecord) -> None:
        self.records.setdefault(record.job_id, record)


def sandbox_root() -> Path:
    """A directory every sandbox user can traverse (pytest's own tmp is root-only), for
    the executor's root. The caller removes it."""
    path = Path(tempfile.mkdtemp(prefix="pdo-sandboxes-", dir="/tmp"))
    os.chmod(path, 0o711)
    return path


class FakeJobExecutor:
    """A ``JobExecutor`` that runs nothing: every job gets the next prepared execution."""

    def __init__(self, *executions: Execution) -> None:
        self.executions = list(executions)
        self.jobs: list[tuple[str, JobSpec]] = []
        self.closed: list[str] = []

    async def provision(self, plan: SandboxPlan, token_key: bytes) -> Provisioned:
        return Provisioned(plan.sandbox_id, plan.digest(), {}, "", 0.0)

    async def run(self, sandbox_id: str, job: JobSpec) -> Execution:
        self.jobs.append((sandbox_id, job))
        return replace(self.executions.pop(0), job_id=job.job_id)

    async def close(self, sandbox_id: str) -> None:
        self.closed.append(sandbox_id)

    async def delete(self, sandbox_id: str) -> Removal:
        return Removal(sandbox_id, (RemovedFile("data/granted.duckdb", 1, "a" * 64),), True)
