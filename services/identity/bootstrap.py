"""Wires identity: its HTTP app (health, OpenAPI and the JWKS of token keys so far)."""

from __future__ import annotations

from libs.http.app import service_app
from libs.service import ServiceContext, ServiceParts
from services.identity.api.jwks import route as jwks_route


def build(ctx: ServiceContext) -> ServiceParts:
    app = service_app(
        ctx,
        "identity — 身份与授权",
        [jwks_route(ctx)],
        description="Organizations, users, tokens, operator authorization agreements and "
        "developer admission.",
    )
    return ServiceParts(name="identity", app=app)
