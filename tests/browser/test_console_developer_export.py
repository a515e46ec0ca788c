"""Developer journey: request an export (出域申请) and follow its review; products and
their certificates. The demo developer runs a monthly statistic in its production sandbox
from the workbench, requests its export by choosing the sandbox, the output and typing
the columns' roles, follows the automated checks (EXP-2) in place until they pass and
the export waits for someone else's decision (EXP-6); then it opens one of its released
products and reads its circulation certificate (流通凭证)."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from tests.browser.conftest import Screenshot
from tests.browser.console_developer import (
    DEVELOPER,
    MONTHLY_COLUMNS,
    MONTHLY_SQL,
    ready_sandbox,
    sign_in,
)
from tests.browser.console_people import person
from tests.infra.pdo_up import PdoUp


def test_console_developer_EXP_2_requests_an_export_follows_its_checks_and_reads_products(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    sandbox_id = ready_sandbox(pdo, "production")
    developer = person(pdo, DEVELOPER, "dev.export")
    sign_in(page, pdo, developer)
    page.goto(pdo.url(f"/console/developer/workbench/{sandbox_id}"))
    output = f"output_console_{uuid.uuid4().hex[:6]}"
    page.get_by_label("SQL 语句").fill(MONTHLY_SQL.format(output=output, month=5))
    page.get_by_role("button", name="运行作业").click()
    expect(page.locator("#jobs tr.shown .state")).to_have_attribute("data-state", "succeeded")
    expect(page.get_by_role("table", name=f"{output} 的前几行")).to_have_count(0)  # real data

    page.get_by_role("link", name="出域申请").first.click()
    page.get_by_role("link", name="提交新的出域申请").click()
    page.get_by_label("生产沙箱").select_option(sandbox_id)
    page.get_by_role("button", name="列出沙箱内的结果表").click()
    page.get_by_label("结果表").select_option(output)
    page.get_by_label("统计总体").fill("淄博市纳税企业")
    page.get_by_label("出域字段（每行一列").fill(MONTHLY_COLUMNS)
    page.get_by_role("button", name="提交出域申请").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("出域申请")
    page.evaluate("window.consoleMarker = 'same page'")
    state = page.locator("#export-state")
    expect(state).to_have_attribute("data-state", "checks_passed", timeout=120_000)
    expect(state).to_contain_text("自动检查通过")
    assert page.evaluate("window.consoleMarker") == "same page"  # updated in place
    expect(page.get_by_role("button", name="登记产品草稿")).to_have_count(0)  # not approved

    page.get_by_role("link", name="数据产品").click()
    released = page.locator("tbody tr", has=page.locator("[data-state='released']"))
    expect(released).not_to_have_count(0)
    released.first.get_by_role("link").click()
    expect(page.locator("#product-state")).to_have_text("已发布")
    expect(page.locator("#certificate-id")).not_to_be_empty()
    expect(page.locator("#certificate")).to_contain_text("出域审核")
    expect(page.locator("#registration-code")).not_to_be_empty()
    screenshot(page, "product")
