"""Wires billing: its HTTP app (health and OpenAPI so far)."""

from __future__ import annotations

from libs.http.app import service_app
from libs.service import ServiceContext, ServiceParts


def build(ctx: ServiceContext) -> ServiceParts:
    app = service_app(
        ctx,
        "billing — 计费与收益分配",
        [],
        description="Price caps, prices, metering, invoices and revenue distribution.",
    )
    return ServiceParts(name="billing", app=app)
