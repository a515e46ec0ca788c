"""Wires identity: its HTTP app (health and OpenAPI so far)."""

from __future__ import annotations

from libs.http.app import service_app
from libs.service import ServiceContext, ServiceParts


def build(ctx: ServiceContext) -> ServiceParts:
    app = service_app(ctx, "identity — 身份与授权", [], description="Organizations, users, tokens, operator authorization agreements and developer admission.")
    return ServiceParts(name="identity", app=app)
