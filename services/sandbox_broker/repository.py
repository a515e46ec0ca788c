"""sandbox-broker documents in its own database, and back: resource schemas, sandboxes,
job records, imports, staged exports, verification products and metered usage.

Job records (作业记录, SBX-5) and every other log kind are kept while the operator's
authorization lives and six calendar months after its exit (AUTH-7,
``domain.retention``): each record carries ``retain_until``, empty until the exit sets
it; only ``SandboxService.purge_logs`` deletes them, and only after that instant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.events import DataItem
from libs.responsibility import Declaration, Infrastructure, Responsible
from libs.store.port import Document
from services.sandbox_broker.domain.job import Caller, JobRecord, JobStatus
from services.sandbox_broker.domain.plan import Environment, ResourceSchema, SandboxPlan
from services.sandbox_broker.domain.sandbox import Sandbox, SandboxState

SCHEMAS = "schemas"
SANDBOXES = "sandboxes"
JOBS = "jobs"
IMPORTS = "imports"
EXPORTS = "exports"
PRODUCTS = "verification_products"
USAGE = "usage"
METER_BATCHES = "meter_batches"
"""Metering batches (计量批次) of verification calls: the calls' ``usage.metered`` events
ride in a batch's outbox (``commands.metering``); ``usage`` holds one record per call."""
OUTBOX_COLLECTIONS = (SANDBOXES, JOBS, IMPORTS, USAGE, METER_BATCHES)


# -- resource schemas ------------------------------------------------------------------------


def schema_from_doc(doc: Document) -> ResourceSchema:
    items = tuple(DataItem(**i) for i in doc["items"])
    withheld = frozenset(i.name for i in items) if doc.get("negative_listed") else frozenset()
    return ResourceSchema(
        resource_id=doc["_id"],
        table=doc["table"],
        items=items,
        withheld=withheld | frozenset(doc.get("withheld", [])),
    )


def items_to_doc(items: list[DataItem]) -> list[dict[str, Any]]:
    return [
        {"name": i.name, "type": i.type, "grade": i.grade, "description": i.description}
        for i in items
    ]


# -- sandboxes ---------------------------------------------------------------------------------


def plan_to_doc(plan: SandboxPlan) -> list[dict[str, Any]]:
    return [
        {
            "resource_id": m.resource_id,
            "table": m.table,
            "row_filter": m.row_filter,
            "origin_region": m.origin_region,
            "columns": [
                {
                    "name": c.name,
                    "type": c.column_type,
                    "method": c.method.value,
                    "grade": c.grade,
                }
                for c in m.columns
            ],
        }
        for m in plan.mounts
    ]


def sandbox_from_doc(doc: Document) -> Sandbox:
    return Sandbox(
        sandbox_id=doc["_id"],
        grant_id=doc["grant_id"],
        developer_org_id=doc["developer_org_id"],
        environment=Environment(doc["environment"]),
        valid_from=datetime.fromisoformat(doc["valid_from"]),
        valid_until=datetime.fromisoformat(doc["valid_until"]),
        state=SandboxState(doc["state"]),
        closed_reason=doc.get("closed_reason", ""),
        suspended_reason=doc.get("suspended_reason", ""),
    )


def sandbox_state_to_doc(doc: Document, sandbox: Sandbox) -> Document:
    return {**doc, "state": sandbox.state.value, "closed_reason": sandbox.closed_reason}


# -- job records -------------------------------------------------------------------------------


def job_to_doc(record: JobRecord, *, scenario_id: str, retain_until: str = "") -> Document:
    """``retain_until``: empty while the authorization lives (kept, never purged); set at
    its exit to six calendar months later (AUTH-7)."""
    return {
        "_id": record.job_id,
        "sandbox_id": record.sandbox_id,
        "grant_id": record.grant_id,
        "scenario_id": scenario_id,
        "environment": record.environment,
        "caller": {
            "org_id": record.caller.org_id,
            "user_id": record.caller.user_id,
            "role": record.caller.role,
        },
        "sql": record.sql,
        "sql_sha256": record.sql_sha256,
        "submitted_at": record.submitted_at.isoformat(),
        "finished_at": record.finished_at.isoformat(),
        "status": record.status.value,
        "duration_ms": record.duration_ms,
        "rows_touched": record.rows_touched,
        "rows_out": record.rows_out,
        "output_table": record.output_table,
        # The store keeps no arrays directly inside arrays: columns are objects.
        "columns": [{"name": n, "type": t} for n, t in record.columns],
        "reason": record.reason,
        "rule": record.rule,
        "stderr": record.stderr,
        "retain_until": retain_until,
    }


def job_from_doc(doc: Document) -> JobRecord:
    return JobRecord(
        job_id=doc["_id"],
        sandbox_id=doc["sandbox_id"],
        grant_id=doc["grant_id"],
        environment=doc["environment"],
        caller=Caller(**doc["caller"]),
        sql=doc["sql"],
        sql_sha256=doc["sql_sha256"],
        submitted_at=datetime.fromisoformat(doc["submitted_at"]),
        finished_at=datetime.fromisoformat(doc["finished_at"]),
        status=JobStatus(doc["status"]),
        duration_ms=int(doc["duration_ms"]),
        rows_touched=int(doc["rows_touched"]),
        rows_out=int(doc["rows_out"]),
        output_table=doc["output_table"],
        columns=tuple((str(c["name"]), str(c["type"])) for c in doc["columns"]),
        reason=doc["reason"],
        rule=doc["rule"],
        stderr=str(doc.get("stderr", "")),
    )


RESPONSIBLE_ORGANIZATION: dict[str, Declaration] = {
    SCHEMAS: Responsible("provider_org_id"),
    SANDBOXES: Responsible("developer_org_id"),
    JOBS: Responsible("caller.org_id"),
    IMPORTS: Responsible("developer_org_id"),
    EXPORTS: Responsible("developer_org_id"),
    PRODUCTS: Responsible("developer_org_id"),
    USAGE: Responsible("customer_org_id"),
    METER_BATCHES: Infrastructure(
        "batches of verification calls staged as usage.metered; each call's record in "
        "usage names its customer"
    ),
}
"""SEC-3 (谁采集/持有/使用/运营谁负责): per collection this service stores, the field naming
the organization responsible for each record, or why it holds none (``libs.responsibility``;
the shared runtime's collections are declared there)."""
