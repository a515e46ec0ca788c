"""``/disclosure/pages``: the public pages (公开页面) — server-rendered HTML in Chinese, no
login and no JavaScript: the product and service list with prices (EXP-5, BIL-5), the
authorizations and approved scenarios (DIS-1) and the annual disclosure report (DIS-2).

Every value from an event passes through ``html.escape`` before it reaches the page
(``_e``); the pages also forbid scripts outright with a Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Annotated, Any

from litestar import Controller, MediaType, Response, get
from litestar.di import NamedDependency
from litestar.params import PathParameter

from libs.service import ServiceContext
from services.disclosure.commands import annual_facts
from services.disclosure.domain.annual_report import (
    CLASS_LABELS,
    KIND_LABELS,
    MODE_LABELS,
    SELECTION_MODE_LABELS,
    SELECTION_STATUS_LABELS,
    STATUS_LABELS,
    UNIT_LABELS,
    local_day,
    public_lists,
)

CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'"
"""No script, frame, form target or outside resource can run on a public page."""

Year = Annotated[int, PathParameter(ge=2000, le=2999, description="Reporting year (报告年度)")]

_STYLE = (
    "body{font-family:'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;"
    "margin:2em auto;max-width:72em;padding:0 1em;color:#222;line-height:1.6}"
    "table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}"
    "th,td{border:1px solid #bbb;padding:.3em .5em;text-align:left;vertical-align:top}"
    "th{background:#f0f0f0}nav a{margin-right:1em}.muted{color:#666}"
)


def _e(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return escape("" if value is None else str(value), quote=True)


def yuan(fen: int | None) -> str:
    """Integer fen as yuan, e.g. 12345 → ``123.45 元``; exact, no float."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d} 元"


def _label(labels: Mapping[str, str], key: str) -> str:
    return labels.get(key, key)


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, empty: str) -> str:
    """A table of already escaped cells, or a note when there are no rows."""
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    if not body:
        return f'<p class="muted">{_e(empty)}</p>'
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def layout(title: str, body: str) -> str:
    """A whole page around ``body`` (already escaped HTML)."""
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>"
        '<nav><a href="/disclosure/pages/">信息公开首页</a>'
        '<a href="/disclosure/pages/products">产品和服务清单</a>'
        '<a href="/disclosure/pages/authorizations">授权信息</a></nav>'
        f"<h1>{_e(title)}</h1>{body}</body></html>"
    )


def render_index(region: str, year: int) -> str:
    years = range(year - 1, max(2024, year - 4) - 1, -1)
    reports = "".join(
        f'<li><a href="/disclosure/pages/annual-report/{y}">{y}年度信息披露报告</a></li>'
        for y in years
    )
    body = (
        f"<p>区划代码 {_e(region)} 公共数据资源授权运营信息公开（无需登录）。</p><ul>"
        '<li><a href="/disclosure/pages/products">产品和服务清单及收费标准</a></li>'
        '<li><a href="/disclosure/pages/authorizations">授权运营协议与应用场景</a></li>'
        f"{reports}"
        '<li><a href="/disclosure/records/">公开记录（JSON）</a></li>'
        '<li><a href="/disclosure/log/tree-head">透明日志签名树头（JSON）</a></li>'
        "</ul>"
    )
    return layout("公共数据资源授权运营信息公开", body)


def _price_text(price: Mapping[str, Any]) -> str:
    text = f"{_e(_label(UNIT_LABELS, price['unit']))} {_e(yuan(price['unit_price_fen']))}"
    for tier in price.get("tiers", []):
        text += f"<br>自第 {_e(tier['from_quantity'])} 单位起 {_e(yuan(tier['unit_price_fen']))}"
    if price.get("key_scenario_discount_percent"):
        text += f"<br>重点支持场景优惠 {_e(price['key_scenario_discount_percent'])}%"
    return text


def render_products(lists: Mapping[str, Any]) -> str:
    rows = [
        (
            _e(p["name"]),
            _e(_label(KIND_LABELS, p["kind"])),
            _e(p["registration_code"]),
            _e(p["released_on"]),
            "<br>".join(_price_text(price) for price in p["prices"]) or "未标价",
            "<br>".join(_e(yuan(price["cap_fen"])) for price in p["prices"]) or "—",
        )
        for p in lists["products"]
    ]
    body = f'<p class="muted">截至 {_e(lists["as_of"])}（明码标价，以本页为准）</p>' + _table(
        ("产品或服务", "类型", "登记编号", "发布日期", "收费标准", "上限收费标准"),
        rows,
        empty="暂无已发布的产品和服务。",
    )
    return layout("公共数据资源产品和服务清单", body)


def _selection_result(s: Mapping[str, Any]) -> str:
    if s["status"] == "publicized":
        return (
            f"{_e(s['operator_name'] or s['operator_org_id'])}<br>"
            f"公示日期 {_e(s['publicized_on'])}，公示期至 {_e(s['publicity_ends_at'])}"
        )
    if s["status"] == "annulled":
        return (
            f"{_e(s['operator_name'] or s['operator_org_id'])}<br>"
            f"{_e(s['annulled_on'])} 撤销：{_e(s['annul_reason'])}"
        )
    return "—"


