"""One ASGI app serving the built services under ``/<service>/``, plus ``/healthz`` and
the public rule pages (``/rules/``, ``/rules/<id>``, ``/rules.json``: ``libs.http.rule_pages``)
and the Kubernetes probes (``/livez``, ``/readyz``, ``/startupz``: ``libs.http.probes``).

Embedded mode mounts all nine; ``pdo serve <service>`` mounts one, so every path is the
same in both modes (a Kubernetes ingress routes ``/<service>`` to that service's pods).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Litestar, Response, asgi, get
from litestar.types import Receive, Scope, Send

from libs.clock import DemoClock
from libs.http import demo_clock
from libs.http.front_door import DemoAccounts
from libs.http.front_door import routes as front_door_routes
from libs.http.probes import probe_routes
from libs.http.problems import EXCEPTION_HANDLERS
from libs.http.rule_pages import routes as rule_routes
from libs.runtime import Platform
from libs.telemetry import http_plugin, litestar_logging_config


def _mount(name: str, app: Litestar) -> Any:
    @asgi(f"/{name}", is_mount=True, copy_scope=True, opt={"public": True})
    async def mounted(scope: Scope, receive: Receive, send: Send) -> None:
        await app(scope, receive, send)

    return mounted


def gateway(
    platform: Platform,
    *,
    on_startup: list[Callable[[], Awaitable[None]]] | None = None,
    on_shutdown: list[Callable[[], Awaitable[None]]] | None = None,
    console: Litestar | None = None,
    demo_accounts: DemoAccounts | None = None,
) -> Litestar:
    """``console``, when given, is mounted at ``/console`` (the staff console, 工作台).
    ``demo_accounts``: shown on the front door (embedded demo mode only). A platform on a
    ``DemoClock`` (embedded only) also serves ``/demo/clock``."""

    @get("/healthz", opt={"public": True}, summary="Health of every service in this process")
    async def healthz() -> Response[dict[str, Any]]:
        report = await platform.health()
        if report["status"] == "up":
            return Response(report, status_code=200)
        return Response(report, status_code=503)

    mounts = [_mount(name, app) for name, app in platform.apps().items()]
    if console is not None:
        mounts.append(_mount("console", console))
    extra: list[Any] = []
    if isinstance(platform.clock, DemoClock) and platform.secrets is not None:
        extra = demo_clock.routes(platform.clock, platform.secrets, platform.settings.region)
    return Litestar(
        route_handlers=[
            healthz,
            *rule_routes(platform.settings.region),
            *front_door_routes(
                platform.settings.region,
                platform.services,
                demo_accounts,
                console=console is not None,
            ),
            *extra,
            *probe_routes(platform),
            *mounts,
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        on_startup=on_startup or [platform.start],
        on_shutdown=on_shutdown or [platform.stop],
        openapi_config=None,
        logging_config=litestar_logging_config(),
        # One SERVER span per request, here at the edge; mounted apps add none.
        plugins=[http_plugin("pdo" if len(mounts) > 1 else next(iter(platform.apps())))],
    )
