"""The public rule pages (规则说明): ``/rules/``, ``/rules/<id>`` and ``/rules.json``.

Every refusal that names a rule links to its page (``libs.http.problems``). A page says,
in Chinese and without sign-in, what the rule is, which articles of which policy texts it
comes from, the values those texts give to its jurisdiction settings (辖区设置) with this
instance's region highlighted, and which services enforce it. The gateway serves them at
its root, so they answer under ``pdo up`` and under ``pdo serve <service>`` alike. Every
value is HTML-escaped; a Content-Security-Policy forbids scripts outright.
"""

from __future__ import annotations

from html import escape
from typing import Annotated

from litestar import MediaType, Response, get
from litestar.params import PathParameter
from litestar.types import ControllerRouterHandler

from contracts.errors import NotFound
from contracts.rules import Catalogue, Rule, as_json, catalogue, rule

CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'"

STATUS_LABELS = {"enforced": "已在平台中执行", "planned": "计划中"}

SERVICE_LABELS = {
    "identity": "身份与授权（identity）",
    "catalog": "资源目录（catalog）",
    "request_review": "申请审核（request_review）",
    "sandbox_broker": "授权运营空间（sandbox_broker）",
    "product_release": "出域与产品（product_release）",
    "trading_bridge": "交易对接（trading_bridge）",
    "billing": "计费（billing）",
    "evaluation": "评估（evaluation）",
    "disclosure": "信息公开（disclosure）",
}

_STYLE = (
    "body{font-family:'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;"
    "margin:2em auto;max-width:60em;padding:0 1em;color:#222;line-height:1.6}"
    "table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}"
    "th,td{border:1px solid #bbb;padding:.3em .5em;text-align:left;vertical-align:top}"
    "th{background:#f0f0f0}.muted{color:#666}.here{background:#fff3c4;font-weight:bold}"
    "code{background:#f5f5f5;padding:0 .2em}nav a{margin-right:1em}"
)

RuleId = Annotated[str, PathParameter(max_length=16, description="Rule id, e.g. AUTH-3")]


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def lineage(region: str) -> tuple[str, ...]:
    """The region, its city and its province: the texts that may apply here."""
    return tuple(dict.fromkeys((region, region[:4] + "00", region[:2] + "0000")))


def _layout(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>"
        '<nav><a href="/rules/">全部规则</a><a href="/rules.json">规则目录（JSON）</a></nav>'
        f"{body}</body></html>"
    )


def _region_name(book: Catalogue, region: str) -> str:
    for document in book.documents.values():
        if document.region == region:
            return f"{document.short[:2]}（{region}）"
    return region


def render_rule(book: Catalogue, item: Rule, region: str) -> str:
    """One rule's page; ``region`` is this instance's, whose values are highlighted."""
    here = lineage(region)
    sources = "".join(
        f"<li>{_e(book.documents[s.doc].short)} {_e(s.article)}"
        f'<span class="muted">（{_e(book.documents[s.doc].title)}）</span></li>'
        for s in item.sources
    )
    status = STATUS_LABELS[item.status]
    if item.issue is not None:
        status += f"（议题 {item.issue}）"
    services = "、".join(_e(SERVICE_LABELS.get(s, s)) for s in item.services)
    modules = "".join(f"<li><code>{_e(m)}</code></li>" for m in item.modules)
    parts = [
        f"<h1>{_e(item.id)} {_e(item.title_zh)}</h1>",
        f'<p class="muted" lang="en">{_e(item.title_en)}</p>',
        f"<p>{_e(item.statement)}</p>",
        "<h2>依据</h2>",
        f"<ul>{sources}</ul>",
        "<h2>辖区设置</h2>",
        _settings(book, item, here, region),
        "<h2>执行</h2>",
        f"<p>状态：{_e(status)}。执行服务：{services or '—'}。</p>",
        f"<ul>{modules}</ul>" if modules else "",
        f'<p class="muted">本实例区划代码：{_e(region)}。'
        f"规则族：{_e(item.family)} {_e(book.families[item.family])}。</p>",
    ]
    return _layout(f"{item.id} {item.title_zh}", "".join(parts))


def _settings(book: Catalogue, item: Rule, here: tuple[str, ...], region: str) -> str:
    if not item.settings:
        return "<p>本规则不是辖区设置，各地一致适用。</p>"
    blocks: list[str] = []
    for setting in item.settings:
        rows = []
        for code, value in setting.values.items():
            mark = ' class="here"' if code in here else ""
            label = _region_name(book, code) + (" · 本辖区" if code in here else "")
            rows.append(f"<tr{mark}><td>{_e(label)}</td><td>{_e(value)}</td></tr>")
        applies = next((setting.values[c] for c in here if c in setting.values), None)
        note = (
            f"本辖区（{_e(region)}）依据文本：{_e(applies)}"
            if applies is not None
            else f"本辖区（{_e(region)}）的文本未规定，适用平台默认值：{_e(setting.default)}"
        )
        table = (
            "<table><thead><tr><th>地区</th><th>文本规定</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            if rows
            else '<p class="muted">所依据的文本均未给出具体数值。</p>'
        )
        blocks.append(
            f"<h3>{_e(setting.title)} <code>{_e(setting.name)}</code></h3>"
            f"<p>{note}。平台默认值：{_e(setting.default)}。</p>{table}"
        )
    return "".join(blocks)


def render_index(book: Catalogue, region: str) -> str:
    """Every rule by family, with its title, status and whether it varies by region."""
    sections: list[str] = []
    for family, name in book.families.items():
        rows = "".join(
            f'<tr><td><a href="{_e(r.url)}">{_e(r.id)}</a></td><td>{_e(r.title_zh)}</td>'
            f"<td>{'是' if r.settings else '否'}</td><td>{_e(STATUS_LABELS[r.status])}</td></tr>"
            for r in book.rules
            if r.family == family
        )
        sections.append(
            f"<h2>{_e(family)} {_e(name)}</h2><table><thead><tr><th>编号</th><th>规则</th>"
            f"<th>辖区设置</th><th>状态</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    intro = (
        f"<h1>平台规则目录</h1><p>共 {len(book.rules)} 条规则。每次拒绝都写明所依据的规则"
        f"编号，并链接到这里。本实例区划代码：{_e(region)}。</p>"
    )
    return _layout("平台规则目录", intro + "".join(sections))


def _html(page: str) -> Response[str]:
    return Response(
        page,
        media_type=MediaType.HTML,
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
        },
    )


def routes(region: str) -> list[ControllerRouterHandler]:
    """The three public routes, for the gateway of an instance serving ``region``."""

    @get("/rules.json", opt={"public": True}, summary="The rule catalogue (JSON)")
    async def catalogue_json() -> Response[bytes]:
        return Response(as_json(), media_type=MediaType.JSON)

    @get("/rules", opt={"public": True}, summary="All rules (HTML)", media_type=MediaType.HTML)
    async def index() -> Response[str]:
        return _html(render_index(catalogue(), region))

    @get(
        "/rules/{rule_id:str}",
        opt={"public": True},
        summary="One rule (HTML)",
        media_type=MediaType.HTML,
    )
    async def one(rule_id: RuleId) -> Response[str]:
        found = rule(rule_id)
        if found is None:
            raise NotFound(f"no rule {rule_id!r} in the catalogue", field="rule_id")
        return _html(render_rule(catalogue(), found, region))

    return [catalogue_json, index, one]
