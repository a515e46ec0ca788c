"""Wires catalog: its HTTP app and the collections whose outbox the relay drains."""

from __future__ import annotations

from libs.http.app import service_app
from libs.service import ServiceContext, ServiceParts
from services.catalog.api.resources import controller
from services.catalog.repository import RESOURCES


def build(ctx: ServiceContext) -> ServiceParts:
    app = service_app(
        ctx,
        "catalog — 资源目录",
        [controller(ctx)],
        description="Resource catalog, classification and grading, registration (登记).",
    )
    return ServiceParts(name="catalog", app=app, outbox_collections=(RESOURCES,))
