"""Builds a service's Litestar app with the shared error handling, limits and OpenAPI."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar import Litestar, get
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Server
from litestar.types import ControllerRouterHandler

from libs.http.problems import EXCEPTION_HANDLERS
from libs.service import ServiceContext
from libs.telemetry import litestar_logging_config

MAX_BODY_BYTES = 1_048_576
"""1 MiB: commands are small; anything larger is refused with 413 before parsing."""


def service_app(
    ctx: ServiceContext,
    title: str,
    handlers: Sequence[ControllerRouterHandler],
    *,
    description: str = "",
) -> Litestar:
    """A Litestar app mounted under ``/<service>`` with health, OpenAPI and problems."""

    @get("/healthz", opt={"public": True}, summary="Health of this service", tags=["health"])
    async def healthz() -> dict[str, Any]:
        await ctx.store.ping()
        return {"service": ctx.name, "status": "up", "region": ctx.region}

    app = Litestar(
        route_handlers=[healthz, *handlers],
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title=title,
            version="1.0.0",
            description=description,
            path="/schema",
            servers=[Server(url=f"/{ctx.name}")],
            render_plugins=[SwaggerRenderPlugin()],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
                }
            ),
            security=[{"bearer": []}],
        ),
        logging_config=litestar_logging_config(),
        debug=False,
    )
    app.state.verifier = ctx.verifier
    app.state.region = ctx.region
    app.state.service = ctx.name
    return app
