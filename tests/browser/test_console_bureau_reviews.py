"""The bureau's review journeys in the console (issue 13, item 2, bureau line): an
application reviewed and narrowed — items, a row filter, masking (REQ-2) — and an export
request whose automated check report is read cell by cell (EXP-2) and approved by a
second person, the requester's own approval refused with the rule (EXP-6). End to end by
clicks and typing from the bureau's home page of what waits."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.bureau_fixtures import (
    TAX,
    application_for_three_items,
    call,
    checked_export,
    sign_in,
)
from tests.browser.conftest import Screenshot
from tests.browser.console_people import person
from tests.infra.pdo_up import PdoUp

# The session's pdo up loads the demo year first: minutes on a busy machine.
pytestmark = pytest.mark.timeout(1500)


def test_console_bureau_reviews_and_narrows_an_application(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    application_id = application_for_three_items(pdo)
    api = f"/request_review/applications/{application_id}"
    call(
        pdo,
        pdo.token(TAX),
        "POST",
        f"{api}/reviews",
        {"decision": "approve", "opinion": "同意提供，限沙箱内使用"},
    )
    bureau = person(pdo, "org-370300-bureau", "bureau.narrower")
    sign_in(page, pdo, bureau)
    waiting = page.get_by_role("region", name="待审核的数据使用申请")
    waiting.get_by_role("link", name=application_id).click()
    # What the bureau reads before deciding: scenario, items with justifications, the
    # provider's opinion.
    expect(page.get_by_role("heading", level=1)).to_contain_text(application_id)
    expect(page.get_by_text("按信用等级分组")).to_be_visible()
    expect(page.get_by_text("同意提供，限沙箱内使用")).to_be_visible()
    # REQ-2: a review never widens; dropping every item is refused, shown by the conditions.
    for item in ("credit_code", "tax_paid_fen", "tax_grade"):
        page.get_by_label(f"保留数据项 {item}").uncheck()
    page.get_by_label("同意", exact=True).check()
    page.get_by_label("审核意见").fill("同意")
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator("#conditions-refused")).to_contain_text("REQ-2")
    expect(page.locator("#status")).to_have_text("审核中")
    # Narrowed: tax_grade dropped, credit_code tokenized, a row filter added.
    page.get_by_label("保留数据项 credit_code").check()
    page.get_by_label("保留数据项 tax_paid_fen").check()
    expect(page.get_by_label("保留数据项 tax_grade")).not_to_be_checked()
    page.get_by_label("credit_code 的脱敏方式").select_option(label="令牌化")
    page.get_by_label("的行过滤条件").fill("tax_paid_fen >= 0")
    page.get_by_label("同意", exact=True).check()
    page.get_by_label("审核意见").fill("核减纳税信用等级，统一社会信用代码令牌化后授权")
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator("#status")).to_have_text("已批准")
    scope = page.locator("#scope tbody tr")
    expect(scope.locator(".items")).to_have_text("credit_code、tax_paid_fen")
    expect(scope.locator(".row-filter")).to_have_text("tax_paid_fen >= 0")
    expect(scope.locator(".masking")).to_have_text("credit_code：令牌化")
    expect(page.locator("#grant")).not_to_be_empty()
    screenshot(page, "narrowed")


def test_EXP_6_console_a_second_bureau_person_approves_an_export(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    export = checked_export(pdo, "dev.exporter")
    # The requester reaches the decision form and approves their own export: refused.
    sign_in(page, pdo, export.requester)
    page.goto(pdo.url(f"/console/export-reviews/{export.export_id}"))
    expect(page.locator("#requester")).to_have_text(export.requester)
    page.get_by_label("准予出域").check()
    page.get_by_label("审核理由").fill("本人审核通过")
    page.get_by_role("button", name="提交出域审核").click()
    refused = page.locator("#decision-refused")
    expect(refused).to_contain_text("规则 EXP-6")
    expect(page.locator("#state")).to_have_text("自动检查通过")
    page.get_by_role("button", name="退出登录").click()

    bureau = person(pdo, "org-370300-bureau", "bureau.exports")
    sign_in(page, pdo, bureau)
    waiting = page.get_by_role("region", name="待第二人审批的出域申请")
    waiting.get_by_role("link", name=export.export_id).click()
    # EXP-2: the report, check by check, each naming its rules.
    expect(page.locator("#report-verdict")).to_have_text("全部通过")
    expect(page.locator("#checks tr.check")).not_to_have_count(0)
    expect(page.locator("#checks tr[data-check='minimum_cell_count'] .rules")).to_contain_text(
        "EXP-2"
    )
    page.get_by_label("准予出域").check()
    page.get_by_label("审核理由").fill("单元格均不少于10户，准予出域")
    page.get_by_role("button", name="提交出域审核").click()
    expect(page.locator("#state")).to_have_text("已批准")
    expect(page.locator("#reviewer")).to_have_text(bureau)
    # The approved request leaves the queue of what waits; the list shows it approved.
    page.get_by_role("link", name="出域审核").click()
    row = page.locator("#exports tbody tr", has_text=export.export_id)
    expect(row.locator("[data-state]")).to_have_attribute("data-state", "approved")
    page.get_by_role("link", name="待办").click()
    waiting = page.get_by_role("region", name="待第二人审批的出域申请")
    expect(waiting.get_by_role("link", name=export.export_id)).to_have_count(0)
    screenshot(page, "approved")
