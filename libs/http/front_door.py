"""The front door (首页) at ``/``: what this platform is, in Chinese, and where to go.

Links the public pages (信息公开 ``/disclosure/pages/``, 规则 ``/rules/``), each mounted
service's OpenAPI document (``/<service>/schema``) and the AsyncAPI document of the
events (served here at ``/asyncapi.json`` from ``contracts/asyncapi.json``). In embedded
demo mode it also lists the demo accounts (演示账户) and how to get a token; the caller
(``libs.cli``) passes them, and only in that mode. A Jinja2 template
(``libs/http/templates/front_door.html``) with autoescape on, so every value is text; the
same Content-Security-Policy as the rule pages forbids scripts outright.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from litestar import MediaType, Response, get
from litestar.types import ControllerRouterHandler

from contracts import asyncapi
from libs.http.rule_pages import SERVICE_LABELS, _html, render_page


@dataclass(frozen=True, slots=True)
class DemoAccounts:
    """The demo accounts shown at ``/`` in embedded demo mode only."""

    password: str
    accounts: Sequence[tuple[str, str, str]]
    """(username, organization, role)."""


def render(
    region: str, services: Sequence[str], demo: DemoAccounts | None, *, console: bool = False
) -> str:
    token_body = (
        json.dumps(
            {"grant_type": "password", "username": "provider.demo", "password": demo.password},
            separators=(",", ":"),
        )
        if demo is not None
        else ""
    )
    return render_page(
        "front_door.html",
        region=region,
        services=list(services),
        service_labels=SERVICE_LABELS,
        demo=demo,
        console=console,
        token_body=token_body,
    )


def routes(
    region: str,
    services: Sequence[str],
    demo: DemoAccounts | None = None,
    *,
    console: bool = False,
) -> list[ControllerRouterHandler]:
    """``/`` and ``/asyncapi.json``; ``console``: the staff console is mounted."""
    page = render(region, services, demo, console=console)

    @get("/", opt={"public": True}, summary="The front door (首页)", media_type=MediaType.HTML)
    async def front_door() -> Response[str]:
        return _html(page)

    @get("/asyncapi.json", opt={"public": True}, summary="The AsyncAPI document of the events")
    async def asyncapi_document() -> Response[bytes]:
        return Response((asyncapi.HERE / "asyncapi.json").read_bytes(), media_type=MediaType.JSON)

    return [front_door, asyncapi_document]
