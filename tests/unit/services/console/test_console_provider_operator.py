"""The provider's and the operator's console pages (issue 13, item 2) without a browser:
the platform is an httpx MockTransport answering as the public APIs would, so each test
sees exactly which API calls a page made and what the person is shown."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from services.console.deadlines import CHINA, deadline
from services.console.pricing import check_under_cap, read_draft, to_fen, yuan
from tests.unit.services.console.mock_platform import FakePlatform, MockConsole

Route = tuple[str, str]


class Console:
    def __init__(self, client: TestClient[Any], platform: FakePlatform) -> None:
        self.client = client
        self.platform = platform

    def csrf(self) -> str:
        page = self.client.get("/")
        found = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert found is not None
        cookie = page.headers.get("set-cookie", "")
        value = re.search(r"pdo_console_csrf=([^;]+)", cookie)
        if value:
            self.client.cookies.set("pdo_console_csrf", value.group(1))
        return found.group(1)

    def post(self, path: str, data: dict[str, str]) -> httpx.Response:
        return self.client.post(
            path, data={"_csrf_token": self.csrf(), **data}, follow_redirects=False
        )


@pytest.fixture
def platform() -> FakePlatform:
    fake = FakePlatform()
    fake.answer("GET", "/billing/prices", 200, [])
    fake.answer("GET", "/billing/caps", 200, [])
    for path in (
        "/request_review/applications/",
        "/catalog/resources/",
        "/catalog/objections/",
        "/sandbox_broker/imports",
        "/product_release/exports/",
        "/request_review/scenarios/",
    ):
        fake.answer("GET", path, 200, {"items": [], "total": 0})
    return fake


def _console(
    mock_console: MockConsole, platform: FakePlatform, role: str, org: str
) -> Iterator[Console]:
    yield Console(mock_console(platform, sub=f"{role}.li", org=org, role=role), platform)


@pytest.fixture
def operator(mock_console: MockConsole, platform: FakePlatform) -> Iterator[Console]:
    yield from _console(mock_console, platform, "operator", "org-370300-operator")


@pytest.fixture
def provider(mock_console: MockConsole, platform: FakePlatform) -> Iterator[Console]:
    yield from _console(mock_console, platform, "provider", "org-370300-tax")


CAP = {"product_id": "prod-credit", "unit": "product", "cap_fen": 50_000, "set_at": "2026-01-01"}


# -- operator: prices under the caps (BIL-2) ---------------------------------------------


def test_BIL_2_a_price_over_its_cap_is_refused_on_preview_with_the_cap_shown(
    operator: Console, platform: FakePlatform
) -> None:
    platform.answer("GET", "/billing/caps", 200, [CAP])
    over = operator.post(
        "/operator/prices/preview",
        {"product_id": "prod-credit", "unit": "product", "unit_price": "500.01", "tiers": ""},
    )
    assert over.status_code == 422
    assert "单价 500.01 元超过上限收费标准为 500.00 元（规则 BIL-2" in over.text
    assert 'id="cap">500.00</span>' in over.text
    assert "确认公示" not in over.text  # no submit step for a price over its cap
    assert platform.all_posted("/billing/prices") == []
    # a tier over the cap is refused the same way, naming the tier
    tier = operator.post(
        "/operator/prices/preview",
        {"product_id": "prod-credit", "unit": "product", "unit_price": "400", "tiers": "100,600"},
    )
    assert tier.status_code == 422 and "自 100 起的阶梯单价 600.00 元超过" in tier.text
    # the submit itself checks again: a forged post of an over-cap price never reaches billing
    forged = operator.post(
        "/operator/prices",
        {"product_id": "prod-credit", "unit": "product", "unit_price": "999", "tiers": ""},
    )
    assert forged.status_code == 422 and "BIL-2" in forged.text
    assert platform.all_posted("/billing/prices") == []


def test_BIL_2_a_price_under_its_cap_is_previewed_then_listed(
    operator: Console, platform: FakePlatform
) -> None:
    platform.answer("GET", "/billing/caps", 200, [CAP])
    form = {
        "product_id": "prod-credit",
        "unit": "product",
        "unit_price": "450",
        "tiers": "1000,400.5",
    }
    preview = operator.post("/operator/prices/preview", form)
    assert preview.status_code == 200 and "确认公示" in preview.text
    assert "（上限 500.00 元）" in preview.text
    assert '<input type="hidden" name="tiers" value="1000,400.50">' in preview.text
    listed = {
        "price_id": "price-1",
        "product_id": "prod-credit",
        "unit": "product",
        "unit_price_fen": 45_000,
        "tiers": [],
    }
    platform.answer("POST", "/billing/prices", 200, listed)
    done = operator.post("/operator/prices", form)
    assert done.status_code == 200 and "已公示价格 price-1" in done.text
    assert platform.all_posted("/billing/prices") == [
        {
            "product_id": "prod-credit",
            "unit": "product",
            "unit_price_fen": 45_000,
            "tiers": [{"from_quantity": 1000, "unit_price_fen": 40_050}],
        }
    ]


def test_BIL_2_billings_own_refusal_is_shown_with_its_rule_when_reached(
    operator: Console, platform: FakePlatform
) -> None:
    """A cap set after the preview page was read: billing refuses, the page says why."""
    problem = {
        "status": 422,
        "detail": "price 60000 fen is above the cap of 50000 fen",
        "rule": "BIL-2",
        "errors": [{"field": "body.unit_price_fen", "message": "above the cap"}],
    }
    platform.answer("POST", "/billing/prices", 422, problem)
    refused = operator.post(
        "/operator/prices",
        {"product_id": "prod-credit", "unit": "product", "unit_price": "600", "tiers": ""},
    )
    assert refused.status_code == 422
    assert (
        "提交的内容不符合规则（规则 BIL-2：最高准许收入与收费上限）：above the cap" in refused.text
    )


def test_the_price_form_reads_yuan_and_tier_lines() -> None:
    assert (to_fen("12.5"), to_fen("0"), to_fen("1.234"), to_fen("-1"), to_fen("x")) == (
        1250,
        0,
        None,
        None,
        None,
    )
    assert (to_fen("NaN"), to_fen("Infinity"), yuan(40_050)) == (None, None, "400.50")
    two = read_draft({"product_id": "p", "unit": "call", "unit_price": "9", "tiers": "10,8\n20,7"})
    assert two.tiers == [(10, 800), (20, 700)] and two.errors == {}
    assert (
        read_draft(
            {"product_id": "p", "unit": "call", "unit_price": "9", "tiers": "10,8;20,7"}
        ).tiers
        == two.tiers
    )
    bad = read_draft({"product_id": "", "unit": "litre", "unit_price": "abc", "tiers": "1;2"})
    assert set(bad.errors) == {"product_id", "unit", "unit_price", "tiers"}
    uncapped = check_under_cap(
        read_draft({"product_id": "p", "unit": "call", "unit_price": "9999"}), [CAP]
    )
    assert uncapped.errors == {} and uncapped.cap_fen is None  # no cap for that unit


# -- operator: scenarios, imports, annual report -----------------------------------------


def test_REQ_1_the_operator_files_a_scenario_and_sees_its_own(
    operator: Console, platform: FakePlatform
) -> None:
    scenario = {"scenario_id": "scn-1", "name": "信用评估", "domain": "finance"}
    platform.answer(
        "GET",
        "/request_review/scenarios/",
        200,
        {"items": [{**scenario, "status": "active", "scenario_class": "commercial"}], "total": 1},
    )
    page = operator.client.get("/operator/scenarios")
    assert page.status_code == 200
    assert 'data-state="active">使用中' in page.text and "经营性" in page.text
    assert ("GET", "/request_review/scenarios/", None) in platform.calls
    platform.answer("POST", "/request_review/scenarios", 200, scenario)
    form = {
        "name": "信用评估",
        "domain": "finance",
        "purpose": "评估小微企业信用",
        "expected_value": "首贷率提升",
        "scenario_class": "commercial",
    }
    filed = operator.post("/operator/scenarios", form)
    assert filed.status_code == 303
    assert platform.all_posted("/request_review/scenarios") == [form]


def test_SBX_4_the_operator_approves_or_rejects_an_own_data_import(
    operator: Console, platform: FakePlatform
) -> None:
    pending = {
        "import_id": "imp-1",
        "sandbox_id": "sbx-1",
        "developer_org_id": "org-dev",
        "table": "my_firms",
        "rows": 3,
        "columns": ["credit_code", "name"],
        "state": "pending",
        "reason": "",
    }
    platform.answer("GET", "/sandbox_broker/imports", 200, [pending])
    page = operator.client.get("/operator/imports")
    assert 'data-state="pending">待审核' in page.text and "批准导入" in page.text
    platform.answer("POST", "/sandbox_broker/imports/imp-1/decision", 200, pending)
    assert (
        operator.post("/operator/imports/imp-1/decision", {"decision": "approve"}).status_code
        == 303
    )
    problem = {
        "status": 422,
        "rule": "SBX-4",
        "errors": [{"field": "body.reason", "message": "give a reason"}],
    }
    platform.answer("POST", "/sandbox_broker/imports/imp-1/decision", 422, problem)
    refused = operator.post(
        "/operator/imports/imp-1/decision", {"decision": "reject", "reason": ""}
    )
    assert refused.status_code == 422 and "规则 SBX-4" in refused.text
    assert platform.all_posted("/sandbox_broker/imports/imp-1/decision") == [
        {"approve": True, "reason": ""},
        {"approve": False, "reason": ""},
    ]


def test_EVA_1_the_operator_files_its_annual_report_and_reads_it(
    operator: Console, platform: FakePlatform
) -> None:
    report = {
        "report_id": "rep-1",
        "operator_org_id": "org-370300-operator",
        "year": 2025,
        "figures": {"agreement_signed": True, "trades": 6, "incidents": {"low": 1}},
        "statements": {"authorized_storage": "存储于政务云"},
        "content_hash": "abc",
        "filed_at": "2026-01-10T00:00:00Z",
        "revision": 1,
    }
    platform.answer("POST", "/evaluation/annual-reports", 200, report)
    platform.answer("GET", "/evaluation/annual-reports/rep-1", 200, report)
    statements = {
        "authorized_storage": "存储于政务云",
        "development_and_use": "开发产品 3 个",
        "market_operation": "交易 5 笔",
        "security_and_compliance": "无安全事件",
    }
    filed = operator.post("/operator/annual-report", {"year": "2025", **statements})
    assert filed.status_code == 303
    assert filed.headers["location"] == "/console/operator/annual-reports/rep-1"
    assert platform.all_posted("/evaluation/annual-reports") == [{"year": 2025, **statements}]
    shown = operator.client.get("/operator/annual-reports/rep-1")
    assert "存储于政务云" in shown.text
    assert '<td data-figure="agreement_signed">已签订授权运营协议</td><td>是</td>' in shown.text
    assert '<td data-figure="incidents">安全事件</td><td>一般 1</td>' in shown.text


# -- provider: resources, applications, objections ---------------------------------------


def test_CAT_1_the_provider_registers_a_resource_with_its_items_and_grades(
    provider: Console, platform: FakePlatform
) -> None:
    form = {
        "name": "企业纳税信息",
        "description": "按月汇总",
        "category": "tax",
        "update_frequency": "monthly",
        "source_system": "金税系统",
        "item-0-name": "credit_code",
        "item-0-type": "string",
        "item-0-grade": "2",
        "item-0-description": "统一社会信用代码",
        "item-1-name": "",
        "item-1-type": "",
        "item-1-grade": "1",
        "item-1-description": "",
        "item-2-name": "tax_paid",
        "item-2-type": "decimal",
        "item-2-grade": "3",
        "item-2-description": "",
    }
    platform.answer("POST", "/catalog/resources/", 200, {"resource_id": "res-9"})
    made = provider.post("/provider/resources", form)
    assert (
        made.status_code == 303 and made.headers["location"] == "/console/provider/resources/res-9"
    )
    (body,) = platform.all_posted("/catalog/resources/")
    assert body["items"] == [
        {"name": "credit_code", "type": "string", "grade": 2, "description": "统一社会信用代码"},
        {"name": "tax_paid", "type": "decimal", "grade": 3, "description": ""},
    ]


def test_CAT_4_the_provider_changes_a_registration_and_sees_the_refusal_by_field(
    provider: Console, platform: FakePlatform
) -> None:
    resource = {
        "resource_id": "res-9",
        "name": "企业纳税信息",
        "description": "按月汇总",
        "category": "tax",
        "update_frequency": "monthly",
        "source_system": "金税系统",
        "items": [{"name": "credit_code", "type": "string", "grade": 2, "description": ""}],
        "status": "published",
        "grade": 2,
        "registration_code": "REG-1",
        "evidence_hash": "h",
        "registrations": [{"kind": "first", "registration_code": "REG-1", "at": "2026"}],
    }
    platform.answer("GET", "/catalog/resources/res-9", 200, resource)
    shown = provider.client.get("/provider/resources/res-9")
    assert 'value="credit_code"' in shown.text and "首次登记 REG-1" in shown.text
    assert '<option value="2" selected>' in shown.text
    assert 'data-state="published">已发布' in shown.text
    problem = {
        "status": 422,
        "rule": "CAT-1",
        "errors": [{"field": "body.items", "message": "at least one data item"}],
    }
    platform.answer("PUT", "/catalog/resources/res-9", 422, problem)
    refused = provider.post(
        "/provider/resources/res-9",
        {k: str(v) for k, v in resource.items() if k in {"name", "description"}}
        | {"category": "tax", "update_frequency": "monthly", "source_system": "x"},
    )
    assert refused.status_code == 422
    assert "（规则 CAT-1：目录条目的内容与一数一源）：at least one data item" in refused.text
    assert platform.all_posted("/catalog/resources/res-9")[0]["items"] == []


def _objection(due_on: date, status: str = "open") -> dict[str, Any]:
    return {
        "objection_id": "obj-1",
        "resource_id": "res-9",
        "item_name": "tax_paid",
        "provider_org_id": "org-370300-tax",
        "raised_by_org_id": "org-dev",
        "description": "三月份数据缺失",
        "due_on": due_on.isoformat(),
        "status": status,
        "resolution": "",
        "verification": "",
    }


def test_CAT_5_the_provider_answers_an_objection_before_its_deadline(
    provider: Console, platform: FakePlatform
) -> None:
    today = datetime.now(CHINA).date()
    platform.answer("GET", "/catalog/objections/obj-1", 200, _objection(today + timedelta(days=3)))
    shown = provider.client.get("/provider/objections/obj-1")
    assert f"{(today + timedelta(days=3)).isoformat()}（当日 24 时止" in shown.text
    assert "剩 3 天" in shown.text and "提交整改答复" in shown.text
    platform.answer("POST", "/catalog/objections/obj-1/correction", 200, {})
    answered = provider.post("/provider/objections/obj-1/correction", {"resolution": "已补录"})
    assert answered.status_code == 303
    assert platform.all_posted("/catalog/objections/obj-1/correction") == [{"resolution": "已补录"}]


def test_CAT_5_an_objection_answer_after_its_deadline_is_refused_naming_the_rule(
    provider: Console, platform: FakePlatform
) -> None:
    yesterday = datetime.now(CHINA).date() - timedelta(days=1)
    platform.answer("GET", "/catalog/objections/obj-1", 200, _objection(yesterday, "escalated"))
    shown = provider.client.get("/provider/objections/obj-1")
    assert "提交整改答复" not in shown.text and "规则 CAT-5" in shown.text
    late = provider.post("/provider/objections/obj-1/correction", {"resolution": "已补录"})
    assert late.status_code == 409
    assert f"已超过整改期限（{yesterday.isoformat()}）" in late.text and "规则 CAT-5" in late.text
    assert platform.all_posted("/catalog/objections/obj-1/correction") == []


def test_CAT_5_the_last_day_counts_in_china_time() -> None:
    # 2026-03-01 23:30 in China is 15:30 UTC: still the last day
    assert not deadline("2026-03-01", datetime(2026, 3, 1, 15, 30, tzinfo=UTC)).passed
    # 00:30 the next day in China is 16:30 UTC on the last day: passed
    assert deadline("2026-03-01", datetime(2026, 3, 1, 16, 30, tzinfo=UTC)).passed


def test_REQ_3_the_provider_sees_the_applications_asking_for_its_data_with_its_opinion(
    provider: Console, platform: FakePlatform
) -> None:
    application = {
        "application_id": "app-1",
        "scenario_id": "scn-1",
        "developer_org_id": "org-dev",
        "status": "under_review",
        "requested": [{"resource_id": "res-9", "items": []}],
        "reviews": [
            {"reviewer_org_id": "org-370300-tax", "decision": "approve", "opinion": "同意使用"}
        ],
    }
    platform.answer("GET", "/request_review/applications/", 200, {"items": [application]})
    page = provider.client.get("/provider/applications")
    assert 'href="/console/applications/app-1"' in page.text
    assert "批准：同意使用" in page.text and 'data-state="under_review">审核中' in page.text


def test_provider_and_operator_pages_are_in_the_navigation_and_carry_labels(
    provider: Console, operator: Console
) -> None:
    home = provider.client.get("/")
    for path in ("/provider/resources", "/provider/applications", "/provider/objections"):
        assert f'href="/console{path}"' in home.text
    assert "待答复的数据异议" in home.text
    new = provider.client.get("/provider/resources/new")
    for field in ("name", "description", "category", "item-0-name", "item-0-grade"):
        assert f'<label for="{field}"' in new.text and f'id="{field}"' in new.text
    assert "style=" not in new.text and "<script>" not in new.text
    prices = operator.client.get("/operator/prices")
    for field in ("product_id", "unit", "unit_price", "tiers"):
        assert f'<label for="{field}">' in prices.text
    assert 'name="_csrf_token"' in prices.text
