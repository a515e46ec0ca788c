"""Wires sandbox-broker: its HTTP app (health and OpenAPI so far)."""

from __future__ import annotations

from libs.http.app import service_app
from libs.service import ServiceContext, ServiceParts


def build(ctx: ServiceContext) -> ServiceParts:
    app = service_app(
        ctx,
        "sandbox-broker — 授权运营空间",
        [],
        description="Sandboxes, masked dataset mounts, jobs and recorded deletion.",
    )
    return ServiceParts(name="sandbox_broker", app=app)
