"""Request bodies and response views of sandbox-broker's HTTP API (msgspec, checked at
the edge)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from libs.http.views import converted
from services.sandbox_broker.domain.job import JobRecord
from services.sandbox_broker.repository import job_from_doc

Sql = Annotated[str, msgspec.Meta(min_length=1, max_length=100_000)]
Key = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Reason = Annotated[str, msgspec.Meta(max_length=2000)]


class JobBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    sql: Sql


class DecisionBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    approve: bool
    reason: Reason = ""


class VerificationBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    key: Key


class MountedColumnView(msgspec.Struct, frozen=True, kw_only=True):
    table: str
    name: str
    type: str
    method: str
    grade: int


class SandboxView(msgspec.Struct, frozen=True, kw_only=True):
    sandbox_id: str
    grant_id: str
    developer_org_id: str
    operator_org_id: str
    scenario_id: str
    environment: str
    state: str
    valid_from: str
    valid_until: str
    plan_digest: str
    tables: dict[str, int]
    columns: list[MountedColumnView]
    origin_regions: dict[str, str] = {}
    """FED-2: each table's region of origin (its resource's catalog region; 回流: the
    province's), where the grant recorded one."""
    closed_reason: str = ""
    failure_reason: str = ""
    failure_rule: str = ""
    deletion_evidence_hash: str = ""
    suspended_reason: str = ""
    """Why the sandbox is closed for now (暂时关闭, AUTH-6)."""
    narrowings: list[str] = []
    """What was removed from its mounted data after provisioning, and why (CAT-2)."""
    exit_at: str = ""
    """When the operator's authorization ended (AUTH-7); empty while it lives."""
    retain_logs_until: str = ""
    """Until when every log of the sandbox is kept: six calendar months after the exit."""
    logs_purged_at: str = ""


class JobView(msgspec.Struct, frozen=True, kw_only=True):
    job_id: str
    sandbox_id: str
    grant_id: str
    environment: str
    caller_org_id: str
    caller_user_id: str
    sql: str
    sql_sha256: str
    submitted_at: str
    finished_at: str
    status: str
    duration_ms: int
    rows_touched: int
    rows_out: int
    output_table: str
    columns: list[list[str]]
    reason: str
    rule: str
    preview: list[list[str | None]] = []
    """The first rows of the result — development sandbox only (synthetic data)."""


class OutputView(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    columns: list[list[str]]
    rows: int
    job_id: str
    written_at: str


class ImportView(msgspec.Struct, frozen=True, kw_only=True):
    import_id: str
    sandbox_id: str
    developer_org_id: str
    table: str
    file_format: str
    size: int
    rows: int
    columns: list[str]
    content_sha256: str
    state: str
    reason: str
    reviewer_user_id: str
    requested_at: str
    decided_at: str


class VerificationAnswer(msgspec.Struct, frozen=True, kw_only=True):
    product_id: str
    answer: str


class SweepView(msgspec.Struct, frozen=True, kw_only=True):
    closed: list[str]


class PurgeView(msgspec.Struct, frozen=True, kw_only=True):
    """What a purge of a sandbox's logs removed after their retention (AUTH-7)."""

    sandbox_id: str
    removed: dict[str, int]


def sandbox_view(doc: dict[str, Any]) -> SandboxView:
    """The sandbox as answered, converted from its document by msgspec; given by hand only
    the id, the mounted columns and their regions of origin (flattened from the mounts)
    and the deletion's evidence hash."""
    return converted(
        doc,
        SandboxView,
        sandbox_id=doc["_id"],
        columns=[
            MountedColumnView(
                table=m["table"],
                name=c["name"],
                type=c["type"],
                method=c["method"],
                grade=c["grade"],
            )
            for m in doc.get("mounts", [])
            for c in m["columns"]
        ],
        origin_regions={
            m["table"]: m["origin_region"] for m in doc.get("mounts", []) if m.get("origin_region")
        },
        deletion_evidence_hash=(doc.get("deletion") or {}).get("evidence_hash", ""),
    )


def job_view(record: JobRecord, preview: tuple[tuple[str | None, ...], ...] = ()) -> JobView:
    """The job record as answered (SBX-5), converted by msgspec; the caller flattened, the
    instants as ISO text, and the preview (development sandboxes only)."""
    return converted(
        record,
        JobView,
        caller_org_id=record.caller.org_id,
        caller_user_id=record.caller.user_id,
        submitted_at=record.submitted_at.isoformat(),
        finished_at=record.finished_at.isoformat(),
        status=record.status.value,
        preview=preview,
    )


def job_doc_view(doc: dict[str, Any]) -> JobView:
    return job_view(job_from_doc(doc))


def import_view(doc: dict[str, Any]) -> ImportView:
    """The import request as answered, converted from its document by msgspec; given by
    hand only the id and the size and row count as numbers."""
    return converted(
        doc, ImportView, import_id=doc["_id"], size=int(doc["size"]), rows=int(doc["rows"])
    )


def output_view(doc: dict[str, Any]) -> OutputView:
    """An output kept inside, from the job record that wrote it: every field is named
    otherwise there (names, columns and row count; never contents)."""
    return converted(
        doc,
        OutputView,
        name=doc["output_table"],
        columns=[[c["name"], c["type"]] for c in doc["columns"]],
        rows=int(doc["rows_out"]),
        job_id=doc["_id"],
        written_at=doc["finished_at"],
    )
