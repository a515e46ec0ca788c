"""The operator's journeys (运营机构): its application scenarios (应用场景备案), approval of
developers' own-data imports (自有数据导入审批, SBX-4), prices and tiers under the bureau's
caps (价格与阶梯，不超过限价, BIL-2: refused on the preview step, before submit, with the cap
shown) and the annual report (年度报告, EVA-1). Every write is the public API's; the
console adds only the price preview, which checks the same published cap billing does."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from services.console.labels import zh
from services.console.pricing import UNITS_ZH, check_under_cap, read_draft, yuan
from services.console.refusals import Refusal
from services.console.session import Session
from services.console.web import BASE, Form, Platform, page, refused_by

SCENARIOS = "/request_review/scenarios"
IMPORTS = "/sandbox_broker/imports"
REPORTS = "/evaluation/annual-reports"
STATEMENTS = (
    ("authorized_storage", "授权数据存储情况"),
    ("development_and_use", "开发利用情况"),
    ("market_operation", "市场化运营情况"),
    ("security_and_compliance", "安全与合规情况"),
)

FIGURES_ZH = {
    "year": "年度",
    "agreement_signed": "已签订授权运营协议",
    "agreement_terminated": "协议已终止",
    "suspensions": "暂停次数",
    "scenarios_total": "应用场景总数",
    "scenarios_in_year": "本年新增应用场景",
    "products_total": "数据产品总数",
    "products_in_year": "本年新增数据产品",
    "applications_approved": "批准的数据使用申请",
    "usage_quantity": "数据使用量",
    "jobs_finished": "完成的作业",
    "revenue_fen": "收入",
    "trades": "交易笔数",
    "incidents": "安全事件",
    "orders_issued": "整改通知",
    "orders_overdue": "逾期整改",
    "orders_open": "未完成整改",
    "orders_completed": "已完成整改",
}
"""The annual report's platform figures (平台运营数据) by their Chinese names."""


