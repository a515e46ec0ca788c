"""Events of sandbox-broker: sandboxes (授权运营空间), jobs, metering and deletion."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from contracts.events.base import Event

FiniteFloat = Annotated[float, msgspec.Meta(ge=-1.7976931348623157e308, le=1.7976931348623157e308)]
"""A float JSON can carry: no NaN, no infinity."""
Cell = str | int | FiniteFloat | bool | None
"""A plain value of a staged output cell."""


class SandboxReady(Event, frozen=True, tag="sandbox.ready"):
    sandbox_id: str
    grant_id: str
    developer_org_id: str
    environment: str


class SandboxClosed(Event, frozen=True, tag="sandbox.closed"):
    sandbox_id: str
    grant_id: str
    reason: str


class SandboxSuspended(Event, frozen=True, tag="sandbox.suspended"):
    """Closed for now (暂时关闭, AUTH-6): running jobs were stopped, no job, import or
    verification call is admitted, the data stays until reinstatement or exit."""

    sandbox_id: str
    grant_id: str
    reason: str
    jobs_stopped: int = 0


class SandboxReinstated(Event, frozen=True, tag="sandbox.reinstated"):
    """The suspension ended with the correction accepted: ready again as it was (AUTH-6)."""

    sandbox_id: str
    grant_id: str
    reason: str


class SandboxNarrowed(Event, frozen=True, tag="sandbox.narrowed"):
    """Mounted data was removed from a sandbox because it left the grant (CAT-2: negative
    listing or withdrawal from the operation catalog): ``items`` of ``resource_id`` (all
    of its items when ``whole``), the running jobs stopped, and why."""

    sandbox_id: str
    grant_id: str
    resource_id: str
    items: list[str]
    whole: bool
    reason: str
    jobs_stopped: int = 0


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
    metered_at: datetime | None = None
    """When the use happened (a verification call answered), if it was staged later
    than that (calls are metered in batches): billing's month is that of this instant,
    else the envelope's ``occurred_at``."""


class DataDeleted(Event, frozen=True, tag="data.deleted"):
    sandbox_id: str
    grant_id: str
    deleted_at: datetime
    evidence_hash: str


class StagedColumn(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    type: str


class StagedItem(msgspec.Struct, frozen=True, kw_only=True):
    """A granted data item as mounted, with its grade, for the identifier checks."""

    name: str
    grade: int
    resource_id: str = ""


class ExportStaged(Event, frozen=True, tag="export.staged"):
    """The broker read the requested output inside the sandbox and hands it to the
    disclosure checks (EXP-2). It goes to product-release only; nothing is released
    before the checks pass and a human approves (EXP-1). A verification export is staged
    as the distribution of its answers, never its rows."""

    export_id: str
    sandbox_id: str
    output_name: str
    columns: list[StagedColumn]
    rows: list[list[Cell]]
    row_count: int
    content_sha256: str
    grant_items: list[StagedItem] = []


class ExportUnavailable(Event, frozen=True, tag="export.unavailable"):
    """The requested output cannot be staged (not the requester's sandbox, no such
    output, too large, sandbox closed); the export request fails with this reason."""

    export_id: str
    sandbox_id: str
    reason: str
    rule: str = ""


class ImportRequested(Event, frozen=True, tag="import.requested"):
    """A developer uploaded its own or third-party data for a sandbox (SBX-4)."""

    import_id: str
    sandbox_id: str
    developer_org_id: str
    table: str
    file_format: str
    rows: int
    content_sha256: str


class ImportDecided(Event, frozen=True, tag="import.decided"):
    """The operator approved (the table enters the sandbox) or rejected an import (SBX-4)."""

    import_id: str
    sandbox_id: str
    decision: str
    reviewer_user_id: str
    reason: str = ""
