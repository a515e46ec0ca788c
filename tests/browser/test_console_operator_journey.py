"""The operator's console journey (运营机构, issue 13 item 2), end to end by clicks and
typing: the operator files an application scenario, approves a developer's own-data
import, lists a price — first over its cap, refused on the preview step before submit
with the cap shown and rule BIL-2 named, then at the cap, listed — and files its annual
report."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import Screenshot
from tests.browser.console_people import PASSWORD, person
from tests.infra.pdo_up import PdoUp

OPERATOR = "org-370300-operator"
DEVELOPER = "org-370300-dev-qixin"


def _sign_in(page: Page, pdo: PdoUp, username: str) -> None:
    page.goto(pdo.url("/console/login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def _own_data_import(pdo: PdoUp) -> str:
    """A developer's own-data import request into one of its demo sandboxes (SBX-4)."""
    headers = {"Authorization": f"Bearer {pdo.token(DEVELOPER)}"}
    deadline = time.monotonic() + 300
    refusals: list[str] = []
    while time.monotonic() < deadline:
        sandboxes = httpx.get(pdo.url("/sandbox_broker/sandboxes"), headers=headers, timeout=30)
        body: Any = sandboxes.json()
        items = body["items"] if isinstance(body, dict) else body
        for sandbox in items:
            if sandbox["state"] not in ("ready", "active"):
                continue
            answer = httpx.post(
                pdo.url(f"/sandbox_broker/sandboxes/{sandbox['sandbox_id']}/imports"),
                params={"table": f"own_{uuid.uuid4().hex[:8]}", "format": "csv"},
                headers={**headers, "Content-Type": "text/csv"},
                content=b"credit_code,loan_amount\n91370300MA3C000001,120000\n",
                timeout=30,
            )
            if answer.status_code < 300:
                return str(answer.json()["import_id"])
            refusals.append(f"{sandbox['sandbox_id']}: {answer.status_code} {answer.text}")
        time.sleep(2)
    raise AssertionError(f"no demo sandbox took an import: {refusals[-5:]}")


def test_console_operator_scenario_import_price_under_cap_and_annual_report(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    started = time.perf_counter()
    import_id = _own_data_import(pdo)
    operator = person(pdo, OPERATOR, "operator.console")
    _sign_in(page, pdo, operator)
    expect(page.get_by_role("heading", level=1)).to_have_text("运营机构的待办")
    expect(page.get_by_role("region", name="待审批的自有数据导入")).to_contain_text(import_id)

    # REQ-1: a scenario filed with the bureau appears among the operator's scenarios.
    page.get_by_role("link", name="应用场景").click()
    name = f"普惠金融授信 {uuid.uuid4().hex[:6]}"
    page.get_by_label("场景名称").fill(name)
    page.get_by_label("应用领域").fill("finance")
    page.get_by_label("用途").fill("为小微企业授信提供数据支撑")
    page.get_by_label("预期价值").fill("首贷户数增长")
    page.get_by_label("场景类别").select_option("commercial")
    page.get_by_role("button", name="提交备案").click()
    row = page.locator("tbody tr", has_text=name)
    expect(row).to_have_count(1)
    expect(row.locator("[data-state]")).to_have_text("使用中")

    # SBX-4: the developer's import waits for the operator, who approves it.
    page.get_by_role("link", name="自有数据导入").click()
    pending = page.locator(f"tr[data-import='{import_id}']")
    expect(pending.locator(".state")).to_have_text("待审核")
    pending.get_by_label("批准导入").check()
    pending.get_by_role("button", name="提交审批").click()
    decided = page.locator(f"tr[data-import='{import_id}'] .state")
    expect(decided).not_to_have_text("待审核")
    expect(decided).to_have_attribute("data-state", "loaded")

    # BIL-2: a price over its cap is refused on the preview step, before any submit,
    # with the cap shown and the rule named; at the cap it is previewed and listed.
    caps = httpx.get(pdo.url("/billing/caps"), timeout=30).json()
    cap = next(c for c in caps if c["unit"] == "product")
    cap_yuan = f"{cap['cap_fen'] / 100:.2f}"
    page.get_by_role("link", name="价格与阶梯").click()
    expect(page.locator("#caps")).to_contain_text(cap["product_id"])
    page.get_by_label("数据产品编号").fill(cap["product_id"])
    page.get_by_label("计价单位").select_option("product")
    page.get_by_label("单价（元）", exact=True).fill(f"{cap['cap_fen'] / 100 + 1:.2f}")
    page.get_by_role("button", name="预览价格").click()
    refused = page.locator("#unit-price-refused")
    expect(refused).to_contain_text(f"超过上限收费标准为 {cap_yuan} 元")
    expect(refused).to_contain_text("规则 BIL-2")
    expect(page.locator("#cap")).to_have_text(cap_yuan)
    expect(page.get_by_role("button", name="确认公示")).to_have_count(0)
    tier_fen = cap["cap_fen"] // 2
    page.get_by_label("单价（元）", exact=True).fill(cap_yuan)
    page.get_by_label("阶梯价格（每行“起始数量,单价（元）”，可不填）").fill(
        f"10,{tier_fen / 100:.2f}"
    )
    page.get_by_role("button", name="预览价格").click()
    expect(page.locator("#preview")).to_contain_text(f"（上限 {cap_yuan} 元）")
    page.get_by_role("button", name="确认公示").click()
    listed = page.locator("#price-listed")
    expect(listed).to_contain_text(cap["product_id"])
    expect(listed).to_contain_text(f"{cap_yuan} 元")
    price_id = listed.inner_text().split("：")[0].removeprefix("已公示价格 ")
    in_force = {p["price_id"]: p for p in httpx.get(pdo.url("/billing/prices"), timeout=30).json()}
    assert in_force[price_id]["unit_price_fen"] == cap["cap_fen"]  # the published price list
    assert in_force[price_id]["tiers"] == [{"from_quantity": 10, "unit_price_fen": tier_fen}]
    expect(page.locator("#prices")).to_contain_text(price_id)

    # EVA-1: the annual report, filed by form, read back with the platform's figures.
    page.get_by_role("link", name="年度报告").click()
    year = page.get_by_label("年度").input_value()
    page.get_by_label("授权数据存储情况").fill("授权数据存放于市政务云专区")
    page.get_by_label("开发利用情况").fill("完成信用评估等数据产品开发")
    page.get_by_label("市场化运营情况").fill("经数据交易所完成交易")
    page.get_by_label("安全与合规情况").fill("全年无数据安全事件")
    page.get_by_role("button", name="报送年度报告").click()
    expect(page.locator("#report-year")).to_have_text(year)
    expect(page.get_by_text("授权数据存放于市政务云专区")).to_be_visible()
    expect(page.locator("#figures tbody tr")).not_to_have_count(0)
    print(f"operator journey: {time.perf_counter() - started:.1f} s")
    screenshot(page, "operator-journey-end")
