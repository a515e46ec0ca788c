"""The four-role story (四方协同): one scenario carried from the developer's application to
a released data product and an approved export, by clicks and typing in the console.

developer applies item by item (REQ-2) → the tax bureau (provider) reviews → the bureau
approves, a grant follows → the developer opens the new production sandbox, watches it
provisioned in place, runs a job in the workbench → requests an export, followed through
its automated checks (EXP-2) → the requester cannot approve it (EXP-6: four eyes) → a
bureau reviewer, a second person, approves it → the developer drafts the product and
applies for its circulation certificate (EXP-3) → the bureau files it (备案) → the
operator releases it with its registration code (CAT-4) → the developer sees it released.

Only the scenario is filed through the operator's API (the operator's own journey files
scenarios in its pages); everything after is the four roles' clicks."""

from __future__ import annotations

import re
import time
import uuid

from playwright.sync_api import Page, expect

from tests.browser.conftest import Screenshot
from tests.browser.console_developer import (
    BUREAU,
    DEVELOPER,
    MONTHLY_COLUMNS,
    MONTHLY_SQL,
    OPERATOR,
    TAX,
    scenario,
    sign_in,
    sign_out,
)
from tests.browser.console_people import person
from tests.infra.pdo_up import PdoUp

ITEMS = {
    "tax_month": "按月统计所需的月份",
    "tax_paid_fen": "汇总纳税规模",
    "tax_grade": "按纳税等级分组",
}


def _apply(page: Page, scenario_name: str) -> str:
    page.get_by_role("link", name="申请数据").click()
    page.get_by_label("应用场景").select_option(label=scenario_name)
    page.get_by_role("checkbox", name="企业纳税信息（org-370300-tax）").first.check()
    page.get_by_role("button", name="下一步：选择数据项").click()
    page.get_by_label("用途").fill("按纳税等级统计全市企业月度纳税规模")
    tax = page.locator("fieldset[data-resource]").first
    for item, why in ITEMS.items():
        tax.get_by_role("checkbox", name=re.compile(f"^{item} ")).check()
        tax.get_by_label(f"申请「{item}」的理由").fill(why)
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#status")).to_have_attribute("data-state", "under_review")
    return page.locator("h1").inner_text().removeprefix("数据使用申请").strip()


def _review(page: Page, queue: str, application_id: str, opinion: str) -> None:
    page.get_by_role("region", name=queue).get_by_role("link", name=application_id).click()
    page.get_by_label("同意", exact=True).check()
    page.get_by_label("审核意见").fill(opinion)
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_text(opinion)).to_be_visible()


