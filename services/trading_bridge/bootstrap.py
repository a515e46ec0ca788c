"""Wires trading-bridge: its HTTP app (health and OpenAPI so far)."""

from __future__ import annotations

from libs.http.app import service_app
from libs.service import ServiceContext, ServiceParts


def build(ctx: ServiceContext) -> ServiceParts:
    app = service_app(
        ctx,
        "trading-bridge — 数据交易对接",
        [],
        description="Listings, orders and settlements with the licensed data exchange.",
    )
    return ServiceParts(name="trading_bridge", app=app)
