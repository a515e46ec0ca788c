"""``/disclosure/pages``: the public pages (公开页面) — server-rendered HTML in Chinese, no
login and no JavaScript: the product and service list with prices (EXP-5, BIL-5), the
authorizations and approved scenarios (DIS-1) and the annual disclosure report (DIS-2).

The pages are Jinja2 templates (``services/disclosure/templates``) rendered with
autoescape on, so every value from an event reaches the page as text; the pages also
forbid scripts outright with a Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
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


def yuan(fen: int | None) -> str:
    """Integer fen as yuan, e.g. 12345 → ``123.45 元``; exact, no float."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d} 元"


LABELS: dict[str, Mapping[str, str]] = {
    "class": CLASS_LABELS,
    "kind": KIND_LABELS,
    "mode": MODE_LABELS,
    "selection_mode": SELECTION_MODE_LABELS,
    "selection_status": SELECTION_STATUS_LABELS,
    "status": STATUS_LABELS,
    "unit": UNIT_LABELS,
}
"""The Chinese label tables a template names, e.g. ``label("unit", p.unit)``."""


def _label(table: str, key: str) -> str:
    return LABELS[table].get(key, key)


TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
)
"""The public pages' templates (``services/disclosure/templates``). Autoescape is on for
every template, so every value from an event is escaped as text and no caller escapes a
cell by hand; only what a template itself writes (or a macro of it returns) is markup."""
TEMPLATES.globals.update(label=_label, yuan=yuan, style=_STYLE)
TEMPLATES.filters["yuan"] = yuan


def _render(template: str, **values: Any) -> str:
    return TEMPLATES.get_template(template).render(**values)


def render_index(region: str, year: int) -> str:
    years = range(year - 1, max(2024, year - 4) - 1, -1)
    return _render("index.html", title="公共数据资源授权运营信息公开", region=region, years=years)


def render_products(lists: Mapping[str, Any]) -> str:
    return _render("products.html", title="公共数据资源产品和服务清单", lists=lists)


def render_authorizations(lists: Mapping[str, Any]) -> str:
    """DIS-1: the authorization process — tenders, selection results and their publicity —
    then the agreements and the approved scenarios."""
    return _render("authorizations.html", title="公共数据资源授权信息", lists=lists)


def render_annual_report(report: Mapping[str, Any]) -> str:
    """The annual disclosure report (DIS-2) as a page; ``report`` is its JSON."""
    return _render("annual_report.html", title=str(report["title"]), report=report)


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
        lists = await annual_facts.public_listing(ctx)
        return html_response(render_products(lists))

    @get(
        "/authorizations",
        summary="Authorizations and approved scenarios (授权信息)",
        media_type=MediaType.HTML,
    )
    async def authorizations(self, ctx: NamedDependency[ServiceContext]) -> Response[str]:
        lists = await annual_facts.public_listing(ctx)
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