def test_console_story_four_roles_carry_a_scenario_to_a_released_product(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    filed = scenario(pdo, "企业纳税规模月度统计")
    developer = person(pdo, DEVELOPER, "dev.story")
    provider = person(pdo, TAX, "tax.story")
    bureau = person(pdo, BUREAU, "bureau.story")
    operator = person(pdo, OPERATOR, "operator.story")

    # 1. The developer applies, item by item with reasons.
    sign_in(page, pdo, developer)
    application_id = _apply(page, filed["name"])
    sign_out(page)

    # 2. The provider, then 3. the bureau review it; the grant follows.
    sign_in(page, pdo, provider)
    _review(page, "涉及本单位数据的申请", application_id, "同意，限沙箱内统计使用")
    sign_out(page)
    sign_in(page, pdo, bureau)
    _review(page, "待审核的数据使用申请", application_id, "同意，按最小必要原则授权")
    expect(page.locator("#status")).to_have_attribute("data-state", "approved")
    grant_id = page.locator("#grant").inner_text().strip()
    granted_at = time.monotonic()
    sign_out(page)

    # 4. The developer opens the production sandbox: provisioned in place, then a job.
    sign_in(page, pdo, developer)
    production = f"sbx-pro-{grant_id}"
    page.get_by_role("link", name="授权运营空间").click()
    page.get_by_role("link", name=production).click()
    page.evaluate("window.consoleMarker = 'same page'")
    expect(page.locator("#sandbox-state")).to_have_attribute("data-state", "ready", timeout=180_000)
    if page.evaluate("window.consoleMarker") != "same page":
        raise AssertionError("the workbench reloaded instead of updating in place")
    print(f"production sandbox ready {time.monotonic() - granted_at:.1f} s after the grant")
    page.reload()  # the granted tables are listed once ready
    expect(page.locator("table.granted")).to_contain_text("tax_paid_fen")
    output = f"output_story_{uuid.uuid4().hex[:6]}"
    page.get_by_label("SQL 语句").fill(MONTHLY_SQL.format(output=output, month=6))
    page.get_by_role("button", name="运行作业").click()
    expect(page.locator("#jobs tr.shown .state")).to_have_attribute("data-state", "succeeded")

    # 5. The export request, followed through the automated checks.
    page.get_by_role("link", name="出域申请", exact=True).first.click()
    page.get_by_role("link", name="提交新的出域申请").click()
    page.get_by_label("生产沙箱").select_option(production)
    page.get_by_role("button", name="列出沙箱内的结果表").click()
    page.get_by_label("结果表").select_option(output)
    page.get_by_label("统计总体").fill("淄博市纳税企业")
    page.get_by_label("出域字段（每行一列").fill(MONTHLY_COLUMNS)
    page.get_by_role("button", name="提交出域申请").click()
    state = page.locator("#export-state")
    expect(state).to_have_attribute("data-state", "checks_passed", timeout=120_000)
    export_id = page.locator("h1").inner_text().removeprefix("出域申请").strip()

    # 6. EXP-6: the requester cannot approve its own export.
    page.goto(pdo.url(f"/console/export-reviews/{export_id}"))
    page.get_by_label("准予出域").check()
    page.get_by_label("审核理由").fill("自行批准")
    page.get_by_role("button", name="提交出域审核").click()
    expect(page.get_by_role("alert").first).to_contain_text("EXP-6")
    expect(page.locator("#state")).to_have_attribute("data-state", "checks_passed")
    sign_out(page)

    # 7. A bureau reviewer, a second person, approves it.
    sign_in(page, pdo, bureau)
    waiting = page.get_by_role("region", name="待第二人审批的出域申请")
    waiting.get_by_role("link", name=export_id).click()
    page.get_by_label("准予出域").check()
    page.get_by_label("审核理由").fill("统计口径合规，小于10户的单元格未出域，准予出域")
    page.get_by_role("button", name="提交出域审核").click()
    expect(page.locator("#state")).to_have_attribute("data-state", "approved")
    expect(page.locator("#reviewer")).to_contain_text(bureau)
    sign_out(page)

    # 8. The developer drafts the product and applies for its certificate.
    sign_in(page, pdo, developer)
    page.get_by_role("link", name="出域申请", exact=True).first.click()
    page.get_by_role("link", name=export_id).click()
    expect(page.locator("#export-state")).to_have_attribute("data-state", "approved")
    product_name = f"淄博市企业纳税规模月度统计（{output[-6:]}）"
    page.get_by_label("产品名称").fill(product_name)
    page.get_by_label("产品说明").fill("按纳税等级汇总的月度纳税规模")
    page.get_by_role("button", name="登记产品草稿").click()
    expect(page.locator("#product-state")).to_have_attribute("data-state", "drafted")
    product_id = page.locator("h1").inner_text().removeprefix("数据产品").strip()
    tax = page.get_by_label("数据来源（已登记的资源）").locator("option", has_text="企业纳税信息")
    page.get_by_label("数据来源（已登记的资源）").select_option(tax.first.get_attribute("value"))
    page.get_by_label("业务逻辑").fill("按统计口径汇总纳税规模；小于10户的单元格不出域")
    page.get_by_label("治理规则").fill("仅用于统计分析与授信参考；不得再识别")
    page.get_by_role("button", name="申领流通凭证").click()
    expect(page.locator("#product-state")).to_have_attribute("data-state", "certified")
    sign_out(page)

    # 9. The bureau files it.
    sign_in(page, pdo, bureau)
    waiting = page.get_by_role("region", name="待备案的数据产品")
    waiting.get_by_role("link", name=product_id).click()
    page.get_by_label("予以备案").check()
    page.get_by_label("备案意见").fill("材料齐全，予以备案")
    page.get_by_role("button", name="提交备案意见").click()
    expect(page.get_by_role("button", name="提交备案意见")).to_have_count(0)  # filed
    sign_out(page)

    # 10. The operator releases it with its registration code.
    sign_in(page, pdo, operator)
    waiting = page.get_by_role("region", name="待上架的数据产品")
    waiting.get_by_role("link", name=product_id).click()
    page.get_by_role("button", name="登记并上架（规则 CAT-4）").click()
    expect(page.locator("#product-state")).to_have_attribute("data-state", "released")
    sign_out(page)

    # 11. The developer sees its product released, with its certificate.
    sign_in(page, pdo, developer)
    page.get_by_role("link", name="数据产品").click()
    page.get_by_role("link", name=product_id).click()
    expect(page.locator("#product-state")).to_have_text("已发布")
    expect(page.locator("#registration-code")).not_to_be_empty()
    expect(page.locator("#certificate")).to_contain_text("出域审核")
    screenshot(page, "released")
