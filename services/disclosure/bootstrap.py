"""Wires disclosure: the public HTTP app and its handlers of catalog events."""

from __future__ import annotations

from functools import partial

from libs.http.app import service_app
from libs.service import ServiceContext, ServiceParts
from services.disclosure.api.resources import controller
from services.disclosure.handlers.on_catalog_resources import (
    on_resource_changed,
    on_resource_registered,
    on_resource_withdrawn,
)


def build(ctx: ServiceContext) -> ServiceParts:
    app = service_app(
        ctx,
        "disclosure — 信息公开",
        [controller(ctx)],
        description="Public disclosure records, annual report and transparency log.",
    )
    return ServiceParts(
        name="disclosure",
        app=app,
        handlers={
            "resource.registered": partial(on_resource_registered, ctx),
            "resource.changed": partial(on_resource_changed, ctx),
            "resource.withdrawn": partial(on_resource_withdrawn, ctx),
        },
    )
