"""The console's Litestar app (工作台): sign-in and sessions, each role's home page of what
waits for it, the catalog, applications with their review, sandboxes that update in
place. Mounted at ``/console/`` by ``pdo up``; ``pdo serve console`` runs it alone.

Safe by construction: Jinja2 autoescapes every value; the Content-Security-Policy allows
no inline script or style (htmx is told not to inject its indicator style); every form
carries the CSRF token (Litestar's double-submit cookie, SameSite=Strict, HttpOnly).
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar, Request, Response, get, post
from litestar.config.csrf import CSRFConfig
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from contracts.topics import SERVICES
from services.console import session as sessions
from services.console.platform_client import Answer, PlatformClient
from services.console.queues import QUEUES
from services.console.refusals import Refusal, refusal
from services.console.session import COOKIE, NoSession, Session

HERE = Path(__file__).resolve().parent
BASE = "/console"
HTMX = "htmx-2.0.10.min.js"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]

EXPIRED_ZH = {
    "expired": "会话已过期，请重新登录。",
    "rejected": "会话已失效，请重新登录。",
    "signed_out": "您已安全退出。",
}


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    api_base_url: str
    secure_cookies: bool = True
    routes: dict[str, str] | None = None
    """Service name → base URL, where no single gateway serves every ``/<service>/``."""
    csrf_secret: str = ""


def _address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def _session(request: Request[Any, Any, Any]) -> Session:
    return sessions.read(request.cookies.get(COOKIE), datetime.now(UTC))


def _to_login(reason: str) -> Redirect:
    response = Redirect(f"{BASE}/login?reason={quote(reason)}", status_code=303)
    response.delete_cookie(COOKIE, path=BASE)
    return response


def _no_session(request: Request[Any, Any, Any], exc: NoSession) -> Response[Any]:
    reason = exc.reason if exc.reason in EXPIRED_ZH else "expired"
    if exc.reason == "absent":
        response = Redirect(f"{BASE}/login", status_code=303)
        return response
    return _to_login(reason)


def _security_headers(response: Response[Any]) -> Response[Any]:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def build_console(settings: ConsoleSettings) -> Litestar:
    client = PlatformClient(settings.api_base_url, routes=settings.routes)

    async def api(
        request: Request[Any, Any, Any],
        who: Session,
        method: str,
        path: str,
        *,
        json: Any = None,
    ) -> Answer:
        answer = await client.call(
            method, path, token=who.token, address=_address(request), json=json
        )
        if answer.status == 401:
            raise NoSession("rejected")
        return answer

    def page(name: str, who: Session | None, status: int = 200, **context: Any) -> Template:
        return Template(
            name,
            context={"who": who, "base": BASE, "htmx": HTMX, **context},
            status_code=status,
        )

    @get("/login", opt={"public": True})
    async def login_form(reason: FromQuery[str | None] = None) -> Template:
        return page("login.html", None, notice=EXPIRED_ZH.get(reason or ""), form={}, refused=None)

    @post("/login", status_code=303, opt={"public": True})
    async def login(request: Request[Any, Any, Any], data: Form) -> Response[Any] | Template:
        username = data.get("username", "").strip()
        grant: dict[str, Any] = {
            "grant_type": "password",
            "username": username,
            "password": data.get("password", ""),
        }
        if data.get("role"):
            grant["role"] = data["role"]
        answer = await client.call(
            "POST", "/identity/tokens", address=_address(request), json=grant
        )
        if not answer.ok:
            refused = refusal(
                answer.status, answer.body, retry_after=answer.headers.get("retry-after")
            )
            if answer.status == 401:
                refused = Refusal(refused.summary, {"password": refused.summary})
            return page(
                "login.html",
                None,
                status=answer.status if answer.status != 401 else 400,
                notice=None,
                form={"username": username},
                refused=refused,
            )
        token = str(answer.body["access_token"])
        response = Redirect(f"{BASE}/", status_code=303)
        response.set_cookie(
            COOKIE,
            token,
            path=BASE,
            max_age=int(answer.body["expires_in"]),
            httponly=True,
            samesite="strict",
            secure=settings.secure_cookies and request.url.hostname not in LOOPBACK,
        )
        return response

    @post("/logout", status_code=303)
    async def logout() -> Redirect:
        return _to_login("signed_out")

    @get("/")
    async def home(request: Request[Any, Any, Any]) -> Template:
        who = _session(request)
        queues = QUEUES.get(who.role, ())
        answers = await asyncio.gather(
            *(api(request, who, "GET", q.path.format(org_id=who.org_id)) for q in queues)
        )
        boxes = []
        for queue, answer in zip(queues, answers, strict=True):
            items: list[dict[str, Any]] = []
            problem: Refusal | None = None
            if answer.ok:
                body = answer.body
                items = body["items"] if isinstance(body, dict) else list(body or [])
            else:
                problem = refusal(answer.status, answer.body)
            boxes.append({"queue": queue, "rows": items[:20], "refused": problem})
        return page("home.html", who, boxes=boxes)

    @get("/resources")
    async def resources(request: Request[Any, Any, Any], q: FromQuery[str] = "") -> Template:
        who = _session(request)
        path = "/catalog/resources/?limit=50" + (f"&q={quote(q)}" if q else "")
        answer = await api(request, who, "GET", path)
        items = answer.body["items"] if answer.ok else []
        refused = None if answer.ok else refusal(answer.status, answer.body)
        return page("resources.html", who, items=items, q=q, refused=refused)

    @get("/applications/{application_id:str}")
    async def application(
        request: Request[Any, Any, Any], application_id: FromPath[str]
    ) -> Template:
        who = _session(request)
        answer = await api(
            request, who, "GET", f"/request_review/applications/{quote(application_id)}"
        )
        refused = None if answer.ok else refusal(answer.status, answer.body)
        return page(
            "application.html",
            who,
            application=answer.body if answer.ok else None,
            application_id=application_id,
            refused=refused,
            form={},
        )

    @post("/applications/{application_id:str}/reviews", status_code=303)
    async def review(
        request: Request[Any, Any, Any], application_id: FromPath[str], data: Form
    ) -> Response[Any] | Template:
        who = _session(request)
        body = {"decision": data.get("decision", ""), "opinion": data.get("opinion", "")}
        path = f"/request_review/applications/{quote(application_id)}"
        answer = await api(request, who, "POST", path + "/reviews", json=body)
        if answer.ok:
            return Redirect(f"{BASE}/applications/{quote(application_id)}", status_code=303)
        current = await api(request, who, "GET", path)
        return page(
            "application.html",
            who,
            status=answer.status,
            application=current.body if current.ok else None,
            application_id=application_id,
            form=data,
            refused=refusal(answer.status, answer.body),
        )

    @get("/operations")
    async def operations(
        request: Request[Any, Any, Any],
        user_id: FromQuery[str] = "",
        since: FromQuery[str] = "",
        until: FromQuery[str] = "",
    ) -> Template:
        """SEC-4: one person's data operations across the nine services' audit chains."""
        who = _session(request)
        rows: list[dict[str, Any]] = []
        refused: Refusal | None = None
        if user_id:
            query = "?" + urlencode(
                {k: v for k, v in (("user_id", user_id), ("since", since), ("until", until)) if v}
            )
            answers = await asyncio.gather(
                *(api(request, who, "GET", f"/{name}/audit/operations{query}") for name in SERVICES)
            )
            for answer in answers:
                if answer.ok:
                    rows.extend(answer.body)
                elif refused is None:
                    refused = refusal(answer.status, answer.body)
            rows.sort(key=lambda r: (r["at"], r["service"], r["seq"]))
        form = {"user_id": user_id, "since": since, "until": until}
        return page("operations.html", who, rows=rows, form=form, refused=refused)

    @get("/sandboxes")
    async def sandboxes(request: Request[Any, Any, Any]) -> Template:
        who = _session(request)
        answer = await api(request, who, "GET", "/sandbox_broker/sandboxes")
        items = answer.body if answer.ok else []
        return page(
            "sandboxes.html",
            who,
            items=items,
            refused=None if answer.ok else refusal(answer.status, answer.body),
        )

    @get("/sandboxes/rows")
    async def sandbox_rows(request: Request[Any, Any, Any]) -> Template:
        """The rows alone, polled by htmx every two seconds while a sandbox is provisioning."""
        who = _session(request)
        answer = await api(request, who, "GET", "/sandbox_broker/sandboxes")
        return page("sandbox_rows.html", who, items=answer.body if answer.ok else [])

    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        enable_async=False,
    )
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
            login_form,
            login,
            logout,
            home,
            resources,
            application,
            review,
            sandboxes,
            sandbox_rows,
            operations,
            create_static_files_router(
                path="/static", directories=[HERE / "static"], opt={"public": True}
            ),
        ],
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment)),
        csrf_config=csrf,
        exception_handlers={NoSession: _no_session},
        after_request=_security_headers,
        on_shutdown=[client.close],
        openapi_config=None,
    )
