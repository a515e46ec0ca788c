"""The console's Litestar app (工作台): sign-in and sessions, each role's home page of what
waits for it, and each role's journeys (``services/console/api/``). Mounted at
``/console/`` by ``pdo up``; ``pdo serve console`` runs it alone.

Safe by construction: Jinja2 autoescapes every value; the Content-Security-Policy allows
no inline script or style (htmx is told not to inject its indicator style); every form
carries the CSRF token (Litestar's double-submit cookie, SameSite=Strict, HttpOnly).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar, Request, Response
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from services.console.api import ROUTES
from services.console.api.sign_in import EXPIRED_ZH, to_login
from services.console.labels import action_zh, rule_zh, service_zh, when, zh
from services.console.navigation import links_for
from services.console.platform_client import PlatformClient
from services.console.runs import Runs
from services.console.session import NoSession
from services.console.web import BASE, provide_platform, provide_who

HERE = Path(__file__).resolve().parent
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    api_base_url: str
    secure_cookies: bool = True
    routes: dict[str, str] | None = None
    """Service name → base URL, where no single gateway serves every ``/<service>/``."""
    csrf_secret: str = ""


def _no_session(request: Request[Any, Any, Any], exc: NoSession) -> Response[Any]:
    if exc.reason == "absent":
        return Redirect(f"{BASE}/login", status_code=303)
    return to_login(exc.reason if exc.reason in EXPIRED_ZH else "expired")


def _security_headers(response: Response[Any]) -> Response[Any]:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def build_console(settings: ConsoleSettings) -> Litestar:
    client = PlatformClient(settings.api_base_url, routes=settings.routes)
    runs = Runs()
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        enable_async=False,
    )
    environment.filters["zh"] = zh
    environment.filters["when"] = when
    environment.filters["service"] = service_zh
    environment.filters["action"] = action_zh
    environment.filters["rule"] = rule_zh
    environment.globals["links_for"] = links_for
    csrf = CSRFConfig(
        secret=settings.csrf_secret or os.urandom(32).hex(),
        cookie_name="pdo_console_csrf",
        cookie_path=BASE,
        cookie_secure=settings.secure_cookies,
        cookie_httponly=True,
        cookie_samesite="strict",
    )
    return Litestar(
        route_handlers=[
            *ROUTES,
            create_static_files_router(
                path="/static", directories=[HERE / "static"], opt={"public": True}
            ),
        ],
        dependencies={
            "who": Provide(provide_who, sync_to_thread=False),
            "platform": Provide(provide_platform, sync_to_thread=False),
        },
        state=State(
            {"platform_client": client, "secure_cookies": settings.secure_cookies, "runs": runs}
        ),
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment)),
        csrf_config=csrf,
        exception_handlers={NoSession: _no_session},
        after_request=_security_headers,
        on_shutdown=[runs.close, client.close],
        openapi_config=None,
    )
