"""The bureau's oversight journeys in the console (issue 13, item 2, bureau line): product
filing from the certificate (产品备案/证书, EXP-1), operator authorization (授权运营, AUTH-2),
rectification orders, incidents and inspections (整改/事件/检查, EVA-3, SEC-6), and the
negative list (负面清单, CAT-2). One test per journey, by clicks and typing from the
bureau's home page; what others do first (a certified product, an operator's report) is
done through the public APIs."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.bureau_fixtures import OPERATOR, call, certified_product, sign_in
from tests.browser.conftest import Screenshot
from tests.browser.console_people import person
from tests.infra.pdo_up import PdoUp

BUREAU = "org-370300-bureau"

# The session's pdo up loads the demo year first: minutes on a busy machine.
pytestmark = pytest.mark.timeout(1500)


def test_console_bureau_files_a_product_from_its_certificate(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    product_id, name = certified_product(pdo)
    sign_in(page, pdo, person(pdo, BUREAU, "bureau.filing"))
    waiting = page.get_by_role("region", name="待备案的数据产品")
    waiting.get_by_role("link", name=product_id).click()
    expect(page.locator("#state")).to_have_text("已出证待备案")
    expect(page.locator("#certificate")).to_contain_text("按纳税信用等级汇总纳税规模")
    page.get_by_label("予以备案").check()
    page.get_by_label("备案意见").fill("材料齐全，予以备案")
    page.get_by_role("button", name="提交备案意见").click()
    expect(page.locator("#state")).to_have_text("已备案")
    expect(page.locator("#filing-number")).not_to_be_empty()
    page.get_by_role("link", name="产品备案").click()
    page.get_by_label("状态").select_option(label="已备案")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#products tr", has_text=name)).to_have_count(1)
    screenshot(page, "filed")


def test_console_bureau_publishes_and_cancels_a_tender_and_reads_the_agreement(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    sign_in(page, pdo, person(pdo, BUREAU, "bureau.authorizer"))
    page.get_by_role("link", name="授权运营", exact=True).click()
    # The demo's authorization: the operator chosen, publicity ended, agreement in force.
    active = page.locator("#authorizations tr", has_text="使用中")
    expect(active).to_have_count(1)
    active.get_by_role("link").click()
    expect(page.locator("#operator")).to_have_text(OPERATOR)
    expect(page.locator("#publicity-ends")).not_to_be_empty()
    expect(page.locator("#agreement-term")).to_contain_text("至")
    expect(page.get_by_role("button", name="暂停授权，限期整改")).to_be_visible()
    expect(page.get_by_role("button", name="终止授权")).to_be_visible()
    expect(page.get_by_role("button", name="签订授权运营协议")).to_have_count(0)
    # A new tender by public tender (公开招标), then cancelled with the reason.
    page.get_by_role("link", name="授权运营", exact=True).click()
    title = f"淄博市交通数据授权运营遴选 {uuid.uuid4().hex[:6]}"
    page.get_by_label("公告名称").fill(title)
    page.get_by_label("遴选方式").select_option(label="公开招标")
    page.get_by_role("button", name="发布遴选公告").click()
    expect(page.locator("#state")).to_have_text("遴选公告已发布")
    expect(page.get_by_role("button", name="终止授权")).to_have_count(0)
    page.get_by_label("取消理由").fill("领域调整，重新发布")
    page.get_by_role("button", name="取消遴选").click()
    expect(page.locator("#state")).to_have_text("遴选已取消")
    screenshot(page, "cancelled")


def test_SEC_6_console_bureau_orders_a_rectification_and_tracks_inspection_findings(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    sign_in(page, pdo, person(pdo, BUREAU, "bureau.inspector"))
    page.get_by_role("link", name="整改与检查").click()
    # The demo year's incident, inspection and accepted rectification are listed.
    expect(page.locator("#incidents tbody tr")).not_to_have_count(0)
    expect(page.locator("#orders [data-state='completed']")).not_to_have_count(0)
    # EVA-3: an order with its deadline; the operator reports; the bureau accepts.
    finding = f"出域审核记录未归档 {uuid.uuid4().hex[:6]}"
    page.get_by_label("被整改的运营机构").fill(OPERATOR)
    page.get_by_label("发现的问题", exact=True).fill(finding)
    page.get_by_label("整改期限").fill((date.today() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="下达整改通知").click()
    row = page.locator("#orders tr", has_text=finding)
    expect(row.locator(".state")).to_have_text("限期整改")
    order_id = row.get_attribute("data-order")
    call(
        pdo,
        pdo.token(OPERATOR),
        "POST",
        f"/evaluation/rectifications/{order_id}/report",
        {"report": "已补齐归档"},
    )
    page.reload()
    page.get_by_label(f"验收通过 {order_id}").check()
    page.get_by_role("button", name=f"提交验收 {order_id}").click()
    expect(page.locator("#orders tr", has_text=finding).locator(".state")).to_have_text(
        "整改验收通过"
    )
    # SEC-6: an inspection with two findings, one closed with its note.
    first, second = f"日志留存不足 {order_id}", f"权限未定期复核 {order_id}"
    page.get_by_label("被检查单位").fill(OPERATOR)
    page.get_by_label("检查日期").fill(date.today().isoformat())
    page.get_by_label("发现的问题（每行一条）").fill(f"{first}\n{second}")
    page.get_by_role("button", name="登记安全检查").click()
    inspection = page.locator("#inspections tbody > tr", has_text=first)
    expect(inspection.locator(".open-findings")).to_have_text("2")
    page.get_by_label(f"整改情况 {first}").fill("已延长日志留存至180天")
    page.get_by_role("button", name=f"关闭问题 {first}").click()
    inspection = page.locator("#inspections tbody > tr", has_text=first)
    expect(inspection.locator(".open-findings")).to_have_text("1")
    expect(inspection.locator("li[data-closed='true']")).to_contain_text("已延长日志留存至180天")
    screenshot(page, "inspection")


def test_CAT_2_console_bureau_puts_a_data_item_on_the_negative_list(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    found = call(
        pdo, pdo.token(BUREAU), "GET", "/catalog/resources/?provider_org_id=org-370300-market"
    )
    resource = next(r for r in found["items"] if r["name"] == "市场主体登记信息")
    sign_in(page, pdo, person(pdo, BUREAU, "bureau.negative"))
    page.get_by_role("link", name="负面清单").click()
    listed = page.locator("#negative-list tbody tr")
    expect(listed.filter(has_text="legal_rep_id")).not_to_have_count(0)  # the demo's entry
    # An unknown resource is refused, the refusal shown in Chinese.
    page.get_by_label("资源编号").fill("no-such-resource")
    page.get_by_label("列入理由").fill("测试")
    page.get_by_role("button", name="列入负面清单").click()
    expect(page.locator("#negative-refused")).to_contain_text("未找到该记录")
    page.get_by_label("资源编号").fill(resource["resource_id"])
    page.get_by_label("数据项（留空则列入整个资源）").fill("legal_rep_name")
    page.get_by_label("列入理由").fill("法定代表人姓名属个人信息，禁止开放")
    page.get_by_role("button", name="列入负面清单").click()
    entry = page.locator("#negative-list tbody tr", has_text="legal_rep_name")
    expect(entry.locator(".reason")).to_have_text("法定代表人姓名属个人信息，禁止开放")
    screenshot(page, "negative-list")
