"""Wires sandbox-broker: its HTTP app (health and OpenAPI so far) and its job executor."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from libs.http.app import service_app
from libs.service import ServiceContext, ServiceParts
from services.sandbox_broker.adapters.duckdb_executor import DuckDBJobExecutor, SourceTable


def build(ctx: ServiceContext) -> ServiceParts:
    app = service_app(
        ctx,
        "sandbox-broker — 授权运营空间",
        [],
        description="Sandboxes, masked dataset mounts, jobs and recorded deletion.",
    )
    return ServiceParts(name="sandbox_broker", app=app)


def build_executor(
    data_dir: Path,
    sources: Mapping[str, SourceTable] | None = None,
    *,
    require_isolation: bool = False,
) -> DuckDBJobExecutor:
    """The local job executor, with its sandboxes under ``<data_dir>/sandboxes``.

    ``sources`` maps a catalog resource id to the DuckDB table holding its real data;
    ``require_isolation`` (for production hosts) refuses to start without a network
    namespace and a separate user for job processes."""
    return DuckDBJobExecutor(
        data_dir / "sandboxes", sources=sources, require_isolation=require_isolation
    )
