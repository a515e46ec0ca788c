"""The provider's console journey (数据提供单位, issue 13 item 2), end to end by clicks and
typing: a tax bureau official registers a resource with its data items and grades, changes
its registration, answers an objection to it before the deadline shown, and reviews an
application asking for the bureau's data — seeing only applications touching its
resources, its opinion recorded on the application."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import Screenshot
from tests.browser.console_people import PASSWORD, person
from tests.infra.pdo_up import PdoUp

PROVIDER = "org-370300-tax"
DEVELOPER = "org-370300-dev-qixin"
OPERATOR = "org-370300-operator"


def _api(pdo: PdoUp, org: str, method: str, path: str, body: Any = None) -> Any:
    deadline = time.monotonic() + 60
    while True:
        answer = httpx.request(
            method,
            pdo.url(path),
            headers={"Authorization": f"Bearer {pdo.token(org)}"},
            json=body,
            timeout=30,
        )
        if answer.status_code < 300:
            return answer.json()
        if time.monotonic() > deadline or answer.status_code not in (404, 409, 422):
            raise AssertionError(f"{method} {path}: {answer.status_code} {answer.text}")
        time.sleep(0.5)  # events still on their way


def _sign_in(page: Page, pdo: PdoUp, username: str) -> None:
    page.goto(pdo.url("/console/login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def _application_for_tax_data(pdo: PdoUp) -> str:
    resources = _api(pdo, PROVIDER, "GET", f"/catalog/resources/?provider_org_id={PROVIDER}")
    tax = next(r for r in resources["items"] if r["status"] == "published")
    scenario = _api(
        pdo,
        OPERATOR,
        "POST",
        "/request_review/scenarios",
        {
            "name": f"纳税信用评估 {uuid.uuid4().hex[:6]}",
            "domain": "finance",
            "purpose": "以纳税数据评估小微企业信用",
            "expected_value": "首贷率提升",
            "scenario_class": "commercial",
        },
    )
    application = _api(
        pdo,
        DEVELOPER,
        "POST",
        "/request_review/applications",
        {
            "scenario_id": scenario["scenario_id"],
            "purpose": "按行业统计纳税规模",
            "resources": [
                {
                    "resource_id": tax["resource_id"],
                    "items": [{"name": "credit_code", "justification": "关联企业所需最少字段"}],
                }
            ],
        },
    )
    return str(application["application_id"])


def test_console_provider_registers_changes_answers_an_objection_and_reviews(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    started = time.perf_counter()
    official = person(pdo, PROVIDER, "tax.console")
    _sign_in(page, pdo, official)
    expect(page.get_by_role("heading", level=1)).to_have_text("数据提供单位的待办")

    # CAT-1, CAT-4: first registration with items and grades, from the home page.
    page.get_by_role("link", name="资源登记").click()
    page.get_by_role("link", name="登记新的数据资源（首次登记）").click()
    name = f"企业欠税公告 {uuid.uuid4().hex[:6]}"
    page.get_by_label("资源名称").fill(name)
    page.get_by_label("资源描述").fill("按月公告的企业欠税信息")
    page.get_by_label("资源分类（代码，如 tax）").fill("tax")
    page.get_by_label("更新频率（代码，如 monthly）").fill("monthly")
    page.get_by_label("来源系统").fill("金税三期")
    page.get_by_label("第 1 项名称").fill("credit_code")
    page.get_by_label("第 1 项类型").fill("string")
    page.get_by_label("第 1 项分级").select_option("1")
    page.get_by_label("第 2 项名称").fill("arrears_amount")
    page.get_by_label("第 2 项类型").fill("decimal")
    page.get_by_label("第 2 项分级").select_option("3")
    page.get_by_role("button", name="提交首次登记").click()
    expect(page.locator("#status")).to_have_text("已登记")
    expect(page.locator("#grade")).to_have_text("3级")  # the highest item's grade (就高从严)
    first_code = page.locator("#registration-code").inner_text()
    resource_id = page.url.rsplit("/", 1)[1]

    # Change registration (变更登记): an item is added, a new registration code is issued.
    page.get_by_label("第 3 项名称").fill("announced_on")
    page.get_by_label("第 3 项类型").fill("date")
    page.get_by_role("button", name="提交变更登记").click()
    expect(page.locator("[data-kind='change']")).to_contain_text("变更登记")
    expect(page.locator("#registration-code")).not_to_have_text(first_code)
    expect(page.get_by_label("第 3 项名称")).to_have_value("announced_on")

    # A refusal of the API is shown in Chinese next to the field it names: a declaration
    # without any data item (CAT-1) is refused by catalog's contract, at "items".
    for n in range(1, 4):
        page.get_by_label(f"第 {n} 项名称").fill("")
    page.get_by_role("button", name="提交变更登记").click()
    expect(page.locator("#resource-refused")).to_contain_text("提交的内容格式不正确")
    expect(page.get_by_role("group", name="数据项与分级（留空的行不提交）")).to_contain_text(
        "提交的内容格式不正确"
    )

    # CAT-5: an objection raised by a developer waits on the provider's home page with its
    # deadline; the provider answers it before the deadline.
    objection = _api(
        pdo,
        DEVELOPER,
        "POST",
        "/catalog/objections",
        {"resource_id": resource_id, "item_name": "arrears_amount", "description": "三月缺失"},
    )
    page.get_by_role("link", name="待办").click()
    waiting = page.get_by_role("region", name="待答复的数据异议（CAT-5）")
    expect(waiting).to_contain_text(objection["due_on"])
    waiting.get_by_role("link", name=objection["objection_id"]).click()
    expect(page.locator("#due-on")).to_contain_text(objection["due_on"])
    expect(page.locator("#due-on")).to_contain_text("剩")
    expect(page.locator("#status")).to_have_text("待整改")
    page.get_by_label("整改情况（已更正的内容）").fill("已补录三月数据")
    page.get_by_role("button", name="提交整改答复").click()
    expect(page.locator("#status")).to_have_text("待核实")
    expect(page.locator("#resolution")).to_have_text("已补录三月数据")
    expect(page.get_by_role("button", name="提交整改答复")).to_have_count(0)

    # REQ-3: the applications page lists only applications asking for this provider's
    # data; the provider's opinion is recorded on the application.
    application_id = _application_for_tax_data(pdo)
    own = _api(pdo, PROVIDER, "GET", f"/catalog/resources/?provider_org_id={PROVIDER}&limit=100")
    own_ids = {r["resource_id"] for r in own["items"]}
    page.get_by_role("link", name="数据使用申请").click()
    rows = page.locator("tbody tr")
    expect(rows.filter(has_text=application_id)).to_have_count(1)
    for n in range(rows.count()):
        asked = rows.nth(n).locator("td").nth(3).inner_text().split("、")
        assert own_ids.intersection(asked), f"an application not touching {PROVIDER}: {asked}"
    page.get_by_role("link", name=application_id).click()
    expect(page.get_by_text("关联企业所需最少字段")).to_be_visible()
    page.get_by_label("同意", exact=True).check()
    page.get_by_label("审核意见").fill("同意，仅限统一社会信用代码")
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_text("同意，仅限统一社会信用代码")).to_be_visible()
    page.get_by_role("link", name="数据使用申请").click()
    expect(rows.filter(has_text=application_id)).to_contain_text("批准：同意，仅限统一社会信用代码")
    print(f"provider journey: {time.perf_counter() - started:.1f} s")
    screenshot(page, "provider-journey-end")
