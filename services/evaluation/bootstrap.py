"""Wires evaluation: its HTTP app (health and OpenAPI so far)."""

from __future__ import annotations

from libs.http.app import service_app
from libs.service import ServiceContext, ServiceParts


def build(ctx: ServiceContext) -> ServiceParts:
    app = service_app(
        ctx,
        "evaluation — 运营评估",
        [],
        description="Annual evaluation, provider supply evaluation and rectification orders.",
    )
    return ServiceParts(name="evaluation", app=app)
