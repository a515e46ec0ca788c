"""Wires sandbox-broker: the source map (and the demo source in demo mode), the adapters
(DuckDB job executor, SQL guard, job log on the store), the service layer (``commands/``),
its HTTP app, its event handlers (``handlers/``) and the expiry sweep.

Configuration (environment): ``PDO_SANDBOX_SOURCES`` — JSON file mapping
``"<provider_org_id>/<resource name>"`` to ``{"path", "table"}`` of the real data;
``PDO_SANDBOX_ROOT`` — where sandboxes live (default ``<data_dir>/sandboxes``; every
directory above it must be traversable by the sandbox users when running as root);
``PDO_DEMO_ROWS`` — scale of the generated demo source (demo mode only).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from pathlib import Path

from libs.http.app import service_app
from libs.service import ServiceContext, ServiceParts
from services.sandbox_broker.adapters.duckdb_executor import DuckDBJobExecutor
from services.sandbox_broker.adapters.isolation import IsolationError
from services.sandbox_broker.adapters.job_log import StoreJobLog
from services.sandbox_broker.adapters.sources import (
    ROOT_ENV,
    demo_scale,
    demo_source_map,
    ensure_demo_source,
    load_source_map,
)
from services.sandbox_broker.adapters.sql_guard import DuckDBSqlGuard
from services.sandbox_broker.api import router
from services.sandbox_broker.commands import ExportStager, Imports, SandboxService, Verifications
from services.sandbox_broker.commands.expiry_sweep import expiry_sweeper
from services.sandbox_broker.commands.provisioning import (
    ProvisioningWorker,
    concurrency_from_env,
)
from services.sandbox_broker.handlers import handlers
from services.sandbox_broker.ports import SourceTable
from services.sandbox_broker.repository import OUTBOX_COLLECTIONS

log = logging.getLogger(__name__)


def build(ctx: ServiceContext) -> ServiceParts:
    source_map = load_source_map()
    demo_path = ctx.data_dir / "demo-source" / "zibo-demo.duckdb"
    if ctx.demo:
        source_map = {**demo_source_map(demo_path), **source_map}
    root = Path(os.environ.get(ROOT_ENV) or ctx.data_dir / "sandboxes")
    executor: DuckDBJobExecutor | None = None
    problem = ""
    try:
        # Distributed mode fails closed: without a network namespace and a user of its
        # own for every job process there is no executor, and every provisioning and
        # job is refused with the reason (SBX-2). Embedded mode (a laptop, a pilot) may
        # fall back to DuckDB-level network blocking and says so in every report.
        executor = build_executor(root, require_isolation=ctx.distributed)
    except (IsolationError, OSError) as exc:
        # The service still serves its records; provisioning and jobs answer why not.
        problem = str(exc)
        log.error("sandbox executor unavailable", extra={"reason": problem})
    service = SandboxService(
        ctx,
        executor,
        DuckDBSqlGuard(),
        StoreJobLog(ctx),
        source_map=source_map,
        executor_problem=problem,
    )
    stager = ExportStager(service)
    verifier = Verifications(service)
    imports = Imports(service)
    sweeper = expiry_sweeper(service)
    # A few grants' sandboxes at a time, in the background: a new grant never waits
    # behind the demo year's backlog (PDO_SANDBOX_PROVISION_CONCURRENCY).
    worker = ProvisioningWorker(service, concurrency=concurrency_from_env())

    async def prepare_sources() -> None:
        if ctx.demo:
            await ensure_demo_source(demo_path.parent, demo_scale())
        service.sources_ready.set()

    async def start() -> None:
        if ctx.demo:
            # Generating a million rows takes a while: provisioning of production
            # sandboxes waits for it, nothing else does.
            service.background = asyncio.create_task(prepare_sources(), name="demo-source")
        else:
            service.sources_ready.set()
        await worker.resume()
        await sweeper.start()
        await verifier.meter.start()

    async def stop() -> None:
        await verifier.meter.stop()
        await sweeper.stop()
        await worker.stop()
        if service.background is not None:
            service.background.cancel()
        verifier.close()

    app = service_app(
        ctx,
        "sandbox-broker — 授权运营空间",
        [router(service, imports, verifier)],
        description=(
            "Sandboxes (授权运营空间) with masked dataset mounts, guarded and recorded jobs, "
            "own-data imports, export staging, verification calls (核验), closing and "
            "recorded deletion, suspension and reinstatement. Logs are kept while the "
            "operator's authorization lives and six calendar months after its exit."
        ),
    )
    return ServiceParts(
        name="sandbox_broker",
        app=app,
        handlers=handlers(service, stager, verifier, worker),
        outbox_collections=OUTBOX_COLLECTIONS,
        on_start=(start,),
        on_stop=(stop,),
    )


def build_executor(
    root: Path,
    sources: Mapping[str, SourceTable] | None = None,
    *,
    require_isolation: bool = False,
) -> DuckDBJobExecutor:
    """The local job executor with its sandboxes under ``root``.

    ``sources`` maps a catalog resource id to the DuckDB table holding its real data;
    ``require_isolation`` (for production hosts) refuses to start without a network
    namespace and a separate user for job processes."""
    return DuckDBJobExecutor(root, sources=sources, require_isolation=require_isolation)
