"""The bureau's console pages without a browser (issue 13, item 2, bureau line): each page
rendered by Litestar's TestClient against an ``httpx.MockTransport`` standing in for the
platform, so what the console sends to the APIs and what it shows of their answers (and
refusals, with the rule they name) is asserted exactly."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.unit.services.console.mock_platform import FakePlatform, MockConsole, csrf

Platform = FakePlatform
_csrf = csrf


@pytest.fixture
def console(mock_console: MockConsole) -> Callable[..., TestClient[Any]]:
    def make(platform: Platform, role: str = "bureau") -> TestClient[Any]:
        return mock_console(platform, sub="bureau.wang", org="org-370300-bureau", role=role)

    return make


APPLICATION = {
    "application_id": "app-1",
    "scenario_id": "scn-1",
    "developer_org_id": "org-370300-dev-qixin",
    "purpose": "按行业统计纳税规模",
    "status": "under_review",
    "required_reviewers": [{"party": "bureau", "org_id": None, "reviewed": False}],
    "requested": [
        {
            "resource_id": "res-tax",
            "items": [
                {"name": "credit_code", "justification": "关联企业"},
                {"name": "tax_paid_fen", "justification": "统计纳税规模"},
            ],
        }
    ],
    "reviews": [
        {
            "party": "provider",
            "reviewer_org_id": "org-370300-tax",
            "decision": "approve",
            "opinion": "同意，限沙箱内使用",
        }
    ],
    "scope": [
        {
            "resource_id": "res-tax",
            "provider_org_id": "org-370300-tax",
            "items": ["credit_code", "tax_paid_fen"],
            "row_filter": "",
            "masking": {},
        }
    ],
}


def test_REQ_2_console_bureau_narrows_items_adds_a_row_filter_and_masking(
    console: Callable[[Platform], TestClient[Any]],
) -> None:
    api = "/request_review/applications/app-1"
    platform = Platform({("GET", api): (200, APPLICATION), ("POST", api + "/reviews"): (200, {})})
    client = console(platform)
    shown = client.get("/applications/app-1").text
    assert "同意，限沙箱内使用" in shown and "数据提供单位" in shown  # the provider's opinion
    assert "统计纳税规模" in shown  # each item's justification
    assert '<label for="keep-0-1">保留数据项 tax_paid_fen</label>' in shown
    answer = client.post(
        "/applications/app-1/reviews",
        data={
            "_csrf_token": _csrf(client, "/applications/app-1"),
            "decision": "approve",
            "opinion": "同意，核减后授权",
            "keep:0:1": "on",
            "mask:0:1": "coarsen",
            "mask:0:0": "tokenize",  # on an item no longer kept: not sent
            "row_filter:0": "tax_year = 2024",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert platform.posted(api + "/reviews") == {
        "decision": "approve",
        "opinion": "同意，核减后授权",
        "resources": [
            {
                "resource_id": "res-tax",
                "items": ["tax_paid_fen"],
                "row_filter": "tax_year = 2024",
                "masking": {"tax_paid_fen": "coarsen"},
            }
        ],
    }


def test_REQ_2_console_a_refused_narrowing_is_shown_next_to_the_conditions(
    console: Callable[[Platform], TestClient[Any]],
) -> None:
    api = "/request_review/applications/app-1"
    problem = {
        "status": 422,
        "detail": "keep at least one item, or reject the application",
        "rule": "REQ-2",
        "errors": [{"field": "resources[0].items", "message": "keep at least one item"}],
    }
    platform = Platform(
        {("GET", api): (200, APPLICATION), ("POST", api + "/reviews"): (422, problem)}
    )
    client = console(platform)
    answer = client.post(
        "/applications/app-1/reviews",
        data={
            "_csrf_token": _csrf(client, "/applications/app-1"),
            "decision": "approve",
            "opinion": "同意",
            "row_filter:0": "",
        },
    )
    assert answer.status_code == 422
    assert platform.posted(api + "/reviews")["resources"][0]["items"] == []
    conditions = re.search(r'id="conditions-refused">([^<]+)<', answer.text)
    assert conditions is not None and "规则 REQ-2" in conditions.group(1)
    assert "keep at least one item" in conditions.group(1)


def test_REQ_2_console_a_rejection_sends_no_conditions(
    console: Callable[[Platform], TestClient[Any]],
) -> None:
    api = "/request_review/applications/app-1"
    platform = Platform({("GET", api): (200, APPLICATION), ("POST", api + "/reviews"): (200, {})})
    client = console(platform)
    client.post(
        "/applications/app-1/reviews",
        data={
            "_csrf_token": _csrf(client, "/applications/app-1"),
            "decision": "reject",
            "opinion": "用途与场景不符",
            "keep:0:0": "on",
        },
        follow_redirects=False,
    )
    assert platform.posted(api + "/reviews") == {"decision": "reject", "opinion": "用途与场景不符"}


EXPORT = {
    "export_id": "exp-1",
    "output_name": "output_top_payers",
    "kind": "table",
    "universe": "淄博市纳税企业",
    "developer_org_id": "org-370300-dev-qixin",
    "requester_user_id": "dev.li",
    "grant_id": "grant-1",
    "state": "checks_failed",
    "reviewer_user_id": "",
    "rejection_reason": "",
}
REPORT = {
    "content_hash": "ab" * 32,
    "passed": False,
    "checks": [
        {
            "name": "minimum_cell_count",
            "rules": ["EXP-2"],
            "passed": False,
            "reason": "cells below 10",
            "offending_count": 3,
            "offending": [
                {"cell": {"grade": "A"}, "count": 3},
                {"cell": {"grade": "B"}, "count": 7},
            ],
        },
        {
            "name": "direct_identifiers",
            "rules": ["EXP-2", "SBX-3"],
            "passed": True,
            "reason": "none",
            "offending": [],
            "offending_count": 0,
        },
    ],
}


def test_EXP_2_console_the_check_report_is_shown_cell_by_cell_with_its_rules(
    console: Callable[[Platform], TestClient[Any]],
) -> None:
    api = "/product_release/exports/exp-1"
    platform = Platform({("GET", api): (200, EXPORT), ("GET", api + "/report"): (200, REPORT)})
    html = console(platform).get("/export-reviews/exp-1").text
    cells = re.findall(
        r'<tr class="cell" data-check="([a-z_]+)" data-passed="(\w+)">(.*?)</tr>', html
    )
    assert [(c[0], c[1]) for c in cells] == [("minimum_cell_count", "false")] * 2
    assert "最小单元格计数（未通过）" in cells[0][2] and "EXP-2" in cells[0][2]
    assert "grade" in cells[0][2] and "count=3" in cells[0][2]
    assert "另有 1 个单元格未列出" in html
    assert 'data-check="direct_identifiers" data-passed="true"' in html
    assert "EXP-2、SBX-3" in html
    assert "提交出域审核" not in html  # a failed report is never offered for approval


def test_EXP_6_console_the_requesters_own_approval_is_refused_with_the_rule(
    console: Callable[[Platform], TestClient[Any]],
) -> None:
    api = "/product_release/exports/exp-1"
    problem = {
        "status": 403,
        "detail": "four eyes: whoever requested an export can never approve it",
        "rule": "EXP-6",
        "rule_title": "四眼原则",
    }
    platform = Platform(
        {
            ("GET", api): (200, {**EXPORT, "state": "checks_passed"}),
            ("GET", api + "/report"): (
                200,
                {**REPORT, "passed": True, "checks": REPORT["checks"][1:]},
            ),
            ("POST", api + "/decision"): (403, problem),
        }
    )
    client = console(platform, "developer")
    answer = client.post(
        "/export-reviews/exp-1/decision",
        data={
            "_csrf_token": _csrf(client, "/export-reviews/exp-1"),
            "decision": "approve",
            "reason": "自己批准",
        },
    )
    assert answer.status_code == 403
    assert platform.posted(api + "/decision") == {"approve": True, "reason": "自己批准"}
    refused = re.search(r'id="decision-refused">([^<]+)<', answer.text)
    assert refused is not None
    assert "无权执行此操作（规则 EXP-6：四眼原则）" in refused.group(1)


def test_EXP_1_console_product_filing_is_accepted_or_returned_with_the_reason(
    console: Callable[[Platform], TestClient[Any]],
) -> None:
    api = "/product_release/products/prd-1"
    product = {
        "product_id": "prd-1",
        "name": "月度统计",
        "kind": "dataset",
        "state": "certified",
        "developer_org_id": "org-370300-dev-qixin",
        "export_id": "exp-1",
        "certificate_id": "cert-1",
        "certificate_hash": "cd" * 32,
        "certificate": {
            "business_logic": "按口径汇总",
            "data_sources": [{"resource_id": "res-tax"}],
        },
        "filing_number": "",
        "filing_return_reason": "",
        "registration_code": "",
    }
    platform = Platform({("GET", api): (200, product), ("POST", api + "/filing"): (200, {})})
    client = console(platform)
    html = client.get("/product-filings/prd-1").text
    assert "按口径汇总" in html and "resource_id：res-tax" in html and "已出证待备案" in html
    client.post(
        "/product-filings/prd-1/filing",
        data={
            "_csrf_token": _csrf(client, "/product-filings/prd-1"),
            "decision": "return",
            "reason": "材料不全",
        },
        follow_redirects=False,
    )
    assert platform.posted(api + "/filing") == {"accept": False, "reason": "材料不全"}


AUTHORIZATION = {
    "authorization_id": "auth-1",
    "title": "淄博市公共数据授权运营",
    "selection_mode": "public_tender",
    "scope": {"mode": "whole", "domain": "", "industry_authority_org_id": "", "resources": []},
    "published_at": "2026-01-01T00:00:00Z",
    "state": "active",
    "next_steps": [
        "agreement_expired",
        "agreement_suspended",
        "agreement_terminated",
        "renewal_applied",
    ],
    "applications": [],
    "objections": [],
    "operator_org_id": "org-370300-operator",
    "publicity_ends_at": "2026-01-20T16:00:00Z",
    "missing_sections": [],
    "renewals": [],
    "suspension": None,
    "end_reason": "",
    "agreement": {
        "agreement_id": "agr-1",
        "operator_org_id": "org-370300-operator",
        "starts_on": "2026-02-01",
        "ends_on": "2029-01-31",
        "sections": {},
        "signed_at": "2026-02-01T00:00:00Z",
        "signed_by": "bureau.wang",
    },
}


def test_AUTH_6_console_offers_only_the_steps_the_machine_allows_and_terminates_on_a_ground(
    console: Callable[[Platform], TestClient[Any]],
) -> None:
    api = "/identity/authorizations/auth-1"
    platform = Platform(
        {("GET", api): (200, AUTHORIZATION), ("POST", api + "/termination"): (200, {})}
    )
    client = console(platform)
    html = client.get("/authorizations/auth-1").text
    assert "2026-02-01 至 2029-01-31" in html and "公示截止" in html
    assert "暂停授权，限期整改" in html and "终止授权" in html
    assert "整改合格，恢复授权" not in html and "取消遴选" not in html
    assert '<option value="targets_missed">未达运营目标</option>' in html
    client.post(
        "/authorizations/auth-1/steps/agreement_terminated",
        data={
            "_csrf_token": _csrf(client, "/authorizations/auth-1"),
            "ground": "penalty",
            "reason": "受到行政处罚",
        },
        follow_redirects=False,
    )
    assert platform.posted(api + "/termination") == {"ground": "penalty", "reason": "受到行政处罚"}


def test_AUTH_2_console_a_refused_tender_names_the_rule(
    console: Callable[[Platform], TestClient[Any]],
) -> None:
    problem = {
        "status": 422,
        "detail": "Zibo selects by public tender only",
        "rule": "AUTH-2",
        "errors": [{"field": "selection_mode", "message": "public tender only"}],
    }
    platform = Platform(
        {
            ("GET", "/identity/authorizations/"): (200, {"items": []}),
            ("POST", "/identity/authorizations/"): (422, problem),
        }
    )
    client = console(platform)
    answer = client.post(
        "/authorizations",
        data={
            "_csrf_token": _csrf(client, "/authorizations"),
            "title": "遴选",
            "selection_mode": "invited_tender",
        },
    )
    assert answer.status_code == 422
    assert platform.posted("/identity/authorizations/") == {
        "title": "遴选",
        "selection_mode": "invited_tender",
    }
    assert "规则 AUTH-2" in answer.text and "Zibo selects by public tender only" in answer.text


def test_SEC_6_console_records_an_inspection_one_finding_per_line_and_closes_a_finding(
    console: Callable[[Platform], TestClient[Any]],
) -> None:
    inspection = {
        "inspection_id": "ins-1",
        "subject_org_id": "org-370300-operator",
        "inspected_on": "2026-03-01",
        "open_findings": 1,
        "findings": [
            {
                "index": 0,
                "text": "日志留存不足",
                "closed": False,
                "closed_at": None,
                "closure_note": "",
            }
        ],
    }
    platform = Platform(
        {
            ("GET", "/evaluation/rectifications/"): (200, []),
            ("GET", "/evaluation/incidents/"): (
                200,
                [
                    {
                        "incident_id": "inc-1",
                        "severity": "high",
                        "summary": "越权访问",
                        "reporter_org_id": "o",
                        "occurred_at": "x",
                        "reported_at": "y",
                    }
                ],
            ),
            ("GET", "/evaluation/inspections/"): (200, [inspection]),
            ("POST", "/evaluation/inspections/"): (200, inspection),
            ("POST", "/evaluation/inspections/ins-1/findings/0/closure"): (200, inspection),
        }
    )
    client = console(platform)
    html = client.get("/supervision").text
    assert "越权访问" in html and "重大" in html
    assert "关闭问题 日志留存不足" in html
    token = _csrf(client, "/supervision")
    client.post(
        "/supervision/inspections",
        data={
            "_csrf_token": token,
            "subject_org_id": "org-370300-operator",
            "inspected_on": "2026-03-01",
            "findings": "日志留存不足\n\n  权限未复核 \n",
        },
        follow_redirects=False,
    )
    assert platform.posted("/evaluation/inspections/") == {
        "subject_org_id": "org-370300-operator",
        "inspected_on": "2026-03-01",
        "findings": ["日志留存不足", "权限未复核"],
    }
    client.post(
        "/supervision/inspections/ins-1/findings/0/closure",
        data={"_csrf_token": token, "note": "已补足"},
        follow_redirects=False,
    )
    assert platform.posted("/evaluation/inspections/ins-1/findings/0/closure") == {"note": "已补足"}


def test_EVA_3_console_orders_a_rectification_and_returns_a_report_with_the_reason(
    console: Callable[[Platform], TestClient[Any]],
) -> None:
    order = {
        "order_id": "ord-1",
        "operator_org_id": "org-370300-operator",
        "finding": "目标未达",
        "due_on": "2026-09-30",
        "state": "reported",
        "report": "已整改",
        "return_reason": "",
    }
    platform = Platform(
        {
            ("GET", "/evaluation/rectifications/"): (200, [order]),
            ("GET", "/evaluation/incidents/"): (200, []),
            ("GET", "/evaluation/inspections/"): (200, []),
            ("POST", "/evaluation/rectifications/"): (200, order),
            ("POST", "/evaluation/rectifications/ord-1/return"): (200, order),
        }
    )
    client = console(platform)
    html = client.get("/supervision").text
    assert 'data-state="reported">整改情况已报告' in html and "提交验收 ord-1" in html
    token = _csrf(client, "/supervision")
    client.post(
        "/supervision/rectifications",
        data={
            "_csrf_token": token,
            "operator_org_id": "org-370300-operator",
            "finding": "目标未达",
            "due_on": "2026-09-30",
        },
        follow_redirects=False,
    )
    assert platform.posted("/evaluation/rectifications/") == {
        "operator_org_id": "org-370300-operator",
        "finding": "目标未达",
        "due_on": "2026-09-30",
    }
    client.post(
        "/supervision/rectifications/ord-1/decision",
        data={"_csrf_token": token, "decision": "return", "reason": "证据不足"},
        follow_redirects=False,
    )
    assert platform.posted("/evaluation/rectifications/ord-1/return") == {"reason": "证据不足"}


def test_CAT_2_console_lists_one_data_item_on_the_negative_list(
    console: Callable[[Platform], TestClient[Any]],
) -> None:
    entry = {
        "resource_id": "res-tax",
        "resource_name": "企业纳税信息",
        "provider_org_id": "org-370300-tax",
        "item_name": "legal_person_id",
        "reason": "涉及个人身份",
        "listed_at": "2026-03-01T00:00:00Z",
    }
    platform = Platform(
        {
            ("GET", "/catalog/negative-list/"): (200, {"items": [entry]}),
            ("POST", "/catalog/negative-list/"): (200, entry),
        }
    )
    client = console(platform)
    html = client.get("/negative-list").text
    assert "涉及个人身份" in html and "legal_person_id" in html
    client.post(
        "/negative-list",
        data={
            "_csrf_token": _csrf(client, "/negative-list"),
            "resource_id": " res-tax ",
            "item_name": "",
            "reason": "整体禁止开放",
        },
        follow_redirects=False,
    )
    assert platform.posted("/catalog/negative-list/") == {
        "resource_id": "res-tax",
        "reason": "整体禁止开放",
    }


def test_console_bureau_navigation_reaches_every_journey_from_home(
    console: Callable[[Platform], TestClient[Any]],
) -> None:
    html = console(Platform({})).get("/").text
    for path in (
        "/export-reviews",
        "/product-filings",
        "/authorizations",
        "/supervision",
        "/negative-list",
    ):
        assert f'href="/console{path}"' in html
    assert "待第二人审批的出域申请" in html and "待备案的数据产品" in html


def test_AUTH_4_console_drafts_the_agreement_with_its_sections_and_decides_an_objection(
    console: Callable[[Platform], TestClient[Any]],
) -> None:
    api = "/identity/authorizations/auth-2"
    publicized = {
        **AUTHORIZATION,
        "authorization_id": "auth-2",
        "state": "publicized",
        "next_steps": ["objection_dismissed", "objection_filed", "objection_upheld"],
        "agreement": None,
        "objections": [
            {
                "objection_id": "obj-1",
                "filed_by_org_id": "org-x",
                "grounds": "评分不公",
                "status": "pending",
                "decision_reason": "",
            }
        ],
    }
    platform = Platform(
        {
            ("GET", api): (200, publicized),
            ("POST", api + "/objections/obj-1/decision"): (200, {}),
            ("PUT", api + "/agreement"): (200, {}),
        }
    )
    client = console(platform)
    html = client.get("/authorizations/auth-2").text
    assert "处理异议 obj-1" in html and "拟定授权运营协议" not in html
    token = _csrf(client, "/authorizations/auth-2")
    client.post(
        "/authorizations/auth-2/objections/obj-1/decision",
        data={"_csrf_token": token, "reason": "评分有据"},
        follow_redirects=False,
    )
    assert platform.posted(api + "/objections/obj-1/decision") == {
        "uphold": False,
        "reason": "评分有据",
    }
    platform.answers[("GET", api)] = (
        200,
        {
            **publicized,
            "state": "publicity_closed",
            "next_steps": ["agreement_drafted", "tender_cancelled"],
        },
    )
    assert "拟定授权运营协议" in client.get("/authorizations/auth-2").text
    client.post(
        "/authorizations/auth-2/steps/agreement_drafted",
        data={
            "_csrf_token": token,
            "starts_on": "2026-02-01",
            "ends_on": "2029-01-31",
            "sections": "授权范围：全市公共数据\n收益分配: 按年结算\n无冒号的行\n",
        },
        follow_redirects=False,
    )
    put = next(b for m, p, b in platform.calls if m == "PUT" and p == api + "/agreement")
    assert put == {
        "starts_on": "2026-02-01",
        "ends_on": "2029-01-31",
        "sections": {"授权范围": "全市公共数据", "收益分配": "按年结算"},
    }
