"""Wires request-review: its HTTP app (health and OpenAPI so far)."""

from __future__ import annotations

from libs.http.app import service_app
from libs.service import ServiceContext, ServiceParts


def build(ctx: ServiceContext) -> ServiceParts:
    app = service_app(
        ctx,
        "request-review — 场景申请与审核",
        [],
        description="Scenarios, applications, reviews, grants and appeals.",
    )
    return ServiceParts(name="request_review", app=app)
