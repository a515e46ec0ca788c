"""Sign-in and sign-out (登录/退出): password sign-in through identity, the token kept in an
HttpOnly, SameSite=Strict cookie (Secure outside loopback)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from services.console.platform_client import PlatformClient
from services.console.refusals import Refusal, refusal
from services.console.session import COOKIE
from services.console.web import BASE, Form, address, page

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
EXPIRED_ZH = {
    "expired": "会话已过期，请重新登录。",
    "rejected": "会话已失效，请重新登录。",
    "signed_out": "您已安全退出。",
}


def to_login(reason: str) -> Redirect:
    response = Redirect(f"{BASE}/login?reason={quote(reason)}", status_code=303)
    response.delete_cookie(COOKIE, path=BASE)
    return response


@get("/login", opt={"public": True})
async def login_form(reason: FromQuery[str | None] = None) -> Template:
    return page("login.html", None, notice=EXPIRED_ZH.get(reason or ""), form={}, refused=None)


@post("/login", status_code=303, opt={"public": True})
async def login(request: Request[Any, Any, Any], data: Form) -> Response[Any] | Template:
    client: PlatformClient = request.app.state.platform_client
    username = data.get("username", "").strip()
    grant: dict[str, Any] = {
        "grant_type": "password",
        "username": username,
        "password": data.get("password", ""),
    }
    if data.get("role"):
        grant["role"] = data["role"]
    answer = await client.call("POST", "/identity/tokens", address=address(request), json=grant)
    if not answer.ok:
        refused = refusal(answer.status, answer.body, retry_after=answer.headers.get("retry-after"))
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
    response = Redirect(f"{BASE}/", status_code=303)
    response.set_cookie(
        COOKIE,
        str(answer.body["access_token"]),
        path=BASE,
        max_age=int(answer.body["expires_in"]),
        httponly=True,
        samesite="strict",
        secure=request.app.state.secure_cookies and request.url.hostname not in LOOPBACK,
    )
    return response


@post("/logout", status_code=303)
async def logout() -> Redirect:
    return to_login("signed_out")


ROUTES = [login_form, login, logout]
