"""Builds a service's Litestar app with the shared error handling, limits and OpenAPI."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from litestar import Litestar, get
from litestar.di import Provide
from litestar.exceptions import TooManyRequestsException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Server
from litestar.types import ControllerRouterHandler

from libs.http.bodies import StrictRequest
from libs.http.calls import CALL, PRINCIPAL
from libs.http.openapi import document_edges, document_problems
from libs.http.operations import route as operations_route
from libs.http.paging import PAGING
from libs.http.parameters import edge_checks
from libs.http.problems import EXCEPTION_HANDLERS
from libs.http.rate_limit import (
    UNLIMITED_PATHS,
    on_rate_limited,
    per_minute_from_env,
    rate_limit_config,
)
from libs.http.refusals import refusal_recorder
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
    rate_limit_per_minute: int | None = None,
) -> Litestar:
    """A Litestar app mounted under ``/<service>`` with health, OpenAPI, problems and
    per-client rate limits.

    ``rate_limit_per_minute``: requests per minute per client (``0``: unlimited); by
    default ``PDO_RATE_LIMIT_PER_MINUTE``, read once here (see ``libs.http.rate_limit``).
    """
    per_minute = per_minute_from_env() if rate_limit_per_minute is None else rate_limit_per_minute
    throttle = rate_limit_config(per_minute)

    @get("/healthz", opt={"public": True}, summary="Health of this service", tags=["health"])
    async def healthz() -> dict[str, Any]:
        await ctx.store.ping()
        return {"service": ctx.name, "status": "up", "region": ctx.region}

    built: list[Litestar] = []
    app = Litestar(
        route_handlers=[healthz, operations_route(ctx), *handlers],
        dependencies={
            **PAGING,
            **PRINCIPAL,
            **CALL,
            "ctx": Provide(_provider(ctx), sync_to_thread=False),
        },
        before_request=edge_checks(built),
        exception_handlers={**EXCEPTION_HANDLERS, TooManyRequestsException: on_rate_limited},
        after_exception=[refusal_recorder(ctx)],
        middleware=[throttle.middleware] if throttle else [],
        request_max_body_size=MAX_BODY_BYTES,
        request_class=StrictRequest,
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
    built.append(app)
    document_problems(app, unlimited_paths=UNLIMITED_PATHS if throttle else None)
    document_edges(app)
    app.state.verifier = ctx.verifier
    app.state.region = ctx.region
    app.state.service = ctx.name
    app.state.context = ctx
    return app


def _provider(ctx: ServiceContext) -> Callable[[], ServiceContext]:
    """The app-wide ``ctx`` dependency: module-level controllers take the service context
    as ``ctx: NamedDependency[ServiceContext]`` instead of closing over it."""

    def provide_ctx() -> ServiceContext:
        return ctx

    return provide_ctx
