"""The public rule pages (规则说明): ``/rules/``, ``/rules/<id>`` and ``/rules.json``.

Every refusal that names a rule links to its page (``libs.http.problems``). A page says,
in Chinese and without sign-in, what the rule is, which articles of which policy texts it
comes from, the values those texts give to its jurisdiction settings (辖区设置) with this
instance's region highlighted, and which services enforce it. The gateway serves them at
its root, so they answer under ``pdo up`` and under ``pdo serve <service>`` alike. They are
Jinja2 templates (``libs/http/templates``) rendered with autoescape on, so every value
reaches the page as text; a Content-Security-Policy forbids scripts outright.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
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


TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
)
"""The rule pages' and the front door's templates; autoescape on for every template."""
TEMPLATES.globals["style"] = _STYLE


def render_page(template: str, **values: Any) -> str:
    """A page of ``libs/http/templates``, every value escaped by the template engine."""
    return TEMPLATES.get_template(template).render(**values)


def lineage(region: str) -> tuple[str, ...]:
    """The region, its city and its province: the texts that may apply here."""
    return tuple(dict.fromkeys((region, region[:4] + "00", region[:2] + "0000")))


def _region_name(book: Catalogue, region: str) -> str:
    for document in book.documents.values():
        if document.region == region:
            return f"{document.short[:2]}（{region}）"
    return region


def render_rule(book: Catalogue, item: Rule, region: str) -> str:
    """One rule's page; ``region`` is this instance's, whose values are highlighted."""
    here = lineage(region)
    status = STATUS_LABELS[item.status]
    if item.issue is not None:
        status += f"（议题 {item.issue}）"
    return render_page(
        "rule.html",
        title=f"{item.id} {item.title_zh}",
        book=book,
        item=item,
        region=region,
        here=here,
        status=status,
        services=[SERVICE_LABELS.get(s, s) for s in item.services],
        region_name=lambda code: _region_name(book, code),
        applying=lambda setting: next(
            (setting.values[c] for c in here if c in setting.values), None
        ),
    )


def render_index(book: Catalogue, region: str) -> str:
    """Every rule by family, with its title, status and whether it varies by region."""
    return render_page(
        "rules.html", title="平台规则目录", book=book, region=region, status_labels=STATUS_LABELS
    )


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