def render_authorizations(lists: Mapping[str, Any]) -> str:
    """DIS-1: the authorization process — tenders, selection results and their publicity —
    then the agreements and the approved scenarios."""
    selections = [
        (
            _e(s["title"]),
            _e(_label(SELECTION_MODE_LABELS, s["selection_mode"])),
            _e(_label(MODE_LABELS, s["mode"]) + (f"（{s['domain']}）" if s["domain"] else "")),
            _e(s["tendered_on"]),
            _e(_label(SELECTION_STATUS_LABELS, s["status"])),
            _selection_result(s),
        )
        for s in lists["selections"]
    ]
    agreements = [
        (
            _e(a["operator_name"] or a["operator_org_id"]),
            _e(_label(MODE_LABELS, a["mode"]) + (f"（{a['domain']}）" if a["domain"] else "")),
            _e("、".join(a["scope"]) or "运营目录内全部资源"),
            f"{_e(a['starts_on'])} 至 {_e(a['ends_on'])}",
            _e(a["signed_on"]),
            _e(_label(STATUS_LABELS, a["status"])),
        )
        for a in lists["authorizations"]
    ]
    scenarios = [
        (
            _e(s["name"]),
            _e(s["domain"]),
            _e(_label(CLASS_LABELS, s["scenario_class"])),
            _e(s["operator_name"]),
            _e(s["approved_on"]),
        )
        for s in lists["scenarios"]
    ]
    body = (
        f'<p class="muted">截至 {_e(lists["as_of"])}</p>'
        "<h2>运营机构遴选（招标公告、遴选结果及公示）</h2>"
        + _table(
            ("遴选公告", "遴选方式", "授权方式", "公告日期", "状态", "遴选结果及公示"),
            selections,
            empty="暂无运营机构遴选。",
        )
        + "<h2>授权运营协议</h2>"
        + _table(
            ("运营机构", "授权方式", "授权范围", "授权期限", "签订日期", "状态"),
            agreements,
            empty="暂无授权运营协议。",
        )
        + "<h2>已批准的应用场景</h2>"
        + _table(
            ("场景名称", "领域", "性质", "运营机构", "批准日期"),
            scenarios,
            empty="暂无已批准的应用场景。",
        )
    )
    return layout("公共数据资源授权信息", body)


def _org_block(info: Mapping[str, Any], fallback: str) -> str:
    return (
        "<table><tbody>"
        f"<tr><th>名称</th><td>{_e(info['name'] or info['org_id'] or fallback)}</td></tr>"
        f"<tr><th>统一社会信用代码</th><td>{_e(info['credit_code'] or '—')}</td></tr>"
        f"<tr><th>区划代码</th><td>{_e(info['region'] or '—')}</td></tr>"
        f"<tr><th>联系方式</th><td>{_e(info['contact'] or '—')}</td></tr>"
        "</tbody></table>"
    )


