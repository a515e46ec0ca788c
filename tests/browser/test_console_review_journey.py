"""Review journey in the console (issue 13, item 2, partly): a developer's application
reaches the provider whose data it asks for and the bureau; each signs in, finds it on
their home page of what waits for them, opens it, reads the items and justifications,
and approves it by clicks and typing; the grant follows. A second decision by the same
party is refused by the API and the refusal is shown in Chinese.

The scenario and the application are created through the public API with demo tokens
(the developer's and operator's consoles are not built yet), so nothing here depends on
the demo's exact content beyond its organizations and one published tax resource."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import Screenshot
from tests.browser.console_people import PASSWORD, person
from tests.infra.pdo_up import PdoUp

DEVELOPER = "org-370300-dev-qixin"


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
        time.sleep(0.5)  # events still on their way to request_review


def _application(pdo: PdoUp) -> str:
    resources = _api(
        pdo, "org-370300-tax", "GET", "/catalog/resources/?provider_org_id=org-370300-tax"
    )
    tax = next(r for r in resources["items"] if r["status"] == "published")
    scenario = _api(
        pdo,
        "org-370300-operator",
        "POST",
        "/request_review/scenarios",
        {
            "name": f"小微企业信用评估 {uuid.uuid4().hex[:6]}",
            "domain": "finance",
            "purpose": "以纳税数据评估小微企业信用，支持无抵押贷款",
            "expected_value": "全市小微企业首贷率提升",
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
                    "items": [{"name": "credit_code", "justification": "关联企业的最小字段"}],
                }
            ],
        },
    )
    assert application["status"] == "under_review"
    return str(application["application_id"])


def _sign_in(page: Page, pdo: PdoUp, username: str) -> None:
    page.goto(pdo.url("/console/login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def _approve(page: Page, application_id: str, opinion: str) -> None:
    page.get_by_role("link", name=application_id).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(application_id)
    expect(page.get_by_text("关联企业的最小字段")).to_be_visible()
    page.get_by_label("同意", exact=True).check()
    page.get_by_label("审核意见").fill(opinion)
    page.get_by_role("button", name="提交审核").click()


def _developer_sees_sandboxes_appear_in_place(page: Page, pdo: PdoUp, grant_id: str) -> None:
    """The developer opens the sandboxes page before provisioning is done; htmx polling
    brings the grant's two sandboxes into the table without reloading the page."""
    developer = person(pdo, DEVELOPER, "dev.console")
    _sign_in(page, pdo, developer)
    page.get_by_role("link", name="授权运营空间").click()
    page.evaluate("window.consoleMarker = 'same page'")
    with page.expect_request(lambda r: r.url.endswith("/console/sandboxes/rows"), timeout=10_000):
        pass  # htmx polls the rows every two seconds
    rows = page.locator(f"#sandbox-rows tr[data-grant='{grant_id}']")
    # The grant's two sandboxes are recorded at once and filled in the background, a
    # few at a time (never behind the demo year's backlog): ready within minutes even
    # on a busy machine, the rows changing state in place.
    expect(rows).to_have_count(2, timeout=60_000)
    expect(rows.locator(".state[data-state='ready']")).to_have_count(2, timeout=240_000)
    assert page.evaluate("window.consoleMarker") == "same page"  # updated in place
    expect(rows.filter(has_text="开发沙箱")).to_have_count(1)
    page.get_by_role("button", name="退出登录").click()


def test_console_provider_and_bureau_review_an_application_to_a_grant(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    application_id = _application(pdo)
    provider = person(pdo, "org-370300-tax", "tax.reviewer")
    _sign_in(page, pdo, provider)
    waiting = page.get_by_role("region", name="涉及本单位数据的申请")
    expect(waiting.get_by_role("link", name=application_id)).to_be_visible()
    _approve(page, application_id, "同意，限沙箱内使用")
    expect(page.get_by_text("同意，限沙箱内使用")).to_be_visible()
    # The same party deciding twice is refused by request_review; the page says so.
    expect(page.locator("#status")).to_have_text("审核中")  # the bureau still reviews
    page.get_by_label("同意", exact=True).check()
    page.get_by_label("审核意见").fill("再次同意")
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator("#review-refused")).to_be_visible()
    expect(page.locator("li", has_text="再次同意")).to_have_count(0)  # kept in the form only
    page.get_by_role("button", name="退出登录").click()

    bureau = person(pdo, "org-370300-bureau", "bureau.reviewer")
    _sign_in(page, pdo, bureau)
    waiting = page.get_by_role("region", name="待审核的数据使用申请")
    expect(waiting.get_by_role("link", name=application_id)).to_be_visible()
    _approve(page, application_id, "同意，按最小必要原则授权")
    expect(page.locator("#status")).to_have_text("已批准")
    expect(page.locator("#grant")).not_to_be_empty()
    grant_id = page.locator("#grant").inner_text()
    # SEC-4: the bureau reviews the provider reviewer's operations across the services.
    page.get_by_role("link", name="人员操作记录").click()
    page.get_by_label("人员（用户名）").fill(provider)
    page.get_by_role("button", name="查询").click()
    rows = page.locator("tbody tr")
    expect(rows.filter(has_text="request_review")).not_to_have_count(0)
    # identity's record of the sign-in, its service and operation named in Chinese (the
    # raw values stay in data-service / data-action)
    logins = rows.filter(has=page.locator("[data-service='identity']")).filter(
        has=page.locator("[data-action='login']")
    )
    expect(logins).not_to_have_count(0)
    expect(logins.first).to_contain_text("身份与授权")
    expect(logins.first).to_contain_text("登录")
    page.get_by_label("起始时间（UTC，含）").fill("2099-01-01T00:00")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#operation-count")).to_have_text("0")
    page.get_by_role("button", name="退出登录").click()
    _developer_sees_sandboxes_appear_in_place(page, pdo, grant_id)
    _sign_in(page, pdo, bureau)
    page.get_by_role("link", name="人员操作记录").click()
    screenshot(page, "journey-end")


def test_SEC_4_console_a_reviewer_without_a_confidentiality_agreement_sees_the_refusal(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    application_id = _application(pdo)
    provider = person(pdo, "org-370300-tax", "tax.unsworn", agreement=False)
    _sign_in(page, pdo, provider)
    _approve(page, application_id, "同意")
    refused = page.locator("#review-refused")
    expect(refused).to_contain_text("无权执行此操作（规则 SEC-4：从业人员培训、保密与操作留痕）")
    expect(refused).to_contain_text("confidentiality agreement")
    expect(page.locator("#status")).to_have_text("审核中")
    screenshot(page, "refused-SEC-4")
