"""Events of sandbox-broker: sandboxes (授权运营空间), jobs, metering and deletion."""

from __future__ import annotations

from datetime import datetime

from contracts.events.base import Event


class SandboxReady(Event, frozen=True, tag="sandbox.ready"):
    sandbox_id: str
    grant_id: str
    developer_org_id: str
    environment: str


class SandboxClosed(Event, frozen=True, tag="sandbox.closed"):
    sandbox_id: str
    grant_id: str
    reason: str


class JobFinished(Event, frozen=True, tag="job.finished"):
    job_id: str
    sandbox_id: str
    status: str
    rows_touched: int
    duration_ms: int
    output_name: str = ""


class UsageMetered(Event, frozen=True, tag="usage.metered"):
    usage_id: str
    customer_org_id: str
    unit: str
    quantity: int
    product_id: str = ""
    scenario_id: str = ""


class DataDeleted(Event, frozen=True, tag="data.deleted"):
    sandbox_id: str
    grant_id: str
    deleted_at: datetime
    evidence_hash: str