def render_annual_report(report: Mapping[str, Any]) -> str:
    """The annual disclosure report (DIS-2) as a page; ``report`` is its JSON."""
    parts = [
        "<p>"
        f"依据：{_e(report['notice'])}<br>"
        f"报告期：{_e(report['period']['from'])} 至 {_e(report['period']['to'])}；"
        f"区划代码：{_e(report['region'])}<br>"
        f"披露截止日期：{_e(report['due_on'])}；"
        f"生成时间：{_e(report['generated_at'])}"
        + ("；<strong>逾期披露</strong>" if report["late"] else "")
        + ("；<strong>年度尚未结束，内容为临时版本</strong>" if report["provisional"] else "")
        + f'<br><span class="muted">内容哈希（SHA-256）：{_e(report["content_hash"])}</span>'
        "</p>",
        "<h2>一、实施机构披露信息</h2>",
    ]
    if not report["implementing_agencies"]:
        parts.append('<p class="muted">暂无实施机构信息。</p>')
    for section in report["implementing_agencies"]:
        parts += [
            f"<h3>实施机构：{_e(section['agency']['name'] or section['agency']['org_id'])}</h3>",
            "<h4>（一）实施机构信息</h4>",
            _org_block(section["agency"], "实施机构"),
            "<h4>（二）公共数据资源授权信息</h4>",
            _table(
                ("运营机构", "授权方式", "授权范围", "授权期限", "签订日期", "年末状态"),
                (
                    (
                        _e(a["operator_name"] or a["operator_org_id"]),
                        _e(
                            _label(MODE_LABELS, a["mode"])
                            + (f"（{a['domain']}）" if a["domain"] else "")
                        ),
                        _e("、".join(a["scope_names"]) or "运营目录内全部资源"),
                        f"{_e(a['starts_on'])} 至 {_e(a['ends_on'])}",
                        _e(a["signed_on"]),
                        _e(_label(STATUS_LABELS, a["status"])),
                    )
                    for a in section["authorizations"]
                ),
                empty="本年度无授权。",
            ),
            "<h4>（三）公共数据运营服务费上限收费标准</h4>",
            _table(
                ("产品或服务", "计费单位", "上限收费标准", "制定日期"),
                (
                    (
                        _e(c["product_name"] or c["product_id"]),
                        _e(_label(UNIT_LABELS, c["unit"])),
                        _e(yuan(c["cap_fen"])),
                        _e(c["set_on"]),
                    )
                    for c in section["fee_caps"]
                ),
                empty="本年度无上限收费标准。",
            ),
            "<p><strong>运营机构最高准许收入</strong></p>",
            _table(
                ("运营机构", "年度", "最高准许收入", "核定日期"),
                (
                    (
                        _e(m["operator_name"] or m["operator_org_id"]),
                        _e(m["year"]),
                        _e(yuan(m["max_revenue_fen"])),
                        _e(m["set_on"]),
                    )
                    for m in section["max_allowed_revenue"]
                ),
                empty="本年度未核定最高准许收入。",
            ),
        ]
    parts.append("<h2>二、运营机构披露信息</h2>")
    if not report["operators"]:
        parts.append('<p class="muted">暂无运营机构信息。</p>')
    for section in report["operators"]:
        info = section["operator"]
        parts += [
            f"<h3>运营机构：{_e(info['name'] or info['org_id'] or '（未能确定运营机构）')}</h3>",
            "<h4>（一）运营机构信息</h4>",
            _org_block(info, "（未能确定运营机构）"),
            "<h4>（二）已获授权的公共数据资源信息</h4>",
            _table(
                ("资源名称", "登记编号", "数据提供单位", "纳入运营目录日期", "年末状态"),
                (
                    (
                        _e(r["name"] or r["resource_id"]),
                        _e(r["registration_code"]),
                        _e(r["provider_name"] or r["provider_org_id"]),
                        _e(r["published_on"]),
                        _e(_label(STATUS_LABELS, r["status"])),
                    )
                    for r in section["authorized_resources"]
                ),
                empty="无。",
            ),
            "<h4>（三）公共数据资源产品和服务清单</h4>",
            _table(
                ("产品或服务", "类型", "登记编号", "应用场景", "发布日期", "年末状态"),
                (
                    (
                        _e(p["name"]),
                        _e(_label(KIND_LABELS, p["kind"])),
                        _e(p["registration_code"]),
                        _e(p["scenario_name"] or "—"),
                        _e(p["released_on"]),
                        _e(_label(STATUS_LABELS, p["status"])),
                    )
                    for p in section["products"]
                ),
                empty="无。",
            ),
            "<h4>（四）公共数据资源产品和服务具体收费标准</h4>",
            _table(
                ("产品或服务", "收费标准", "公布日期"),
                (
                    (
                        _e(p["product_name"] or p["product_id"]),
                        _price_text(p),
                        _e(p["listed_on"]),
                    )
                    for p in section["prices"]
                ),
                empty="无。",
            ),
        ]
    return layout(str(report["title"]), "".join(parts))


def html_response(page: str) -> Response[str]:
    return Response(
        page,
        media_type=MediaType.HTML,
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
        },
    )


class PublicPages(Controller):
    path = "/pages"
    tags = ["public"]
    opt = {"public": True}
    security = []

    @get("/", summary="Public pages: index (信息公开首页)", media_type=MediaType.HTML)
    async def index(self, ctx: NamedDependency[ServiceContext]) -> Response[str]:
        return html_response(render_index(ctx.region, local_day(ctx.clock.now()).year))

    @get(
        "/products",
        summary="Product and service list with prices (产品和服务清单)",
        media_type=MediaType.HTML,
    )
    async def products(self, ctx: NamedDependency[ServiceContext]) -> Response[str]:
        lists = public_lists(
            await annual_facts.all_facts(ctx.store), region=ctx.region, at=ctx.clock.now()
        )
        return html_response(render_products(lists))

    @get(
        "/authorizations",
        summary="Authorizations and approved scenarios (授权信息)",
        media_type=MediaType.HTML,
    )
    async def authorizations(self, ctx: NamedDependency[ServiceContext]) -> Response[str]:
        lists = public_lists(
            await annual_facts.all_facts(ctx.store), region=ctx.region, at=ctx.clock.now()
        )
        return html_response(render_authorizations(lists))

    @get(
        "/annual-report/{year:int}",
        summary="Annual disclosure report as a page (年度信息披露报告)",
        media_type=MediaType.HTML,
    )
    async def annual_report(
        self, ctx: NamedDependency[ServiceContext], year: Year
    ) -> Response[str]:
        report = await annual_facts.annual_report(ctx, year)
        return html_response(render_annual_report(report.to_json()))
