"""Developer journey: apply for a scenario item by item with justifications (逐项申请并
说明理由, REQ-1, REQ-2). The demo developer picks a scenario the operator filed and the tax
bureau's resource, ticks one data item, first forgets its reason — request_review refuses
and the page says so next to the items, naming REQ-2 — then gives it and submits; the
application page shows the item with its justification, waiting for review."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import Screenshot
from tests.browser.console_developer import DEVELOPER, scenario, sign_in
from tests.browser.console_people import person
from tests.infra.pdo_up import PdoUp


def test_console_developer_REQ_2_applies_item_by_item_with_justifications(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    filed = scenario(pdo, "企业信用画像")
    developer = person(pdo, DEVELOPER, "dev.apply")
    sign_in(page, pdo, developer)
    page.get_by_role("link", name="申请数据").click()
    page.get_by_label("应用场景").select_option(label=filed["name"])
    page.get_by_role("checkbox", name="企业纳税信息（org-370300-tax）").first.check()
    page.get_by_role("button", name="下一步：选择数据项").click()
    page.get_by_label("用途").fill("按行业统计纳税规模，评估小微企业信用")
    page.get_by_role("checkbox", name=re.compile(r"^credit_code")).check()
    page.get_by_role("button", name="提交申请").click()
    refused = page.locator("#items-refused")
    expect(refused).to_contain_text("规则 REQ-2")
    expect(refused).to_contain_text("needs a justification")
    expect(page.get_by_role("checkbox", name=re.compile(r"^credit_code"))).to_be_checked()
    page.get_by_label("申请「credit_code」的理由").fill("关联企业纳税记录的最小字段")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("数据使用申请")
    expect(page.locator("#status")).to_have_attribute("data-state", "under_review")
    expect(page.get_by_text("credit_code（理由：关联企业纳税记录的最小字段）")).to_be_visible()
    screenshot(page, "applied")
