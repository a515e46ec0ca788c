"""The front door (首页) at ``/``: what this platform is, in Chinese, and where to go.

Links the public pages (信息公开 ``/disclosure/pages/``, 规则 ``/rules/``), each mounted
service's OpenAPI document (``/<service>/schema``) and the AsyncAPI document of the
events (served here at ``/asyncapi.json`` from ``contracts/asyncapi.json``). In embedded
demo mode it also lists the demo accounts (演示账户) and how to get a token; the caller
(``libs.cli``) passes them, and only in that mode. Every value is HTML-escaped; the same
Content-Security-Policy as the rule pages forbids scripts outright.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from litestar import MediaType, Response, get
from litestar.types import ControllerRouterHandler

from contracts import asyncapi
from libs.http.rule_pages import _STYLE, SERVICE_LABELS, _e, _html


@dataclass(frozen=True, slots=True)
class DemoAccounts:
    """The demo accounts shown at ``/`` in embedded demo mode only."""

    password: str
    accounts: Sequence[tuple[str, str, str]]
    """(username, organization, role)."""


def render(
    region: str, services: Sequence[str], demo: DemoAccounts | None, *, console: bool = False
) -> str:
    service_rows = "".join(
        f"<tr><td>{_e(SERVICE_LABELS.get(s, s))}</td>"
        f'<td><a href="/{_e(s)}/schema">/{_e(s)}/schema</a></td></tr>'
        for s in services
    )
    public = []
    if "disclosure" in services:
        public += [
            '<li><a href="/disclosure/pages/">信息公开</a>：已发布的数据产品和服务及其价格、'
            "运营机构遴选与授权、应用场景、年度报告</li>",
        ]
    if "product_release" in services:
        public.append(
            '<li><a href="/product_release/products/list">产品和服务目录（JSON）</a></li>'
        )
    if "billing" in services:
        public.append('<li><a href="/billing/prices">价格公示（JSON）</a></li>')
    public.append('<li><a href="/rules/">平台规则目录</a>：每条规则的政策依据与辖区设置</li>')
    if console:
        public.append('<li><a href="/console/">工作台</a>：各方工作人员登录办理业务</li>')
    parts = [
        "<h1>公共数据资源授权运营平台</h1>",
        f'<p class="muted">本实例区划代码：{_e(region)}</p>',
        "<p>政府部门登记所持有的公共数据资源；数据主管部门（市大数据局）通过公开遴选授权一家"
        "运营机构开展授权运营；数据商按“一场景一申请”提出申请，经数据提供单位和主管部门审核后，"
        "只能在授权运营空间（沙箱）内使用原始数据，只有经过出域审核的结果才能离开；数据产品"
        "在价格上限内明码标价，通过数据交易场所交易，每年接受评估并向社会公开。</p>",
        "<h2>公开信息</h2>",
        f"<ul>{''.join(public)}</ul>",
        "<h2>接口文档</h2>",
        "<table><tr><th>服务</th><th>OpenAPI 文档</th></tr>",
        service_rows,
        "</table>",
        '<p>事件契约（AsyncAPI）：<a href="/asyncapi.json">/asyncapi.json</a></p>',
    ]
    if demo is not None:
        rows = "".join(
            f"<tr><td><code>{_e(u)}</code></td><td>{_e(o)}</td><td>{_e(r)}</td></tr>"
            for u, o, r in demo.accounts
        )
        parts += [
            "<h2>演示账户（仅本地演示模式）</h2>",
            f"<p>所有演示账户的密码：<code>{_e(demo.password)}</code></p>",
            "<p>获取访问令牌：<code>curl -s -X POST http://127.0.0.1:8000/identity/tokens "
            "-H 'Content-Type: application/json' -d '{&quot;grant_type&quot;:&quot;password"
            "&quot;,&quot;username&quot;:&quot;provider.demo&quot;,&quot;password&quot;:&quot;"
            f"{_e(demo.password)}&quot;}}'</code>，或 <code>pdo token --org "
            "org-370300-tax</code>。</p>",
            "<table><tr><th>用户名</th><th>机构</th><th>角色</th></tr>",
            rows,
            "</table>",
        ]
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>公共数据资源授权运营平台</title><style>{_STYLE}</style></head><body>"
        f"{''.join(parts)}</body></html>"
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
