"""Wires product-release: its HTTP app (health and OpenAPI so far)."""

from __future__ import annotations

from libs.http.app import service_app
from libs.service import ServiceContext, ServiceParts


def build(ctx: ServiceContext) -> ServiceParts:
    app = service_app(
        ctx,
        "product-release — 出域审核与产品",
        [],
        description="Export review, products and circulation certificates.",
    )
    return ServiceParts(name="product_release", app=app)