def figure_value(value: object, name: str = "") -> str:
    """A figure as a bureau official reads it: yes/no in Chinese, counts with thousands
    separators, money (kept in fen, 分) in yuan (``37,000.00 元``), a count by kind under
    each kind's Chinese name (安全事件 by severity: ``一般 1``); the year as a year."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return "，".join(f"{zh(k)} {v}" for k, v in value.items()) or "0"
    if isinstance(value, int) and name.endswith("_fen"):
        return (
            f"{value // 100:,}.{value % 100:02d} 元"
            if value >= 0
            else f"-{figure_value(-value, name)}"
        )
    if isinstance(value, int) and name != "year":
        return f"{value:,}"
    return str(value)


# -- scenarios (应用场景, REQ-1) -----------------------------------------------------------


async def _scenarios_page(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    form: dict[str, str],
    refused: Refusal | None,
    status: int,
) -> Template:
    items, listing_refused = await platform.items(
        f"{SCENARIOS}/?operator_org_id={quote(who.org_id)}"
    )
    return page(
        "operator/scenarios.html",
        who,
        status=status,
        items=items,
        form=form,
        refused=refused or listing_refused,
    )


@get("/operator/scenarios")
async def scenarios(who: NamedDependency[Session], platform: NamedDependency[Platform]) -> Template:
    return await _scenarios_page(who, platform, {}, None, 200)


@post("/operator/scenarios", status_code=303)
async def file_scenario(
    who: NamedDependency[Session], platform: NamedDependency[Platform], data: Form
) -> Response[Any] | Template:
    """REQ-1: the operator files a scenario with the bureau."""
    body = {
        k: data.get(k, "").strip()
        for k in ("name", "domain", "purpose", "expected_value", "scenario_class")
    }
    answer = await platform.post(SCENARIOS, body)
    if answer.ok:
        return Redirect(f"{BASE}/operator/scenarios", status_code=303)
    return await _scenarios_page(who, platform, data, refused_by(answer), answer.status)


# -- own-data imports (自有数据导入, SBX-4) ------------------------------------------------


async def _imports_page(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    refused: Refusal | None,
    status: int,
    decided: str = "",
) -> Template:
    items, listing_refused = await platform.items(IMPORTS)
    items.sort(key=lambda i: (i.get("state") != "pending", i.get("requested_at", "")))
    return page(
        "operator/imports.html",
        who,
        status=status,
        items=items,
        refused=refused or listing_refused,
        decided=decided,
    )


@get("/operator/imports")
async def imports(who: NamedDependency[Session], platform: NamedDependency[Platform]) -> Template:
    return await _imports_page(who, platform, None, 200)


@post("/operator/imports/{import_id:str}/decision", status_code=303)
async def decide_import(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    import_id: FromPath[str],
    data: Form,
) -> Response[Any] | Template:
    """SBX-4: the operator approves (the table is loaded) or rejects with a reason."""
    body = {"approve": data.get("decision") == "approve", "reason": data.get("reason", "").strip()}
    answer = await platform.post(f"{IMPORTS}/{quote(import_id)}/decision", body)
    if answer.ok:
        return Redirect(f"{BASE}/operator/imports", status_code=303)
    return await _imports_page(who, platform, refused_by(answer), answer.status, import_id)


# -- prices and tiers under the caps (价格与阶梯, BIL-2, BIL-5) ---------------------------


async def _prices_page(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    *,
    form: dict[str, str],
    status: int = 200,
    draft: Any = None,
    refused: Refusal | None = None,
    listed: dict[str, Any] | None = None,
) -> Template:
    prices, caps = await asyncio.gather(
        platform.get("/billing/prices"), platform.get("/billing/caps")
    )
    return page(
        "operator/prices.html",
        who,
        status=status,
        prices=prices.body if prices.ok else [],
        caps=caps.body if caps.ok else [],
        units=UNITS_ZH,
        yuan=yuan,
        form=form,
        draft=draft,
        refused=refused or refused_by(prices) or refused_by(caps),
        listed=listed,
    )


@get("/operator/prices")
async def prices(who: NamedDependency[Session], platform: NamedDependency[Platform]) -> Template:
    return await _prices_page(who, platform, form={})


@post("/operator/prices/preview", status_code=200)
async def preview_price(
    who: NamedDependency[Session], platform: NamedDependency[Platform], data: Form
) -> Template:
    """BIL-2 before submit: the typed price and tiers against the published cap; over it,
    the form comes back with the cap and the rule next to the field, and no submit."""
    caps = await platform.get("/billing/caps")
    draft = read_draft(data)
    if caps.ok:
        draft = check_under_cap(draft, list(caps.body or []))
    return await _prices_page(
        who, platform, form=data, draft=draft, status=422 if draft.errors else 200
    )


@post("/operator/prices", status_code=200)
async def list_price(
    who: NamedDependency[Session], platform: NamedDependency[Platform], data: Form
) -> Template:
    """The previewed price submitted to billing (BIL-5); billing checks BIL-2 again and
    its refusal, if any, is shown next to the field it names."""
    caps = await platform.get("/billing/caps")
    draft = read_draft(data)
    if caps.ok:
        draft = check_under_cap(draft, list(caps.body or []))
    if draft.errors:
        return await _prices_page(who, platform, form=data, draft=draft, status=422)
    answer = await platform.post("/billing/prices", draft.body())
    if not answer.ok:
        return await _prices_page(
            who, platform, form=data, draft=draft, status=answer.status, refused=refused_by(answer)
        )
    return await _prices_page(who, platform, form={}, listed=answer.body)


# -- the annual report (年度报告, EVA-1) ---------------------------------------------------


@get("/operator/annual-report")
async def annual_report_form(who: NamedDependency[Session]) -> Template:
    year = datetime.now(UTC).year - 1
    return page(
        "operator/annual_report.html",
        who,
        statements=STATEMENTS,
        form={"year": str(year)},
        refused=None,
    )


@post("/operator/annual-report", status_code=303)
async def file_annual_report(
    who: NamedDependency[Session], platform: NamedDependency[Platform], data: Form
) -> Response[Any] | Template:
    """EVA-1: the operator's own statements; the platform adds its figures."""
    year = data.get("year", "").strip()
    body: dict[str, Any] = {k: data.get(k, "").strip() for k, _ in STATEMENTS}
    body["year"] = int(year) if year.isdigit() else year
    answer = await platform.post(REPORTS, body)
    if answer.ok:
        report_id = quote(str(answer.body["report_id"]))
        return Redirect(f"{BASE}/operator/annual-reports/{report_id}", status_code=303)
    return page(
        "operator/annual_report.html",
        who,
        status=answer.status,
        statements=STATEMENTS,
        form=data,
        refused=refused_by(answer),
    )


@get("/operator/annual-reports/{report_id:str}")
async def annual_report(
    who: NamedDependency[Session], platform: NamedDependency[Platform], report_id: FromPath[str]
) -> Template:
    answer = await platform.get(f"{REPORTS}/{quote(report_id)}")
    return page(
        "operator/annual_report_view.html",
        who,
        report=answer.body if answer.ok else None,
        report_id=report_id,
        statements=STATEMENTS,
        figures_zh=FIGURES_ZH,
        figure_value=figure_value,
        refused=refused_by(answer),
    )


ROUTES = [
    scenarios,
    file_scenario,
    imports,
    decide_import,
    prices,
    preview_price,
    list_price,
    annual_report_form,
    file_annual_report,
    annual_report,
]
