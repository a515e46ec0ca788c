"""Developer journey: admission status (准入状态). A developer organization the bureau
has just registered signs in, finds on its admission page that it has not applied,
applies to the operator for admission (入驻申请, DEV-1) by typing and ticking, and sees
its application recorded and waiting for the operator; the demo developer, admitted in
the demo year, sees itself admitted from its home page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Screenshot
from tests.browser.console_developer import DEVELOPER, new_developer_org, sign_in, sign_out
from tests.browser.console_people import person
from tests.infra.pdo_up import PdoUp


def test_console_developer_admission_status_and_application(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    admitted = person(pdo, DEVELOPER, "dev.admitted")
    sign_in(page, pdo, admitted)
    waiting = page.get_by_role("region", name="准入状态")
    expect(waiting.locator("td", has_text="已入驻")).to_have_count(1)
    page.get_by_role("link", name="准入状态").click()
    expect(page.locator("#admission-status")).to_have_attribute("data-state", "admitted")
    expect(page.get_by_role("button", name="提交入驻申请")).to_have_count(0)
    sign_out(page)

    newcomer = person(pdo, new_developer_org(pdo), "dev.newcomer")
    sign_in(page, pdo, newcomer)
    page.get_by_role("link", name="准入状态").click()
    expect(page.get_by_text("尚未申请入驻")).to_be_visible()
    page.get_by_label("运营机构").select_option(label="淄博市数据运营有限公司")
    page.get_by_label("数据管理能力").fill("设有数据管理部门，通过DCMM二级评估")
    page.get_by_label("数据安全保障能力").fill("等保三级，专职安全人员三名")
    page.get_by_label("信用良好，未被列入严重失信名单").check()
    page.get_by_label("近三年未发生重大数据安全事件").check()
    page.get_by_role("button", name="提交入驻申请").click()
    expect(page.locator("#admission-status")).to_have_attribute("data-state", "applied")
    expect(page.locator("#admission-status")).to_contain_text("已申请")
    row = page.locator("tbody tr[data-admission]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("org-370300-operator")
    expect(page.get_by_role("button", name="提交入驻申请")).to_have_count(0)  # one at a time
    screenshot(page, "applied")
