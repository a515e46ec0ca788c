"""Operator journey: a developer's admission (入驻, DEV-1, DEV-3) through to the bureau.

A developer organization the bureau has just registered applies for admission from its
console. The operator finds the application among its waiting items, tries to reject it
without a reason — refused next to the form, in Chinese, naming DEV-1 — approves it with
its opinion, signs the development agreement (开发利用协议: the developer is admitted, the
precondition of its sandboxes and of every export review, EXP-6) and files the
cooperation agreement with the bureau (合作协议备案, DEV-3). The developer then sees itself
admitted; the bureau reads the admission in its admission report and the filing."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Screenshot
from tests.browser.console_developer import (
    BUREAU,
    OPERATOR,
    new_developer_org,
    sign_in,
    sign_out,
)
from tests.browser.console_people import person
from tests.infra.pdo_up import PdoUp


def test_console_operator_DEV_1_reviews_an_admission_signs_the_agreement_and_files_it(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    developer_org = new_developer_org(pdo)
    newcomer = person(pdo, developer_org, "dev.applicant")
    sign_in(page, pdo, newcomer)
    page.get_by_role("link", name="准入状态").click()
    page.get_by_label("运营机构").select_option(label="淄博市数据运营有限公司")
    page.get_by_label("数据管理能力").fill("设有数据管理部门，通过DCMM二级评估")
    page.get_by_label("数据安全保障能力").fill("等保三级，专职安全人员三名")
    page.get_by_label("信用良好，未被列入严重失信名单").check()
    page.get_by_label("近三年未发生重大数据安全事件").check()
    page.get_by_role("button", name="提交入驻申请").click()
    expect(page.locator("#admission-status")).to_have_attribute("data-state", "applied")
    admission_id = page.locator("tbody tr[data-admission]").get_attribute("data-admission")
    assert admission_id
    sign_out(page)

    operator = person(pdo, OPERATOR, "op.admissions")
    sign_in(page, pdo, operator)
    waiting = page.get_by_role("region", name="入驻申请（DEV-1）")
    expect(waiting).to_contain_text(admission_id)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="入驻审核").click()
    section = page.locator(f"section[data-admission='{admission_id}']")
    expect(section.locator(".state")).to_have_attribute("data-state", "applied")
    expect(section.locator(".state")).to_have_text("已申请")
    expect(section).to_contain_text("等保三级，专职安全人员三名")

    section.get_by_label("不予入驻").check()
    section.get_by_role("button", name="提交入驻审核").click()
    refused = page.locator(f"#refused-review-{admission_id}")
    expect(refused).to_contain_text("规则 DEV-1")
    expect(refused).to_contain_text("提交的内容不符合规则")
    section = page.locator(f"section[data-admission='{admission_id}']")
    expect(section.locator(".state")).to_have_attribute("data-state", "applied")  # unchanged

    section.get_by_label("准予入驻").check()
    section.get_by_label("审核意见").fill("能力与信用符合要求，同意入驻")
    section.get_by_role("button", name="提交入驻审核").click()
    section = page.locator(f"section[data-admission='{admission_id}']")
    expect(section.locator(".state")).to_have_attribute("data-state", "approved")
    expect(section.locator(".state")).to_have_text("已批准")

    section.get_by_label("开发利用协议条款").fill(
        "仅在授权运营空间内开发利用；成果经出域审核后方可流通"
    )
    section.get_by_role("button", name="签订开发利用协议").click()
    section = page.locator(f"section[data-admission='{admission_id}']")
    expect(section.locator(".state")).to_have_attribute("data-state", "admitted")
    expect(section.locator(".state")).to_have_text("已入驻")
    expect(section.locator(".agreement")).not_to_contain_text("未签订")

    section.get_by_label("合作协议编号").fill(f"ZB-HZ-{admission_id[-6:]}")
    section.get_by_label("合作协议主要条款").fill("合作期限一年，收益按季度结算")
    section.get_by_role("button", name="向实施机构备案").click()
    section = page.locator(f"section[data-admission='{admission_id}']")
    expect(section.locator(".filing")).to_contain_text(f"已备案 ZB-HZ-{admission_id[-6:]}")
    sign_out(page)

    sign_in(page, pdo, newcomer)
    page.get_by_role("link", name="准入状态").click()
    expect(page.locator("#admission-status")).to_have_attribute("data-state", "admitted")
    sign_out(page)

    bureau = person(pdo, BUREAU, "bureau.admissions")
    sign_in(page, pdo, bureau)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="入驻报备").click()
    admitted = page.locator(f"#admitted tr[data-admission='{admission_id}']")
    expect(admitted).to_contain_text(developer_org)
    expect(admitted.locator(".state")).to_have_text("已入驻")
    filed = page.locator(f"#filings tr[data-admission='{admission_id}']")
    expect(filed).to_have_attribute("data-filed", "true")
    expect(filed).to_contain_text(f"已备案 ZB-HZ-{admission_id[-6:]}")
    screenshot(page, "admission-report")
