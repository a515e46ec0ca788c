"""Operator journey: a scenario change filed with the bureau (场景变更备案, REQ-8).

The operator opens one of its scenarios from its scenario list, submits a change that
changes nothing — refused in Chinese naming REQ-8 — then files a new purpose and class,
and reads them back as request_review now holds them; the other fields stay as they were."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Screenshot
from tests.browser.console_developer import OPERATOR, scenario, sign_in
from tests.browser.console_people import person
from tests.infra.pdo_up import PdoUp


def test_console_operator_REQ_8_files_a_scenario_change_and_reads_it_back(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    filed = scenario(pdo, "中小企业纳税信用画像")
    scenario_id, name = str(filed["scenario_id"]), str(filed["name"])
    operator = person(pdo, OPERATOR, "op.scenarios")
    sign_in(page, pdo, operator)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="应用场景").click()
    page.get_by_role("link", name=f"{name} 变更备案").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(scenario_id)
    expect(page.locator("#scenario-name")).to_have_text(name)

    page.get_by_role("button", name="提交变更备案").click()
    refused = page.locator("#change-refused")
    expect(refused).to_contain_text("规则 REQ-8")
    expect(refused).to_contain_text("提交的内容不符合规则")

    page.get_by_label("新用途").fill("按行业评估中小企业纳税信用，支持普惠金融授信")
    page.get_by_label("新类别").select_option(label="公益性")
    page.get_by_role("button", name="提交变更备案").click()
    expect(page.locator("#change-refused")).to_have_count(0)
    shown = page.locator("#scenario")
    expect(shown).to_contain_text("按行业评估中小企业纳税信用，支持普惠金融授信")
    expect(shown).to_contain_text("公益性")
    expect(page.locator("#scenario-name")).to_have_text(name)  # unchanged
    screenshot(page, "scenario-changed")
